/**
 * The "Networking" group (tools/virsh-network.c): virtual networks.
 */
import type { Network } from '../../api/index.js';
import { ConnectListAllNetworksFlags as L } from '../../api/constants.js';
import { ErrorCode, ErrorDomain } from '../../errors.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { padEnd, strcasecmp, Table } from '../format.js';
import { BY_NAME, BY_UUID, freeAll, optNetwork } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll, unsupported } from '../util.js';

/** VIR_NETWORK_XML_INACTIVE. */
const XML_INACTIVE = 1;

async function cmdNetAutostart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const autostart = !cmd.bool('disable');
  if (await ctl.attempt(net.setAutostart(autostart)) === FAIL) {
    ctl.error(autostart ? `failed to mark network ${r.name} as autostarted`
      : `failed to unmark network ${r.name} as autostarted`);
    return false;
  }
  ctl.printExtra(autostart ? `Network ${r.name} marked as autostarted\n` : `Network ${r.name} unmarked as autostarted\n`);
  return true;
}

/** net-create and net-define: an XML file through one API call. */
async function fromFile(ctl: Shell, cmd: ParsedCommand, verb: 'create' | 'define'): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const validate = cmd.bool('validate');
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  const api = verb === 'create' ? 'virNetworkCreateXMLFlags' : 'virNetworkDefineXMLFlags';
  const net = validate
    ? await ctl.attempt(Promise.reject(unsupported(api, ErrorDomain.NETWORK)))
    : await ctl.attempt(verb === 'create' ? ctl.c.networkCreateXML(buffer) : ctl.c.networkDefineXML(buffer));
  if (net === FAIL) {
    ctl.error(`Failed to ${verb} network from ${from}`);
    return false;
  }
  using n = net;
  ctl.printExtra(`Network ${n.getName()} ${verb === 'create' ? 'created' : 'defined'} from ${from}\n`);
  return true;
}

function cmdNetCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return fromFile(ctl, cmd, 'create');
}

function cmdNetDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return fromFile(ctl, cmd, 'define');
}

async function cmdNetDestroy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  if (await ctl.attempt(net.destroy()) === FAIL) {
    ctl.error(`Failed to destroy network ${r.name}`);
    return false;
  }
  ctl.printExtra(`Network ${r.name} destroyed\n`);
  return true;
}

async function cmdNetDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const flags = cmd.bool('inactive') ? XML_INACTIVE : 0;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(net.getXMLDesc(flags));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

