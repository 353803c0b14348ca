/**
 * The "Node Device" commands that create, remove, (re)attach, start and
 * describe devices (tools/virsh-nodedev.c).
 */
import type { NodeDevice } from '../../api/index.js';
import type { CmdDef, OptDef, ParsedCommand } from '../command.js';
import { padEnd } from '../format.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll } from '../util.js';
import { findNodeDevice } from './nodedev.js';

/** VIR_NODE_DEVICE_CREATE_XML_VALIDATE and VIR_NODE_DEVICE_DEFINE_XML_VALIDATE. */
const XML_VALIDATE = 1;

/** The device's name on the wire. */
function name(dev: NodeDevice): { name: string } {
  return { name: dev.getName() };
}

/** nodedev-create and nodedev-define: an XML file through one API call. */
async function fromFile(ctl: Shell, cmd: ParsedCommand, define: boolean): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  const flags = cmd.bool('validate') ? XML_VALIDATE : 0;
  const r = await ctl.attempt(ctl.c.call(define ? 'nodeDeviceDefineXML' : 'nodeDeviceCreateXML', { xml_desc: buffer, flags }));
  if (r === FAIL) {
    ctl.error(define ? `Failed to define node device from '${from}'` : `Failed to create node device from ${from}`);
    return false;
  }
  ctl.printExtra(define ? `Node device '${r.dev.name}' defined from '${from}'\n` : `Node device ${r.dev.name} created from ${from}\n`);
  return true;
}

function cmdNodeDeviceCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return fromFile(ctl, cmd, false);
}

function cmdNodeDeviceDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return fromFile(ctl, cmd, true);
}

/** The device named by `device` (a name or a WWN pair), or null after virsh's error. */
async function optDevice(ctl: Shell, cmd: ParsedCommand): Promise<{ dev: NodeDevice; value: string } | null> {
  const value = cmd.string(ctl, 'device');
  if (value == null) return null;
  const dev = await findNodeDevice(ctl, value);
  return dev ? { dev, value } : null;
}

/** A device by name only, as nodedev-detach & co look it up, or null after virsh's error. */
async function deviceByName(ctl: Shell, value: string): Promise<NodeDevice | null> {
  const dev = await ctl.attempt(ctl.c.nodeDeviceLookupByName(value));
  if (dev === FAIL) {
    ctl.error(`Could not find matching device '${value}'`);
    return null;
  }
  return dev;
}

async function cmdNodeDeviceDestroy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDevice(ctl, cmd);
  if (!r) return false;
  using dev = r.dev;
  if (await ctl.attempt(ctl.c.call('nodeDeviceDestroy', name(dev))) === FAIL) {
    ctl.error(`Failed to destroy node device '${r.value}'`);
    return false;
  }
  ctl.printExtra(`Destroyed node device '${r.value}'\n`);
  return true;
}

async function cmdNodeDeviceDetach(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const value = cmd.string(ctl, 'device');
  if (value == null) return false;
  const driver = cmd.stringQuiet('driver');
  const found = await deviceByName(ctl, value);
  if (!found) return false;
  using dev = found;
  // The newer call when a driver is named; the old, misspelled one otherwise.
  const done = driver.rc === 1
    ? await ctl.attempt(ctl.c.call('nodeDeviceDetachFlags', { ...name(dev), driverName: driver.value, flags: 0 }))
    : await ctl.attempt(ctl.c.call('nodeDeviceDettach', name(dev)));
  if (done === FAIL) {
    ctl.error(`Failed to detach device ${value}`);
    return false;
  }
  ctl.printExtra(`Device ${value} detached\n`);
  return true;
}

/** nodedev-reattach, nodedev-reset and nodedev-start: one call on a device found by name. */
async function byNameCall(ctl: Shell, cmd: ParsedCommand, call: (dev: NodeDevice) => Promise<unknown>,
  failed: string, done: string): Promise<boolean> {
  const value = cmd.string(ctl, 'device');
  if (value == null) return false;
  const found = await deviceByName(ctl, value);
  if (!found) return false;
  using dev = found;
  if (await ctl.attempt(call(dev)) === FAIL) {
    ctl.error(`${failed} ${value}`);
    return false;
  }
  ctl.printExtra(`Device ${value} ${done}\n`);
  return true;
}

function cmdNodeDeviceReAttach(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return byNameCall(ctl, cmd, (d) => ctl.c.call('nodeDeviceReAttach', name(d)), 'Failed to re-attach device', 're-attached');
}

function cmdNodeDeviceReset(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return byNameCall(ctl, cmd, (d) => ctl.c.call('nodeDeviceReset', name(d)), 'Failed to reset device', 'reset');
}

function cmdNodeDeviceStart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return byNameCall(ctl, cmd, (d) => ctl.c.call('nodeDeviceCreate', { ...name(d), flags: 0 }), 'Failed to start device', 'started');
}

async function cmdNodeDeviceUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDevice(ctl, cmd);
  if (!r) return false;
  using dev = r.dev;
  if (await ctl.attempt(ctl.c.call('nodeDeviceUndefine', { ...name(dev), flags: 0 })) === FAIL) {
    ctl.error(`Failed to undefine node device '${r.value}'`);
    return false;
  }
  ctl.printExtra(`Undefined node device '${r.value}'\n`);
  return true;
}

