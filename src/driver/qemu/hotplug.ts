/**
 * Device hot-plug for the QEMU driver (libvirt's qemu_driver.c
 * qemuDomainAttachDeviceFlags / qemuDomainDetachDeviceFlags and
 * qemu_hotplug.c): file disks on virtio and SCSI (an lsilogic controller
 * is plugged first when there is none) and `user` interfaces, live (QMP)
 * and in the persistent config.
 *
 * Facts (reference/qemu-driver.md §3.2, measured against libvirt 9.0 +
 * QEMU 7.2 on an i440fx guest):
 * - disk live: `blockdev-add` storage (`libvirt-N-storage`, N counting on
 *   from the disks' node indexes), `blockdev-add` format, `device_add
 *   {"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x6","drive":…,"id":"virtio-diskK"}`;
 *   the live XML gets `<source … index='N'/>` and `<backingStore/>`.
 * - interface live: `netdev_add {"type":"user","id":"hostnetK"}`, `device_add
 *   {"driver":"virtio-net-pci","netdev":"hostnetK","id":"netK","mac":…,"bus":"pci.0","addr":…}`,
 *   K one past the highest netK alias.
 * - a PCI slot is the lowest free one of pci.0, a freed one is used again;
 *   on q35 a free pcie-root-port (`"bus":"pci.7","addr":"0x0"`, §3.2).
 * - detach: `device_del`, wait (5 s, qemuDomainWaitForDeviceRemoval) for
 *   DEVICE_DELETED naming the alias, then `blockdev-del` format and storage,
 *   or `netdev_del`; events device-added / device-removed carry the alias.
 * - a device is parsed in the context of the whole definition (the domain
 *   is parsed again with it), so duplicate targets fail as libvirt's
 *   validation does: `XML error: target 'vdb' duplicated for disk sources …`.
 */
import type { DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { formatDomainDef, type DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, node, setAttr, toXNode, type XNode } from '../../conf/domain-xml.js';
import { diskNameToIndex } from '../../conf/domain-devices.js';
import { AffectFlags } from '../../conf/domain-constants.js';
import { parseXml } from '../../util/xml.js';
import type { QemuState } from './driver.js';
import { persistentXml, rewriteFile, type QemuDomainObj } from './domain-obj.js';
import { saveStatus } from './process.js';
import { aliasOf, isQ35, machineOf, pciAddressOf } from './domain-defaults.js';
import { QmpCommandError, type QmpClient } from './qmp.js';
import { stampDiskIndexes } from './disk-index.js';

const QEMU = ErrorDomain.QEMU;
const DOM = ErrorDomain.DOMAIN;

/** VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED / _ADDED. */
const EVENT_DEVICE_REMOVED = 15;
const EVENT_DEVICE_ADDED = 19;
/** qemuDomainWaitForDeviceRemoval's wait for DEVICE_DELETED. */
const UNPLUG_TIMEOUT_MS = 5000;

/** NIC models to QEMU device drivers (qemuBuildNicDevProps). */
const NIC_DRIVERS: Record<string, string> = {
  virtio: 'virtio-net-pci', e1000: 'e1000', e1000e: 'e1000e', rtl8139: 'rtl8139', ne2k_pci: 'ne2k_pci', pcnet: 'pcnet',
};

/** Per run of a domain (its runtime object): the last block node index handed out. */
interface HotplugState { nodeIndex: number }
const hpState = new WeakMap<object, HotplugState>();

function stateOf(vm: QemuDomainObj): HotplugState {
  const key = vm.rt ?? vm;
  let st = hpState.get(key);
  if (!st) {
    st = { nodeIndex: stampDiskIndexes(vm) };
    hpState.set(key, st);
  }
  return st;
}

function qmpError(e: unknown): VirtError {
  if (e instanceof VirtError) return e;
  if (e instanceof QmpCommandError) {
    return VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, `unable to execute QEMU command '${e.command}': ${e.desc}`);
  }
  return VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, (e as Error).message);
}

/** virDomainObjUpdateModificationImpact: CURRENT → LIVE or CONFIG, and the checks. */
function impact(vm: QemuDomainObj, flags: number): number {
  let f = flags & (AffectFlags.LIVE | AffectFlags.CONFIG);
  if (f === 0) f = vm.isActive ? AffectFlags.LIVE : AffectFlags.CONFIG;
  if ((f & AffectFlags.LIVE) && !vm.isActive) {
    throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'domain is not running');
  }
  if ((f & AffectFlags.CONFIG) && !vm.persistent) {
    throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'transient domains do not have any persistent config');
  }
  return f;
}

