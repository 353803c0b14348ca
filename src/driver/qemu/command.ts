/**
 * The QEMU command line of a domain, as libvirt 9.0's qemuBuildCommandLine
 * (src/qemu/qemu_command.c) builds it for QEMU 7.2: JSON `-device`,
 * `-netdev` and `-object`, `-blockdev` storage, `-audiodev`, `-sandbox`.
 *
 * Input: a definition with the QEMU driver's defaults applied
 * (domain-defaults.ts: aliases and PCI addresses), and the runtime
 * context a start has (domain id, per-domain dirs, monitor, pre-opened fds,
 * VNC ports). Output: the environment and argv; {@link commandToString}
 * renders them as `virsh domxml-to-native qemu-argv` and the domain log do.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, kids, type XNode } from '../../conf/domain-xml.js';
import {
  aliasOf, devicesOf, driveAddress, isQ35, machineOf, pciAddressOf, QEMU_7_2_X86_64, type QemuHostCaps,
} from './domain-defaults.js';

/** What a start (or a pretend start) knows beyond the definition. */
export interface QemuRunContext {
  /** The domain id; -1 for domxml-to-native (qemuProcessCreatePretendCmdPrepare). */
  id: number;
  /** qemu:///system (true) or qemu:///session. */
  privileged: boolean;
  /** The per-domain dir; default `<libRoot>/domain-<id>-<short name>`. */
  libDir?: string;
  /** The per-domain channel dir; default `<channelRoot>/domain-<id>-<short name>`. */
  channelTargetDir?: string;
  /**
   * Where per-domain dirs live: /var/lib/libvirt/qemu for the system daemon
   * (the default), `~/.config/libvirt/qemu/lib` for a session one.
   */
  libRoot?: string;
  /**
   * Where per-domain channel dirs live: default `<libRoot>/channel/target`
   * (the system daemon's); `~/.config/libvirt/qemu/channel/target` for a session one.
   */
  channelRoot?: string;
  /** The monitor: a socket path (pretend) or a pre-opened listening socket's fd. Default `<libDir>/monitor.sock`. */
  monitor?: { path: string } | { fd: number };
  /**
   * The daemon's environment; LC_ALL=C plus what virCommandAddEnvPassCommon
   * passes through (LD_PRELOAD, LD_LIBRARY_PATH, PATH, HOME, USER, LOGNAME,
   * TMPDIR) come from it. Default process.env.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Pre-opened listening sockets of unix chardevs, by chardev id (`charchannel0`). */
  chardevFds?: Readonly<Record<string, number>>;
  /**
   * Tap fds by interface alias (`net0`). domxml-to-native rewrites every
   * interface to type ethernet and so passes a tap fd for each.
   */
  tapFds?: Readonly<Record<string, number>>;
  /**
   * qemuConnectDomainXMLToNative's rewrite: every interface becomes a tap fd
   * from {@link tapFds}, and loses its `<boot order>`.
   */
  interfacesAsTap?: boolean;
  /**
   * Files of file chardevs that the daemon opened and passes in fd sets, by
   * chardev id (a real start: `-add-fd set=S,fd=F,opaque=<alias>-source`).
   */
  fileFdsets?: Readonly<Record<string, { set: number; fd: number }>>;
  /**
   * The port of each autoport `<graphics>`, by graphics index. Default
   * what a pretend start uses (qemuProcessVNCAllocatePorts and
   * qemuProcessSPICEAllocatePorts without allocation): 5900 for VNC, 5901
   * for SPICE.
   */
  graphicsPorts?: readonly (number | undefined)[];
  /** Disk aliases whose qcow2 image was probed and has no backing file (adds `"backing":null`). */
  probedNoBacking?: ReadonlySet<string>;
  caps?: QemuHostCaps;
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

/** QEMU's option escaping: a comma is doubled (virQEMUBuildBufferEscapeComma). */
function escComma(s: string): string {
  return s.replace(/,/g, ',,');
}

const json = (o: unknown) => JSON.stringify(o);

function hexAddr(slot: number, fn: number): string {
  return fn === 0 ? `0x${slot.toString(16)}` : `0x${slot.toString(16)}.0x${fn.toString(16)}`;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Builds the command line (qemuBuildCommandLine). Throws CONFIG_UNSUPPORTED
 * for configuration it does not know how to render.
 */
export function buildQemuCommandLine(def: DomainDef, ctx: QemuRunContext): QemuCommand {
  const caps = ctx.caps ?? QEMU_7_2_X86_64;
  const libRoot = ctx.libRoot ?? '/var/lib/libvirt/qemu';
  const short = domainShortName(def, ctx.id);
  const libDir = ctx.libDir ?? `${libRoot}/domain-${short}`;
  const channelDir = ctx.channelTargetDir ?? `${ctx.channelRoot ?? `${libRoot}/channel/target`}/domain-${short}`;
  const machine = machineOf(def);
  const q35 = isQ35(machine);
  const a: string[] = [];
  const add = (...xs: string[]) => a.push(...xs);

  // Environment (qemuBuildCommandLine → virCommandAddEnvPassCommon).
  const env: Array<[string, string]> = [['LC_ALL', 'C']];
  const denv = ctx.env ?? process.env;
  const setEnv = (k: string, v: string) => {
    const at = env.findIndex(([n]) => n === k);
    if (at >= 0) env[at] = [k, v];
    else env.push([k, v]);
  };
  for (const k of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR']) {
    const v = denv[k];
    if (v !== undefined) setEnv(k, v);
  }
  if (ctx.privileged) {
    setEnv('HOME', libDir);
    setEnv('XDG_DATA_HOME', `${libDir}/.local/share`);
  }
  setEnv('XDG_CACHE_HOME', `${libDir}/.cache`);
  if (ctx.privileged) setEnv('XDG_CONFIG_HOME', `${libDir}/.config`);
  const clock = def.misc.find((m) => m.name === 'clock');
  if (getAttr(clock, 'offset') === 'timezone' && getAttr(clock, 'timezone') !== undefined) setEnv('TZ', getAttr(clock, 'timezone')!);

  add(def.devices.emulator ?? caps.emulator);
  add('-name', `guest=${escComma(def.name)},debug-threads=on`);
  add('-S');
  add('-object', json({ 'qom-type': 'secret', id: 'masterKey0', format: 'raw', file: `${libDir}/master-key.aes` }));
  const features = def.misc.find((m) => m.name === 'features');
  const vmport = getAttr(kid(features, 'vmport'), 'state');
  const cells = numaCells(def);
  // With NUMA cells each node has its own backend instead of the machine's RAM id.
  const ramBackend = cells.length === 0 ? `,memory-backend=${caps.defaultRamId}` : '';
  add('-machine', `${machine},usb=off${vmport ? `,vmport=${vmport}` : ''},dump-guest-core=off${ramBackend}`);
  add('-accel', def.virtType === 'kvm' ? 'kvm' : 'tcg');
  add('-cpu', cpuArg(def, caps));
  const memMiB = Math.ceil(def.memory / 1024);
  if (def.maxMemory) {
    add('-m', `size=${def.memory}k,slots=${def.maxMemory.slots ?? 0},maxmem=${def.maxMemory.kib}k`);
  } else {
    add('-m', String(memMiB));
  }
  if (cells.length === 0) add('-object', json({ 'qom-type': 'memory-backend-ram', id: caps.defaultRamId, size: memMiB * 1024 * 1024 }));
  add('-overcommit', 'mem-lock=off');
  add('-smp', smpArg(def));
  for (const id of iothreadIds(def)) add('-object', json({ 'qom-type': 'iothread', id: `iothread${id}` }));
  for (const c of cells) {
    add('-object', json({ 'qom-type': 'memory-backend-ram', id: `ram-node${c.id}`, size: c.kib * 1024 }));
    // A cpu list with commas is given as several cpus= (qemuBuildNumaCommandLine).
    add('-numa', `node,nodeid=${c.id},${c.cpus.split(',').map((r) => `cpus=${r}`).join(',')},memdev=ram-node${c.id}`);
  }
  add('-uuid', def.uuid);
  for (const sm of smbiosArgs(def)) add('-smbios', sm);
  const graphics = devicesOf(def, 'graphics');
  if (graphics.length === 0) add('-display', 'none');
  add('-no-user-config', '-nodefaults');
  const mon = ctx.monitor ?? { path: `${libDir}/monitor.sock` };
  add('-chardev', 'path' in mon
    ? `socket,id=charmonitor,path=${escComma(mon.path)},server=on,wait=off`
    : `socket,id=charmonitor,fd=${mon.fd},server=on,wait=off`);
  add('-mon', 'chardev=charmonitor,id=monitor,mode=control');
  add('-rtc', rtcArg(clock));
  // The other timers, in the definition's order (qemuBuildClockCommandLine).
  for (const tm of kids(clock, 'timer')) {
    const name = getAttr(tm, 'name');
    const policy = getAttr(tm, 'tickpolicy');
    if (name === 'pit') {
      // delay is QEMU's default without an in-kernel PIT; catchup adds nothing.
      if (policy === undefined || policy === 'delay') add('-global', 'kvm-pit.lost_tick_policy=delay');
      else if (policy === 'discard') add('-global', 'kvm-pit.lost_tick_policy=discard');
      else if (policy !== 'catchup') throw unsupported(`PIT tick policy '${policy}'`);
    } else if (name === 'hpet') {
      if (getAttr(tm, 'present') === 'no') add('-no-hpet');
    } else if (name !== 'rtc') {
      throw unsupported(`timer '${name}'`);
    }
  }
  add('-no-shutdown');
  if (!kid(features, 'acpi')) add('-no-acpi');
  // qemuBuildPMCommandLine: S3/S4 of the machine's power management device.
  const pm = def.misc.find((m) => m.name === 'pm');
  for (const [el, s] of [['suspend-to-mem', 's3'], ['suspend-to-disk', 's4']] as const) {
    const enabled = getAttr(kid(pm, el), 'enabled');
    if (enabled !== undefined) add('-global', `${q35 ? 'ICH9-LPC' : 'PIIX4_PM'}.disable_${s}=${enabled === 'no' ? 1 : 0}`);
  }
  add('-boot', bootArg(def.os));
  const kernel = kid(def.os, 'kernel')?.text;
  const initrd = kid(def.os, 'initrd')?.text;
  const cmdline = kid(def.os, 'cmdline')?.text;
  const dtb = kid(def.os, 'dtb')?.text;
  if (kernel) add('-kernel', kernel);
  if (initrd) add('-initrd', initrd);
  if (cmdline) add('-append', cmdline);
  if (dtb) add('-dtb', dtb);

  const busAlias = pciBusAliases(def);
  const addrProps = (n: XNode): Record<string, unknown> => {
    const p = pciAddressOf(n);
    if (!p) return {};
    const bus = busAlias.get(p.bus);
    if (bus === undefined) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, `no PCI controller with index ${p.bus}`);
    const out: Record<string, unknown> = { bus };
    if (getAttr(kid(n, 'address'), 'multifunction') === 'on') out['multifunction'] = true;
    out['addr'] = hexAddr(p.slot, p.fn);
    return out;
  };

  // Controllers, by type in qemuBuildControllersCommandLine's order.
  const controllers = devicesOf(def, 'controller');
  for (const type of ['pci', 'usb', 'scsi', 'ide', 'sata', 'fdc', 'virtio-serial', 'ccid']) {
    const ofType = controllers.filter((c) => getAttr(c, 'type') === type);
    if (type === 'pci') ofType.sort((x, y) => Number(getAttr(x, 'index')) - Number(getAttr(y, 'index')));
    for (const c of ofType) {
      const props = controllerProps(c, q35, addrProps);
      if (props) add('-device', json(props));
    }
  }

  // Disks.
  const bootIndex = bootIndexes(def, ctx.interfacesAsTap ?? false);
  const disks = devicesOf(def, 'disk');
  // Every disk takes a node index, counting down; an empty drive's is unused.
  let nodeIndex = disks.length;
  for (const d of disks) {
    const alias = aliasOf(d);
    const src = kid(d, 'source');
    const idx = nodeIndex--;
    let drive: string | undefined;
    if (src) {
      drive = `libvirt-${idx}-format`;
      for (const bd of blockdevs(d, idx, ctx.probedNoBacking?.has(alias) ?? false)) add('-blockdev', json(bd));
    }
    const sataAlias = (i: number) => aliasOf(controllers.find((c) => getAttr(c, 'type') === 'sata' && getAttr(c, 'index') === String(i)) ?? controllers[0]!);
    add('-device', json(diskDeviceProps(d, drive, bootIndex.get(d), addrProps, sataAlias)));
  }

  // Filesystems: 9p over virtio.
  for (const fs of devicesOf(def, 'filesystem')) {
    const alias = aliasOf(fs);
    const type = getAttr(fs, 'type') ?? 'mount';
    const driver = getAttr(kid(fs, 'driver'), 'type');
    if (type !== 'mount' || (driver !== undefined && driver !== 'path')) throw unsupported('filesystems other than 9p mounts');
    const model = getAttr(fs, 'accessmode') ?? 'passthrough';
    const path = getAttr(kid(fs, 'source'), 'dir') ?? '';
    add('-fsdev', `local,security_model=${model},id=fsdev-${alias},path=${escComma(path)}${kid(fs, 'readonly') ? ',readonly' : ''}`);
    add('-device', json({ driver: 'virtio-9p-pci', id: alias, fsdev: `fsdev-${alias}`, mount_tag: getAttr(kid(fs, 'target'), 'dir'), ...addrProps(fs) }));
  }

  // Network interfaces.
  devicesOf(def, 'interface').forEach((n) => {
    const alias = aliasOf(n);
    const type = getAttr(n, 'type') ?? '';
    const hostnet = `host${alias}`;
    let netdev: Record<string, unknown>;
    if (type === 'user' && !ctx.interfacesAsTap) netdev = { type: 'user', id: hostnet };
    else {
      const fd = ctx.tapFds?.[alias];
      if (fd === undefined) throw unsupported(`interface type '${type}' without a tap fd`);
      netdev = { type: 'tap', fd: String(fd), id: hostnet };
    }
    add('-netdev', json(netdev));
    // (domxml-to-native's rewritten interfaces keep no <driver>.)
    if (!ctx.interfacesAsTap && Number(getAttr(kid(n, 'driver'), 'queues') ?? '1') > 1) throw unsupported('multiqueue interfaces');
    const model = getAttr(kid(n, 'model'), 'type') ?? 'rtl8139';
    const driver = model === 'virtio' ? 'virtio-net-pci' : model;
    const props: Record<string, unknown> = { driver, netdev: hostnet, id: alias, mac: getAttr(kid(n, 'mac'), 'address') };
    const bi = bootIndex.get(n);
    if (bi !== undefined) props['bootindex'] = bi;
    add('-device', json({ ...props, ...addrProps(n) }));
  });

  if (devicesOf(def, 'smartcard').length > 0) throw unsupported('<smartcard> devices');

  // Serials.
  for (const s of devicesOf(def, 'serial')) {
    const alias = aliasOf(s);
    const ttype = getAttr(kid(s, 'target'), 'type') ?? 'isa-serial';
    if (ttype !== 'isa-serial') throw unsupported(`serial target type '${ttype}'`);
    const fdset = ctx.fileFdsets?.[`char${alias}`];
    if (fdset && getAttr(s, 'type') === 'file') add('-add-fd', `set=${fdset.set},fd=${fdset.fd},opaque=${alias}-source`);
    add('-chardev', chardevArg(s, `char${alias}`, ctx, channelDir));
    add('-device', json({ driver: 'isa-serial', chardev: `char${alias}`, id: alias, index: num(getAttr(kid(s, 'target'), 'port')) ?? 0 }));
  }
  if (devicesOf(def, 'parallel').length > 0) throw unsupported('<parallel> devices');

  // Channels (virtio-serial ports, addressed by domain-defaults.ts).
  for (const c of devicesOf(def, 'channel')) {
    const alias = aliasOf(c);
    const t = kid(c, 'target');
    if (getAttr(t, 'type') !== 'virtio') throw unsupported(`channel target type '${getAttr(t, 'type')}'`);
    add('-chardev', chardevArg(c, `char${alias}`, ctx, channelDir));
    const a = kid(c, 'address');
    const props: Record<string, unknown> = {
      driver: 'virtserialport', bus: `virtio-serial${getAttr(a, 'controller') ?? '0'}.${getAttr(a, 'bus') ?? '0'}`,
      nr: num(getAttr(a, 'port')), chardev: `char${alias}`, id: alias,
    };
    const name = getAttr(t, 'name');
    if (name !== undefined) props['name'] = name;
    add('-device', json(props));
  }

  // Consoles (the first one mirrors serial 0 and has no command line of its own).
  const serialCount = devicesOf(def, 'serial').length;
  def.devices.list.filter((d) => d.kind === 'console').forEach((d, i) => {
    const ttype = getAttr(kid(d.node, 'target'), 'type') ?? 'serial';
    if (ttype === 'serial' && (i === 0 || d.aliasSerial) && serialCount > 0) return;
    if (ttype !== 'virtio') throw unsupported(`console target type '${ttype}'`);
    const alias = aliasOf(d.node);
    add('-chardev', chardevArg(d.node, `char${alias}`, ctx, channelDir));
    add('-device', json({ driver: 'virtconsole', chardev: `char${alias}`, id: alias }));
  });

  if (devicesOf(def, 'tpm').length > 0) throw unsupported('<tpm> devices');

  // Inputs: PS/2 is built in; USB ones have their port from domain-defaults.ts.
  for (const n of devicesOf(def, 'input')) {
    const bus = getAttr(n, 'bus') ?? 'ps2';
    const type = getAttr(n, 'type') ?? '';
    if (bus === 'ps2') continue;
    if (bus !== 'usb') throw unsupported(`input bus '${bus}'`);
    const driver = { tablet: 'usb-tablet', mouse: 'usb-mouse', keyboard: 'usb-kbd' }[type];
    if (!driver) throw unsupported(`input type '${type}'`);
    const a = kid(n, 'address');
    add('-device', json({ driver, id: aliasOf(n), bus: `usb.${getAttr(a, 'bus') ?? '0'}`, port: getAttr(a, 'port') ?? '1' }));
  }

  // Audio backends (domain-defaults.ts adds <audio id='1' type='none'/>).
  const audios = devicesOf(def, 'audio');
  for (const au of audios) {
    const type = getAttr(au, 'type') ?? 'none';
    if (type !== 'none' && type !== 'spice') throw unsupported(`audio type '${type}'`);
    add('-audiodev', json({ id: `audio${getAttr(au, 'id') ?? '1'}`, driver: type }));
  }
  const audiodev = `audio${getAttr(audios[0], 'id') ?? '1'}`;

  graphics.forEach((g, i) => {
    const type = getAttr(g, 'type');
    const listenEl = kids(g, 'listen')[0];
    const autoport = getAttr(g, 'autoport') === 'yes' || getAttr(g, 'port') === undefined || getAttr(g, 'port') === '-1';
    if (type === 'spice') {
      if (getAttr(g, 'passwd') !== undefined || getAttr(g, 'tlsPort') !== undefined) throw unsupported('SPICE passwords and TLS');
      const ltype = getAttr(listenEl, 'type') ?? 'address';
      if (ltype !== 'address') throw unsupported(`SPICE listen type '${ltype}'`);
      const port = autoport ? (ctx.graphicsPorts?.[i] ?? 5901) : Number(getAttr(g, 'port'));
      const addr = getAttr(listenEl, 'address') ?? getAttr(g, 'listen') ?? '127.0.0.1';
      let opt = `port=${port},addr=${addr},disable-ticketing=on`;
      const compression = getAttr(kid(g, 'image'), 'compression');
      if (compression !== undefined) opt += `,image-compression=${compression}`;
      if (g.children.some((c) => !['listen', 'image'].includes(c.name) && c.name !== 'alias')) throw unsupported('SPICE options other than image compression');
      add('-spice', `${opt},seamless-migration=on`);
      return;
    }
    if (type !== 'vnc') throw unsupported(`graphics type '${type}'`);
    const ltype = getAttr(listenEl, 'type') ?? 'address';
    if (ltype === 'socket') {
      // Without a path: vnc.sock in the per-domain dir (qemuProcessGraphicsSetupListen).
      add('-vnc', `vnc=unix:${escComma(getAttr(listenEl, 'socket') ?? `${libDir}/vnc.sock`)},audiodev=${audiodev}`);
      return;
    }
    if (ltype === 'none') {
      add('-vnc', `none,audiodev=${audiodev}`);
      return;
    }
    if (ltype !== 'address') throw unsupported(`VNC listen type '${ltype}'`);
    let host = getAttr(listenEl, 'address') ?? getAttr(g, 'listen') ?? '127.0.0.1';
    if (host.includes(':')) host = `[${host}]`;
    const port = autoport ? (ctx.graphicsPorts?.[i] ?? 5900) : Number(getAttr(g, 'port'));
    let opt = `${host}:${port - 5900}`;
    if (getAttr(g, 'passwd') !== undefined) opt += ',password=on';
    add('-vnc', `${opt},audiodev=${audiodev}`);
  });

  devicesOf(def, 'video').forEach((v, i) => {
    const props = videoProps(v, i === 0, addrProps);
    if (props) add('-device', json(props));
  });

  for (const snd of devicesOf(def, 'sound')) {
    const model = getAttr(snd, 'model') ?? '';
    const alias = aliasOf(snd);
    const driver = ({ ich6: 'intel-hda', ich9: 'ich9-intel-hda', ac97: 'AC97', es1370: 'ES1370' } as Record<string, string>)[model];
    if (!driver) throw unsupported(`sound model '${model}'`);
    const hda = model === 'ich6' || model === 'ich9';
    add('-device', json({ driver, id: alias, ...(hda ? {} : { audiodev }), ...addrProps(snd) }));
    if (hda) {
      const codecs = kids(snd, 'codec');
      if (codecs.length > 1 || (codecs[0] && getAttr(codecs[0], 'type') !== 'duplex')) throw unsupported('sound codecs other than one duplex');
      add('-device', json({ driver: 'hda-duplex', id: `${alias}-codec0`, bus: `${alias}.0`, cad: 0, audiodev }));
    }
  }
  for (const w of devicesOf(def, 'watchdog')) {
    const model = getAttr(w, 'model') ?? '';
    if (model !== 'i6300esb' && model !== 'ib700') throw unsupported(`watchdog model '${model}'`);
    add('-device', json({ driver: model, id: aliasOf(w), ...addrProps(w) }));
    const action = getAttr(w, 'action') ?? 'reset';
    // qemuBuildWatchdogCommandLine: dump is QEMU's pause (libvirt dumps on the event).
    add('-watchdog-action', action === 'dump' ? 'pause' : action);
  }
  for (const r of devicesOf(def, 'redirdev')) {
    if (getAttr(r, 'bus') !== 'usb' || getAttr(r, 'type') !== 'spicevmc') throw unsupported('redirdevs other than USB over spicevmc');
    const alias = aliasOf(r);
    add('-chardev', chardevArg(r, `char${alias}`, ctx, channelDir));
    const a = kid(r, 'address');
    add('-device', json({ driver: 'usb-redir', chardev: `char${alias}`, id: alias, bus: `usb.${getAttr(a, 'bus') ?? '0'}`, port: getAttr(a, 'port') ?? '1' }));
  }
  if (devicesOf(def, 'hostdev').length > 0) throw unsupported('<hostdev> devices');

  for (const b of devicesOf(def, 'memballoon')) {
    const model = getAttr(b, 'model');
    if (model === 'none') continue;
    if (model !== 'virtio') throw unsupported(`memballoon model '${model}'`);
    const props: Record<string, unknown> = { driver: 'virtio-balloon-pci', id: aliasOf(b) };
    if (getAttr(b, 'autodeflate') !== undefined) props['deflate-on-oom'] = getAttr(b, 'autodeflate') === 'on';
    if (getAttr(b, 'freePageReporting') !== undefined) props['free-page-reporting'] = getAttr(b, 'freePageReporting') === 'on';
    add('-device', json({ ...props, ...addrProps(b) }));
  }

  for (const r of devicesOf(def, 'rng')) {
    const alias = aliasOf(r);
    if (getAttr(r, 'model') !== 'virtio') throw unsupported(`rng model '${getAttr(r, 'model')}'`);
    const backend = kid(r, 'backend');
    const bmodel = getAttr(backend, 'model');
    if (bmodel === 'random') add('-object', json({ 'qom-type': 'rng-random', id: `obj${alias}`, filename: backend?.text || '/dev/urandom' }));
    else if (bmodel === 'builtin') add('-object', json({ 'qom-type': 'rng-builtin', id: `obj${alias}` }));
    else throw unsupported(`rng backend '${bmodel}'`);
    const props: Record<string, unknown> = { driver: 'virtio-rng-pci', rng: `obj${alias}`, id: alias };
    const rate = kid(r, 'rate');
    if (rate) {
      props['max-bytes'] = num(getAttr(rate, 'bytes'));
      // libvirt's default period is 1 s (virDomainRNGDefParseXML).
      props['period'] = num(getAttr(rate, 'period')) ?? 1000;
    }
    add('-device', json({ ...props, ...addrProps(r) }));
  }

  add('-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny');

  for (const p of devicesOf(def, 'panic')) {
    const model = getAttr(p, 'model') ?? 'isa';
    if (model !== 'isa') throw unsupported(`panic model '${model}'`);
    const iobase = num(getAttr(kid(p, 'address'), 'iobase')) ?? 0x505;
    add('-device', json({ driver: 'pvpanic', ioport: iobase }));
  }
  add('-msg', 'timestamp=on');
  return { env, argv: a };
}

/** PCI bus number → the alias QEMU knows that bus by. */
function pciBusAliases(def: DomainDef): Map<number, string> {
  const m = new Map<number, string>();
  for (const c of devicesOf(def, 'controller')) {
    if (getAttr(c, 'type') !== 'pci') continue;
    m.set(Number(getAttr(c, 'index')), aliasOf(c));
  }
  return m;
}

/** A `<cell>` of `<cpu><numa>`. */
interface NumaCell { id: number; cpus: string; kib: number }

function numaCells(def: DomainDef): NumaCell[] {
  const numa = kid(def.misc.find((m) => m.name === 'cpu'), 'numa');
  const scale: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, m: 1024, mib: 1024, g: 1024 ** 2, gib: 1024 ** 2 };
  return kids(numa, 'cell').map((c, i) => {
    const unit = (getAttr(c, 'unit') ?? 'KiB').toLowerCase();
    const f = scale[unit];
    if (f === undefined) throw unsupported(`NUMA cell memory unit '${unit}'`);
    if (c.children.length > 0 || getAttr(c, 'memAccess') !== undefined || getAttr(c, 'discard') !== undefined) throw unsupported('NUMA cell options');
    return { id: Number(getAttr(c, 'id') ?? i), cpus: getAttr(c, 'cpus') ?? '', kib: Number(getAttr(c, 'memory')) * f };
  });
}

