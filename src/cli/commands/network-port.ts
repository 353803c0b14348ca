/**
 * Network ports and DHCP leases of the "Networking" group
 * (tools/virsh-network.c): net-dhcp-leases and net-port-*. libvirt 9.0's
 * test driver implements neither, so on test:/// they stop at the first
 * library call; virsh's return codes are kept, including the commands that
 * report success after a failed lookup (net-port-dumpxml, net-port-delete).
 */
import { parseUUID } from '../../api/connection.js';
import type { Network } from '../../api/index.js';
import type { CmdDef, OptDef, ParsedCommand } from '../command.js';
import { strcasecmp, Table } from '../format.js';
import { optNetwork } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll } from '../util.js';

/** VIR_NETWORK_PORT_CREATE_VALIDATE. */
const PORT_CREATE_VALIDATE = 1 << 1;
/** virIPAddrType. */
const IP_ADDR_TYPE_IPV4 = 0;
const IP_ADDR_TYPE_IPV6 = 1;

interface PortRef { net: { name: string; uuid: string }; uuid: string }

/** virshCommandOptNetworkPort: the `port` option as a UUID of `net`. */
async function optPort(ctl: Shell, cmd: ParsedCommand, net: Network): Promise<PortRef | null> {
  const n = cmd.string(ctl, 'port');
  if (n == null) return null;
  ctl.debugMsg(1, `${cmd.name}: found option <port>: ${n}\n`);
  ctl.debugMsg(0, `${cmd.name}: <port> trying as network UUID\n`);
  const r = await ctl.attempt(async () => (await ctl.c.call('networkPortLookupByUUID',
    { network: net.ref, uuid: parseUUID(n, 'virNetworkPortLookupByUUIDString') })).port);
  if (r === FAIL) {
    ctl.error(`failed to get network port '${n}'`);
    return null;
  }
  return r;
}

/** g_date_time_format(g_date_time_new_from_unix_local(s), "%Y-%m-%d %H:%M:%S"). */
function localTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} `
    + `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

async function cmdNetworkDHCPLeases(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const mac = cmd.string(ctl, 'mac');
  if (mac === null) return false;
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const res = await ctl.attempt(ctl.c.call('networkGetDHCPLeases', { net: net.ref, mac: mac ?? null, need_results: 1, flags: 0 }));
  if (res === FAIL) {
    ctl.error(`Failed to get leases info for ${r.name}`);
    return false;
  }
  const leases = [...res.leases].sort((a, b) => strcasecmp(a.mac ?? '', b.mac ?? ''));
  const table = new Table('Expiry Time', 'MAC address', 'Protocol', 'IP address', 'Hostname', 'Client ID or DUID');
  for (const l of leases) {
    const type = l.type === IP_ADDR_TYPE_IPV4 ? 'ipv4' : l.type === IP_ADDR_TYPE_IPV6 ? 'ipv6' : '-';
    table.add(localTime(Number(l.expirytime)), l.mac ?? '-', type, `${l.ipaddr}/${l.prefix}`,
      l.hostname ?? '-', l.clientid ?? '-');
  }
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

async function cmdNetworkPortCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = cmd.bool('validate') ? PORT_CREATE_VALIDATE : 0;
  const xml = readFileAll(ctl, from);
  if (xml === null) return false;
  const port = await ctl.attempt(ctl.c.call('networkPortCreateXML', { network: net.ref, xml, flags }));
  if (port === FAIL) {
    ctl.error(`Failed to create network from ${from}`);
    return false;
  }
  ctl.printExtra(`Network port ${port.port.uuid} created from ${from}\n`);
  return true;
}

async function cmdNetworkPortDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const wrap = cmd.bool('wrap');
  const r = await optNetwork(ctl, cmd);
  // virsh 9.0 returns success when the network or the port is not found.
  if (!r) return true;
  using net = r.net;
  const port = await optPort(ctl, cmd, net);
  if (!port) return true;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const x = await ctl.attempt(ctl.c.call('networkPortGetXMLDesc', { port, flags: 0 }));
  if (x === FAIL) return true;
  return dumpXML(ctl, x.xml, xpath.rc === 1 ? xpath.value : undefined, wrap);
}

async function cmdNetworkPortDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  // virsh 9.0 returns success on every path of this command.
  const r = await optNetwork(ctl, cmd);
  if (!r) return true;
  using net = r.net;
  const port = await optPort(ctl, cmd, net);
  if (!port) return true;
  if (await ctl.attempt(ctl.c.call('networkPortDelete', { port, flags: 0 })) === FAIL) {
    ctl.error(`Failed to delete network port ${port.uuid}`);
  } else {
    ctl.printExtra(`Network port ${port.uuid} deleted\n`);
  }
  return true;
}

async function cmdNetworkPortList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const optUUID = cmd.bool('uuid');
  let optTable = cmd.bool('table');
  if (optTable && optUUID) {
    ctl.error('Only one argument from --table and --uuid may be specified.');
    return false;
  }
  if (!optUUID) optTable = true;
  const r = await optNetwork(ctl, cmd);
  if (!r) return false;
  using net = r.net;
  const res = await ctl.attempt(ctl.c.call('networkListAllPorts', { network: net.ref, need_results: 1, flags: 0 }));
  if (res === FAIL) return false;
  // virshNetworkPortSorter compares the raw UUID bytes, which the lowercase hex text orders alike.
  const ports = [...res.ports].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  if (optTable) {
    const table = new Table('UUID');
    for (const p of ports) table.add(p.uuid);
    ctl.print(table.render(!ctl.quiet, ctl.io.env));
  } else {
    for (const p of ports) ctl.print(`${p.uuid}\n`);
  }
  return true;
}

const NETWORK_OPT: OptDef = { name: 'network', type: 'data', help: 'network name or uuid', required: true };
const PORT_OPT: OptDef = { name: 'port', type: 'data', help: 'port UUID', required: true };

/** net-dhcp-leases and the net-port-* commands. */
export const networkPortCommands: CmdDef[] = [
  {
    name: 'net-dhcp-leases',
    help: 'print lease info for a given network',
    desc: 'Print lease info for a given network',
    options: [NETWORK_OPT, { name: 'mac', type: 'string', help: 'MAC address' }],
    run: cmdNetworkDHCPLeases,
  },
  {
    name: 'net-port-list',
    help: 'list network ports',
    desc: 'Returns list of network ports.',
    options: [
      NETWORK_OPT,
      { name: 'uuid', type: 'bool', help: 'list uuid\'s only' },
      { name: 'table', type: 'bool', help: 'list table (default)' },
    ],
    run: cmdNetworkPortList,
  },
  {
    name: 'net-port-create',
    help: 'create a network port from an XML file',
    desc: 'Create a network port.',
    options: [
      NETWORK_OPT,
      { name: 'file', type: 'data', help: 'file containing an XML network port description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdNetworkPortCreate,
  },
  {
    name: 'net-port-dumpxml',
    help: 'network port information in XML',
    desc: 'Output the network port information as an XML dump to stdout.',
    options: [
      NETWORK_OPT, PORT_OPT,
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdNetworkPortDumpXML,
  },
  {
    name: 'net-port-delete',
    help: 'delete the specified network port',
    desc: 'Delete the specified network port.',
    options: [NETWORK_OPT, PORT_OPT],
    run: cmdNetworkPortDelete,
  },
];