async function cmdNodeDeviceAutostart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDevice(ctl, cmd);
  if (!r) return false;
  using dev = r.dev;
  const autostart = !cmd.bool('disable');
  if (await ctl.attempt(ctl.c.call('nodeDeviceSetAutostart', { ...name(dev), autostart: autostart ? 1 : 0 })) === FAIL) {
    ctl.error(autostart ? `failed to mark device ${r.value} as autostarted` : `failed to unmark device ${r.value} as autostarted`);
    return false;
  }
  ctl.printExtra(autostart ? `Device ${r.value} marked as autostarted\n` : `Device ${r.value} unmarked as autostarted\n`);
  return true;
}

async function cmdNodeDeviceInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDevice(ctl, cmd);
  if (!r) return false;
  using dev = r.dev;
  const parent = await ctl.attempt(dev.getParent());
  // virNodeDeviceIsActive/IsPersistent fail with -1, which reads as true.
  const active = await ctl.attempt(ctl.c.call('nodeDeviceIsActive', name(dev)));
  const persistent = await ctl.attempt(ctl.c.call('nodeDeviceIsPersistent', name(dev)));
  const autostart = await ctl.attempt(ctl.c.call('nodeDeviceGetAutostart', name(dev)));
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 15)} ${value}\n`);
  line('Name:', dev.getName());
  line('Parent:', parent === FAIL ? '' : parent ?? '');
  line('Active:', active === FAIL || active.active !== 0 ? 'yes' : 'no');
  line('Persistent:', persistent === FAIL || persistent.persistent !== 0 ? 'yes' : 'no');
  line('Autostart:', autostart === FAIL ? 'no autostart' : autostart.autostart !== 0 ? 'yes' : 'no');
  return true;
}

const DEVICE_OPT: OptDef = { name: 'device', type: 'data', help: 'device name or wwn pair in \'wwnn,wwpn\' format', required: true };
const DEVICE_KEY_OPT: OptDef = { name: 'device', type: 'data', help: 'device key', required: true };
const FILE_OPT: OptDef = { name: 'file', type: 'data', help: 'file containing an XML description of the device', required: true };
const VALIDATE_OPT: OptDef = { name: 'validate', type: 'bool', help: 'validate the XML against the schema' };

/** These commands; index.ts places them in virsh's "Node Device" order. */
export const nodedevOpsCommands: CmdDef[] = [
  {
    name: 'nodedev-create',
    help: 'create a device defined by an XML file on the node',
    desc: 'Create a device on the node.  Note that this command creates devices on the physical host that can then be assigned to a virtual machine.',
    options: [FILE_OPT, VALIDATE_OPT],
    run: cmdNodeDeviceCreate,
  },
  {
    name: 'nodedev-destroy',
    help: 'destroy (stop) a device on the node',
    desc: 'Destroy a device on the node.  Note that this command destroys devices on the physical host',
    options: [{ name: 'name', type: 'alias', help: 'device' }, DEVICE_OPT],
    run: cmdNodeDeviceDestroy,
  },
  {
    name: 'nodedev-detach',
    help: 'detach node device from its device driver',
    desc: 'Detach node device from its device driver before assigning to a domain.',
    options: [DEVICE_KEY_OPT, { name: 'driver', type: 'string', help: 'pci device assignment backend driver (e.g. \'vfio\' or \'xen\')' }],
    run: cmdNodeDeviceDetach,
  },
  // The old, misspelled name (VSH_CMD_FLAG_ALIAS): the shell resolves it to nodedev-detach.
  { name: 'nodedev-dettach', help: '', desc: '', options: [], hidden: true, alias: 'nodedev-detach', run: cmdNodeDeviceDetach },
  {
    name: 'nodedev-reattach',
    help: 'reattach node device to its device driver',
    desc: 'Reattach node device to its device driver once released by the domain.',
    options: [DEVICE_KEY_OPT],
    run: cmdNodeDeviceReAttach,
  },
  {
    name: 'nodedev-reset',
    help: 'reset node device',
    desc: 'Reset node device before or after assigning to a domain.',
    options: [DEVICE_KEY_OPT],
    run: cmdNodeDeviceReset,
  },
  {
    name: 'nodedev-define',
    help: 'Define a device by an xml file on a node',
    desc: 'Defines a persistent device on the node that can be assigned to a domain. The device must be started before it can be assigned to a domain.',
    options: [FILE_OPT, VALIDATE_OPT],
    run: cmdNodeDeviceDefine,
  },
  {
    name: 'nodedev-undefine',
    help: 'Undefine an inactive node device',
    desc: 'Undefines the configuration for an inactive node device',
    options: [DEVICE_OPT],
    run: cmdNodeDeviceUndefine,
  },
  {
    name: 'nodedev-start',
    help: 'Start an inactive node device',
    desc: 'Starts an inactive node device that was previously defined',
    options: [{ name: 'device', type: 'data', help: 'device name', required: true }],
    run: cmdNodeDeviceStart,
  },
  {
    name: 'nodedev-autostart',
    help: 'autostart a defined node device',
    desc: 'Configure a node device to be automatically started at boot.',
    options: [DEVICE_OPT, { name: 'disable', type: 'bool', help: 'disable autostarting' }],
    run: cmdNodeDeviceAutostart,
  },
  {
    name: 'nodedev-info',
    help: 'node device information',
    desc: 'Returns basic information about the node device',
    options: [DEVICE_OPT],
    run: cmdNodeDeviceInfo,
  },
];