/** The single device element of a device XML document (virDomainDeviceDefParse). */
function deviceElement(xml: string): XNode {
  const el = toXNode(parseXml(xml, '(device_definition)', DOM));
  if (el.name !== 'disk' && el.name !== 'interface') {
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, `hot-plug of device type '${el.name}' is not supported by tsvirt yet`);
  }
  return el;
}

/**
 * `def` with the device added, parsed again as a whole (post-parse defaults
 * and validation apply, as virDomainDeviceDefParse + the def's validation
 * do); returns the new definition and the device's node in it.
 */
async function withDevice(s: QemuState, def: DomainDef, xml: string, el: XNode): Promise<{ def: DomainDef; dev: XNode }> {
  const text = formatDomainDef(def, s.xmlopt, { inactive: true, secure: true });
  const at = text.lastIndexOf('</devices>');
  const merged = `${text.slice(0, at)}${xml.replace(/^\s*<\?xml[^>]*\?>/, '')}\n${text.slice(at)}`;
  const nd = await s.parse(merged);
  let dev: XNode | undefined;
  if (el.name === 'disk') {
    const dst = getAttr(kid(el, 'target'), 'dev');
    dev = nd.devices.list.find((d) => d.kind === 'disk' && getAttr(kid(d.node, 'target'), 'dev') === dst)?.node;
  } else {
    const old = def.devices.list.filter((d) => d.kind === 'interface').length;
    dev = nd.devices.list.filter((d) => d.kind === 'interface')[old]?.node;
  }
  if (!dev) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'the new device was lost while parsing');
  if (dev.name === 'disk' && (getAttr(dev, 'type') ?? 'file') === 'file') {
    // qemuDomainDeviceDiskDefPostParse: driver qemu, and a file's format is raw unless given.
    let drv = kid(dev, 'driver');
    if (!drv) {
      drv = node('driver');
      dev.children.unshift(drv);
    }
    if (getAttr(drv, 'name') === undefined) drv.attrs.unshift(['name', 'qemu']);
    if (getAttr(drv, 'type') === undefined) setAttr(drv, 'type', 'raw');
  }
  return { def: nd, dev };
}

function diskTarget(n: XNode): string {
  return getAttr(kid(n, 'target'), 'dev') ?? '';
}

function macOf(n: XNode): string {
  return (getAttr(kid(n, 'mac'), 'address') ?? '').toLowerCase();
}

/** The device of `def` that a detach document names (disk by target, interface by MAC). */
function findDevice(def: DomainDef, el: XNode): number {
  if (el.name === 'disk') {
    const dst = diskTarget(el);
    const i = def.devices.list.findIndex((d) => d.kind === 'disk' && diskTarget(d.node) === dst);
    if (i < 0) throw VirtError.report(ErrorCode.DEVICE_MISSING, QEMU, `disk ${dst} not found`);
    return i;
  }
  const mac = macOf(el);
  const i = def.devices.list.findIndex((d) => d.kind === 'interface' && (mac === '' || macOf(d.node) === mac));
  if (i < 0) {
    throw VirtError.report(ErrorCode.DEVICE_MISSING, QEMU,
      `no device found at address '(<null>)' matching MAC address '${mac}' and alias '(<null>)'`);
  }
  return i;
}

/** A PCI address handed out for a hot-plugged device, and its QEMU bus/addr properties. */
interface PciSlot { bus: number; slot: number }

function pciProps(a: PciSlot): { bus: string; addr: string } {
  return { bus: `pci.${a.bus}`, addr: `0x${a.slot.toString(16)}` };
}

/**
 * qemuDomainPCIAddressReserveNextAddr for a hot-plugged device: on pc the
 * lowest free slot of pci.0 (a slot freed by an unplug is handed out
 * again, observed); on q35 slot 0 of the first pcie-root-port nothing
 * sits in (libvirt leaves one spare for this), PCI Express devices only.
 */