/** SMBIOS fields per `<sysinfo type='smbios'>` block, in qemuBuildSmbiosCommandLine's order. */
const SMBIOS_FIELDS: ReadonlyArray<[string, number, readonly string[]]> = [
  ['bios', 0, ['vendor', 'version', 'date', 'release']],
  ['system', 1, ['manufacturer', 'product', 'version', 'serial', 'uuid', 'sku', 'family']],
  ['baseBoard', 2, ['manufacturer', 'product', 'version', 'serial', 'asset', 'location']],
  ['chassis', 3, ['manufacturer', 'version', 'serial', 'asset', 'sku']],
];

/** `-smbios` values for `<os><smbios mode='sysinfo'/>`. */
function smbiosArgs(def: DomainDef): string[] {
  const mode = getAttr(kid(def.os, 'smbios'), 'mode');
  if (mode === undefined || mode === 'emulate') return [];
  if (mode !== 'sysinfo') throw unsupported(`SMBIOS mode '${mode}'`);
  const sys = def.misc.find((m) => m.name === 'sysinfo' && getAttr(m, 'type') === 'smbios');
  if (!sys) return [];
  const out: string[] = [];
  for (const [el, type, fields] of SMBIOS_FIELDS) {
    for (const block of kids(sys, el)) {
      const entries = kids(block, 'entry');
      const parts = [`type=${type}`];
      for (const f of fields) {
        const e = entries.find((x) => getAttr(x, 'name') === f);
        if (e) parts.push(`${f}=${escComma(e.text)}`);
      }
      if (parts.length > 1) out.push(parts.join(','));
    }
  }
  if (kid(sys, 'oemStrings')) throw unsupported('SMBIOS OEM strings');
  return out;
}

