/**
 * The "Host and Hypervisor" group (tools/virsh-host.c).
 */
import { parseXml, type XmlElement } from '../../util/xml.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { padEnd, padStart } from '../format.js';
import { FAIL, type Shell } from '../shell.js';
import { VERSION } from '../version.js';
import { bitmapDataFormat, exclusive } from './domain.js';

async function cmdCapabilities(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  const caps = await ctl.attempt(ctl.c.getCapabilities());
  if (caps === FAIL) {
    ctl.error('failed to get capabilities');
    return false;
  }
  ctl.print(`${caps}\n`);
  return true;
}

/** The elements at a child path below `root`. */
export function select(root: XmlElement, path: string[]): XmlElement[] {
  let cur = [root];
  for (const name of path) cur = cur.flatMap((e) => e.children.filter((c) => c.name === name));
  return cur;
}

async function cmdFreecell(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool('all');
  const cellno = cmd.bool('cellno');
  if (!exclusive(ctl, 'all', all, 'cellno', cellno)) return false;
  let cell = -1;
  if (cellno) {
    const c = cmd.int(ctl, 'cellno');
    if (c === null) return false;
    cell = c ?? -1;
  }
  if (!all) {
    if (cellno) {
      const mem = await ctl.attempt(ctl.c.nodeGetCellsFreeMemory(cell, 1));
      if (mem === FAIL || mem.length !== 1) return false;
      ctl.print(`${cell}: ${Math.floor(mem[0]! / 1024)} KiB\n`);
      return true;
    }
    const mem = await ctl.attempt(ctl.c.nodeGetFreeMemory());
    if (mem === FAIL || mem === 0) return false;
    ctl.print(`Total: ${Math.floor(mem / 1024)} KiB\n`);
    return true;
  }
  const capXml = await ctl.attempt(ctl.c.getCapabilities());
  if (capXml === FAIL) {
    ctl.error('unable to get node capabilities');
    return false;
  }
  let root: XmlElement;
  try {
    root = parseXml(capXml, '(capabilities)');
  } catch (e) {
    ctl.saveError(e);
    ctl.error('unable to get node capabilities');
    return false;
  }
  const cells = root.name === 'capabilities' ? select(root, ['host', 'topology', 'cells', 'cell']) : [];
  const ids: number[] = [];
  const free: number[] = [];
  for (const node of cells) {
    const val = node.attrs['id'];
    if (val === undefined || !/^[ \t\n\v\f\r]*\+?\d+$/.test(val)) {
      ctl.error('conversion from string failed');
      return false;
    }
    const id = Number(val);
    ids.push(id);
    const mem = await ctl.attempt(ctl.c.nodeGetCellsFreeMemory(id, 1));
    if (mem === FAIL || mem.length !== 1) {
      ctl.error(`failed to get free memory for NUMA node number: ${id}`);
      return false;
    }
    free.push(mem[0]!);
  }
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    ctl.print(`${padStart(String(ids[i]), 5)}: ${padStart(String(Math.floor(free[i]! / 1024)), 10)} KiB\n`);
    total += free[i]!;
  }
  ctl.printExtra('--------------------\n');
  ctl.printExtra(`${padStart('Total', 5)}: ${padStart(String(Math.floor(total / 1024)), 10)} KiB\n`);
  return true;
}

async function cmdHostname(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  const hostname = await ctl.attempt(ctl.c.getHostname());
  if (hostname === FAIL) {
    ctl.error('failed to get hostname');
    return false;
  }
  ctl.print(`${hostname}\n`);
  return true;
}

async function cmdNodeCpuMap(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const pretty = cmd.bool('pretty');
  const map = await ctl.attempt(ctl.c.nodeGetCPUMap(0));
  if (map === FAIL) {
    ctl.error('Unable to get cpu map');
    return false;
  }
  ctl.print(`${padEnd('CPUs present:', 15)} ${map.cpus}\n`);
  ctl.print(`${padEnd('CPUs online:', 15)} ${map.online}\n`);
  let out = '';
  if (pretty) {
    out = bitmapDataFormat(map.cpumap, Math.ceil(map.cpus / 8) * 8);
  } else {
    for (let i = 0; i < map.cpus; i++) out += ((map.cpumap[i >> 3] ?? 0) & (1 << (i & 7))) !== 0 ? 'y' : '-';
  }
  ctl.print(`${padEnd('CPU map:', 15)} ${out}\n`);
  return true;
}

