/**
 * Saving domain state (tools/virsh-domain.c): save, restore, the
 * save-image-* and managedsave* commands, and dump.
 */
import {
  domainCoreDump, domainCoreDumpWithFormat, domainManagedSave, domainManagedSaveDefineXML,
  domainManagedSaveGetXMLDesc, domainManagedSaveRemove, domainRestore, domainRestoreFlags, domainSave,
  domainSaveFlags, domainSaveImageDefineXML, domainSaveImageGetXMLDesc, DumpFlags, DumpFormat,
  SAVE_IMAGE_XML_SECURE, SaveFlags,
} from '../../api/domain-save.js';
import { DomainXMLFlags } from '../../api/constants.js';
import { DOMAIN_OPT, type CmdDef, type OptDef, type ParsedCommand } from '../command.js';
import { editCommand } from '../edit.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll } from '../util.js';
import { exclusive } from './domain.js';

/**
 * virshWatchJob around a worker (virsh runs save, managedsave, dump and
 * migrate in a thread): with --verbose, a finished job shows its 100 %
 * progress line on stderr, without a line break.
 */
export async function watchJob(ctl: Shell, verbose: boolean, label: string, worker: () => Promise<boolean>):
  Promise<boolean> {
  const ok = await worker();
  if (ok && verbose) ctl.io.stderr.write(`\r${label}: [100 %]`);
  return ok;
}

/** --running and --paused as flags. */
function runningPaused(cmd: ParsedCommand): number {
  let flags = 0;
  if (cmd.bool('running')) flags |= SaveFlags.RUNNING;
  if (cmd.bool('paused')) flags |= SaveFlags.PAUSED;
  return flags;
}

/** doSave: the worker's own lookup and the call. */
async function doSave(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const to = cmd.string(ctl, 'file');
  if (to == null) return false;
  let flags = runningPaused(cmd);
  if (cmd.bool('bypass-cache')) flags |= SaveFlags.BYPASS_CACHE;
  const xmlfile = cmd.string(ctl, 'xml');
  if (xmlfile === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let xml: string | null = null;
  if (xmlfile !== undefined) {
    xml = readFileAll(ctl, xmlfile);
    if (xml === null) {
      ctl.reportError();
      return false;
    }
  }
  const rc = await ctl.attempt(flags || xml !== null ? domainSaveFlags(dom, to, xml, flags) : domainSave(dom, to));
  if (rc === FAIL) {
    ctl.error(`Failed to save domain '${r.name}' to ${to}`);
    return false;
  }
  return true;
}

async function cmdSave(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  r.dom.free();
  const to = cmd.string(ctl, 'file');
  if (to == null) return false;
  if (!(await watchJob(ctl, cmd.bool('verbose'), 'Save', () => doSave(ctl, cmd)))) return false;
  ctl.printExtra(`\nDomain '${r.name}' saved to ${to}\n`);
  return true;
}

async function cmdRestore(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  let flags = runningPaused(cmd);
  if (cmd.bool('bypass-cache')) flags |= SaveFlags.BYPASS_CACHE;
  if (cmd.bool('reset-nvram')) flags |= SaveFlags.RESET_NVRAM;
  const xmlfile = cmd.string(ctl, 'xml');
  if (xmlfile === null) return false;
  let xml: string | null = null;
  if (xmlfile !== undefined) {
    xml = readFileAll(ctl, xmlfile);
    if (xml === null) return false;
  }
  const conn = ctl.c;
  const rc = await ctl.attempt(flags || xml !== null ? domainRestoreFlags(conn, from, xml, flags)
    : domainRestore(conn, from));
  if (rc === FAIL) {
    ctl.error(`Failed to restore domain from ${from}`);
    return false;
  }
  ctl.printExtra(`Domain restored from ${from}\n`);
  return true;
}

async function cmdSaveImageDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = runningPaused(cmd);
  const file = cmd.string(ctl, 'file');
  if (file == null) return false;
  const xmlfile = cmd.string(ctl, 'xml');
  if (xmlfile == null) return false;
  const xml = readFileAll(ctl, xmlfile);
  if (xml === null) return false;
  if (await ctl.attempt(domainSaveImageDefineXML(ctl.c, file, xml, flags)) === FAIL) {
    ctl.error(`Failed to update ${file}`);
    return false;
  }
  ctl.printExtra(`State file ${file} updated.\n`);
  return true;
}

