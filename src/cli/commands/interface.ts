/**
 * The "Interface" group (tools/virsh-interface.c): host interfaces.
 */
import type { Interface } from '../../api/index.js';
import { ConnectListAllInterfacesFlags } from '../../api/constants.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { strcasecmp, Table } from '../format.js';
import { freeAll } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML } from '../util.js';
import { exclusive } from './domain.js';

export const BY_NAME = 1;
export const BY_MAC = 2;
/** VIR_INTERFACE_XML_INACTIVE. */
const XML_INACTIVE = 1;

/** virMacAddrParse: six 1-2 digit hex fields separated by ':'. */
function isMac(s: string): boolean {
  return /^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}([\x00-\x20]|$)/.test(s);
}

/** virshCommandOptInterfaceBy: the interface the option `optname` names, by name or by MAC. */
export async function optInterface(ctl: Shell, cmd: ParsedCommand, flags = BY_NAME | BY_MAC, optname = 'interface'):
  Promise<Interface | null> {
  const n = cmd.string(ctl, optname);
  if (n == null) return null;
  ctl.debugMsg(1, `${cmd.name}: found option <${optname}>: ${n}\n`);
  const mac = isMac(n);
  let iface: Interface | typeof FAIL | null = null;
  if (!mac && (flags & BY_NAME)) {
    ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as interface NAME\n`);
    iface = await ctl.attempt(ctl.c.interfaceLookupByName(n));
  } else if (mac && (flags & BY_MAC)) {
    ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as interface MAC\n`);
    iface = await ctl.attempt(ctl.c.interfaceLookupByMACString(n));
  }
  if (iface === null || iface === FAIL) {
    ctl.error(`failed to get interface '${n}'`);
    return null;
  }
  return iface;
}

async function cmdIfaceDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('inactive') ? XML_INACTIVE : 0;
  using iface = await optInterface(ctl, cmd);
  if (!iface) return false;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(iface.getXMLDesc(flags));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

async function cmdIfaceList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const inactive = cmd.bool('inactive');
  const all = cmd.bool('all');
  if (!exclusive(ctl, 'all', all, 'inactive', inactive)) return false;
  let flags: number = ConnectListAllInterfacesFlags.ACTIVE;
  if (inactive) flags = ConnectListAllInterfacesFlags.INACTIVE;
  if (all) flags = ConnectListAllInterfacesFlags.INACTIVE | ConnectListAllInterfacesFlags.ACTIVE;
  const list = await ctl.attempt(ctl.c.listAllInterfaces(flags));
  if (list === FAIL) {
    ctl.error('Failed to list interfaces');
    return false;
  }
  try {
    list.sort((a, b) => strcasecmp(a.getName(), b.getName()));
    const table = new Table('Name', 'State', 'MAC Address');
    for (const iface of list) {
      const active = await ctl.attempt(iface.isActive());
      // An error counts as true here, as the C code tests the int.
      table.add(iface.getName(), active === false ? 'inactive' : 'active', iface.getMACString());
    }
    ctl.print(table.render(!ctl.quiet, ctl.io.env));
    return true;
  } finally {
    freeAll(list);
  }
}

async function cmdIfaceMac(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using iface = await optInterface(ctl, cmd, BY_NAME);
  if (!iface) return false;
  ctl.print(`${iface.getMACString()}\n`);
  return true;
}

async function cmdIfaceName(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using iface = await optInterface(ctl, cmd, BY_MAC);
  if (!iface) return false;
  ctl.print(`${iface.getName()}\n`);
  return true;
}

/** The "Interface" commands, in virsh's order. */
export const interfaceCommands: CmdDef[] = [
  {
    name: 'iface-dumpxml',
    help: 'interface information in XML',
    desc: 'Output the physical host interface information as an XML dump to stdout.',
    options: [
      { name: 'interface', type: 'data', help: 'interface name or MAC address', required: true },
      { name: 'inactive', type: 'bool', help: 'show inactive defined XML' },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdIfaceDumpxml,
  },
  {
    name: 'iface-list',
    help: 'list physical host interfaces',
    desc: 'Returns list of physical host interfaces.',
    options: [
      { name: 'inactive', type: 'bool', help: 'list inactive interfaces' },
      { name: 'all', type: 'bool', help: 'list inactive & active interfaces' },
    ],
    run: cmdIfaceList,
  },
  {
    name: 'iface-mac',
    help: 'convert an interface name to interface MAC address',
    desc: '',
    options: [
      { name: 'interface', type: 'data', help: 'interface name', required: true },
    ],
    run: cmdIfaceMac,
  },
  {
    name: 'iface-name',
    help: 'convert an interface MAC address to interface name',
    desc: '',
    options: [
      { name: 'interface', type: 'data', help: 'interface mac', required: true },
    ],
    run: cmdIfaceName,
  },
];