/** `-boot`: menu, splash time, reboot timeout, strict (qemuBuildBootCommandLine). */
function bootArg(os: XNode): string {
  const parts: string[] = [];
  const menu = kid(os, 'bootmenu');
  const enable = getAttr(menu, 'enable');
  if (enable === 'yes') parts.push('menu=on');
  else if (enable === 'no') parts.push('menu=off');
  const timeout = getAttr(menu, 'timeout');
  if (enable === 'yes' && timeout !== undefined) parts.push(`splash-time=${timeout}`);
  const reboot = getAttr(kid(os, 'bios'), 'rebootTimeout');
  if (reboot !== undefined) parts.push(`reboot-timeout=${reboot}`);
  parts.push('strict=on');
  return parts.join(',');
}

/** The iothread ids: `<iothreadids>`, else 1…`<iothreads>`. */
function iothreadIds(def: DomainDef): number[] {
  const ids = kids(def.misc.find((m) => m.name === 'iothreadids'), 'iothread').map((n) => Number(getAttr(n, 'id')));
  if (ids.length > 0) return ids;
  const count = Number(def.misc.find((m) => m.name === 'iothreads')?.text ?? '0');
  return Array.from({ length: count }, (_, i) => i + 1);
}

function cpuArg(def: DomainDef, caps: QemuHostCaps): string {
  const cpu = def.misc.find((m) => m.name === 'cpu');
  const mode = getAttr(cpu, 'mode') ?? 'custom';
  if (mode === 'host-passthrough' || mode === 'maximum') return mode === 'maximum' ? 'max' : 'host';
  const model = kid(cpu, 'model')?.text;
  if (!model) return caps.defaultCpu;
  const parts = [model];
  for (const f of kids(cpu, 'feature')) {
    const policy = getAttr(f, 'policy') ?? 'require';
    const name = getAttr(f, 'name');
    if (policy === 'require' || policy === 'force') parts.push(`${name}=on`);
    else if (policy === 'disable' || policy === 'forbid') parts.push(`${name}=off`);
  }
  return parts.join(',');
}

