/**
 * The "Networking" commands that change a network's configuration
 * (tools/virsh-network.c): net-update, one add/delete/modify of a section
 * with the XML given inline (starting with '<') or as a file name, and
 * net-edit on the shared *-edit flow.
 */
import { ErrorCode } from '../../errors.js';
import type { Network } from '../../api/index.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { editCommand } from '../edit.js';
import { optNetwork } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll } from '../util.js';
import { affectFlags } from './domain.js';

/** virNetworkUpdateCommand, by the names virsh accepts ("add" is "add-last"). */
const COMMANDS = ['none', 'modify', 'delete', 'add-last', 'add-first'];
/** virNetworkUpdateSection, by name. */
const SECTIONS = ['none', 'bridge', 'domain', 'ip', 'ip-dhcp-host', 'ip-dhcp-range', 'forward', 'forward-interface',
  'forward-pf', 'portgroup', 'dns-host', 'dns-txt', 'dns-srv'];
/** VIR_NETWORK_UPDATE_AFFECT_*. */
const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;

async function cmdNetworkUpdate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const ok = await update(ctl, cmd);
  // cmdNetworkUpdate ends with vshReportError, on success too.
  ctl.reportError();
  return ok;
}

async function update(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  // VIR_NETWORK_UPDATE_AFFECT_LIVE/_CONFIG are the domain's bits.
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const live = (flags & AFFECT_LIVE) !== 0;
  const config = (flags & AFFECT_CONFIG) !== 0;
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const commandStr = cmd.string(ctl, 'command');
  if (commandStr == null) return false;
  const command = commandStr === 'add' ? COMMANDS.indexOf('add-last') : COMMANDS.indexOf(commandStr);
  if (command <= 0) {
    ctl.error(`unrecognized command name '${commandStr}'`);
    return false;
  }
  const sectionStr = cmd.string(ctl, 'section');
  if (sectionStr == null) return false;
  const section = SECTIONS.indexOf(sectionStr);
  if (section <= 0) {
    ctl.error(`unrecognized section name '${sectionStr}'`);
    return false;
  }
  const parentIndex = cmd.int(ctl, 'parent-index');
  if (parentIndex === null) return false;
  let xml = cmd.string(ctl, 'xml');
  if (xml == null) return false;
  if (!xml.startsWith('<')) {
    xml = readFileAll(ctl, xml);
    if (xml === null) return false;
  }
  const res = await ctl.attempt(ctl.c.call('networkUpdate',
    { net: net.ref, command, section, parentIndex: parentIndex ?? -1, xml, flags }));
  if (res === FAIL) {
    ctl.error(`Failed to update network ${net.getName()}`);
    return false;
  }
  const name = net.getName();
  if (config) {
    ctl.printExtra(live ? `Updated network ${name} persistent config and live state` : `Updated network ${name} persistent config`);
  } else if (live) {
    ctl.printExtra(`Updated network ${name} live state`);
  } else {
    // An error counts as active: virsh tests the int.
    const active = await ctl.attempt(net.isActive());
    ctl.printExtra(active !== false ? `Updated network ${name} live state` : `Updated network ${name} persistent config`);
  }
  return true;
}

/** VIR_NETWORK_XML_INACTIVE. */
const XML_INACTIVE = 1;

/** virshNetworkGetXMLDesc: the inactive XML, or the XML when the driver refuses the flag. */
async function inactiveXML(ctl: Shell, net: Network): Promise<string> {
  try {
    return await net.getXMLDesc(XML_INACTIVE);
  } catch (e) {
    if ((e as { code?: number }).code !== ErrorCode.INVALID_ARG) throw e;
    ctl.resetError();
    return net.getXMLDesc(0);
  }
}

async function cmdNetworkEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const conn = ctl.c;
  return editCommand(ctl, {
    dump: () => inactiveXML(ctl, net),
    define: async (xml) => {
      using edited = await conn.networkDefineXML(xml);
      return edited.getName();
    },
    unchangedMsg: `Network ${net.getName()} XML configuration not changed.\n`,
    changedMsg: (name) => `Network ${name ?? '(null)'} XML configuration edited.\n`,
  });
}

/** net-update and net-edit. */
export const networkUpdateCommands: CmdDef[] = [
  {
    name: 'net-update',
    help: 'update parts of an existing network\'s configuration',
    desc: '',
    options: [
      { name: 'network', type: 'data', help: 'network name or uuid', required: true },
      { name: 'command', type: 'data', help: 'type of update (add-first, add-last (add), delete, or modify)', required: true },
      { name: 'section', type: 'data', help: 'which section of network configuration to update', required: true },
      {
        name: 'xml', type: 'data', required: true,
        help: 'name of file containing xml (or, if it starts with \'<\', the complete xml element itself) to add/modify, or to be matched for search',
      },
      { name: 'parent-index', type: 'int', help: 'which parent object to search through' },
      { name: 'config', type: 'bool', help: 'affect next network startup' },
      { name: 'live', type: 'bool', help: 'affect running network' },
      { name: 'current', type: 'bool', help: 'affect current state of network' },
    ],
    run: cmdNetworkUpdate,
  },
  {
    name: 'net-edit',
    help: 'edit XML configuration for a network',
    desc: 'Edit the XML configuration for a network.',
    options: [{ name: 'network', type: 'data', help: 'network name or uuid', required: true }],
    run: cmdNetworkEdit,
  },
];
