/**
 * The "Interface" commands that change host interfaces
 * (tools/virsh-interface.c): define/undefine, start/destroy, the change
 * transactions (iface-begin/commit/rollback), iface-edit, and
 * iface-bridge/unbridge, which rewrite an interface's inactive XML into a
 * bridge and back.
 */
import { Interface } from '../../api/index.js';
import { escapeXml, parseXml, type XmlElement } from '../../util/xml.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { editCommand } from '../edit.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll } from '../util.js';
import { BY_NAME, optInterface } from './interface.js';

/** VIR_INTERFACE_XML_INACTIVE, VIR_INTERFACE_DEFINE_VALIDATE. */
const XML_INACTIVE = 1;
const DEFINE_VALIDATE = 1;

/** The children iface-bridge moves into the attached interface, and iface-unbridge back up. */
const MOVED = new Set(['mac', 'bond', 'vlan']);

async function defineXML(ctl: Shell, xml: string, flags = 0): Promise<Interface | typeof FAIL> {
  return ctl.attempt(async () => new Interface(ctl.c, (await ctl.c.call('interfaceDefineXML', { xml, flags })).iface));
}

function create(ctl: Shell, iface: Interface): Promise<void | typeof FAIL> {
  return ctl.attempt(ctl.c.call('interfaceCreate', { iface: iface.ref, flags: 0 }));
}

async function cmdInterfaceDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = cmd.bool('validate') ? DEFINE_VALIDATE : 0;
  const xml = readFileAll(ctl, from);
  if (xml === null) return false;
  const iface = await defineXML(ctl, xml, flags);
  if (iface === FAIL) {
    ctl.error(`Failed to define interface from ${from}`);
    return false;
  }
  using i = iface;
  ctl.printExtra(`Interface ${i.getName()} defined from ${from}\n`);
  return true;
}

/** iface-undefine, iface-start, iface-destroy: one call on the named interface. */
async function onInterface(ctl: Shell, cmd: ParsedCommand, call: (i: Interface) => Promise<unknown>,
  failed: string, done: string): Promise<boolean> {
  using iface = await optInterface(ctl, cmd);
  if (!iface) return false;
  const name = cmd.string(ctl, 'interface')!;
  if (await ctl.attempt(call(iface)) === FAIL) {
    ctl.error(`${failed} ${name}`);
    return false;
  }
  ctl.printExtra(`Interface ${name} ${done}\n`);
  return true;
}

function cmdInterfaceUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return onInterface(ctl, cmd, (i) => ctl.c.call('interfaceUndefine', { iface: i.ref }), 'Failed to undefine interface', 'undefined');
}

function cmdInterfaceStart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return onInterface(ctl, cmd, (i) => ctl.c.call('interfaceCreate', { iface: i.ref, flags: 0 }), 'Failed to start interface', 'started');
}

async function cmdInterfaceDestroy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  await onInterface(ctl, cmd, (i) => ctl.c.call('interfaceDestroy', { iface: i.ref, flags: 0 }), 'Failed to destroy interface', 'destroyed');
  // virsh 9.0's cmdInterfaceDestroy returns false even when it succeeded.
  return false;
}

/** iface-begin, iface-commit, iface-rollback. */
async function change(ctl: Shell, method: 'interfaceChangeBegin' | 'interfaceChangeCommit' | 'interfaceChangeRollback',
  verb: string, done: string): Promise<boolean> {
  if (await ctl.attempt(ctl.c.call(method, { flags: 0 })) === FAIL) {
    ctl.error(`Failed to ${verb} network config change transaction`);
    return false;
  }
  ctl.printExtra(`Network config change transaction ${done}\n`);
  return true;
}

function cmdInterfaceBegin(ctl: Shell): Promise<boolean> {
  return change(ctl, 'interfaceChangeBegin', 'begin', 'started');
}

function cmdInterfaceCommit(ctl: Shell): Promise<boolean> {
  return change(ctl, 'interfaceChangeCommit', 'commit', 'committed');
}

function cmdInterfaceRollback(ctl: Shell): Promise<boolean> {
  return change(ctl, 'interfaceChangeRollback', 'rollback', 'rolled back');
}