async function cmdSaveImageDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('security-info') ? SAVE_IMAGE_XML_SECURE : 0;
  const file = cmd.string(ctl, 'file');
  if (file == null) return false;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(domainSaveImageGetXMLDesc(ctl.c, file, flags));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

async function cmdSaveImageEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = runningPaused(cmd);
  // The define step would always fail on these, looping the edit: reject them up front.
  if (!exclusive(ctl, 'running', cmd.bool('running'), 'paused', cmd.bool('paused'))) return false;
  const file = cmd.string(ctl, 'file');
  if (file == null) return false;
  const conn = ctl.c;
  return editCommand(ctl, {
    dump: () => domainSaveImageGetXMLDesc(conn, file, SAVE_IMAGE_XML_SECURE),
    define: (xml) => domainSaveImageDefineXML(conn, file, xml, flags),
    unchangedMsg: `Saved image ${file} XML configuration not changed.\n`,
    changedMsg: () => `State file ${file} edited.\n`,
  });
}

/** doManagedsave. */
async function doManagedsave(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = runningPaused(cmd);
  if (cmd.bool('bypass-cache')) flags |= SaveFlags.BYPASS_CACHE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  if (await ctl.attempt(domainManagedSave(dom, flags)) === FAIL) {
    ctl.error(`Failed to save domain '${r.name}' state`);
    return false;
  }
  return true;
}

async function cmdManagedsave(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  r.dom.free();
  if (!(await watchJob(ctl, cmd.bool('verbose'), 'Managedsave', () => doManagedsave(ctl, cmd)))) return false;
  ctl.printExtra(`\nDomain '${r.name}' state saved by libvirt\n`);
  return true;
}

async function cmdManagedsaveRemove(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const has = await ctl.attempt(dom.hasManagedSaveImage(0));
  if (has === FAIL) {
    ctl.error('Failed to check for domain managed save image');
    return false;
  }
  if (!has) {
    // virsh leaves the line break to the shell's end-of-command newline.
    ctl.printExtra(`Domain '${r.name}' has no manage save image; removal skipped`);
    return true;
  }
  if (await ctl.attempt(domainManagedSaveRemove(dom, 0)) === FAIL) {
    ctl.error(`Failed to remove managed save image for domain '${r.name}'`);
    return false;
  }
  ctl.printExtra(`Removed managedsave image for domain '${r.name}'`);
  return true;
}

async function cmdManagedsaveDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('security-info') ? DomainXMLFlags.SECURE : 0;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(domainManagedSaveGetXMLDesc(dom, flags));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

async function cmdManagedsaveDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = runningPaused(cmd);
  if (!exclusive(ctl, 'running', cmd.bool('running'), 'paused', cmd.bool('paused'))) return false;
  const xmlfile = cmd.string(ctl, 'xml');
  if (xmlfile == null) return false;
  const xml = readFileAll(ctl, xmlfile);
  if (xml === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  if (await ctl.attempt(domainManagedSaveDefineXML(dom, xml, flags)) === FAIL) {
    ctl.error(`Failed to update ${dom.getName()} XML configuration`);
    return false;
  }
  ctl.printExtra(`Managed save state file of domain '${dom.getName()}' updated.\n`);
  return true;
}

async function cmdManagedsaveEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = runningPaused(cmd);
  if (!exclusive(ctl, 'running', cmd.bool('running'), 'paused', cmd.bool('paused'))) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  return editCommand(ctl, {
    dump: () => domainManagedSaveGetXMLDesc(dom, DomainXMLFlags.SECURE),
    define: (xml) => domainManagedSaveDefineXML(dom, xml, flags),
    unchangedMsg: `Managed save image of domain '${dom.getName()}' XML configuration not changed.\n`,
    changedMsg: () => `Managed save image of Domain '${dom.getName()}' XML configuration edited.\n`,
  });
}

