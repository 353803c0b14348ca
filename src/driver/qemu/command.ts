/**
 * PLACEHOLDER — replaced by branch qemu-argv (src/driver/qemu/command.ts
 * and domain-defaults.ts there build libvirt 9.0's whole command line).
 * Until that is merged, this small builder renders exactly what the
 * interop test guest (test/interop/qemu-harness.ts `guestXml`) needs, in
 * the argument form libvirt 9.0 uses for QEMU 7.2 (reference
 * qemu-driver.md §2.3/§2.4): machine `pc` only, direct kernel boot, serial
 * pty, unix virtio channels, raw/qcow2 virtio disks, VNC + VGA, USB tablet,
 * a virtio balloon. Anything else is refused with CONFIG_UNSUPPORTED. The
 * exported names and shapes follow qemu-argv's so the merge is a swap.
 *
 * One deliberate difference from libvirt: the monitor and unix chardevs are
 * given as `path=` (QEMU creates the sockets) rather than libvirt's
 * pre-opened `fd=` (Node cannot hold a listening socket without accepting
 * on it), as libvirt's own domxml-to-native prints them.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, kids, node, type XNode } from '../../conf/domain-xml.js';

/** What a start knows beyond the definition (qemu-argv's QemuRunContext, the part used here). */
export interface QemuRunContext {
  /** The domain id; -1 for a pretend start. */
  id: number;
  /** qemu:///system (true) or qemu:///session. */
  privileged: boolean;
  /** The per-domain dir (`<libDir>/domain-<id>-<short name>`). */
  libDir: string;
  /** The per-domain channel dir. */
  channelTargetDir: string;
  /** The monitor socket. */
  monitor: { path: string };
  /** The daemon's environment (PATH, HOME… pass through). Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The port of each autoport `<graphics>`, by graphics index (default 5900). */
  graphicsPorts?: readonly (number | undefined)[];
}

/** A command: environment pairs in order, then the program and its arguments. */
export interface QemuCommand {
  env: Array<[string, string]>;
  argv: string[];
}

const QEMU = ErrorDomain.QEMU;

function unsupported(what: string): VirtError {
  return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, `tsvirt's QEMU command line does not support ${what} yet`);
}

/** virDomainDefGetShortName: `<id>-<name cut to 20 characters>`. */
export function domainShortName(def: DomainDef, id: number): string {
  return `${id}-${[...def.name].slice(0, 20).join('')}`;
}

const json = (o: unknown): string => JSON.stringify(o);

function hexAddr(slot: number, fn = 0): string {
  return fn === 0 ? `0x${slot.toString(16)}` : `0x${slot.toString(16)}.0x${fn.toString(16)}`;
}

/** The machine type of a definition (after post-parse, canonical). */
export function machineOf(def: DomainDef): string {
  return getAttr(kid(def.os, 'type'), 'machine') ?? '';
}

function isI440fx(machine: string): boolean {
  return machine === 'pc' || machine.startsWith('pc-i440fx-') || machine.startsWith('pc-0.') || machine.startsWith('pc-1.');
}

function devs(def: DomainDef, kind: string): XNode[] {
  return def.devices.list.filter((d) => d.kind === kind).map((d) => d.node);
}

function setAlias(n: XNode, name: string): void {
  const existing = kid(n, 'alias');
  if (existing) {
    existing.attrs = [['name', name]];
    return;
  }
  // <alias> goes before <address> (virDomainDeviceInfoFormat's order).
  const at = n.children.findIndex((c) => c.name === 'address');
  const a = node('alias', [['name', name]]);
  if (at >= 0) n.children.splice(at, 0, a);
  else n.children.push(a);
}

/** The alias a device has (set by {@link assignAliases}). */
export function aliasOf(n: XNode): string | undefined {
  return getAttr(kid(n, 'alias'), 'name');
}

function isVirtioChannel(n: XNode): boolean {
  return getAttr(kid(n, 'target'), 'type') === 'virtio';
}

/**
 * Device aliases as qemuAssignDeviceAliases gives them for the devices
 * this builder knows (disks by bus and target, serialN, channelN,
 * virtio-serialN, usb, inputN, videoN, balloon0), written into the live
 * definition as `<alias name=…/>`.
 */