/** A whole document for virInterfaceDefineXML (what xmlDocDumpMemory hands it). */
function serialize(el: XmlElement): string {
  const attrs = Object.entries(el.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const text = el.children.length === 0 ? escapeXml(el.text.trim()) : '';
  const inner = text + el.children.map(serialize).join('');
  return inner === '' ? `<${el.name}${attrs}/>` : `<${el.name}${attrs}>${inner}</${el.name}>`;
}

/** The interface's inactive XML, parsed, or null after virsh's error. */
async function inactiveDoc(ctl: Shell, iface: Interface, name: string, what: string): Promise<XmlElement | null> {
  const xml = await ctl.attempt(iface.getXMLDesc(XML_INACTIVE));
  if (xml === FAIL) return null;
  try {
    return parseXml(xml, what);
  } catch {
    ctl.error(`Failed to parse configuration of ${name}`);
    return null;
  }
}

/** Checks the top element of an interface's XML: its type, and that its name is `name`. */
function checkTop(ctl: Shell, top: XmlElement, name: string): string | null {
  const type = top.attrs['type'];
  if (type === undefined) {
    ctl.error(`Existing device ${name} has no type`);
    return null;
  }
  return type;
}

function nameMatches(ctl: Shell, top: XmlElement, name: string): boolean {
  const n = top.attrs['name'];
  if (n !== name) {
    ctl.error(`Interface name from config ${n ?? '(null)'} doesn't match given supplied name ${name}`);
    return false;
  }
  return true;
}

async function cmdInterfaceBridge(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using iface = await optInterface(ctl, cmd, BY_NAME, 'interface');
  if (!iface) return false;
  const ifName = cmd.string(ctl, 'interface')!;
  const brName = cmd.string(ctl, 'bridge');
  if (brName == null) return false;
  const existing = await ctl.attempt(ctl.c.interfaceLookupByName(brName));
  if (existing !== FAIL) {
    existing.free();
    ctl.error(`Network device ${brName} already exists`);
    return false;
  }
  const stp = !cmd.bool('no-stp');
  const delay = cmd.uint(ctl, 'delay');
  if (delay === null) return false;
  const nostart = cmd.bool('no-start');
  const top = await inactiveDoc(ctl, iface, ifName, '(interface definition)');
  if (!top) return false;
  const type = checkTop(ctl, top, ifName);
  if (type === null) return false;
  if (type === 'bridge') {
    ctl.error(`Existing device ${ifName} is already a bridge`);
    return false;
  }
  if (!nameMatches(ctl, top, ifName)) return false;
  const attached: XmlElement = {
    name: 'interface', attrs: { type, name: ifName }, children: top.children.filter((c) => MOVED.has(c.name)), text: '',
  };
  const bridgeAttrs: Record<string, string> = { stp: stp ? 'on' : 'off' };
  if (stp) bridgeAttrs['delay'] = String(delay ?? 0);
  const bridge: XmlElement = { name: 'bridge', attrs: bridgeAttrs, children: [attached], text: '' };
  const brTop: XmlElement = {
    ...top,
    attrs: { ...top.attrs, type: 'bridge', name: brName },
    children: [...top.children.filter((c) => !MOVED.has(c.name)), bridge],
  };
  const br = await defineXML(ctl, serialize(brTop));
  if (br === FAIL) {
    ctl.error(`Failed to define new bridge interface ${brName}`);
    return false;
  }
  using brIface = br;
  ctl.printExtra(`Created bridge ${brName} with attached device ${ifName}\n`);
  if (!nostart) {
    if (await create(ctl, brIface) === FAIL) {
      ctl.error(`Failed to start bridge interface ${brName}`);
      return false;
    }
    ctl.printExtra(`Bridge interface ${brName} started\n`);
  }
  return true;
}

async function cmdInterfaceUnbridge(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using br = await optInterface(ctl, cmd, BY_NAME, 'bridge');
  if (!br) return false;
  const brName = cmd.string(ctl, 'bridge')!;
  const nostart = cmd.bool('no-start');
  const top = await inactiveDoc(ctl, br, brName, '(bridge interface definition)');
  if (!top) return false;
  const type = checkTop(ctl, top, brName);
  if (type === null) return false;
  if (type !== 'bridge') {
    ctl.error(`Device ${brName} is not a bridge`);
    return false;
  }
  if (!nameMatches(ctl, top, brName)) return false;
  const bridge = top.children.find((c) => c.name === 'bridge');
  if (!bridge) {
    ctl.error('No bridge node in xml document');
    return false;
  }
  const attachedList = bridge.children.filter((c) => c.name === 'interface');
  if (attachedList.length > 1) {
    ctl.error('Multiple interfaces attached to bridge');
    return false;
  }
  const attached = attachedList[0];
  if (!attached) {
    ctl.error('No interface attached to bridge');
    return false;
  }
  const ifName = attached.attrs['name'];
  if (ifName === undefined) {
    ctl.error(`Device attached to bridge ${brName} has no name`);
    return false;
  }
  const ifType = attached.attrs['type'];
  if (ifType === undefined) {
    ctl.error(`Attached device ${ifName} has no type`);
    return false;
  }
  const ifTop: XmlElement = {
    ...top,
    attrs: { ...top.attrs, type: ifType, name: ifName },
    children: [
      ...top.children.map((c) => c !== bridge ? c
        : { ...bridge, children: bridge.children.map((i) => i !== attached ? i
          : { ...attached, children: attached.children.filter((x) => !MOVED.has(x.name)) }) }),
      ...attached.children.filter((c) => MOVED.has(c.name)),
    ],
  };
  if (await ctl.attempt(ctl.c.call('interfaceDestroy', { iface: br.ref, flags: 0 })) === FAIL) {
    ctl.error(`Failed to destroy bridge interface ${brName}`);
    return false;
  }
  if (await ctl.attempt(ctl.c.call('interfaceUndefine', { iface: br.ref })) === FAIL) {
    ctl.error(`Failed to undefine bridge interface ${brName}`);
    return false;
  }
  const iface = await defineXML(ctl, serialize(ifTop));
  if (iface === FAIL) {
    ctl.error(`Failed to define new interface ${ifName}`);
    return false;
  }
  using i = iface;
  ctl.printExtra(`Device ${ifName} un-attached from bridge ${brName}\n`);
  if (!nostart) {
    if (await create(ctl, i) === FAIL) {
      ctl.error(`Failed to start interface ${ifName}`);
      return false;
    }
    ctl.printExtra(`Interface ${ifName} started\n`);
  }
  return true;
}

async function cmdInterfaceEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using iface = await optInterface(ctl, cmd);
  if (!iface) return false;
  const conn = ctl.c;
  return editCommand(ctl, {
    dump: () => iface.getXMLDesc(XML_INACTIVE),
    define: async (xml) => {
      using edited = new Interface(conn, (await conn.call('interfaceDefineXML', { xml, flags: 0 })).iface);
      return edited.getName();
    },
    unchangedMsg: `Interface ${iface.getName()} XML configuration not changed.\n`,
    changedMsg: (name) => `Interface ${name ?? '(null)'} XML configuration edited.\n`,
  });
}