function nextPciSlot(vm: QemuDomainObj, conventional = false): PciSlot {
  const taken = new Set<string>();
  for (const d of vm.def.devices.list) {
    const a = pciAddressOf(d.node);
    if (a) taken.add(`${a.bus}:${a.slot}`);
  }
  if (isQ35(machineOf(vm.def))) {
    if (conventional) {
      throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, 'hot-plug of conventional PCI devices on q35 is not supported by tsvirt yet');
    }
    const ports = vm.def.devices.list
      .filter((d) => d.kind === 'controller' && getAttr(d.node, 'type') === 'pci' && getAttr(d.node, 'model') === 'pcie-root-port')
      .map((d) => Number(getAttr(d.node, 'index')))
      .sort((x, y) => x - y);
    const port = ports.find((b) => !taken.has(`${b}:0`));
    if (port === undefined) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'No more available PCI slots');
    return { bus: port, slot: 0 };
  }
  taken.add('0:0').add('0:1');
  for (let slot = 1; slot <= 31; slot++) if (!taken.has(`0:${slot}`)) return { bus: 0, slot };
  throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'No more available PCI slots');
}

function setPciAddress(n: XNode, a: PciSlot): void {
  const hex = (v: number, w: number) => `0x${v.toString(16).padStart(w, '0')}`;
  n.children = n.children.filter((c) => c.name !== 'address');
  n.children.push(node('address', [['type', 'pci'], ['domain', '0x0000'], ['bus', hex(a.bus, 2)],
    ['slot', hex(a.slot, 2)], ['function', '0x0']]));
}

function setAlias(n: XNode, alias: string): void {
  n.children = n.children.filter((c) => c.name !== 'alias');
  const at = n.children.findIndex((c) => c.name === 'address');
  n.children.splice(at < 0 ? n.children.length : at, 0, node('alias', [['name', alias]]));
}

/** Inserts a disk where virDomainDiskInsert puts it: by bus, then target index. */
function insertDisk(def: DomainDef, dev: XNode): void {
  const list = def.devices.list;
  const bus = getAttr(kid(dev, 'target'), 'bus');
  const idx = diskNameToIndex(diskTarget(dev));
  let at = -1;
  let lastSameBus = -1;
  let lastDisk = -1;
  list.forEach((d, i) => {
    if (d.kind !== 'disk') return;
    lastDisk = i;
    if (getAttr(kid(d.node, 'target'), 'bus') !== bus) return;
    lastSameBus = i;
    if (at < 0 && diskNameToIndex(diskTarget(d.node)) > idx) at = i;
  });
  if (at < 0) at = lastSameBus >= 0 ? lastSameBus + 1 : lastDisk >= 0 ? lastDisk + 1 : firstAfter(def, 'disk');
  list.splice(at, 0, { kind: 'disk', node: dev });
}

/** Where the first device of `kind` would go when there is none (DEVICE_ORDER: disks first). */
function firstAfter(def: DomainDef, kind: string): number {
  if (kind === 'disk') return 0;
  const list = def.devices.list;
  const order = ['disk', 'controller', 'lease', 'filesystem', 'interface'];
  const mine = order.indexOf(kind);
  let at = 0;
  list.forEach((d, i) => { if (order.indexOf(d.kind) >= 0 && order.indexOf(d.kind) <= mine) at = i + 1; });
  return at;
}

function insertInterface(def: DomainDef, dev: XNode): void {
  const list = def.devices.list;
  const last = list.map((d) => d.kind).lastIndexOf('interface');
  list.splice(last >= 0 ? last + 1 : firstAfter(def, 'interface'), 0, { kind: 'interface', node: dev });
}

function monitorOf(vm: QemuDomainObj): QmpClient {
  if (!vm.isActive || !vm.monitor) throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'domain is not running');
  return vm.monitor;
}

// ---- live attach ------------------------------------------------------------------

/** The drive address of a disk (virDomainDiskDefAssignAddress gave it at parse time). */
function driveAddr(dev: XNode): { controller: number; bus: number; target: number; unit: number } {
  const a = kid(dev, 'address');
  const n = (k: string) => Number(getAttr(a, k) ?? 0);
  return { controller: n('controller'), bus: n('bus'), target: n('target'), unit: n('unit') };
}

function controllerOf(vm: QemuDomainObj, type: string, index: number): XNode | undefined {
  return vm.def.devices.list.find((d) => d.kind === 'controller' && getAttr(d.node, 'type') === type
    && Number(getAttr(d.node, 'index') ?? 0) === index)?.node;
}

/**
 * qemuDomainFindOrCreateSCSIDiskController: a missing SCSI controller is
 * plugged first, lsilogic (the pc machine's default model), without an event.
 */