/** The --format names of dump --memory-only. */
const DUMP_FORMATS: Record<string, number> = {
  'kdump-zlib': DumpFormat.KDUMP_ZLIB, 'kdump-lzo': DumpFormat.KDUMP_LZO, 'kdump-snappy': DumpFormat.KDUMP_SNAPPY,
  'win-dmp': DumpFormat.WIN_DMP, elf: DumpFormat.RAW,
};

/** doDump. */
async function doDump(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const to = cmd.string(ctl, 'file');
  if (to == null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let flags = 0;
  if (cmd.bool('live')) flags |= DumpFlags.LIVE;
  if (cmd.bool('crash')) flags |= DumpFlags.CRASH;
  if (cmd.bool('bypass-cache')) flags |= DumpFlags.BYPASS_CACHE;
  if (cmd.bool('reset')) flags |= DumpFlags.RESET;
  if (cmd.bool('memory-only')) flags |= DumpFlags.MEMORY_ONLY;
  let format: number = DumpFormat.RAW;
  if (cmd.bool('format')) {
    if (!(flags & DumpFlags.MEMORY_ONLY)) {
      ctl.error('--format only works with --memory-only');
      return false;
    }
    const f = cmd.stringQuiet('format');
    if (f.rc === 1) {
      const n = Object.hasOwn(DUMP_FORMATS, f.value) ? DUMP_FORMATS[f.value] : undefined;
      if (n === undefined) {
        ctl.error(`format '${f.value}' is not supported, expecting 'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp' or 'elf'`);
        return false;
      }
      format = n;
    }
  }
  const rc = await ctl.attempt(format !== DumpFormat.RAW ? domainCoreDumpWithFormat(dom, to, format, flags)
    : domainCoreDump(dom, to, flags));
  if (rc === FAIL) {
    ctl.error(`Failed to core dump domain '${r.name}' to ${to}`);
    return false;
  }
  return true;
}

async function cmdDump(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  r.dom.free();
  const to = cmd.string(ctl, 'file');
  if (to == null) return false;
  if (!(await watchJob(ctl, cmd.bool('verbose'), 'Dump', () => doDump(ctl, cmd)))) return false;
  ctl.printExtra(`\nDomain '${r.name}' dumped to ${to}\n`);
  return true;
}

const RUNNING_PAUSED = (when: string): OptDef[] => [
  { name: 'running', type: 'bool', help: `set domain to be running on ${when}` },
  { name: 'paused', type: 'bool', help: `set domain to be paused on ${when}` },
];
const XML_OPT: OptDef = { name: 'xml', type: 'string', help: 'filename containing updated XML for the target' };
const XPATH_OPTS: OptDef[] = [
  { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
  { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
];

/** The saving commands of the "Domain Management" group. */
export const domainSaveCommands: CmdDef[] = [
  {
    name: 'dump',
    help: 'dump the core of a domain to a file for analysis',
    desc: 'Core dump a domain.',
    options: [
      DOMAIN_OPT,
      { name: 'file', type: 'data', help: 'where to dump the core', required: true },
      { name: 'live', type: 'bool', help: 'perform a live core dump if supported' },
      { name: 'crash', type: 'bool', help: 'crash the domain after core dump' },
      { name: 'bypass-cache', type: 'bool', help: 'avoid file system cache when dumping' },
      { name: 'reset', type: 'bool', help: 'reset the domain after core dump' },
      { name: 'verbose', type: 'bool', help: 'display the progress of dump' },
      { name: 'memory-only', type: 'bool', help: 'dump domain\'s memory only' },
      { name: 'format', type: 'string', help: 'specify the format of memory-only dump' },
    ],
    run: cmdDump,
  },
  {
    name: 'managedsave',
    help: 'managed save of a domain state',
    desc: 'Save and destroy a running domain, so it can be restarted from\n'
      + '    the same state at a later time.  When the virsh \'start\'\n'
      + '    command is next run for the domain, it will automatically\n'
      + '    be started from this saved state.',
    options: [
      DOMAIN_OPT,
      { name: 'bypass-cache', type: 'bool', help: 'avoid file system cache when saving' },
      ...RUNNING_PAUSED('next start'),
      { name: 'verbose', type: 'bool', help: 'display the progress of save' },
    ],
    run: cmdManagedsave,
  },
  {
    name: 'managedsave-remove',
    help: 'Remove managed save of a domain',
    desc: 'Remove an existing managed save state file from a domain',
    options: [DOMAIN_OPT],
    run: cmdManagedsaveRemove,
  },
  {
    name: 'managedsave-edit',
    help: 'edit XML for a domain\'s managed save state file',
    desc: 'Edit the domain XML associated with the managed save state file',
    options: [DOMAIN_OPT, ...RUNNING_PAUSED('start')],
    run: cmdManagedsaveEdit,
  },
  {
    name: 'managedsave-dumpxml',
    help: 'Domain information of managed save state file in XML',
    desc: 'Dump XML of domain information for a managed save state file to stdout.',
    options: [
      DOMAIN_OPT,
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
      ...XPATH_OPTS,
    ],
    run: cmdManagedsaveDumpxml,
  },
  {
    name: 'managedsave-define',
    help: 'redefine the XML for a domain\'s managed save state file',
    desc: 'Replace the domain XML associated with a managed save state file',
    options: [DOMAIN_OPT, { ...XML_OPT, type: 'data', required: true }, ...RUNNING_PAUSED('start')],
    run: cmdManagedsaveDefine,
  },
  {
    name: 'restore',
    help: 'restore a domain from a saved state in a file',
    desc: 'Restore a domain.',
    options: [
      { name: 'file', type: 'data', help: 'the state to restore', required: true },
      { name: 'bypass-cache', type: 'bool', help: 'avoid file system cache when restoring' },
      XML_OPT,
      { name: 'running', type: 'bool', help: 'restore domain into running state' },
      { name: 'paused', type: 'bool', help: 'restore domain into paused state' },
      { name: 'reset-nvram', type: 'bool', help: 're-initialize NVRAM from its pristine template' },
    ],
    run: cmdRestore,
  },
  {
    name: 'save',
    help: 'save a domain state to a file',
    desc: 'Save the RAM state of a running domain.',
    options: [
      DOMAIN_OPT,
      { name: 'file', type: 'data', help: 'where to save the data', required: true },
      { name: 'bypass-cache', type: 'bool', help: 'avoid file system cache when saving' },
      XML_OPT,
      { name: 'running', type: 'bool', help: 'set domain to be running on restore' },
      { name: 'paused', type: 'bool', help: 'set domain to be paused on restore' },
      { name: 'verbose', type: 'bool', help: 'display the progress of save' },
    ],
    run: cmdSave,
  },
  {
    name: 'save-image-define',
    help: 'redefine the XML for a domain\'s saved state file',
    desc: 'Replace the domain XML associated with a saved state file',
    options: [
      { name: 'file', type: 'data', help: 'saved state file to modify', required: true },
      { ...XML_OPT, type: 'data', required: true },
      ...RUNNING_PAUSED('restore'),
    ],
    run: cmdSaveImageDefine,
  },
  {
    name: 'save-image-dumpxml',
    help: 'saved state domain information in XML',
    desc: 'Dump XML of domain information for a saved state file to stdout.',
    options: [
      { name: 'file', type: 'data', help: 'saved state file to read', required: true },
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
      ...XPATH_OPTS,
    ],
    run: cmdSaveImageDumpxml,
  },
  {
    name: 'save-image-edit',
    help: 'edit XML for a domain\'s saved state file',
    desc: 'Edit the domain XML associated with a saved state file',
    options: [
      { name: 'file', type: 'data', help: 'saved state file to edit', required: true },
      ...RUNNING_PAUSED('restore'),
    ],
    run: cmdSaveImageEdit,
  },
];
