/**
 * Firmware descriptors (QEMU's docs/interop/firmware.json) as libvirt 9.0
 * reads them for domcapabilities (src/qemu/qemu_firmware.c
 * qemuFirmwareGetSupported, qemu_interop_config.c qemuInteropFetchConfigs):
 * files in /usr/share/qemu/firmware, overridden by same-named files in
 * /etc/qemu/firmware and (session daemons only) $XDG_CONFIG_HOME/qemu/firmware;
 * an empty file masks a less specific one; the rest are read in file-name
 * order.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { libvirtArchName } from './capabilities.js';

/** What domcapabilities reports about firmware for one machine. */
export interface FirmwareSupport {
  /** `<enum name='firmware'>` values. */
  auto: ('bios' | 'efi')[];
  /** Firmware images (loader `<value>`s), unique, in descriptor order. */
  loaders: string[];
  /** Some matching firmware requires SMM: `secure` gets `yes`. */
  secure: boolean;
}

/** The descriptor dirs in increasing priority (qemuInteropFetchConfigs). */
export function firmwareDirs(privileged: boolean, env = process.env): string[] {
  const dirs = ['/usr/share/qemu/firmware', '/etc/qemu/firmware'];
  if (!privileged) dirs.push(join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'qemu', 'firmware'));
  return dirs;
}

/** g_pattern_match_simple: `*` and `?` wildcards. */
function globMatch(pattern: string, s: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(s);
}

interface Descriptor {
  'interface-types'?: string[];
  mapping?: { device?: string; executable?: { filename?: string }; 'nvram-template'?: { filename?: string }; filename?: string };
  targets?: { architecture?: string; machines?: string[] }[];
  features?: string[];
}

/** The descriptor files libvirt would read, highest-priority path per file name, sorted by name. */
export function firmwareDescriptorFiles(dirs: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const d of dirs) {
    let names: string[];
    try { names = readdirSync(d); } catch { continue; }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(d, n);
      try { if (!statSync(p).isFile()) continue; } catch { continue; }
      byName.set(n, p);
    }
  }
  return [...byName.keys()].sort().map((n) => byName.get(n)!).filter((p) => {
    try { return statSync(p).size > 0; } catch { return false; }
  });
}

/**
 * qemuFirmwareGetSupported for `machine` (canonical name) and libvirt
 * `arch`. A descriptor that cannot be parsed is skipped (libvirt fails the
 * whole domcapabilities call instead).
 */
export function firmwareSupport(machine: string, arch: string, dirs: readonly string[]): FirmwareSupport {
  const out: FirmwareSupport = { auto: [], loaders: [], secure: false };
  const seen = new Set<string>();
  for (const file of firmwareDescriptorFiles(dirs)) {
    let fw: Descriptor;
    try { fw = JSON.parse(readFileSync(file, 'utf8')) as Descriptor; } catch { continue; }
    const matches = (fw.targets ?? []).some((t) => t.architecture !== undefined &&
      libvirtArchName(t.architecture) === arch && (t.machines ?? []).some((m) => globMatch(m, machine)));
    if (!matches) continue;
    for (const i of fw['interface-types'] ?? []) {
      if (i === 'uefi' && !out.auto.includes('efi')) out.auto.push('efi');
      if (i === 'bios' && !out.auto.includes('bios')) out.auto.push('bios');
    }
    if ((fw.features ?? []).includes('requires-smm')) out.secure = true;
    const m = fw.mapping ?? {};
    let path: string | undefined;
    let nvram: string | undefined;
    if (m.device === 'flash') { path = m.executable?.filename; nvram = m['nvram-template']?.filename; }
    else if (m.device === 'memory') path = m.filename;
    if (path === undefined) continue;
    // libvirt keeps unique (image, nvram template) pairs; the loader list prints images.
    const key = `${path}\0${nvram ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.loaders.push(path);
  }
  // virDomainCapsEnum prints in enum order: bios before efi.
  out.auto.sort((a, b) => (a === b ? 0 : a === 'bios' ? -1 : 1));
  return out;
}
