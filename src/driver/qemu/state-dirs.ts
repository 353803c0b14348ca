/**
 * The directories the QEMU driver makes at start-up, as
 * qemuStateInitialize does (g_mkdir_with_parents, mode 0777 less the
 * umask, for each of the state, lib, cache, save, snapshot, checkpoint,
 * auto-dump, channel target, nvram, memory backing, slirp and passt dirs;
 * the dbus state dir 0770). Where they are comes from qemu_conf.c
 * virQEMUDriverConfigNew: a privileged daemon keeps save… ram under the
 * lib dir (/var/lib/libvirt/qemu), a session daemon under its config dir
 * (~/.config/libvirt/qemu); slirp, passt and dbus are in the state dir in
 * both. The config dir itself (made at the first define) and the log dir
 * (at the first log line; a package makes /var/log/libvirt/qemu) are not
 * made here, so a session daemon's tree is libvirt's.
 */
import { dirname, join } from 'node:path';
import type { QemuConfig } from './process.js';

export interface StateDir {
  path: string;
  mode: number;
}

/** The dirs of qemuStateInitialize for `cfg`, parents first. */
export function qemuStateDirs(cfg: QemuConfig): StateDir[] {
  // The session config dir is the parent of its lib dir (qemu_conf.c: configBaseDir/qemu).
  const base = cfg.privileged ? cfg.libDir : dirname(cfg.libDir);
  const dirs = [
    cfg.stateDir, cfg.libDir, cfg.cacheDir,
    join(base, 'save'), join(base, 'snapshot'), join(base, 'checkpoint'), join(base, 'dump'),
    cfg.channelTargetDir, join(base, 'nvram'), join(base, 'ram'),
    join(cfg.stateDir, 'slirp'), join(cfg.stateDir, 'passt'),
  ];
  return [...dirs.map((path) => ({ path, mode: 0o777 })), { path: join(cfg.stateDir, 'dbus'), mode: 0o770 }];
}