async function cmdNetInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 15)} ${value}\n`);
  line('Name:', net.getName());
  line('UUID:', net.getUUIDString());
  const active = await ctl.attempt(net.isActive());
  if (active !== FAIL) line('Active:', active ? 'yes' : 'no');
  const persistent = await ctl.attempt(net.isPersistent());
  line('Persistent:', persistent === FAIL ? 'unknown' : persistent ? 'yes' : 'no');
  const autostart = await ctl.attempt(net.getAutostart());
  line('Autostart:', autostart === FAIL ? 'no autostart' : autostart ? 'yes' : 'no');
  const bridge = await ctl.attempt(net.getBridgeName());
  if (bridge !== FAIL) line('Bridge:', bridge);
  return true;
}

const FILTERS_ACTIVE = L.ACTIVE | L.INACTIVE;
const FILTERS_PERSISTENT = L.PERSISTENT | L.TRANSIENT;
const FILTERS_AUTOSTART = L.AUTOSTART | L.NO_AUTOSTART;

/** virshNetworkListCollect (listing with flags, the INVALID_ARG retry filtered here). */
async function collectNetworks(ctl: Shell, flags: number): Promise<Network[] | null> {
  const sort = (l: Network[]) => l.sort((a, b) => strcasecmp(a.getName(), b.getName()));
  const all = await ctl.attempt(ctl.c.listAllNetworks(flags));
  if (all !== FAIL) return sort(all);
  if (ctl.lastErrorCode === ErrorCode.INVALID_ARG) {
    ctl.resetError();
    const list = await ctl.attempt(ctl.c.listAllNetworks(flags & FILTERS_ACTIVE));
    if (list !== FAIL) {
      const match = (f: number) => (flags & f) !== 0;
      const kept: Network[] = [];
      for (let i = 0; i < list.length; i++) {
        const net = list[i]!;
        let keep = true;
        const fail = (msg: string) => {
          ctl.error(msg);
          freeAll(kept);
          freeAll(list.slice(i));
          return null;
        };
        if (match(FILTERS_PERSISTENT)) {
          const p = await ctl.attempt(net.isPersistent());
          if (p === FAIL) return fail('Failed to get network persistence info');
          keep = (match(L.PERSISTENT) && p) || (match(L.TRANSIENT) && !p);
        }
        if (keep && match(FILTERS_AUTOSTART)) {
          const a = await ctl.attempt(net.getAutostart());
          if (a === FAIL) return fail('Failed to get network autostart state');
          keep = (match(L.AUTOSTART) && a) || (match(L.NO_AUTOSTART) && !a);
        }
        if (keep) kept.push(net);
        else net.free();
      }
      return sort(kept);
    }
  }
  ctl.error('Failed to list networks');
  return null;
}

async function cmdNetList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const optName = cmd.bool('name');
  let optTable = cmd.bool('table');
  const optUUID = cmd.bool('uuid');
  let flags: number = L.ACTIVE;
  if (cmd.bool('inactive')) flags = L.INACTIVE;
  if (cmd.bool('all')) flags = L.ACTIVE | L.INACTIVE;
  if (cmd.bool('persistent')) flags |= L.PERSISTENT;
  if (cmd.bool('transient')) flags |= L.TRANSIENT;
  if (cmd.bool('autostart')) flags |= L.AUTOSTART;
  if (cmd.bool('no-autostart')) flags |= L.NO_AUTOSTART;
  if (Number(optTable) + Number(optName) + Number(optUUID) > 1) {
    ctl.error('Only one argument from --table, --name and --uuid may be specified.');
    return false;
  }
  if (!optUUID && !optName) optTable = true;
  const list = await collectNetworks(ctl, flags);
  if (!list) return false;
  try {
    const table = optTable ? new Table('Name', 'State', 'Autostart', 'Persistent') : null;
    for (const net of list) {
      if (table) {
        const autostart = await ctl.attempt(net.getAutostart());
        // The C code tests these ints directly, so an error reads as true.
        const active = await ctl.attempt(net.isActive());
        const persistent = await ctl.attempt(net.isPersistent());
        table.add(net.getName(), active === false ? 'inactive' : 'active',
          autostart === FAIL ? 'no autostart' : autostart ? 'yes' : 'no',
          persistent === false ? 'no' : 'yes');
      } else if (optUUID) {
        ctl.print(`${net.getUUIDString()}\n`);
      } else if (optName) {
        ctl.print(`${net.getName()}\n`);
      }
    }
    if (table) ctl.print(table.render(!ctl.quiet, ctl.io.env));
    return true;
  } finally {
    freeAll(list);
  }
}

async function cmdNetName(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd, BY_UUID);
  if (!r) return false;
  using net = r.net;
  ctl.print(`${net.getName()}\n`);
  return true;
}

async function cmdNetStart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  if (await ctl.attempt(net.create()) === FAIL) {
    ctl.error(`Failed to start network ${r.name}`);
    return false;
  }
  ctl.printExtra(`Network ${r.name} started\n`);
  return true;
}

async function cmdNetUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  if (await ctl.attempt(net.undefine()) === FAIL) {
    ctl.error(`Failed to undefine network ${r.name}`);
    return false;
  }
  ctl.printExtra(`Network ${r.name} has been undefined\n`);
  return true;
}

async function cmdNetUuid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd, BY_NAME);
  if (!r) return false;
  using net = r.net;
  ctl.print(`${net.getUUIDString()}\n`);
  return true;
}

/** The "Networking" commands, in virsh's order. */
export const networkCommands: CmdDef[] = [
  {
    name: 'net-autostart',
    help: 'autostart a network',
    desc: 'Configure a network to be automatically started at boot.',
    options: [
      { name: 'network', type: 'data', help: 'network name or uuid', required: true },
      { name: 'disable', type: 'bool', help: 'disable autostarting' },
    ],
    run: cmdNetAutostart,
  },
  {
    name: 'net-create',
    help: 'create a network from an XML file',
    desc: 'Create a network.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML network description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdNetCreate,
  },
  {
    name: 'net-define',
    help: 'define an inactive persistent virtual network or modify an existing persistent one from an XML file',
    desc: 'Define or modify a persistent virtual network.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML network description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdNetDefine,
  },
  {
    name: 'net-destroy',
    help: 'destroy (stop) a network',
    desc: 'Forcefully stop a given network.',
    options: [
      { name: 'network', type: 'data', help: 'network name or uuid', required: true },
    ],
    run: cmdNetDestroy,
  },
  {
    name: 'net-dumpxml',
    help: 'network information in XML',
    desc: 'Output the network information as an XML dump to stdout.',
    options: [
      { name: 'network', type: 'data', help: 'network name or uuid', required: true },
      { name: 'inactive', type: 'bool', help: 'show inactive defined XML' },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdNetDumpxml,
  },
  {
    name: 'net-info',
    help: 'network information',
    desc: 'Returns basic information about the network',
    options: [
      { name: 'network', type: 'data', help: 'network name or uuid', required: true },
    ],
    run: cmdNetInfo,
  },
  {
    name: 'net-list',
    help: 'list networks',
    desc: 'Returns list of networks.',
    options: [
      { name: 'inactive', type: 'bool', help: 'list inactive networks' },
      { name: 'all', type: 'bool', help: 'list inactive & active networks' },
      { name: 'persistent', type: 'bool', help: 'list persistent networks' },
      { name: 'transient', type: 'bool', help: 'list transient networks' },
      { name: 'autostart', type: 'bool', help: 'list networks with autostart enabled' },
      { name: 'no-autostart', type: 'bool', help: 'list networks with autostart disabled' },
      { name: 'uuid', type: 'bool', help: 'list uuid\'s only' },
      { name: 'name', type: 'bool', help: 'list network names only' },
      { name: 'table', type: 'bool', help: 'list table (default)' },
    ],
    run: cmdNetList,
  },
  {
    name: 'net-name',
    help: 'convert a network UUID to network name',
    desc: '',
    options: [
      { name: 'network', type: 'data', help: 'network uuid', required: true },
    ],
    run: cmdNetName,
  },
  {
    name: 'net-start',
    help: 'start a (previously defined) inactive network',
    desc: 'Start a network.',
    options: [
      { name: 'network', type: 'data', help: 'network name or uuid', required: true },
    ],
    run: cmdNetStart,
  },
  {
    name: 'net-undefine',
    help: 'undefine a persistent network',
    desc: 'Undefine the configuration for a persistent network.',
    options: [
      { name: 'network', type: 'data', help: 'network name or uuid', required: true },
    ],
    run: cmdNetUndefine,
  },
  {
    name: 'net-uuid',
    help: 'convert a network name to network UUID',
    desc: '',
    options: [
      { name: 'network', type: 'data', help: 'network name', required: true },
    ],
    run: cmdNetUuid,
  },
];