function smpArg(def: DomainDef): string {
  const cpu = def.misc.find((m) => m.name === 'cpu');
  const topo = kid(cpu, 'topology');
  const { max, current } = def.vcpu;
  let s = String(current);
  if (current !== max) s += `,maxcpus=${max}`;
  if (topo) {
    s += `,sockets=${getAttr(topo, 'sockets') ?? 1},dies=${getAttr(topo, 'dies') ?? 1}`;
    s += `,cores=${getAttr(topo, 'cores') ?? 1},threads=${getAttr(topo, 'threads') ?? 1}`;
  } else {
    s += `,sockets=${max},cores=1,threads=1`;
  }
  return s;
}

function rtcArg(clock: XNode | undefined): string {
  const offset = getAttr(clock, 'offset') ?? 'utc';
  let s: string;
  if (offset === 'utc') s = 'base=utc';
  // A timezone offset is the host's local time with TZ set in the environment.
  else if (offset === 'localtime' || offset === 'timezone') s = 'base=localtime';
  else throw unsupported(`clock offset '${offset}'`);
  const rtc = kids(clock, 'timer').find((t) => getAttr(t, 'name') === 'rtc');
  const policy = getAttr(rtc, 'tickpolicy');
  if (policy === 'catchup') s += ',driftfix=slew';
  else if (policy !== undefined && policy !== 'delay') throw unsupported(`RTC tick policy '${policy}'`);
  if (getAttr(rtc, 'track') !== undefined) throw unsupported('RTC track');
  return s;
}

