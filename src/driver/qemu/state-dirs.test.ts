/**
 * qemuStateDirs against the layouts measured on libvirt 9.0
 * (/work/shared/reference/qemu-driver.md §1.2: a privileged libvirtd's
 * /var/lib/libvirt/qemu/{save,snapshot,checkpoint,dump,nvram,ram,channel}
 * and /run/libvirt/qemu/{dbus,passt,slirp}). The session layout is compared
 * with a live stock session libvirtd by test/interop/qemu-session.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qemuConfig } from './driver.js';
import { qemuStateDirs } from './state-dirs.js';

/** The daemon's base dirs (src/daemon/driver-paths.ts) for root, and for a user with HOME=/h, XDG_RUNTIME_DIR=/r. */
const SYSTEM = { configDir: '/etc/libvirt', runDir: '/run/libvirt', stateDir: '/var/lib/libvirt', cacheDir: '/var/cache/libvirt', logDir: '/var/log/libvirt' };
const SESSION = { configDir: '/h/.config/libvirt', runDir: '/r/libvirt', stateDir: '/h/.config/libvirt', cacheDir: '/h/.cache/libvirt', logDir: '/h/.cache/libvirt' };

test('a privileged daemon: save… ram and the channel dir under /var/lib/libvirt/qemu, slirp/passt/dbus under /run/libvirt/qemu', () => {
  const dirs = qemuStateDirs(qemuConfig({ privileged: true, paths: SYSTEM }));
  assert.deepEqual(dirs.map((d) => `${d.path} ${d.mode.toString(8)}`), [
    '/run/libvirt/qemu 777', '/var/lib/libvirt/qemu 777', '/var/cache/libvirt/qemu 777',
    '/var/lib/libvirt/qemu/save 777', '/var/lib/libvirt/qemu/snapshot 777', '/var/lib/libvirt/qemu/checkpoint 777',
    '/var/lib/libvirt/qemu/dump 777', '/var/lib/libvirt/qemu/channel/target 777', '/var/lib/libvirt/qemu/nvram 777',
    '/var/lib/libvirt/qemu/ram 777', '/run/libvirt/qemu/slirp 777', '/run/libvirt/qemu/passt 777', '/run/libvirt/qemu/dbus 770',
  ]);
  // Neither the config dir (made by the first define) nor the log dir (the package's).
  assert.ok(!dirs.some((d) => d.path.startsWith('/etc/') || d.path.startsWith('/var/log/')));
});

test('a session daemon: save… ram in ~/.config/libvirt/qemu, the run dirs in $XDG_RUNTIME_DIR/libvirt/qemu/run', () => {
  const dirs = qemuStateDirs(qemuConfig({ privileged: false, paths: SESSION })).map((d) => d.path);
  assert.deepEqual(dirs, [
    '/r/libvirt/qemu/run', '/h/.config/libvirt/qemu/lib', '/h/.cache/libvirt/qemu/cache',
    '/h/.config/libvirt/qemu/save', '/h/.config/libvirt/qemu/snapshot', '/h/.config/libvirt/qemu/checkpoint',
    '/h/.config/libvirt/qemu/dump', '/h/.config/libvirt/qemu/channel/target', '/h/.config/libvirt/qemu/nvram',
    '/h/.config/libvirt/qemu/ram', '/r/libvirt/qemu/run/slirp', '/r/libvirt/qemu/run/passt', '/r/libvirt/qemu/run/dbus',
  ]);
});