const INTERFACE_OPT = { name: 'interface', type: 'data', help: 'interface name or MAC address', required: true } as const;

/** The interface-changing commands, in virsh's order. */
export const interfaceChangeCommands: CmdDef[] = [
  {
    name: 'iface-begin',
    help: 'create a snapshot of current interfaces settings, which can be later committed (iface-commit) or restored (iface-rollback)',
    desc: 'Create a restore point for interfaces settings',
    options: [],
    run: cmdInterfaceBegin,
  },
  {
    name: 'iface-bridge',
    help: 'create a bridge device and attach an existing network device to it',
    desc: 'bridge an existing network device',
    options: [
      { name: 'interface', type: 'data', help: 'existing interface name', required: true },
      { name: 'bridge', type: 'data', help: 'new bridge device name', required: true },
      { name: 'no-stp', type: 'bool', help: 'do not enable STP for this bridge' },
      { name: 'delay', type: 'int', help: 'number of seconds to squelch traffic on newly connected ports' },
      { name: 'no-start', type: 'bool', help: 'don\'t start the bridge immediately' },
    ],
    run: cmdInterfaceBridge,
  },
  {
    name: 'iface-commit',
    help: 'commit changes made since iface-begin and free restore point',
    desc: 'commit changes and free restore point',
    options: [],
    run: cmdInterfaceCommit,
  },
  {
    name: 'iface-define',
    help: 'define an inactive persistent physical host interface or modify an existing persistent one from an XML file',
    desc: 'Define or modify a persistent physical host interface.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML interface description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdInterfaceDefine,
  },
  {
    name: 'iface-destroy',
    help: 'destroy a physical host interface (disable it / "if-down")',
    desc: 'forcefully stop a physical host interface.',
    options: [INTERFACE_OPT],
    run: cmdInterfaceDestroy,
  },
  {
    name: 'iface-edit',
    help: 'edit XML configuration for a physical host interface',
    desc: 'Edit the XML configuration for a physical host interface.',
    options: [INTERFACE_OPT],
    run: cmdInterfaceEdit,
  },
  {
    name: 'iface-rollback',
    help: 'rollback to previous saved configuration created via iface-begin',
    desc: 'rollback to previous restore point',
    options: [],
    run: cmdInterfaceRollback,
  },
  {
    name: 'iface-start',
    help: 'start a physical host interface (enable it / "if-up")',
    desc: 'start a physical host interface.',
    options: [INTERFACE_OPT],
    run: cmdInterfaceStart,
  },
  {
    name: 'iface-unbridge',
    help: 'undefine a bridge device after detaching its device(s)',
    desc: 'unbridge a network device',
    options: [
      { name: 'bridge', type: 'data', help: 'current bridge device name', required: true },
      { name: 'no-start', type: 'bool', help: 'don\'t start the detached interface immediately (not recommended)' },
    ],
    run: cmdInterfaceUnbridge,
  },
  {
    name: 'iface-undefine',
    help: 'undefine a physical host interface (remove it from configuration)',
    desc: 'undefine an interface.',
    options: [INTERFACE_OPT],
    run: cmdInterfaceUndefine,
  },
];
