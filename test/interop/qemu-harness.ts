/**
 * The QEMU interop harness: a tiny bootable guest and a private stock
 * libvirtd running its QEMU driver, so tests can compare tsvirt with libvirt
 * on real guests (TCG, no KVM needed) without touching a system libvirtd.
 *
 * ```ts
 * const guest = await ensureTestGuest();            // vmlinuz + initrd.gz, cached
 * await using lv = await startQemuLibvirtd();       // lv.uri = qemu:///system?socket=…
 * writeFileSync(xmlFile, guestXml('g1', { guest }));
 * await lv.virsh('define', xmlFile); await lv.virsh('start', 'g1');
 * const con = await openConsole(lv.uri, 'g1');      // stock `virsh console` on a pty
 * await con.waitPrompt();                           // sends CR until `tsvirt# `
 * const { output, status } = await con.run('uname -r');
 * await con.close();                                // ^], as a user would
 * const ch = await openChannel(lv.uri, 'g1', 'org.tsvirt.echo.0'); // the guest echoes
 * const pool = await createDirPool(lv, 'p1');       // a dir pool in the daemon's temp dir
 * ```
 *
 * - {@link ensureTestGuest}: runs scripts/build-test-guest.sh (Debian's cloud
 *   kernel + busybox-static, fetched with apt-get download, cached in
 *   $TSVIRT_GUEST_CACHE or /var/cache/tsvirt-guest; a warm run takes ~0.1 s).
 *   The guest boots to a `tsvirt# ` root shell on ttyS0 in 3–5 s under TCG
 *   on a quiet 2-core host (15 s and more when it is busy: use long timeouts),
 *   prints `tsvirt-guest: up in Ns` first, powers off on the ACPI power
 *   button (`virsh shutdown` → shut off (shutdown)), and echoes every byte
 *   on virtio-serial ports named `org.tsvirt.echo*`. It has virtio
 *   console/net/blk/balloon/rng, evdev, button and pvpanic drivers; no
 *   network configuration, no guest agent. `tsvirt-echo NAME` in the guest
 *   echoes on any other port.
 * - {@link startQemuLibvirtd}: stock libvirtd + its own virtlogd in a private
 *   mount and PID namespace (see the function for the mounts). Its dirs are
 *   bind mounts of dirs in its temp dir, so tests can read what libvirt wrote
 *   (`paths.etc/qemu/NAME.xml`, `paths.log/qemu/NAME.log`, …). Everything it
 *   starts (virtlogd, QEMU) lives in the PID namespace and dies with it,
 *   whatever happens to the test process.
 * - {@link guestXml}: a domain definition for the guest (direct kernel boot,
 *   pc, 128 MiB, 1 vCPU, serial pty console, a unix virtio channel; VNC +
 *   VGA, balloon, panic device, more channels and devices on request).
 * - {@link openConsole} / {@link openChannel}: a {@link StreamSession} over
 *   stock `virsh console` (under util-linux `script`, since virsh console
 *   insists on a tty) or libvirt-python's openConsole/openChannel
 *   (test/interop/python/stream_bridge.py): wait for output, type, run a
 *   shell command and get its output and exit status.
 * - {@link createDirPool}: a started `dir` pool defined through virsh.
 *
 * Facts this relies on (libvirt 9.0, QEMU 7.2, Debian 12; see
 * /work/shared/reference/qemu-driver.md §0, §4, §6, §9):
 * - The QEMU driver needs virtlogd (qemu.conf's stdio_handler="logd") on
 *   /run/libvirt/virtlogd-sock, the user libvirt-qemu, and root.
 * - QEMU is daemonized by libvirt (its parent becomes init). Where init does
 *   not reap (containers), an exited QEMU stays a zombie, and libvirt's
 *   virProcessKillPainfully waits on a zombie for 15 s before giving up:
 *   hence the PID namespace, whose init (bash) reaps.
 * - `virsh console` refuses a stdin that is not a tty; `script -qfec CMD
 *   /dev/null` gives it one. It prints `Connected to domain 'NAME'` and
 *   `Escape character is ^] (Ctrl + ])` before opening the stream, and ends
 *   on ^] only when that byte starts a read() chunk. With pkttyagent
 *   installed it first prints `Authorization not available. Check if polkit
 *   service is running or see debug message for more information.`
 * - QEMU drops serial output while nobody holds the pty, so a console
 *   opened after boot sees no prompt until it sends a CR.
 * - busybox ash asks the terminal for the cursor position (`ESC [6n`) after
 *   each prompt; {@link stripTerminal} removes such sequences.
 * - DAC relabels the kernel and initrd to libvirt-qemu while a guest runs
 *   (and back to root after): the cache files are world-readable and their
 *   dirs world-executable, and so is the daemon's temp dir (0711).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  confText, ensureQemuUser, ROOT, run, startDaemon, tail, trackChild,
  type ConfValue, type Daemon, type DaemonOptions, type RunResult,
} from './harness.js';
import { PYTHON } from './oracle.js';

/** The guest build script. */
export const BUILD_GUEST_SCRIPT = join(ROOT, 'scripts/build-test-guest.sh');
/** The libvirt-python stream bridge behind {@link openConsole}'s `via: 'python'` and {@link openChannel}. */
export const STREAM_BRIDGE = join(ROOT, 'test/interop/python/stream_bridge.py');
/** The shell prompt of the test guest. */
export const GUEST_PROMPT = 'tsvirt# ';
/** The virtio-serial port name {@link guestXml} gives its channel; the guest echoes on it. */
export const ECHO_CHANNEL = 'org.tsvirt.echo.0';