export function assignAliases(def: DomainDef): void {
  const counts = new Map<string, number>();
  const next = (p: string) => {
    const n = counts.get(p) ?? 0;
    counts.set(p, n + 1);
    return `${p}${n}`;
  };
  for (const d of devs(def, 'disk')) {
    const t = kid(d, 'target');
    const bus = getAttr(t, 'bus') ?? 'virtio';
    if (bus !== 'virtio') throw unsupported(`disk bus '${bus}'`);
    setAlias(d, next('virtio-disk'));
  }
  for (const c of devs(def, 'controller')) {
    const type = getAttr(c, 'type');
    if (type === 'usb') setAlias(c, 'usb');
    else if (type === 'virtio-serial') setAlias(c, `virtio-serial${getAttr(c, 'index') ?? '0'}`);
    else if (type === 'pci') setAlias(c, `pci.${getAttr(c, 'index') ?? '0'}`);
    else if (type === 'ide') setAlias(c, `ide`);
  }
  for (const s of devs(def, 'serial')) setAlias(s, next('serial'));
  for (const ch of devs(def, 'channel')) setAlias(ch, next('channel'));
  for (const i of devs(def, 'input')) {
    if (getAttr(i, 'bus') === 'usb') setAlias(i, next('input'));
    else if (getAttr(i, 'bus') === 'ps2') setAlias(i, next('input'));
  }
  for (const v of devs(def, 'video')) setAlias(v, next('video'));
  for (const b of devs(def, 'memballoon')) if (getAttr(b, 'model') !== 'none') setAlias(b, 'balloon0');
  // Consoles mirroring a serial share its alias (qemuAssignDeviceChrAlias).
  const serials = devs(def, 'serial');
  devs(def, 'console').forEach((c, i) => {
    const tt = getAttr(kid(c, 'target'), 'type') ?? 'serial';
    if (tt === 'serial' && serials[i]) setAlias(c, aliasOf(serials[i]!)!);
    else if (i === 0 && tt === 'serial' && serials[0]) setAlias(c, aliasOf(serials[0])!);
  });
}

/** The kernel's log of virCommandAddEnvPassCommon + qemuBuildCommandLine's environment. */
function buildEnv(ctx: QemuRunContext): Array<[string, string]> {
  const env: Array<[string, string]> = [['LC_ALL', 'C']];
  const denv = ctx.env ?? process.env;
  const set = (k: string, v: string) => {
    const at = env.findIndex(([n]) => n === k);
    if (at >= 0) env[at] = [k, v];
    else env.push([k, v]);
  };
  for (const k of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR']) {
    const v = denv[k];
    if (v !== undefined) set(k, v);
  }
  if (ctx.privileged) {
    set('HOME', ctx.libDir);
    set('XDG_DATA_HOME', `${ctx.libDir}/.local/share`);
    set('XDG_CACHE_HOME', `${ctx.libDir}/.cache`);
    set('XDG_CONFIG_HOME', `${ctx.libDir}/.config`);
  } else {
    set('XDG_CACHE_HOME', `${ctx.libDir}/.cache`);
  }
  return env;
}

/**
 * Builds the command line (qemuBuildCommandLine) for the subset above.
 * Call {@link assignAliases} first. Throws CONFIG_UNSUPPORTED otherwise.
 */