async function cmdNodeinfo(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  const info = await ctl.attempt(ctl.c.nodeGetInfo());
  if (info === FAIL) {
    ctl.error('failed to get node information');
    return false;
  }
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 20)} ${value}\n`);
  line('CPU model:', info.model);
  line('CPU(s):', String(info.cpus));
  if (info.mhz) line('CPU frequency:', `${info.mhz} MHz`);
  line('CPU socket(s):', String(info.sockets));
  line('Core(s) per socket:', String(info.cores));
  line('Thread(s) per core:', String(info.threads));
  line('NUMA cell(s):', String(info.nodes));
  line('Memory size:', `${info.memory} KiB`);
  return true;
}

async function cmdSysinfo(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  const sysinfo = await ctl.attempt(ctl.c.getSysinfo(0));
  if (sysinfo === FAIL) {
    ctl.error('failed to get sysinfo');
    return false;
  }
  ctl.print(sysinfo);
  return true;
}

async function cmdUri(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  const uri = await ctl.attempt(ctl.c.getURI());
  if (uri === FAIL) {
    ctl.error('failed to get URI');
    return false;
  }
  ctl.print(`${uri}\n`);
  return true;
}

/** major.minor.release of libvirt's version numbers. */
function versionString(v: number): string {
  return `${Math.floor(v / 1000000)}.${Math.floor((v % 1000000) / 1000)}.${v % 1000}`;
}

async function cmdVersion(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const hvType = await ctl.attempt(ctl.c.getType());
  if (hvType === FAIL) {
    ctl.error('failed to get hypervisor type');
    return false;
  }
  ctl.print(`Compiled against library: libvirt ${VERSION}\n`);
  // virGetVersion: the library's own version, for every hypervisor type we build in.
  ctl.print(`Using library: libvirt ${VERSION}\n`);
  ctl.print(`Using API: ${hvType} ${VERSION}\n`);
  const hv = await ctl.attempt(ctl.c.getVersion());
  if (hv === FAIL) {
    ctl.error('failed to get the hypervisor version');
    return false;
  }
  if (hv === 0) ctl.print(`Cannot extract running ${hvType} hypervisor version\n`);
  else ctl.print(`Running hypervisor: ${hvType} ${versionString(hv)}\n`);
  if (cmd.bool('daemon')) {
    const daemon = await ctl.attempt(ctl.c.getLibVersion());
    if (daemon === FAIL) ctl.error('failed to get the daemon version');
    else ctl.print(`Running against daemon: ${versionString(daemon)}\n`);
  }
  return true;
}

/** The "Host and Hypervisor" commands, in virsh's order. */
export const hostCommands: CmdDef[] = [
  {
    name: 'capabilities',
    help: 'capabilities',
    desc: 'Returns capabilities of hypervisor/driver.',
    options: [],
    run: cmdCapabilities,
  },
  {
    name: 'freecell',
    help: 'NUMA free memory',
    desc: 'display available free memory for the NUMA cell.',
    options: [
      { name: 'cellno', type: 'int', help: 'NUMA cell number' },
      { name: 'all', type: 'bool', help: 'show free memory for all NUMA cells' },
    ],
    run: cmdFreecell,
  },
  {
    name: 'hostname',
    help: 'print the hypervisor hostname',
    desc: '',
    options: [],
    run: cmdHostname,
  },
  {
    name: 'nodecpumap',
    help: 'node cpu map',
    desc: 'Displays the node\'s total number of CPUs, the number of online CPUs and the list of online CPUs.',
    options: [
      { name: 'pretty', type: 'bool', help: 'return human readable output' },
    ],
    run: cmdNodeCpuMap,
  },
  {
    name: 'nodeinfo',
    help: 'node information',
    desc: 'Returns basic information about the node.',
    options: [],
    run: cmdNodeinfo,
  },
  {
    name: 'sysinfo',
    help: 'print the hypervisor sysinfo',
    desc: 'output an XML string for the hypervisor sysinfo, if available',
    options: [],
    run: cmdSysinfo,
  },
  {
    name: 'uri',
    help: 'print the hypervisor canonical URI',
    desc: '',
    options: [],
    run: cmdUri,
  },
  {
    name: 'version',
    help: 'show version',
    desc: 'Display the system version information.',
    options: [
      { name: 'daemon', type: 'bool', help: 'report daemon version too' },
    ],
    run: cmdVersion,
  },
];

