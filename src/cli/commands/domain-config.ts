/**
 * The "Domain Management" commands that change a domain's configuration
 * (tools/virsh-domain.c): edit, device attach/detach/update, tuning,
 * pinning, IOThreads, description and metadata, rename, perf events and
 * lifecycle actions.
 */
import type { Connection, Domain } from '../../api/index.js';
import { DomainXMLFlags } from '../../api/constants.js';
import { ErrorCode } from '../../errors.js';
import { DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { editCommand } from '../edit.js';
import { optDomain } from '../lookup.js';
import type { Shell } from '../shell.js';

/** VIR_DOMAIN_DEFINE_VALIDATE. */
const DEFINE_VALIDATE = 1;

/** virshDomainDefine: with flags, falling back to plain define when only --validate is not understood. */
export async function domainDefine(conn: Connection, xml: string, flags: number): Promise<Domain> {
  if (!flags) return conn.domainDefineXML(xml);
  try {
    return await conn.domainDefineXMLFlags(xml, flags);
  } catch (e) {
    if ((e as { code?: number }).code === ErrorCode.NO_SUPPORT && flags === DEFINE_VALIDATE) {
      return conn.domainDefineXML(xml);
    }
    throw e;
  }
}

async function cmdEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let defineFlags = cmd.bool('skip-validate') ? 0 : DEFINE_VALIDATE;
  const conn = ctl.c;
  return editCommand(ctl, {
    dump: () => dom.getXMLDesc(DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE),
    define: async (xml) => {
      using edited = await domainDefine(conn, xml, defineFlags);
      return edited.getName();
    },
    relax: () => { defineFlags &= ~DEFINE_VALIDATE; },
    unchangedMsg: `Domain '${dom.getName()}' XML configuration not changed.\n`,
    changedMsg: (name) => `Domain '${name ?? '(null)'}' XML configuration edited.\n`,
  });
}

export const domainConfigCommands: CmdDef[] = [
  {
    name: 'edit',
    help: 'edit XML configuration for a domain',
    desc: 'Edit the XML configuration for a domain.',
    options: [DOMAIN_OPT, { name: 'skip-validate', type: 'bool', help: 'skip validation of the XML against the schema' }],
    run: cmdEdit,
  },
];