export function buildQemuCommandLine(def: DomainDef, ctx: QemuRunContext): QemuCommand {
  const machine = machineOf(def);
  if (!isI440fx(machine)) throw unsupported(`machine type '${machine}'`);
  const emulator = def.devices.emulator;
  if (emulator === undefined) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'no emulator path');
  const a: string[] = [emulator];
  const add = (...xs: string[]) => a.push(...xs);
  const features = def.misc.find((m) => m.name === 'features');
  const graphics = devs(def, 'graphics');
  const memMiB = Math.floor(def.memory / 1024);

  add('-name', `guest=${def.name.replace(/,/g, ',,')},debug-threads=on`);
  add('-S');
  add('-object', json({ 'qom-type': 'secret', id: 'masterKey0', format: 'raw', file: `${ctx.libDir}/master-key.aes` }));
  add('-machine', `${machine},usb=off,dump-guest-core=off,memory-backend=pc.ram`);
  add('-accel', def.virtType === 'kvm' ? 'kvm' : 'tcg');
  const cpu = def.misc.find((m) => m.name === 'cpu');
  const cpuModel = kid(cpu, 'model')?.text;
  add('-cpu', cpuModel && getAttr(cpu, 'mode') !== 'host-passthrough' ? cpuModel : 'qemu64');
  add('-m', String(memMiB));
  add('-object', json({ 'qom-type': 'memory-backend-ram', id: 'pc.ram', size: def.memory * 1024 }));
  add('-overcommit', 'mem-lock=off');
  add('-smp', `${def.vcpu.current},sockets=${def.vcpu.max},cores=1,threads=1`);
  add('-uuid', def.uuid);
  if (graphics.length === 0) add('-display', 'none');
  add('-no-user-config', '-nodefaults');
  add('-chardev', `socket,id=charmonitor,path=${ctx.monitor.path},server=on,wait=off`);
  add('-mon', 'chardev=charmonitor,id=monitor,mode=control');
  add('-rtc', 'base=utc');
  add('-no-shutdown');
  if (!kid(features, 'acpi')) add('-no-acpi');
  add('-boot', 'strict=on');
  const kernel = kid(def.os, 'kernel')?.text;
  const initrd = kid(def.os, 'initrd')?.text;
  const cmdline = kid(def.os, 'cmdline')?.text;
  if (kernel) add('-kernel', kernel);
  if (initrd) add('-initrd', initrd);
  if (cmdline !== undefined && cmdline !== '') add('-append', cmdline);

  // PCI slots on i440fx: 1 is the PIIX3 (USB at function 2); the primary
  // video card is reserved slot 2; then controllers, NICs, disks, balloon.
  let slot = 2;
  const videos = devs(def, 'video');
  const videoSlot = videos.length > 0 ? slot++ : 0;
  const usbCtrl = devs(def, 'controller').find((c) => getAttr(c, 'type') === 'usb');
  const hasUsb = !usbCtrl || getAttr(usbCtrl, 'model') !== 'none';
  if (hasUsb) add('-device', json({ driver: 'piix3-usb-uhci', id: 'usb', bus: 'pci.0', addr: hexAddr(1, 2) }));
  const channels = devs(def, 'channel');
  const virtioChannels = channels.filter(isVirtioChannel);
  if (virtioChannels.length > 0) {
    add('-device', json({ driver: 'virtio-serial-pci', id: 'virtio-serial0', bus: 'pci.0', addr: hexAddr(slot++) }));
  }
  if (devs(def, 'interface').length > 0) throw unsupported('network interfaces');
  const disks = devs(def, 'disk');
  const hasBootHd = kids(def.os, 'boot').some((b) => getAttr(b, 'dev') === 'hd');
  disks.forEach((d, i) => {
    const n = disks.length - i;
    if ((getAttr(d, 'device') ?? 'disk') !== 'disk') throw unsupported(`disk device '${getAttr(d, 'device')}'`);
    if ((getAttr(d, 'type') ?? 'file') !== 'file') throw unsupported(`disk type '${getAttr(d, 'type')}'`);
    const file = getAttr(kid(d, 'source'), 'file');
    if (file === undefined) throw unsupported('a disk without a source file');
    const fmt = getAttr(kid(d, 'driver'), 'type') ?? 'raw';
    if (fmt !== 'raw' && fmt !== 'qcow2') throw unsupported(`disk format '${fmt}'`);
    const ro = kid(d, 'readonly') !== undefined;
    add('-blockdev', json({ driver: 'file', filename: file, 'node-name': `libvirt-${n}-storage`, 'auto-read-only': true, discard: 'unmap' }));
    add('-blockdev', json({ 'node-name': `libvirt-${n}-format`, 'read-only': ro, driver: fmt, file: `libvirt-${n}-storage` }));
    const dev: Record<string, unknown> = {
      driver: 'virtio-blk-pci', bus: 'pci.0', addr: hexAddr(slot++), drive: `libvirt-${n}-format`, id: aliasOf(d),
    };
    if (i === 0 && hasBootHd) dev['bootindex'] = 1;
    add('-device', json(dev));
  });
  for (const s of devs(def, 'serial')) {
    const type = getAttr(s, 'type') ?? 'pty';
    if (type !== 'pty') throw unsupported(`serial type '${type}'`);
    const alias = aliasOf(s)!;
    add('-chardev', `pty,id=char${alias}`);
    add('-device', json({ driver: 'isa-serial', chardev: `char${alias}`, id: alias, index: Number(getAttr(kid(s, 'target'), 'port') ?? 0) }));
  }
  let nr = 1;
  for (const ch of channels) {
    if (!isVirtioChannel(ch)) throw unsupported('non-virtio channels');
    const alias = aliasOf(ch)!;
    const type = getAttr(ch, 'type');
    const name = getAttr(kid(ch, 'target'), 'name');
    if (type === 'unix') {
      const path = getAttr(kid(ch, 'source'), 'path') ?? `${ctx.channelTargetDir}/${name}`;
      add('-chardev', `socket,id=char${alias},path=${path},server=on,wait=off`);
    } else if (type === 'pty') {
      add('-chardev', `pty,id=char${alias}`);
    } else {
      throw unsupported(`channel type '${type}'`);
    }
    const port: Record<string, unknown> = { driver: 'virtserialport', bus: 'virtio-serial0.0', nr: nr++, chardev: `char${alias}`, id: alias };
    if (name !== undefined) port['name'] = name;
    add('-device', json(port));
  }
  for (const i of devs(def, 'input')) {
    const bus = getAttr(i, 'bus');
    if (bus === 'ps2') continue;
    if (bus === 'usb' && getAttr(i, 'type') === 'tablet') {
      add('-device', json({ driver: 'usb-tablet', id: aliasOf(i), bus: 'usb.0', port: '1' }));
      continue;
    }
    throw unsupported(`input '${getAttr(i, 'type')}' on bus '${bus}'`);
  }
  add('-audiodev', json({ id: 'audio1', driver: 'none' }));
  graphics.forEach((g, gi) => {
    if (getAttr(g, 'type') !== 'vnc') throw unsupported(`graphics type '${getAttr(g, 'type')}'`);
    const listen = getAttr(g, 'listen') ?? getAttr(kid(g, 'listen'), 'address') ?? '127.0.0.1';
    const port = Number(getAttr(g, 'port') ?? -1);
    const actual = port >= 5900 ? port : (ctx.graphicsPorts?.[gi] ?? 5900);
    add('-vnc', `${listen}:${actual - 5900},audiodev=audio1`);
  });
  videos.forEach((v, vi) => {
    const m = kid(v, 'model');
    const type = getAttr(m, 'type');
    if (type !== 'vga' || vi > 0) throw unsupported(`video model '${type}'`);
    const vram = Number(getAttr(m, 'vram') ?? 16384);
    add('-device', json({ driver: 'VGA', id: aliasOf(v), vgamem_mb: Math.floor(vram / 1024), bus: 'pci.0', addr: hexAddr(videoSlot) }));
  });
  for (const b of devs(def, 'memballoon')) {
    const model = getAttr(b, 'model');
    if (model === 'none') continue;
    if (model !== 'virtio') throw unsupported(`memballoon model '${model}'`);
    add('-device', json({ driver: 'virtio-balloon-pci', id: 'balloon0', bus: 'pci.0', addr: hexAddr(slot++) }));
  }
  for (const kind of ['rng', 'panic', 'sound', 'hostdev', 'watchdog', 'filesystem', 'smartcard', 'redirdev', 'tpm', 'shmem', 'parallel']) {
    if (devs(def, kind).length > 0) throw unsupported(`<${kind}> devices`);
  }
  add('-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny');
  add('-msg', 'timestamp=on');
  return { env: buildEnv(ctx), argv: a };
}

/** Characters that make virBufferEscapeShell quote an argument. */
const SHELL_SPECIAL = /[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/;

/** virBufferEscapeShell: quote an argument for a shell when it needs it. */
export function shellEscape(s: string): string {
  if (s === '') return `''`;
  if (!SHELL_SPECIAL.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The domain log's form (virCommandToStringFull with line breaks): one item a line, joined with ` \`. */
export function commandToLogLines(cmd: QemuCommand): string {
  const out: string[] = cmd.env.map(([k, v]) => `${k}=${shellEscape(v)}`);
  const argv = cmd.argv;
  for (let i = 0; i < argv.length; i++) {
    const cur = shellEscape(argv[i]!);
    const next = argv[i + 1];
    if (i > 0 && argv[i]!.startsWith('-') && next !== undefined && !next.startsWith('-')) {
      out.push(`${cur} ${shellEscape(next)}`);
      i++;
    } else {
      out.push(cur);
    }
  }
  return out.join(' \\\n');
}