async function scsiController(vm: QemuDomainObj, mon: QmpClient, index: number): Promise<XNode> {
  const have = controllerOf(vm, 'scsi', index);
  if (have) return have;
  const alias = `scsi${index}`;
  const slot = nextPciSlot(vm, true);
  try {
    await mon.execute('device_add', { driver: 'lsi', id: alias, ...pciProps(slot) });
  } catch (e) {
    throw qmpError(e);
  }
  const c = node('controller', [['type', 'scsi'], ['index', index], ['model', 'lsilogic']]);
  setAlias(c, alias);
  setPciAddress(c, slot);
  const list = vm.def.devices.list;
  const last = list.map((d) => d.kind).lastIndexOf('controller');
  list.splice(last >= 0 ? last + 1 : firstAfter(vm.def, 'controller'), 0, { kind: 'controller', node: c });
  return c;
}

/**
 * qemuDomainAttachDiskGeneric for file disks: the node index is taken
 * first (a failed attach uses one up too, observed), then the bus's
 * checks, the controller, the two block nodes and the device.
 */
async function attachDiskLive(s: QemuState, vm: QemuDomainObj, dev: XNode): Promise<void> {
  const bus = getAttr(kid(dev, 'target'), 'bus') ?? '';
  const type = getAttr(dev, 'type') ?? 'file';
  if (type !== 'file' || (getAttr(dev, 'device') ?? 'disk') !== 'disk' || !['virtio', 'scsi', 'sata', 'ide'].includes(bus)) {
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU,
      `live attach of a ${type} ${getAttr(dev, 'device') ?? 'disk'} on bus '${bus}' is not supported by tsvirt yet`);
  }
  const mon = monitorOf(vm);
  const st = stateOf(vm);
  const idx = ++st.nodeIndex;
  const a = driveAddr(dev);
  const storage = `libvirt-${idx}-storage`;
  const format = `libvirt-${idx}-format`;
  let alias: string;
  let props: Record<string, unknown>;
  let slot: PciSlot | undefined;
  switch (bus) {
    case 'virtio':
      alias = `virtio-disk${diskNameToIndex(diskTarget(dev))}`;
      slot = nextPciSlot(vm);
      props = { driver: 'virtio-blk-pci', ...pciProps(slot), drive: format, id: alias };
      break;
    case 'scsi': {
      const c = await scsiController(vm, mon, a.controller);
      const model = getAttr(c, 'model') ?? 'lsilogic';
      if (model === 'lsilogic') {
        // qemuAssignDeviceDiskAlias: the lsilogic has no targets, only units.
        alias = `scsi${a.controller}-${a.bus}-${a.unit}`;
        props = { driver: 'scsi-hd', bus: `${aliasOf(c)}.${a.bus}`, 'scsi-id': a.unit, device_id: `drive-${alias}` };
      } else {
        alias = `scsi${a.controller}-${a.bus}-${a.target}-${a.unit}`;
        props = {
          driver: 'scsi-hd', bus: `${aliasOf(c)}.0`, channel: a.bus, 'scsi-id': a.target, lun: a.unit, device_id: `drive-${alias}`,
        };
      }
      props['drive'] = format;
      props['id'] = alias;
      break;
    }
    case 'sata':
      if (!controllerOf(vm, 'sata', a.controller)) {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU,
          `Could not find sata controller with index ${a.controller} required for device`);
      }
      throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, 'live attach of SATA disks is not supported by tsvirt yet');
    default:
      // QEMU refuses it ("Bus 'ide.0' does not support hotplugging"); libvirt asks anyway.
      alias = `ide${a.controller}-${a.bus}-${a.unit}`;
      props = { driver: 'ide-hd', bus: `ide.${a.bus}`, unit: a.unit, drive: format, id: alias };
  }
  const src = kid(dev, 'source');
  const drv = kid(dev, 'driver');
  const added: string[] = [];
  // qemuDomainStorageSourceChainAccessAllow: QEMU's user must be able to open it.
  await s.security.relabelDisk(vm.def, dev);
  try {
    await mon.execute('blockdev-add', {
      driver: 'file', filename: getAttr(src, 'file'), 'node-name': storage, 'auto-read-only': true, discard: 'unmap',
    });
    added.unshift(storage);
    const fmt: Record<string, unknown> = { 'node-name': format, 'read-only': kid(dev, 'readonly') !== undefined };
    if (getAttr(drv, 'discard') === 'unmap') fmt['discard'] = 'unmap';
    fmt['driver'] = getAttr(drv, 'type') ?? 'raw';
    fmt['file'] = storage;
    await mon.execute('blockdev-add', fmt);
    added.unshift(format);
    await mon.execute('device_add', props);
  } catch (e) {
    for (const n of added) await mon.execute('blockdev-del', { 'node-name': n }).catch(() => undefined);
    await s.security.restoreDisk(vm.def, dev).catch(() => undefined);
    throw qmpError(e);
  }
  await mon.execute('qom-list', { path: '/machine/peripheral' }).catch(() => undefined);
  // The live XML: source index, an empty backing chain, alias, address.
  if (src) {
    setAttr(src, 'index', idx);
    const at = dev.children.indexOf(src);
    if (!kid(dev, 'backingStore')) dev.children.splice(at + 1, 0, node('backingStore'));
  }
  setAlias(dev, alias);
  if (slot !== undefined) setPciAddress(dev, slot);
  insertDisk(vm.def, dev);
  s.emit({ kind: 'event', family: 'domain', eventID: EVENT_DEVICE_ADDED, obj: vm.ref(), data: { devAlias: alias } });
}

