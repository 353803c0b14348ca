/**
 * The QMP traffic of hot-plug against a fake monitor: the commands and
 * their arguments, in order, as libvirt 9.0 sent them to QEMU 7.2 for the
 * same operations (captured from a private libvirtd's qemu_monitor debug
 * log, reference/qemu-driver.md §3.2; virsh cannot show them, so the
 * interop test qemu-devices.test.ts judges only the outcomes). Also the
 * device events and the live XML's alias, address and node index.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { DriverEvent } from '../driver.js';
import { parseDomainXml, parseDomainXmlAsync } from '../../conf/domain-def.js';
import { getAttr, kid } from '../../conf/domain-xml.js';
import { AffectFlags } from '../../conf/domain-constants.js';
import { qemuXMLOption } from './domain-conf.js';
import { applyQemuDefaults, aliasOf, pciAddressOf } from './domain-defaults.js';
import { QemuDomainObj, St } from './domain-obj.js';
import { QmpClient } from './qmp.js';
import { qemuHotplugMethods } from './hotplug.js';
import type { QemuState } from './driver.js';
import { loadSecurityConfig, QemuSecurity } from './security-dac.js';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\r\n';

/** A fake QEMU monitor: answers every command with `{}`, and device_del with QEMU's two DEVICE_DELETED events. */
async function fakeMonitor(t: TestContext, dir: string): Promise<{ path: string; sent: string[] }> {
  const path = join(dir, 'monitor.sock');
  const sent: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.write(GREETING);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        const cmd = JSON.parse(raw) as { execute: string; arguments?: { id?: string }; id: string };
        if (cmd.execute !== 'qmp_capabilities') sent.push(raw.replace(/,"id":"libvirt-\d+"\}$/, '}'));
        s.write(`${JSON.stringify({ return: cmd.execute === 'qom-list' ? [] : {}, id: cmd.id })}\r\n`);
        if (cmd.execute === 'device_del') {
          const id = cmd.arguments!.id!;
          const ts = { seconds: 1, microseconds: 0 };
          s.write(`${JSON.stringify({ timestamp: ts, event: 'DEVICE_DELETED', data: { path: `/machine/peripheral/${id}/virtio-backend` } })}\r\n`);
          s.write(`${JSON.stringify({ timestamp: ts, event: 'DEVICE_DELETED', data: { device: id, path: `/machine/peripheral/${id}` } })}\r\n`);
        }
      }
    });
    s.on('error', () => { /* closed first */ });
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { path, sent };
}

async function runningGuest(t: TestContext, machine = 'pc-i440fx-7.2') {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-hotplug-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const xmlopt = qemuXMLOption(() => undefined, () => false);
  const def = parseDomainXml(`<domain type='qemu'><name>g</name><memory>131072</memory>
    <os><type arch='x86_64' machine='${machine}'>hvm</type></os>
    <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/img/disk.raw'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><mac address='52:54:00:95:b2:3b'/><model type='virtio'/></interface>
    <memballoon model='virtio'/></devices></domain>`, xmlopt);
  applyQemuDefaults(def);
  def.id = 1;
  const vm = new QemuDomainObj(def);
  vm.setState(St.RUNNING, 1);
  vm.rt = { pid: 0, monitorPath: '', libDir: dir, channelTargetDir: dir, vcpuPids: [] };
  const mon = await fakeMonitor(t, dir);
  vm.monitor = await QmpClient.connect(mon.path);
  t.after(() => vm.monitor?.close());
  const events: DriverEvent[] = [];
  const s = {
    xmlopt,
    cfg: { stateDir: dir, configDir: dir },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    lookup: () => vm,
    parse: (xml: string) => parseDomainXmlAsync(xml, xmlopt),
    emit: (ev: DriverEvent) => { events.push(ev); },
    configFile: (name: string) => join(dir, `${name}.xml`),
    // A session driver's: no DAC, so hot-plug labels nothing here.
    security: new QemuSecurity(loadSecurityConfig({ privileged: false, confFile: join(dir, 'qemu.conf') })),
  } as unknown as QemuState;
  return { vm, s, sent: mon.sent, events, m: qemuHotplugMethods(s), dom: vm.ref() };
}

const devEvents = (events: DriverEvent[]) => events.map((e) => (e.kind === 'event' ? [e.eventID, e.data['devAlias']] : [e.kind]));