type AddrProps = (n: XNode) => Record<string, unknown>;

function controllerProps(c: XNode, q35: boolean, addrProps: AddrProps): Record<string, unknown> | undefined {
  const type = getAttr(c, 'type');
  const model = getAttr(c, 'model');
  const alias = aliasOf(c);
  switch (type) {
    case 'pci': {
      if (model === 'pci-root' || model === 'pcie-root') return undefined;
      if (model === 'pcie-to-pci-bridge') return { driver: 'pcie-pci-bridge', id: alias, ...addrProps(c) };
      if (model !== 'pcie-root-port') throw unsupported(`PCI controller model '${model}'`);
      const t = kid(c, 'target');
      return {
        driver: 'pcie-root-port', port: num(getAttr(t, 'port')), chassis: num(getAttr(t, 'chassis')), id: alias, ...addrProps(c),
      };
    }
    case 'usb': {
      if (model === 'none') return undefined;
      const driver = ({ 'piix3-uhci': 'piix3-usb-uhci', 'qemu-xhci': 'qemu-xhci', 'nec-xhci': 'nec-usb-xhci', ehci: 'usb-ehci', 'ich9-ehci1': 'ich9-usb-ehci1' } as Record<string, string>)[model ?? ''];
      if (!driver) throw unsupported(`USB controller model '${model}'`);
      const ports = num(getAttr(c, 'ports'));
      const xhci = model === 'qemu-xhci' || model === 'nec-xhci';
      return { driver, ...(xhci && ports !== undefined ? { p2: ports, p3: ports } : {}), id: alias, ...addrProps(c) };
    }
    case 'scsi': {
      if (model !== 'virtio-scsi') throw unsupported(`SCSI controller model '${model ?? '(default)'}'`);
      return { driver: 'virtio-scsi-pci', id: alias, ...addrProps(c) };
    }
    case 'virtio-serial':
      return { driver: 'virtio-serial-pci', id: alias, ...addrProps(c) };
    case 'ide':
      // The PIIX3's IDE is built into pc.
      if (q35) throw unsupported('IDE controllers on q35');
      return undefined;
    case 'sata':
      if (q35 && getAttr(c, 'index') === '0') return undefined;
      return { driver: 'ahci', id: alias, ...addrProps(c) };
    case 'fdc':
      return undefined;
    default:
      throw unsupported(`${type} controllers`);
  }
}

