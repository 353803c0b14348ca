/**
 * The QEMU driver's own pieces that need no QEMU: its directories (libvirt's
 * virQEMUDriverConfigNew, reference qemu-driver.md §1.2), the status XML
 * round trip a restarted daemon relies on, and the domain log's timestamp
 * form. The driver against real guests is test/interop/qemu-driver.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYSTEM_DRIVER_PATHS, driverPaths } from '../../daemon/driver-paths.js';
import { parseDomainXml } from '../../conf/domain-def.js';
import { qemuConfig } from './driver.js';
import { qemuXMLOption } from './domain-conf.js';
import { QemuDomainObj, parseStatusXml, statusXml, PausedReason, St } from './domain-obj.js';
import { applyQemuDefaults } from './domain-defaults.js';
import { isProcessAlive, logTimestamp } from './process.js';

test('the system daemon keeps QEMU files where libvirt does', () => {
  assert.deepEqual(qemuConfig({ privileged: true, paths: SYSTEM_DRIVER_PATHS }), {
    privileged: true,
    configDir: '/etc/libvirt/qemu',
    autostartDir: '/etc/libvirt/qemu/autostart',
    stateDir: '/run/libvirt/qemu',
    libDir: '/var/lib/libvirt/qemu',
    channelTargetDir: '/var/lib/libvirt/qemu/channel/target',
    cacheDir: '/var/cache/libvirt/qemu',
    logDir: '/var/log/libvirt/qemu',
  });
});

test('a session daemon keeps them under the XDG dirs, as libvirt does', () => {
  const env = { HOME: '/home/u', XDG_CONFIG_HOME: '/home/u/.config', XDG_CACHE_HOME: '/home/u/.cache', XDG_RUNTIME_DIR: '/run/user/1000' };
  const cfg = qemuConfig({ privileged: false, paths: driverPaths(false, env) });
  assert.equal(cfg.configDir, '/home/u/.config/libvirt/qemu');
  assert.equal(cfg.stateDir, '/run/user/1000/libvirt/qemu/run');
  assert.equal(cfg.libDir, '/home/u/.config/libvirt/qemu/lib');
  assert.equal(cfg.channelTargetDir, '/home/u/.config/libvirt/qemu/channel/target');
  assert.equal(cfg.cacheDir, '/home/u/.cache/libvirt/qemu/cache');
  assert.equal(cfg.logDir, '/home/u/.cache/libvirt/qemu/log');
});

test('status XML written for a running domain reads back with its state, pid, monitor and pty', () => {
  const xmlopt = qemuXMLOption(() => undefined, () => false);
  const def = parseDomainXml(`<domain type='qemu'><name>g1</name><memory>131072</memory>
    <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
    <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console><memballoon model='none'/></devices></domain>`, xmlopt);
  const vm = new QemuDomainObj(def);
  def.id = 7;
  applyQemuDefaults(def);
  const serial = def.devices.list.find((d) => d.kind === 'serial')!.node;
  serial.children.unshift({ name: 'source', attrs: [['path', '/dev/pts/3']], children: [], text: '' });
  vm.setState(St.PAUSED, PausedReason.USER);
  vm.rt = {
    pid: 4242, monitorPath: '/var/lib/libvirt/qemu/domain-7-g1/monitor.sock', libDir: '/var/lib/libvirt/qemu/domain-7-g1',
    channelTargetDir: '/var/lib/libvirt/qemu/channel/target/domain-7-g1', vcpuPids: [4250],
  };
  const text = statusXml(vm, xmlopt);
  assert.match(text, /^<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE\./);
  assert.match(text, /\n<domstatus state='paused' reason='user' pid='4242'>\n {2}<monitor path='[^']+monitor\.sock' type='unix'\/>\n/);
  const back = parseStatusXml(text, 'g1.xml', xmlopt);
  assert.equal(back.state, St.PAUSED);
  assert.equal(back.reason, PausedReason.USER);
  assert.deepEqual(back.rt, vm.rt);
  assert.equal(back.def.id, 7);
  const s2 = back.def.devices.list.find((d) => d.kind === 'serial')!.node;
  assert.match(JSON.stringify(s2), /\/dev\/pts\/3/);
  assert.match(JSON.stringify(s2), /serial0/);
});

test('domain log timestamps have libvirt\'s form', () => {
  assert.equal(logTimestamp(new Date(Date.UTC(2026, 11, 4, 10, 22, 4, 798))), '2026-12-04 10:22:04.798+0000');
});

test('a live process is alive, a missing one is not', () => {
  assert.equal(isProcessAlive(process.pid), true);
  assert.equal(isProcessAlive(0), false);
  assert.equal(isProcessAlive(2 ** 22 + 1), false);
});