test('a virtio disk is plugged and unplugged with libvirt\'s QMP commands', async (t) => {
  const { vm, sent, events, m, dom } = await runningGuest(t);
  // The lowest slot of pci.0 the guest's own devices left free.
  const used = vm.def.devices.list.map((d) => pciAddressOf(d.node)?.slot).filter((x) => x !== undefined);
  const free = [1, 2, 3, 4, 5, 6, 7, 8].find((x) => x > 1 && !used.includes(x))!;
  await m.domainAttachDeviceFlags!({
    dom, flags: AffectFlags.LIVE,
    xml: "<disk type='file' device='disk'><source file='/img/hot.raw'/><target dev='vdb' bus='virtio'/></disk>",
  });
  const hex = `0x${free.toString(16)}`;
  assert.deepEqual(sent, [
    '{"execute":"blockdev-add","arguments":{"driver":"file","filename":"/img/hot.raw","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}}',
    '{"execute":"blockdev-add","arguments":{"node-name":"libvirt-2-format","read-only":false,"driver":"raw","file":"libvirt-2-storage"}}',
    `{"execute":"device_add","arguments":{"driver":"virtio-blk-pci","bus":"pci.0","addr":"${hex}","drive":"libvirt-2-format","id":"virtio-disk1"}}`,
    '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}',
  ]);
  const disk = vm.def.devices.list.filter((d) => d.kind === 'disk')[1]!.node;
  assert.equal(aliasOf(disk), 'virtio-disk1');
  assert.equal(getAttr(kid(disk, 'source'), 'index'), '2');
  assert.ok(kid(disk, 'backingStore'));
  assert.deepEqual(kid(disk, 'driver')?.attrs, [['name', 'qemu'], ['type', 'raw']]);
  // The first disk got its start-up index too.
  assert.equal(getAttr(kid(vm.def.devices.list.find((d) => d.kind === 'disk')!.node, 'source'), 'index'), '1');

  sent.length = 0;
  await m.domainDetachDeviceFlags!({ dom, flags: AffectFlags.LIVE, xml: "<disk type='file'><target dev='vdb'/></disk>" });
  assert.deepEqual(sent, [
    '{"execute":"device_del","arguments":{"id":"virtio-disk1"}}',
    '{"execute":"blockdev-del","arguments":{"node-name":"libvirt-2-format"}}',
    '{"execute":"blockdev-del","arguments":{"node-name":"libvirt-2-storage"}}',
    '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}',
  ]);
  assert.equal(vm.def.devices.list.filter((d) => d.kind === 'disk').length, 1);
  // VIR_DOMAIN_EVENT_ID_DEVICE_ADDED (19), then _REMOVED (15).
  assert.deepEqual(devEvents(events), [[19, 'virtio-disk1'], [15, 'virtio-disk1']]);

  // Plugged again: the next node index, the slot the unplug freed.
  sent.length = 0;
  await m.domainAttachDeviceFlags!({
    dom, flags: AffectFlags.LIVE,
    xml: "<disk type='file' device='disk'><source file='/img/hot.raw'/><target dev='vdb' bus='virtio'/></disk>",
  });
  assert.match(sent[0]!, /"node-name":"libvirt-3-storage"/);
  assert.match(sent[2]!, new RegExp(`"addr":"${hex}"`));
});