const SETPRIV = '/usr/bin/setpriv';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Where the guest (and the shared QEMU capabilities cache) is kept. */
export function guestCacheRoot(): string {
  return process.env['TSVIRT_GUEST_CACHE'] || '/var/cache/tsvirt-guest';
}

// ---- the guest ------------------------------------------------------------

/** A built test guest. */
export interface TestGuest {
  /** The cache dir of this build (keyed by package versions). */
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  /** scripts/build-test-guest.sh's manifest: kernel_package, kernel_version, busybox_version, modules… */
  readonly manifest: Readonly<Record<string, string>>;
}

let guestPromise: Promise<TestGuest> | undefined;

/**
 * The test guest's files, built first if the cache lacks them (a cold build
 * downloads ~28 MB and takes 10–20 s; a warm call ~0.1 s). Memoized per
 * process; concurrent processes are serialized by the script's lock.
 * Rejects with the script's output if the build fails.
 */
export function ensureTestGuest(opts: { force?: boolean; timeoutMs?: number } = {}): Promise<TestGuest> {
  if (opts.force || guestPromise === undefined) {
    const p = buildGuest(opts);
    guestPromise = p;
    p.catch(() => { if (guestPromise === p) guestPromise = undefined; });
  }
  return guestPromise;
}

async function buildGuest(opts: { force?: boolean; timeoutMs?: number }): Promise<TestGuest> {
  const r = await run('bash', [BUILD_GUEST_SCRIPT, ...(opts.force ? ['--force'] : [])], {
    timeoutMs: opts.timeoutMs ?? 600_000,
    env: { TSVIRT_GUEST_CACHE: guestCacheRoot() },
  });
  const dir = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || dir === '' || !existsSync(join(dir, 'initrd.gz'))) {
    const why = r.stderr.trim().split('\n').pop() ?? '';
    throw new Error(`${BUILD_GUEST_SCRIPT} failed (exit ${r.status ?? r.signal}): ${why}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  }
  const manifest: Record<string, string> = {};
  for (const line of readFileSync(join(dir, 'manifest'), 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) manifest[line.slice(0, i)] = line.slice(i + 1);
  }
  return { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.gz'), manifest };
}

// ---- the daemon -----------------------------------------------------------

export interface QemuDaemonOptions extends DaemonOptions {
  /** Keys for a private qemu.conf, over `{ security_driver: 'none' }`. */
  qemuConf?: Record<string, ConfValue>;
  /**
   * A dir bind-mounted over /var/cache/libvirt/qemu/capabilities, so the
   * ~5–10 s probe of qemu-system-x86_64 happens once per host, not per
   * daemon (libvirt re-probes when the binaries change). Default
   * `<guestCacheRoot()>/qemu-capabilities`; `false` for a private one.
   */
  capsCache?: string | false;
  /** A named network namespace (`ip netns add NAME`) to run the daemon and its guests in. */
  netns?: string;
}

/** The command that starts `cmd args` in a named network namespace, or as it is. */
export function inNetns(netns: string | undefined, cmd: string, args: string[]): { cmd: string; args: string[] } {
  return netns === undefined ? { cmd, args } : { cmd: 'ip', args: ['netns', 'exec', netns, cmd, ...args] };
}

/** Host-side dirs bind-mounted over the daemon's libvirt dirs. */
export interface QemuDaemonPaths {
  /** /etc/libvirt (a copy of the host's, plus qemu.conf and virtlogd.conf). */
  readonly etc: string;
  /** /run/libvirt */
  readonly run: string;
  /** /var/lib/libvirt */
  readonly lib: string;
  /** /var/cache/libvirt */
  readonly cache: string;
  /** /var/log/libvirt (domain logs in qemu/NAME.log) */
  readonly log: string;
  /** /run/lock (= /var/lock: console lock files LCK.._pts_N) */
  readonly lock: string;
}

/** A private stock libvirtd with its QEMU driver. */
export interface QemuLibvirtd extends Daemon {
  /** `qemu:///system?socket=<rwSocket>`. */
  readonly uri: string;
  /** libvirtd's pid on the host (`pid` too; the tracked child is `unshare`). */
  readonly libvirtdPid: number;
  readonly paths: QemuDaemonPaths;
  readonly virtlogdLog: string;
  /** Runs stock virsh against this daemon (`virsh -c URI ARGS…`). */
  virsh(...args: string[]): Promise<RunResult>;
  /** The text of /var/log/libvirt/qemu/NAME.log, or '' if there is none. */
  domainLog(name: string): string;
  /** The host pid of a running domain's QEMU (pid files hold namespace pids). */
  domainPid(name: string): number | undefined;
}

/** A process as /proc/PID/stat shows it. */
export interface ProcInfo { pid: number; ppid: number; comm: string }

/** Every process now (a snapshot of /proc). */
export function procs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      out.push({ pid: Number(e), ppid, comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch { /* gone */ }
  }
  return out;
}

function childrenOf(pid: number, all = procs()): ProcInfo[] {
  return all.filter((p) => p.ppid === pid);
}

/** The namespace init (bash) under the tracked `unshare`, if it is running. */
function nsInitOf(unsharePid: number): number | undefined {
  return childrenOf(unsharePid)[0]?.pid;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The namespace init: bind mounts, virtlogd, then libvirtd as a child (not
 * exec'd: bash stays PID 1 of the namespace, reaps the daemonized QEMUs and
 * passes SIGTERM on). When libvirtd exits, bash exits and the kernel kills
 * whatever else is left in the namespace.
 */
const NS_INIT = String.raw`
trap 'kill -TERM $lvd 2>/dev/null' TERM INT HUP
set -e
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; }
bind "$NS/etc" /etc/libvirt
bind "$NS/run" /run/libvirt
bind "$NS/lib" /var/lib/libvirt
bind "$NS/cache" /var/cache/libvirt
if [ -n "$CAPS" ]; then bind "$CAPS" /var/cache/libvirt/qemu/capabilities; fi
# No /var/log/libvirt on a host without libvirt-daemon-system: a private
# /var/log to make the mount point in.
mount -t tmpfs -o mode=755 tsvirt-log /var/log
bind "$NS/log" /var/log/libvirt
bind "$NS/lock" /run/lock
virtlogd -f /etc/libvirt/virtlogd.conf -p "$DIR/virtlogd.pid" &
for i in $(seq 200); do [ -S /run/libvirt/virtlogd-sock ] && break; sleep 0.05; done
set +e
libvirtd "$@" &
lvd=$!
while :; do
  wait $lvd
  rc=$?
  kill -0 $lvd 2>/dev/null || exit $rc
done
`;

/**
 * Starts a private stock libvirtd whose QEMU driver can run guests:
 * `unshare -m -p --fork --mount-proc` (private mount and PID namespaces,
 * `--kill-child`, and a parent-death SIGKILL through setpriv), inside which
 * dirs of its temp dir are bind-mounted over /etc/libvirt (a copy of the
 * host's, with a private qemu.conf and virtlogd.conf), /run/libvirt,
 * /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt (on a tmpfs
 * /var/log) and /run/lock, and the shared capabilities cache over
 * /var/cache/libvirt/qemu/capabilities. virtlogd starts first, then
 * libvirtd with the harness's libvirtd.conf (unix sockets in `<dir>/run`,
 * no auth; TCP only with `tcp: true`). Resolves once the QEMU driver answers
 * (`virsh version`, which waits for the capabilities probe). Needs root.
 *
 * stop() destroys running domains through virsh (so DAC gives the files
 * back), SIGTERMs libvirtd, and removes the temp dir.
 */
export async function startQemuLibvirtd(opts: QemuDaemonOptions = {}): Promise<QemuLibvirtd> {
  await ensureQemuUser();
  const caps = opts.capsCache === undefined ? join(guestCacheRoot(), 'qemu-capabilities') : opts.capsCache;
  if (caps !== false) mkdirSync(caps, { recursive: true, mode: 0o755 });
  let paths: QemuDaemonPaths | undefined;
  let virtlogdLog = '';
  const daemon = await startDaemon('libvirtd (qemu)', 'tsvirt-qemu-libvirtd-', (conf, pidFile, listen) => {
    const dir = dirname(conf);
    // QEMU (libvirt-qemu) must reach pool volumes kept under here.
    chmodSync(dir, 0o711);
    const ns = join(dir, 'ns');
    paths = {
      etc: join(ns, 'etc'), run: join(ns, 'run'), lib: join(ns, 'lib'),
      cache: join(ns, 'cache'), log: join(ns, 'log'), lock: join(ns, 'lock'),
    };
    mkdirSync(ns, { mode: 0o755 });
    // The host's config files, but not its domains, networks, pools or
    // secrets (a host with libvirt-daemon-system has some).
    const skip = /^\/etc\/libvirt\/(qemu|storage|secrets|network|nodedev|lxc|libxl)(\/|$)/;
    if (existsSync('/etc/libvirt')) {
      cpSync('/etc/libvirt', paths.etc, { recursive: true, preserveTimestamps: true, filter: (src) => !skip.test(src) });
    }
    for (const p of Object.values(paths)) mkdirSync(p, { recursive: true, mode: 0o755 });
    chmodSync(paths.lock, 0o1777);
    virtlogdLog = join(dir, 'virtlogd.log');
    writeFileSync(join(paths.etc, 'virtlogd.conf'), `log_outputs = "3:file:${virtlogdLog}"\n`);
    writeFileSync(join(paths.etc, 'qemu.conf'), confText({
      // What libvirtd picks on a host without AppArmor/SELinux; fixed so
      // that a CI host with AppArmor behaves like this one.
      security_driver: 'none',
      ...opts.qemuConf,
    }));
    return {
      ...inNetns(opts.netns, 'unshare', ['-m', '-p', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private',
        'env', `NS=${ns}`, `DIR=${dir}`, `CAPS=${caps === false ? '' : caps}`,
        'bash', '-c', NS_INIT, 'tsvirt-ns-init', '-f', conf, '-p', pidFile, ...(listen ? ['--listen'] : [])]),
      // unshare blocks SIGTERM while it waits: ask the namespace's init.
      terminate: (child) => {
        const init = child.pid === undefined ? undefined : nsInitOf(child.pid);
        try {
          if (init !== undefined) process.kill(init, 'SIGTERM');
          else child.kill('SIGKILL');
        } catch { /* already gone */ }
      },
    };
  }, { tcp: false, ...opts, timeoutMs: opts.timeoutMs ?? 30_000 });
  const p = paths!;
  const uri = `qemu:///system?socket=${daemon.rwSocket}`;
  const virsh = (...args: string[]) => run('virsh', ['-c', uri, ...args], { timeoutMs: 120_000 });
  const unsharePid = daemon.pid;
  const init = nsInitOf(unsharePid);
  const libvirtdPid = init === undefined ? undefined : childrenOf(init).find((c) => c.comm === 'libvirtd')?.pid;
  try {
    if (libvirtdPid === undefined) throw new Error(`libvirtd is not running under unshare (pid ${unsharePid})`);
    // The QEMU driver answers once its capabilities are probed (or loaded).
    const v = await virsh('version');
    if (v.status !== 0) throw new Error(`virsh version failed: ${v.stderr}`);
  } catch (e) {
    const log = tail(daemon.logFile);
    await daemon.stop();
    throw new Error(`${(e as Error).message}\nlibvirtd log tail:\n${log}`);
  }
  const stop = async () => {
    if (existsSync(p.run)) {
      // Destroy what runs, so that DAC restores the owners of kernel, initrd
      // and disks; the namespace's end would kill QEMU anyway.
      const l = await virsh('list', '--name').catch(() => undefined);
      for (const name of l?.stdout.split('\n').filter((n) => n !== '') ?? []) {
        await virsh('destroy', name).catch(() => undefined);
      }
    }
    await daemon.stop();
  };
  return {
    ...daemon,
    pid: libvirtdPid!,
    libvirtdPid: libvirtdPid!,
    uri,
    paths: p,
    virtlogdLog,
    virsh,
    domainLog: (name) => {
      try { return readFileSync(join(p.log, 'qemu', `${name}.log`), 'utf8'); } catch { return ''; }
    },
    domainPid: (name) => {
      let nsPid: number;
      try { nsPid = Number(readFileSync(join(p.run, 'qemu', `${name}.pid`), 'utf8').trim()); } catch { return undefined; }
      return hostPidIn(libvirtdPid!, nsPid);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The host pid of namespace pid `nsPid` in the PID namespace of host pid `inNsOf`. */
function hostPidIn(inNsOf: number, nsPid: number): number | undefined {
  let ns: string;
  try { ns = readlinkSync(`/proc/${inNsOf}/ns/pid`); } catch { return undefined; }
  for (const { pid } of procs()) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/pid`) !== ns) continue;
      const m = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const ids = m?.[1]?.trim().split(/\s+/).map(Number) ?? [];
      if (ids[ids.length - 1] === nsPid) return pid;
    } catch { /* gone */ }
  }
  return undefined;
}

/**
 * Polls `virsh domstate --reason NAME` until it prints `expected` (e.g.
 * `running (booted)`, `shut off (shutdown)`); resolves with the time it
 * took, rejects after `timeoutMs` with the last answer.
 */
export async function waitDomainState(d: QemuLibvirtd, name: string, expected: string, timeoutMs = 30_000): Promise<number> {
  const t0 = Date.now();
  let last = '';
  for (;;) {
    const r = await d.virsh('domstate', '--reason', name);
    last = `${r.stdout.trim()}${r.stderr.trim()}`;
    if (r.stdout.trim() === expected) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`domain '${name}' not '${expected}' after ${timeoutMs} ms (last: ${last})`);
    await sleep(200);
  }
}

// ---- domain XML -----------------------------------------------------------

export interface GuestXmlOptions {
  /** Kernel and initrd; default the cached guest's (call ensureTestGuest first, or pass kernel/initrd). */
  guest?: Pick<TestGuest, 'kernel' | 'initrd'>;
  kernel?: string;
  initrd?: string;
  /** Default `console=ttyS0 quiet`. */
  cmdline?: string;
  /** Default 128. */
  memoryMiB?: number;
  /** Default 1. */
  vcpus?: number;
  /** Default `pc` (libvirt expands it to pc-i440fx-7.2). */
  machine?: 'pc' | 'q35' | string;
  uuid?: string;
  /** Unix virtio channels by target name; default [ECHO_CHANNEL]. */
  channels?: string[];
  /** VNC on 127.0.0.1 (autoport) and a VGA card, e.g. for screenshots. */
  vnc?: boolean;
  /** A VGA card without VNC (screenshots need only a video device). */
  video?: boolean;
  /** A virtio balloon; default off (`<memballoon model='none'/>`). */
  balloon?: boolean;
  /** `<panic model='isa'>` (the guest has pvpanic); add `panic=0` to cmdline to pause instead of reboot. */
  panic?: boolean;
  onPoweroff?: 'destroy' | 'restart' | 'preserve' | 'rename-restart';
  onReboot?: 'destroy' | 'restart' | 'preserve' | 'rename-restart';
  onCrash?: 'destroy' | 'restart' | 'preserve' | 'rename-restart' | 'coredump-destroy' | 'coredump-restart';
  /** Raw XML appended inside `<devices>` (disks, interfaces…). */
  devices?: string;
}

/** Escapes text for an XML attribute or element. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

/**
 * A `<domain type='qemu'>` for the test guest: direct kernel boot, ACPI
 * (for `virsh shutdown`), serial pty + console, unix virtio channels.
 */
export function guestXml(name: string, opts: GuestXmlOptions = {}): string {
  const kernel = opts.kernel ?? opts.guest?.kernel;
  const initrd = opts.initrd ?? opts.guest?.initrd;
  if (kernel === undefined || initrd === undefined) throw new Error('guestXml: pass guest (from ensureTestGuest) or kernel and initrd');
  const e = xmlEscape;
  const dev: string[] = [
    `    <serial type='pty'>\n      <target port='0'/>\n    </serial>`,
    `    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>`,
  ];
  for (const ch of opts.channels ?? [ECHO_CHANNEL]) {
    dev.push(`    <channel type='unix'>\n      <target type='virtio' name='${e(ch)}'/>\n    </channel>`);
  }
  if (opts.vnc) dev.push(`    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>`);
  if (opts.vnc || opts.video) dev.push(`    <video>\n      <model type='vga' vram='16384' heads='1'/>\n    </video>`);
  dev.push(opts.balloon ? `    <memballoon model='virtio'/>` : `    <memballoon model='none'/>`);
  if (opts.panic) dev.push(`    <panic model='isa'>\n      <address type='isa' iobase='0x505'/>\n    </panic>`);
  if (opts.devices) dev.push(opts.devices.replace(/\n$/, ''));
  return [
    `<domain type='qemu'>`,
    `  <name>${e(name)}</name>`,
    ...(opts.uuid ? [`  <uuid>${e(opts.uuid)}</uuid>`] : []),
    `  <memory unit='MiB'>${opts.memoryMiB ?? 128}</memory>`,
    `  <vcpu>${opts.vcpus ?? 1}</vcpu>`,
    `  <os>`,
    `    <type arch='x86_64' machine='${e(opts.machine ?? 'pc')}'>hvm</type>`,
    `    <kernel>${e(kernel)}</kernel>`,
    `    <initrd>${e(initrd)}</initrd>`,
    `    <cmdline>${e(opts.cmdline ?? 'console=ttyS0 quiet')}</cmdline>`,
    `  </os>`,
    `  <features>`,
    `    <acpi/>`,
    `  </features>`,
    `  <on_poweroff>${opts.onPoweroff ?? 'destroy'}</on_poweroff>`,
    `  <on_reboot>${opts.onReboot ?? 'restart'}</on_reboot>`,
    `  <on_crash>${opts.onCrash ?? 'destroy'}</on_crash>`,
    `  <devices>`,
    ...dev,
    `  </devices>`,
    `</domain>`,
    '',
  ].join('\n');
}

// ---- consoles and channels ------------------------------------------------

/** Removes terminal control sequences (CSI `ESC [ … letter`, e.g. ash's `ESC [6n`) and CRs. */
export function stripTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** virsh's client-side polkit notice (printed on a tty when pkttyagent exists). */
export const POLKIT_NOTICE = 'Authorization not available. Check if polkit service is running or see debug message for more information.\r\n';

export interface WaitOptions {
  /** Search output from this offset (a {@link StreamSession.mark}); default 0. */
  from?: number;
  /** Default 30 s. */
  timeoutMs?: number;
}

/**
 * One console or channel stream, through a child process (virsh under
 * `script`, or the python bridge). Output accumulates in {@link output};
 * the waits search it from a mark.
 */
export class StreamSession {
  readonly #child: ChildProcess;
  readonly #decoder = new StringDecoder('utf8');
  readonly #stop: (graceMs?: number) => Promise<void>;
  #output = '';
  #stderr = '';
  #seq = 0;
  readonly #waiters = new Set<() => void>();
  /** How it ended: exit status (or signal) of the process. */
  readonly exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly via: 'virsh' | 'python', cmd: string, args: string[]) {
    const [c, a] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', cmd, ...args]] : [cmd, args];
    this.#child = spawn(c, a, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#stop = trackChild(this.#child).stop;
    this.#child.stdin!.on('error', () => { /* the process may be gone */ });
    this.#child.stdout!.on('data', (b: Buffer) => { this.#output += this.#decoder.write(b); this.#wake(); });
    this.#child.stderr!.on('data', (b: Buffer) => { this.#stderr += b.toString('utf8'); this.#wake(); });
    this.exited = new Promise((res) => {
      this.#child.once('close', (status, signal) => { this.#wake(); res({ status, signal }); });
    });
  }

  /** Every byte of stream output so far (for virsh: its terminal output, CRLF and all). */
  get output(): string { return this.#output; }
  /** The process's stderr (python bridge: `stream_bridge: …` lines). */
  get stderr(): string { return this.#stderr; }
  get pid(): number | undefined { return this.#child.pid; }
  get isRunning(): boolean { return this.#child.exitCode === null && this.#child.signalCode === null; }
  /** The current end of {@link output}, for a later wait `from`. */
  mark(): number { return this.#output.length; }

  #wake(): void { for (const w of [...this.#waiters]) w(); }

  /** Writes bytes to the stream (virsh: to its terminal). */
  write(data: string | Uint8Array): void { this.#child.stdin!.write(data); }

  /**
   * Resolves when `pattern` occurs in the output after `from` (or in stderr
   * with `stderr: true`), with the match (its index into the whole text).
   * Rejects on timeout or when the process ends first.
   */
  waitFor(pattern: string | RegExp, opts: WaitOptions & { stderr?: boolean } = {}): Promise<RegExpExecArray> {
    const from = opts.from ?? 0;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    return new Promise((res, rej) => {
      const check = () => {
        const text = opts.stderr ? this.#stderr : this.#output;
        const m = re.exec(text.slice(from));
        if (m) {
          m.index += from;
          done();
          res(m);
        } else if (!this.isRunning) {
          done();
          rej(new Error(`${this.via} session ended (exit ${this.#child.exitCode ?? this.#child.signalCode}) before ${re}\n${this.#describe(from)}`));
        }
      };
      const timer = setTimeout(() => { done(); rej(new Error(`no ${re} after ${timeoutMs} ms\n${this.#describe(from)}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); this.#waiters.delete(check); };
      this.#waiters.add(check);
      check();
    });
  }

  #describe(from: number): string {
    return `--- output since ${from}\n${JSON.stringify(this.#output.slice(from).slice(-2000))}\n--- stderr\n${this.#stderr.slice(-2000)}`;
  }

  /**
   * Sends CR until a fresh guest prompt appears (QEMU drops serial output
   * nobody reads, so a prompt printed before the console was opened is
   * lost). CRs typed during boot wait in the guest's tty and each gives a
   * prompt later, so they go out 1, 1, 2, 2, 4, 4… s apart, and not at all
   * for 5 s after the guest's `tsvirt-guest: up in` line. Resolves with the
   * milliseconds it took.
   */
  async waitPrompt(opts: { timeoutMs?: number } = {}): Promise<number> {
    const t0 = Date.now();
    const start = this.mark();
    const deadline = t0 + (opts.timeoutMs ?? 60_000);
    for (let i = 0; ; i++) {
      const from = this.mark();
      const isUp = this.#output.indexOf('tsvirt-guest: up in', start) >= 0;
      this.write('\r');
      const pause = isUp ? 5000 : Math.min(4000, 1000 * 2 ** Math.floor(i / 2));
      try {
        await this.waitFor(GUEST_PROMPT, { from, timeoutMs: Math.max(1, Math.min(pause, deadline - Date.now())) });
        return Date.now() - t0;
      } catch (e) {
        if (!this.isRunning || Date.now() >= deadline) throw e;
      }
    }
  }

  /**
   * Types `cmd` at the guest shell and waits for it to finish; resolves with
   * its output (terminal sequences and CRs removed) and exit status. The
   * end is found by a marker the guest computes (`$((a+b))`), which the echo
   * of the typed line does not contain. Keep `cmd` on one line.
   */
  async run(cmd: string, opts: { timeoutMs?: number } = {}): Promise<{ output: string; status: number }> {
    const a = 100_000 + Math.floor(Math.random() * 800_000);
    const b = ++this.#seq;
    const expr = `$((${a}+${b}))`;
    const from = this.mark();
    this.write(`${cmd}; echo "@@$?@@${expr}@@"\r`);
    const m = await this.waitFor(new RegExp(`@@(\\d+)@@${a + b}@@`), { from, timeoutMs: opts.timeoutMs ?? 30_000 });
    let seg = this.#output.slice(from, m.index);
    const echoed = seg.lastIndexOf(`${expr}@@"`);
    if (echoed >= 0) seg = seg.slice(seg.indexOf('\n', echoed) + 1);
    return { output: stripTerminal(seg), status: Number(m[1]) };
  }

  /**
   * Ends the session as a user would: virsh gets ^] (alone in its read, as
   * virsh wants), the python bridge EOF on stdin (virStreamFinish). Kills
   * the process after `timeoutMs`. Resolves with how it exited.
   */
  async close(opts: { timeoutMs?: number } = {}): Promise<{ status: number | null; signal: NodeJS.Signals | null }> {
    if (this.isRunning) {
      const timeoutMs = opts.timeoutMs ?? 10_000;
      const exitWithin = async (ms: number) => {
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([this.exited, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), ms); })]);
        clearTimeout(timer);
        return outcome !== 'timeout';
      };
      if (this.via === 'virsh') {
        this.write('\x1d');
        // Read together with earlier bytes, ^] is just data: once more.
        if (!(await exitWithin(timeoutMs / 3))) this.write('\x1d');
      } else {
        this.#child.stdin!.end();
      }
      if (!(await exitWithin(timeoutMs))) await this.#stop(1000);
    }
    this.#child.stdin!.destroy();
    return this.exited;
  }

  /** Kills the process (SIGTERM, then SIGKILL). */
  async kill(): Promise<void> { await this.#stop(2000); }
}

export interface ConsoleOptions {
  /** `virsh` (default): stock `virsh console` on a pty; `python`: libvirt-python's openConsole. */
  via?: 'virsh' | 'python';
  /** `--devname` (a console/serial alias, e.g. serial0). */
  devname?: string;
  /** `--force` (VIR_DOMAIN_CONSOLE_FORCE): take the console from another session. */
  force?: boolean;
  /** `--safe` (VIR_DOMAIN_CONSOLE_SAFE). */
  safe?: boolean;
  /**
   * Wait until the stream is open (virsh: its `Escape character is` line
   * and a moment for the stream call; python: `stream_bridge: open`), and
   * reject if the process ends first. Default true.
   */
  waitOpen?: boolean;
  timeoutMs?: number;
}

/**
 * Opens a domain's console. With `via: 'virsh'` it runs
 * `script -qfec "virsh -c URI console NAME [--devname D] [--force] [--safe]" /dev/null`,
 * so {@link StreamSession.output} is exactly what virsh prints on a
 * terminal (after {@link POLKIT_NOTICE} where pkttyagent exists).
 */
export async function openConsole(uri: string, name: string, opts: ConsoleOptions = {}): Promise<StreamSession> {
  const via = opts.via ?? 'virsh';
  let s: StreamSession;
  if (via === 'virsh') {
    const argv = ['virsh', '-c', uri, 'console', name,
      ...(opts.devname ? ['--devname', opts.devname] : []), ...(opts.force ? ['--force'] : []), ...(opts.safe ? ['--safe'] : [])];
    s = new StreamSession('virsh', 'script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null']);
  } else {
    s = new StreamSession('python', PYTHON, [STREAM_BRIDGE, uri, name,
      ...(opts.devname ? ['--devname', opts.devname] : []), ...(opts.force ? ['--force'] : []), ...(opts.safe ? ['--safe'] : [])]);
  }
  if (opts.waitOpen ?? true) {
    try {
      if (via === 'virsh') {
        await s.waitFor('Escape character is ', { timeoutMs: opts.timeoutMs ?? 30_000 });
        // virsh prints that line before virDomainOpenConsole; a busy console
        // shows up as an error line and exit 1 within a round trip or two.
        await Promise.race([s.exited, sleep(300)]);
        if (!s.isRunning) throw new Error(`virsh console exited: ${JSON.stringify(s.output)}`);
      } else {
        await s.waitFor('stream_bridge: open', { stderr: true, timeoutMs: opts.timeoutMs ?? 30_000 });
      }
    } catch (e) {
      await s.kill();
      throw e;
    }
  }
  return s;
}

/**
 * Opens a domain's channel (virDomainOpenChannel, by alias or virtio target
 * name; unix channels only) through the python bridge. On the guest side,
 * ports named org.tsvirt.echo* echo every byte.
 */
export async function openChannel(uri: string, name: string, channel: string, opts: { force?: boolean; timeoutMs?: number } = {}): Promise<StreamSession> {
  const s = new StreamSession('python', PYTHON, [STREAM_BRIDGE, uri, name, '--channel', channel, ...(opts.force ? ['--force'] : [])]);
  try {
    await s.waitFor('stream_bridge: open', { stderr: true, timeoutMs: opts.timeoutMs ?? 30_000 });
  } catch (e) {
    await s.kill();
    throw e;
  }
  return s;
}

// ---- storage --------------------------------------------------------------

/** A started dir pool. */
export interface DirPool {
  readonly name: string;
  /** The target dir (0711, under the daemon's temp dir unless given). */
  readonly path: string;
  /** pool-destroy, pool-undefine, remove the dir. Idempotent. */
  remove(): Promise<void>;
}

/**
 * Defines, builds and starts a `dir` pool through stock virsh
 * (`pool-define-as NAME dir --target PATH`, `pool-build`, `pool-start`).
 * The default target is `<daemon dir>/pools/NAME`, removed with the daemon.
 */
export async function createDirPool(d: QemuLibvirtd, name: string, opts: { path?: string } = {}): Promise<DirPool> {
  const path = opts.path ?? join(d.dir, 'pools', name);
  mkdirSync(dirname(path), { recursive: true, mode: 0o711 });
  for (const args of [['pool-define-as', name, 'dir', '--target', path], ['pool-build', name], ['pool-start', name]]) {
    const r = await d.virsh(...args);
    if (r.status !== 0) throw new Error(`virsh ${args.join(' ')} failed: ${r.stderr}`);
  }
  let removed = false;
  return {
    name, path,
    remove: async () => {
      if (removed) return;
      removed = true;
      await d.virsh('pool-destroy', name);
      await d.virsh('pool-undefine', name);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