/**
 * Boot indexes per device: `<boot order>` on devices, else the os `<boot
 * dev>` list. `rewrittenNets`: the interfaces are domxml-to-native's new
 * ethernet ones, which do not keep their `<boot order>` (observed).
 */
function bootIndexes(def: DomainDef, rewrittenNets: boolean): Map<XNode, number> {
  const m = new Map<XNode, number>();
  for (const d of def.devices.list) {
    if (rewrittenNets && d.kind === 'interface') continue;
    const n = d.node;
    const o = num(getAttr(kid(n, 'boot'), 'order'));
    if (o !== undefined) m.set(n, o);
  }
  if (m.size > 0) return m;
  const disks = devicesOf(def, 'disk');
  kids(def.os, 'boot').forEach((b, i) => {
    const dev = getAttr(b, 'dev');
    let target: XNode | undefined;
    if (dev === 'hd') target = disks.find((d) => (getAttr(d, 'device') ?? 'disk') === 'disk');
    else if (dev === 'cdrom') target = disks.find((d) => getAttr(d, 'device') === 'cdrom');
    else if (dev === 'fd') target = disks.find((d) => getAttr(d, 'device') === 'floppy');
    else if (dev === 'network') target = devicesOf(def, 'interface')[0];
    if (target && !m.has(target)) m.set(target, i + 1);
  });
  return m;
}