async function attachNetLive(s: QemuState, vm: QemuDomainObj, dev: XNode): Promise<void> {
  const type = getAttr(dev, 'type');
  if (type === 'network') {
    // qemuInterfaceOpenNetwork → virNetworkLookupByName: tsvirtd has no network driver.
    const name = getAttr(kid(dev, 'source'), 'network') ?? '';
    throw VirtError.report(ErrorCode.NO_NETWORK, ErrorDomain.NETWORK, `no network with matching name '${name}'`);
  }
  if (type !== 'user') {
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, `live attach of interface type '${type ?? ''}' is not supported by tsvirt yet`);
  }
  const model = getAttr(kid(dev, 'model'), 'type') ?? 'rtl8139';
  const driver = NIC_DRIVERS[model];
  if (!driver) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, `interface model '${model}' is not supported by tsvirt yet`);
  const mon = monitorOf(vm);
  // qemuAssignDeviceNetAlias: one past the highest netN.
  let max = -1;
  for (const d of vm.def.devices.list) {
    const m = /^net(\d+)$/.exec(aliasOf(d.node));
    if (d.kind === 'interface' && m) max = Math.max(max, Number(m[1]));
  }
  const n = max + 1;
  const alias = `net${n}`;
  const slot = nextPciSlot(vm, model !== 'virtio' && model !== 'e1000e');
  try {
    await mon.execute('netdev_add', { type: 'user', id: `hostnet${n}` });
  } catch (e) {
    throw qmpError(e);
  }
  try {
    await mon.execute('device_add', {
      driver, netdev: `hostnet${n}`, id: alias, mac: getAttr(kid(dev, 'mac'), 'address'), ...pciProps(slot),
    });
  } catch (e) {
    await mon.execute('netdev_del', { id: `hostnet${n}` }).catch(() => undefined);
    throw qmpError(e);
  }
  await mon.execute('qom-list', { path: '/machine/peripheral' }).catch(() => undefined);
  setAlias(dev, alias);
  setPciAddress(dev, slot);
  insertInterface(vm.def, dev);
  s.emit({ kind: 'event', family: 'domain', eventID: EVENT_DEVICE_ADDED, obj: vm.ref(), data: { devAlias: alias } });
}

// ---- live detach ------------------------------------------------------------------

/** device_del, then wait for QEMU's DEVICE_DELETED of the alias; false after the timeout. */
async function unplug(mon: QmpClient, alias: string): Promise<boolean> {
  let done!: () => void;
  const deleted = new Promise<void>((r) => { done = r; });
  const off = mon.onEvent((ev) => {
    if (ev.event === 'DEVICE_DELETED' && ev.data['device'] === alias) done();
  });
  try {
    await mon.execute('device_del', { id: alias });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => { timer = setTimeout(() => r(false), UNPLUG_TIMEOUT_MS); });
    const ok = await Promise.race([deleted.then(() => true), timeout]);
    clearTimeout(timer);
    if (!ok) {
      // The guest may still let go later: finish the removal then (processDeviceDeletedEvent).
      return false;
    }
    return true;
  } catch (e) {
    throw qmpError(e);
  } finally {
    off();
  }
}