test('a user interface is plugged and unplugged with libvirt\'s QMP commands', async (t) => {
  const { vm, sent, events, m, dom } = await runningGuest(t);
  await m.domainAttachDeviceFlags!({
    dom, flags: 0, xml: "<interface type='user'><mac address='52:54:00:11:22:33'/><model type='e1000'/></interface>",
  });
  assert.equal(sent[0], '{"execute":"netdev_add","arguments":{"type":"user","id":"hostnet1"}}');
  assert.match(sent[1]!, /^\{"execute":"device_add","arguments":\{"driver":"e1000","netdev":"hostnet1","id":"net1","mac":"52:54:00:11:22:33","bus":"pci.0","addr":"0x[0-9a-f]+"\}\}$/);
  const nic = vm.def.devices.list.filter((d) => d.kind === 'interface')[1]!.node;
  assert.equal(aliasOf(nic), 'net1');
  sent.length = 0;
  await m.domainDetachDeviceFlags!({ dom, flags: 0, xml: "<interface type='user'><mac address='52:54:00:11:22:33'/></interface>" });
  assert.deepEqual(sent, [
    '{"execute":"device_del","arguments":{"id":"net1"}}',
    '{"execute":"netdev_del","arguments":{"id":"hostnet1"}}',
    '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}',
  ]);
  assert.deepEqual(devEvents(events), [[19, 'net1'], [15, 'net1']]);
  // A network NIC needs the network driver tsvirtd lacks: libvirt's error when the network is missing.
  await assert.rejects(m.domainAttachDeviceFlags!({
    dom, flags: 0, xml: "<interface type='network'><source network='default'/></interface>",
  }), /Network not found: no network with matching name 'default'/);
  // A transient domain has no config to change.
  await assert.rejects(m.domainAttachDeviceFlags!({
    dom, flags: AffectFlags.CONFIG, xml: "<interface type='user'/>",
  }), /transient domains do not have any persistent config/);
});

test('a SCSI disk brings its lsilogic controller first, as libvirt plugs them on pc', async (t) => {
  const { vm, sent, events, m, dom } = await runningGuest(t);
  await m.domainAttachDeviceFlags!({
    dom, flags: AffectFlags.LIVE,
    xml: "<disk type='file' device='disk'><source file='/img/s.raw'/><target dev='sdb' bus='scsi'/></disk>",
  });
  assert.match(sent[0]!, /^\{"execute":"device_add","arguments":\{"driver":"lsi","id":"scsi0","bus":"pci.0","addr":"0x[0-9a-f]+"\}\}$/);
  assert.deepEqual(sent.slice(1), [
    '{"execute":"blockdev-add","arguments":{"driver":"file","filename":"/img/s.raw","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}}',
    '{"execute":"blockdev-add","arguments":{"node-name":"libvirt-2-format","read-only":false,"driver":"raw","file":"libvirt-2-storage"}}',
    '{"execute":"device_add","arguments":{"driver":"scsi-hd","bus":"scsi0.0","scsi-id":1,"device_id":"drive-scsi0-0-1","drive":"libvirt-2-format","id":"scsi0-0-1"}}',
    '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}',
  ]);
  const ctrl = vm.def.devices.list.find((d) => d.kind === 'controller' && getAttr(d.node, 'type') === 'scsi')!.node;
  assert.deepEqual(ctrl.attrs, [['type', 'scsi'], ['index', '0'], ['model', 'lsilogic']]);
  assert.equal(aliasOf(ctrl), 'scsi0');
  // Only the disk is announced.
  assert.deepEqual(devEvents(events), [[19, 'scsi0-0-1']]);
});

test('on q35 a PCI Express device goes to the spare pcie-root-port', async (t) => {
  const { vm, sent, m, dom } = await runningGuest(t, 'pc-q35-7.2');
  const ports = vm.def.devices.list.filter((d) => d.kind === 'controller' && getAttr(d.node, 'model') === 'pcie-root-port')
    .map((d) => Number(getAttr(d.node, 'index')));
  const busy = new Set(vm.def.devices.list.map((d) => pciAddressOf(d.node)?.bus));
  const spare = ports.find((p) => !busy.has(p));
  assert.ok(spare !== undefined, 'the defaults leave a spare root port');
  await m.domainAttachDeviceFlags!({
    dom, flags: AffectFlags.LIVE,
    xml: "<disk type='file' device='disk'><source file='/img/q.raw'/><target dev='vdb' bus='virtio'/></disk>",
  });
  assert.equal(sent[2], `{"execute":"device_add","arguments":{"driver":"virtio-blk-pci","bus":"pci.${spare}","addr":"0x0","drive":"libvirt-2-format","id":"virtio-disk1"}}`);
  const disk = vm.def.devices.list.filter((d) => d.kind === 'disk')[1]!.node;
  assert.deepEqual(pciAddressOf(disk), { bus: spare, slot: 0, fn: 0 });
  // No second spare: the next one has nowhere to go.
  await assert.rejects(m.domainAttachDeviceFlags!({
    dom, flags: AffectFlags.LIVE,
    xml: "<disk type='file' device='disk'><source file='/img/r.raw'/><target dev='vdc' bus='virtio'/></disk>",
  }), /No more available PCI slots/);
});