/** The cache flags of a `<driver cache>` mode (qemuDomainDiskCachemodeFlags). */
function cacheFlags(mode: string | undefined): { writeback: boolean; direct: boolean; noFlush: boolean } | undefined {
  switch (mode) {
    case undefined: case 'default': return undefined;
    case 'none': return { writeback: true, direct: true, noFlush: false };
    case 'writethrough': return { writeback: false, direct: false, noFlush: false };
    case 'writeback': return { writeback: true, direct: false, noFlush: false };
    case 'directsync': return { writeback: false, direct: true, noFlush: false };
    case 'unsafe': return { writeback: true, direct: false, noFlush: true };
    default: throw unsupported(`disk cache mode '${mode}'`);
  }
}

function blockdevs(d: XNode, idx: number, noBacking: boolean): Array<Record<string, unknown>> {
  const src = kid(d, 'source')!;
  const drv = kid(d, 'driver');
  const type = getAttr(d, 'type') ?? 'file';
  const cache = cacheFlags(getAttr(drv, 'cache'));
  const io = getAttr(drv, 'io');
  const storage: Record<string, unknown> = {};
  if (type === 'file') {
    storage['driver'] = 'file';
    storage['filename'] = getAttr(src, 'file');
  } else if (type === 'block') {
    storage['driver'] = getAttr(d, 'device') === 'cdrom' ? 'host_cdrom' : 'host_device';
    storage['filename'] = getAttr(src, 'dev');
  } else {
    throw unsupported(`disk type '${type}'`);
  }
  if (io !== undefined && io !== 'default') storage['aio'] = io;
  storage['node-name'] = `libvirt-${idx}-storage`;
  const cacheObj = cache ? { direct: cache.direct, 'no-flush': cache.noFlush } : undefined;
  if (cacheObj) storage['cache'] = cacheObj;
  storage['auto-read-only'] = true;
  storage['discard'] = 'unmap';
  const format = getAttr(drv, 'type') ?? 'raw';
  const fmt: Record<string, unknown> = { 'node-name': `libvirt-${idx}-format`, 'read-only': kid(d, 'readonly') !== undefined };
  if (getAttr(drv, 'discard') === 'unmap') fmt['discard'] = 'unmap';
  if (cacheObj) fmt['cache'] = cacheObj;
  fmt['driver'] = format;
  fmt['file'] = `libvirt-${idx}-storage`;
  if (format === 'qcow2' && noBacking) fmt['backing'] = null;
  return [storage, fmt];
}

function diskDeviceProps(d: XNode, drive: string | undefined, bootindex: number | undefined, addrProps: AddrProps,
  controllerAlias: (idx: number) => string): Record<string, unknown> {
  const t = kid(d, 'target');
  const bus = getAttr(t, 'bus');
  const device = getAttr(d, 'device') ?? 'disk';
  const alias = aliasOf(d);
  const a = driveAddress(d);
  let props: Record<string, unknown>;
  switch (bus) {
    case 'virtio':
      if (device !== 'disk') throw unsupported(`virtio ${device}s`);
      props = { driver: 'virtio-blk-pci' };
      if (getAttr(kid(d, 'driver'), 'iothread') !== undefined) props['iothread'] = `iothread${getAttr(kid(d, 'driver'), 'iothread')}`;
      if (getAttr(kid(d, 'driver'), 'queues') !== undefined) props['num-queues'] = num(getAttr(kid(d, 'driver'), 'queues'));
      Object.assign(props, addrProps(d));
      break;
    case 'ide':
      props = { driver: device === 'cdrom' ? 'ide-cd' : 'ide-hd', bus: `ide.${a.bus}`, unit: a.unit };
      break;
    case 'sata':
      props = { driver: device === 'cdrom' ? 'ide-cd' : 'ide-hd', bus: `${controllerAlias(a.controller)}.${a.unit}` };
      break;
    case 'usb': {
      const ua = kid(d, 'address');
      props = { driver: 'usb-storage', bus: `usb.${getAttr(ua, 'bus') ?? '0'}`, port: getAttr(ua, 'port') ?? '1' };
      break;
    }
    case 'scsi':
      props = {
        driver: device === 'cdrom' ? 'scsi-cd' : 'scsi-hd', bus: `scsi${a.controller}.${a.bus}`, channel: a.bus,
        'scsi-id': a.target, lun: a.unit, device_id: `drive-${alias}`,
      };
      break;
    default:
      throw unsupported(`disk bus '${bus}'`);
  }
  if (drive !== undefined) props['drive'] = drive;
  props['id'] = alias;
  if (bootindex !== undefined) props['bootindex'] = bootindex;
  const cache = cacheFlags(getAttr(kid(d, 'driver'), 'cache'));
  if (cache) props['write-cache'] = cache.writeback ? 'on' : 'off';
  const serial = kid(d, 'serial')?.text;
  if (serial !== undefined) props['serial'] = serial;
  // usb-storage states whether it is removable (<target removable>).
  if (bus === 'usb') props['removable'] = getAttr(t, 'removable') === 'on';
  return props;
}