async function detachLive(s: QemuState, vm: QemuDomainObj, el: XNode): Promise<void> {
  stateOf(vm);
  const i = findDevice(vm.def, el);
  const dev = vm.def.devices.list[i]!;
  const alias = aliasOf(dev.node);
  if (dev.kind === 'disk' && !['virtio', 'scsi'].includes(getAttr(kid(dev.node, 'target'), 'bus') ?? '')) {
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, `live detach of disk bus '${getAttr(kid(dev.node, 'target'), 'bus') ?? ''}' is not supported by tsvirt yet`);
  }
  const mon = monitorOf(vm);
  const finish = async () => {
    const at = vm.def.devices.list.indexOf(dev);
    if (at < 0) return;
    if (dev.kind === 'disk') {
      const idx = getAttr(kid(dev.node, 'source'), 'index');
      await mon.execute('blockdev-del', { 'node-name': `libvirt-${idx}-format` }).catch(() => undefined);
      await mon.execute('blockdev-del', { 'node-name': `libvirt-${idx}-storage` }).catch(() => undefined);
      // qemuDomainStorageSourceChainAccessRevoke: the owner comes back.
      await s.security.restoreDisk(vm.def, dev.node).catch(() => undefined);
    } else {
      await mon.execute('netdev_del', { id: `host${alias}` }).catch(() => undefined);
    }
    await mon.execute('qom-list', { path: '/machine/peripheral' }).catch(() => undefined);
    vm.def.devices.list.splice(vm.def.devices.list.indexOf(dev), 1);
    s.emit({ kind: 'event', family: 'domain', eventID: EVENT_DEVICE_REMOVED, obj: vm.ref(), data: { devAlias: alias } });
    saveStatus(s, vm);
  };
  if (await unplug(mon, alias)) {
    await finish();
    return;
  }
  const off = mon.onEvent((ev) => {
    if (ev.event !== 'DEVICE_DELETED' || ev.data['device'] !== alias) return;
    off();
    void vm.job(finish).catch(() => undefined);
  });
}

// ---- the methods ------------------------------------------------------------------

/** The hot-plug procedures of a QEMU connection. */
export function qemuHotplugMethods(s: QemuState): Partial<DriverConnection> {
  const save = (vm: QemuDomainObj) => rewriteFile(s.configFile(vm.persistentDef.name), persistentXml(vm.persistentDef, s.xmlopt));
  const m: Partial<DriverConnection> = {
    async domainAttachDevice({ dom, xml }) { return m.domainAttachDeviceFlags!({ dom, xml, flags: AffectFlags.LIVE }); },
    async domainAttachDeviceFlags({ dom, xml, flags }) {
      checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG, 'qemuDomainAttachDeviceFlags', QEMU);
      const vm = s.lookup(dom);
      await vm.job(async () => {
        const f = impact(vm, flags);
        const el = deviceElement(xml);
        let config: DomainDef | undefined;
        if (f & AffectFlags.CONFIG) {
          if (el.name === 'disk' && vm.persistentDef.devices.list.some((d) => d.kind === 'disk' && diskTarget(d.node) === diskTarget(el))) {
            throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, `target ${diskTarget(el)} already exists`);
          }
          config = (await withDevice(s, vm.persistentDef, xml, el)).def;
        }
        if (f & AffectFlags.LIVE) {
          const { dev } = await withDevice(s, vm.def, xml, el);
          // The config's MAC, when both get the device (virDomainDeviceDefCopy).
          if (config && el.name === 'interface' && !kid(el, 'mac')) {
            const cfgDev = config.devices.list.filter((d) => d.kind === 'interface').at(-1);
            const mac = getAttr(kid(cfgDev?.node, 'mac'), 'address');
            if (mac) setAttr(kid(dev, 'mac')!, 'address', mac);
          }
          if (el.name === 'disk') await attachDiskLive(s, vm, dev);
          else await attachNetLive(s, vm, dev);
          saveStatus(s, vm);
        }
        if (config) {
          config.id = -1;
          if (vm.isActive) vm.newDef = config;
          else vm.def = config;
          save(vm);
        }
      });
    },
    async domainDetachDevice({ dom, xml }) { return m.domainDetachDeviceFlags!({ dom, xml, flags: AffectFlags.LIVE }); },
    async domainDetachDeviceFlags({ dom, xml, flags }) {
      checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG, 'qemuDomainDetachDeviceFlags', QEMU);
      const vm = s.lookup(dom);
      await vm.job(async () => {
        const f = impact(vm, flags);
        const el = deviceElement(xml);
        let cfgIndex = -1;
        if (f & AffectFlags.CONFIG) cfgIndex = findDevice(vm.persistentDef, el);
        if (f & AffectFlags.LIVE) await detachLive(s, vm, el);
        if (cfgIndex >= 0) {
          vm.persistentDef.devices.list.splice(cfgIndex, 1);
          save(vm);
        }
      });
    },
  };
  return m;
}