function videoProps(v: XNode, primary: boolean, addrProps: AddrProps): Record<string, unknown> | undefined {
  const m = kid(v, 'model');
  const type = getAttr(m, 'type') ?? 'vga';
  const alias = aliasOf(v);
  const kib = (k: string, dflt: number) => num(getAttr(m, k)) ?? dflt;
  switch (type) {
    case 'none':
      return undefined;
    case 'vga':
      return { driver: primary ? 'VGA' : 'secondary-vga', id: alias, vgamem_mb: Math.floor(kib('vram', 16384) / 1024), ...addrProps(v) };
    case 'cirrus':
      return { driver: 'cirrus-vga', id: alias, ...addrProps(v) };
    case 'bochs':
      return { driver: 'bochs-display', id: alias, vgamem: kib('vram', 16384) * 1024, ...addrProps(v) };
    case 'virtio':
      return { driver: primary ? 'virtio-vga' : 'virtio-gpu-pci', id: alias, max_outputs: kib('heads', 1), ...addrProps(v) };
    case 'qxl':
      return {
        driver: primary ? 'qxl-vga' : 'qxl', id: alias, max_outputs: kib('heads', 1), ram_size: kib('ram', 65536) * 1024,
        vram_size: kib('vram', 65536) * 1024, vram64_size_mb: Math.floor(kib('vram64', 0) / 1024),
        vgamem_mb: Math.floor(kib('vgamem', 16384) / 1024), ...addrProps(v),
      };
    default:
      throw unsupported(`video model '${type}'`);
  }
}

/** A chardev's `-chardev` value (qemuBuildChardevCommand). */
function chardevArg(c: XNode, id: string, ctx: QemuRunContext, channelDir: string): string {
  const type = getAttr(c, 'type') ?? 'pty';
  const sources = kids(c, 'source');
  const src = sources[0];
  switch (type) {
    case 'pty': case 'null': case 'vc':
      return `${type},id=${id}`;
    case 'file': {
      const append = getAttr(src, 'append') === 'on';
      const fdset = ctx.fileFdsets?.[id];
      // A real start opens the file itself and passes it in an fd set.
      if (fdset) return `file,id=${id},path=/dev/fdset/${fdset.set},append=on`;
      return `file,id=${id},path=${escComma(getAttr(src, 'path') ?? '')}${append ? ',append=on' : ''}`;
    }
    case 'dev':
      // A host serial line (on Linux: the serial backend; parport for parallel ports).
      return `${c.name === 'parallel' ? 'parport' : 'serial'},id=${id},path=${escComma(getAttr(src, 'path') ?? '')}`;
    case 'spicevmc':
      // The agent channel is SPICE's vdagent, a redirdev its usbredir.
      return `spicevmc,id=${id},name=${c.name === 'redirdev' ? 'usbredir' : 'vdagent'}`;
    case 'stdio':
      return `stdio,id=${id},signal=off`;
    case 'tcp': {
      const mode = getAttr(src, 'mode') ?? 'connect';
      let s = `socket,id=${id},host=${escComma(getAttr(src, 'host') ?? '')},port=${escComma(getAttr(src, 'service') ?? '')}`;
      if (getAttr(kid(c, 'protocol'), 'type') === 'telnet') s += ',telnet=on';
      if (mode === 'bind') s += ',server=on,wait=off';
      return s;
    }
    case 'udp': {
      const connect = sources.find((x) => (getAttr(x, 'mode') ?? 'connect') === 'connect');
      const bind = sources.find((x) => getAttr(x, 'mode') === 'bind');
      let s = `udp,id=${id},host=${escComma(getAttr(connect, 'host') ?? '')},port=${escComma(getAttr(connect, 'service') ?? '')}`;
      if (bind) s += `,localaddr=${escComma(getAttr(bind, 'host') ?? '')},localport=${escComma(getAttr(bind, 'service') ?? '')}`;
      return s;
    }
    case 'unix': {
      const mode = getAttr(src, 'mode') ?? 'bind';
      const fd = ctx.chardevFds?.[id];
      if (mode === 'bind' && fd !== undefined) return `socket,id=${id},fd=${fd},server=on,wait=off`;
      let path = getAttr(src, 'path');
      if (path === undefined) {
        const name = getAttr(kid(c, 'target'), 'name');
        if (c.name !== 'channel' || name === undefined) throw unsupported('unix chardevs without a path');
        path = `${channelDir}/${name}`;
      }
      return `socket,id=${id},path=${escComma(path)}${mode === 'bind' ? ',server=on,wait=off' : ''}`;
    }
    default:
      throw unsupported(`chardev type '${type}'`);
  }
}

/** Characters that make virBufferEscapeShell quote an argument. */
const SHELL_SPECIAL = /[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/;

/** virBufferEscapeShell: quote an argument for a shell when it needs it. */
export function shellEscape(s: string): string {
  if (s === '') return `''`;
  if (!SHELL_SPECIAL.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** virCommandToString(cmd, false): `NAME=value` pairs, then the argv, one line. */
export function commandToString(cmd: QemuCommand): string {
  return [...cmd.env.map(([k, v]) => `${k}=${shellEscape(v)}`), ...cmd.argv.map(shellEscape)].join(' ');
}

/**
 * The domain log's form (virCommandToStringFull with line breaks): each
 * environment pair and the program on a line of their own, then a new line
 * before every argument that starts with '-'; lines joined with ` \`.
 */
export function commandToLogLines(cmd: QemuCommand): string {
  const lines = cmd.env.map(([k, v]) => `${k}=${shellEscape(v)}`);
  cmd.argv.forEach((a, i) => {
    if (i === 0 || a.startsWith('-')) lines.push(shellEscape(a));
    else lines[lines.length - 1] += ` ${shellEscape(a)}`;
  });
  return lines.join(' \\\n');
}
