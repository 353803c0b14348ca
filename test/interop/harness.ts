/**
 * The interop harness: private instances of the stock programs tsvirt is
 * compared with, each on its own temp dir and free 127.0.0.1 port, so tests
 * never touch (or clash with) a system libvirtd or sshd.
 *
 * - {@link startLibvirtd}: stock libvirtd 9.0 in a private mount namespace.
 *   (qemu-harness.ts's startQemuLibvirtd builds on {@link startDaemon} for
 *   one that runs QEMU guests.)
 * - {@link startTsvirtd}: our daemon, same config keys, same handle.
 * - {@link startSshd}: OpenSSH sshd with its own host key, client key,
 *   known_hosts and a PATH wrapper so libvirt's `ssh` trusts them.
 * - {@link run}: spawn a program and collect its output.
 *
 * Every process started here is recorded until it is stopped; when the test
 * process exits (or gets SIGINT/SIGTERM) the survivors are killed by pid and
 * their temp dirs removed, so a failing test leaves nothing behind. Where
 * util-linux `setpriv` exists the daemons also get a parent-death signal, so
 * even a SIGKILLed test process takes them down. Still, call `stop()` (or
 * `await using`) in `after()`.
 *
 * Facts about libvirt 9.0's ssh transport (Debian 12), which the ssh tests
 * rely on:
 * - The client runs `ssh [-p port] [-l user] [-i keyfile] -T -e none
 *   [-o BatchMode=yes] [-o StrictHostKeyChecking=no] -- host sh -c '…'`,
 *   finding `ssh` on PATH and adding no other options: hence the wrapper.
 * - The remote command (virNetClientSSHHelperCommand) is `virt-ssh-helper
 *   URI` if the remote has it, else `nc $ARG -U <socket>`. But when the URI
 *   names `socket=`, doRemoteOpen picks proxy=netcat ("virt-ssh-helper won't
 *   handle an explicit socket"), so a private daemon is reached with
 *   `nc -U`, which needs netcat-openbsd (netcat-traditional has no -U).
 *   `proxy=native|netcat|auto` overrides.
 * - /usr/bin/virt-ssh-helper is in the Debian package libvirt-daemon (not a
 *   package of its own); it only finds the default system/session sockets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../../src/util/daemon-launch.js';
import { SSHD } from './oracle.js';

/** The repository root (this file runs from dist/test/interop). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** Our daemon's launcher. */
export const TSVIRTD = join(ROOT, 'bin/tsvirtd.cjs');

const SETPRIV = '/usr/bin/setpriv';

// ---- process bookkeeping --------------------------------------------------

interface Tracked {
  child: ChildProcess;
  dirs: string[];
  /**
   * How stop() asks the process to end, when SIGTERM to the child is not
   * the way (startQemuLibvirtd's child is `unshare`, which blocks SIGTERM).
   */
  terminate?: (() => void) | undefined;
}

// Process-wide on purpose: the exit hook must see every child of this
// process, whichever test started it.
const live = new Set<Tracked>();
let hooked = false;

function killSurvivors(): void {
  for (const t of live) {
    if (t.child.exitCode === null && t.child.signalCode === null && t.child.pid !== undefined) {
      try {
        process.kill(t.child.pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    for (const d of t.dirs) rmSync(d, { recursive: true, force: true });
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killSurvivors);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killSurvivors();
      // Die of the same signal, as if we had no handler.
      process.kill(process.pid, sig);
    });
  }
}

function track(child: ChildProcess, dirs: string[], terminate?: () => void): Tracked {
  hookExit();
  const t = { child, dirs, terminate };
  live.add(t);
  return t;
}

/**
 * Records a child process started elsewhere (a console session, a client
 * that must not outlive the test) for the exit hook, which kills it by pid
 * if it still runs; `dirs` are removed with it. Returns its stop()
 * (SIGTERM, SIGKILL after `graceMs`).
 */
export function trackChild(child: ChildProcess, dirs: string[] = []): { stop(graceMs?: number): Promise<void> } {
  const t = track(child, dirs);
  if (dirs.length === 0) child.once('exit', () => live.delete(t));
  return { stop: (graceMs) => stopTracked(t, graceMs) };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => child.once('exit', () => res()));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Stops a tracked process: SIGTERM to its pid (or its `terminate` hook),
 * SIGKILL after `graceMs`, then removes its dirs. Idempotent.
 */
async function stopTracked(t: Tracked, graceMs = 5000): Promise<void> {
  const { child } = t;
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    if (t.terminate) t.terminate();
    else child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), graceMs); });
    const outcome = await Promise.race([exited(child), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  for (const d of t.dirs) rmSync(d, { recursive: true, force: true });
  live.delete(t);
}

/**
 * Spawns a long-lived process with its output in `logFile`, unref'd (a
 * forgotten stop() cannot hang the test process; the exit hook kills it),
 * with a parent-death SIGKILL when setpriv is available.
 */
function spawnDaemon(cmd: string, args: string[], logFile: string, dirs: string[], env?: NodeJS.ProcessEnv,
  terminate?: (child: ChildProcess) => void, cwd?: string): Tracked {
  const fd = openSync(logFile, 'a');
  try {
    const [c, a] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', cmd, ...args]] : [cmd, args];
    const child = spawn(c, a, { stdio: ['ignore', fd, fd], env: env ?? process.env, ...(cwd ? { cwd } : {}) });
    child.unref();
    child.on('error', () => { /* reported through exit and the log */ });
    return track(child, dirs, terminate && (() => terminate(child)));
  } finally {
    closeSync(fd);
  }
}

// ---- small helpers --------------------------------------------------------

/** A port that was free on 127.0.0.1 a moment ago (bind port 0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Whether something accepts a connection at a unix path or a 127.0.0.1 port. */
export function canConnect(target: string | number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const sock = typeof target === 'number' ? connect(target, '127.0.0.1') : connect(target);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      res(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** The last `n` lines of a file, or a note that it is missing. */
export function tail(file: string, n = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n - 1).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

export interface RunOptions {
  /** Merged over process.env; an `undefined` value removes a variable. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Uint8Array;
  /** Kill (SIGKILL, by pid) and reject after this long. Default 30 s. */
  timeoutMs?: number;
  cwd?: string;
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion and collects its output (never throws on a non-zero exit). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = { ...process.env, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, {
      env, cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    let settled = false;
    const text = () => ({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      // A grandchild (ssh under virsh) may hold the pipes open: don't wait for 'close'.
      setTimeout(() => finish(null, 'SIGKILL'), 1000).unref();
    }, timeoutMs);
    const finish = (status: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const { stdout, stderr } = text();
      if (timedOut) {
        rej(new Error(`${cmd} ${JSON.stringify(args)} timed out after ${timeoutMs} ms\n--- stdout\n${stdout}--- stderr\n${stderr}`));
      } else {
        res({ status, signal, stdout, stderr });
      }
    };
    child.once('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rej(e);
    });
    child.once('close', finish);
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => { /* the program may exit without reading */ });
      child.stdin!.end(opts.input);
    }
  });
}

/** Polls `ready` until it holds; fails early if the process exits. */
async function waitReady(t: Tracked, what: string, logFile: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { child } = t;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready; log tail:\n${tail(logFile)}`);
    }
    if (await ready()) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} not ready after ${timeoutMs} ms; log tail:\n${tail(logFile)}`);
    }
    await sleep(50);
  }
}

// ---- daemons --------------------------------------------------------------

/** A value in libvirt's config syntax (virConf). */
export type ConfValue = string | number | boolean | string[];

/** `key = value` lines in libvirt's config syntax (libvirtd.conf, qemu.conf…). */
export function confText(conf: Record<string, ConfValue>): string {
  const q = (s: string) => {
    if (s.includes('"')) throw new Error(`virConf strings cannot hold '"': ${s}`);
    return `"${s}"`;
  };
  return Object.entries(conf).map(([k, v]) => {
    const val = typeof v === 'string' ? q(v)
      : typeof v === 'boolean' ? (v ? '1' : '0')
        : typeof v === 'number' ? String(v)
          : `[ ${v.map(q).join(', ')} ]`;
    return `${k} = ${val}\n`;
  }).join('');
}

export interface DaemonOptions {
  /** Listen on TCP (listen_tcp = 1 and --listen). Default true. */
  tcp?: boolean;
  /** More libvirtd.conf keys, overriding the defaults (e.g. keepalive_interval, max_clients). */
  conf?: Record<string, ConfValue>;
  /** Extra command-line arguments (e.g. ['-t', '5']). */
  args?: string[];
  /** How long to wait for the sockets. Default 20 s. */
  timeoutMs?: number;
  /** More environment for the daemon (tsvirtd only; e.g. SASL_CONF_PATH). */
  env?: NodeJS.ProcessEnv;
  /**
   * Run the daemon in its temp dir, so files clients name by relative paths
   * (a fuzzer's core dumps, saves, screenshots) land there and go with it
   * instead of littering the checkout. Default false.
   */
  cwdInDir?: boolean;
}

/** A running daemon (stock libvirtd or tsvirtd) and how to reach it. */
export interface Daemon {
  readonly pid: number;
  /** 0 when started with `tcp: false`. */
  readonly tcpPort: number;
  /** The temp dir holding conf, log, pidfile and `run/` (the socket dir). */
  readonly dir: string;
  readonly sockDir: string;
  readonly rwSocket: string;
  readonly roSocket: string;
  readonly confFile: string;
  readonly logFile: string;
  /** `driver+tcp://127.0.0.1:PORT/path`. */
  tcpURI(path?: string, driver?: string): string;
  /** `driver+unix:///path?socket=RW` (or the read-only socket). */
  unixURI(path?: string, driver?: string, opts?: { readonly?: boolean }): string;
  /**
   * `driver+ssh://user@127.0.0.1:SSHPORT/path?socket=RW` through `sshd`
   * (libvirt then proxies with `nc -U`). `transport: 'libssh2' | 'libssh'`
   * adds the `keyfile=` and `known_hosts=` params those need.
   */
  sshURI(sshd: Sshd, path?: string, driver?: string, opts?: { readonly?: boolean; transport?: 'ssh' | 'libssh2' | 'libssh' }): string;
  /** SIGTERM, SIGKILL after a grace period, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function baseConf(dir: string, port: number, tcp: boolean): Record<string, ConfValue> {
  return {
    listen_tcp: tcp ? 1 : 0,
    listen_tls: 0,
    tcp_port: String(port),
    listen_addr: '127.0.0.1',
    auth_tcp: 'none',
    auth_unix_rw: 'none',
    auth_unix_ro: 'none',
    unix_sock_dir: join(dir, 'run'),
    // Priority 1 on the output; libvirt's default log_level still drops debug.
    log_outputs: `1:file:${join(dir, 'daemon.log')}`,
  };
}

/**
 * How {@link startDaemon} starts one daemon: the command for a config file,
 * pid file and whether to pass `--listen`. It runs after the daemon's temp
 * dir (the config file's dir) exists, so it may prepare more files there.
 * `terminate` replaces stop()'s SIGTERM to the child.
 */
export type Launch = (conf: string, pidFile: string, listen: boolean) => {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  terminate?: (child: ChildProcess) => void;
};

/**
 * Starts a libvirtd-like daemon in a fresh temp dir (`tsvirt-…` under the
 * OS temp dir) with libvirtd.conf built from the base keys and `opts.conf`,
 * and resolves when its unix sockets (and TCP port) accept connections.
 * The process is tracked: stop() or the exit hook ends it and removes the
 * dir.
 */
export async function startDaemon(name: string, prefix: string, launch: Launch, opts: DaemonOptions): Promise<Daemon> {
  const tcp = opts.tcp ?? true;
  // A port found free may be taken before the daemon binds it: retry with another.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const sockDir = join(dir, 'run');
    mkdirSync(sockDir);
    const port = tcp ? await freePort() : 0;
    const confFile = join(dir, 'libvirtd.conf');
    const logFile = join(dir, 'daemon.log');
    const pidFile = join(dir, 'daemon.pid');
    writeFileSync(confFile, confText({ ...baseConf(dir, port, tcp), ...opts.conf }));
    const { cmd, args, env, terminate } = launch(confFile, pidFile, tcp);
    const t = spawnDaemon(cmd, [...args, ...(opts.args ?? [])], logFile, [dir], env, terminate, opts.cwdInDir ? dir : undefined);
    const rwSocket = join(sockDir, 'libvirt-sock');
    const roSocket = join(sockDir, 'libvirt-sock-ro');
    try {
      await waitReady(t, name, logFile, async () =>
        (await canConnect(rwSocket)) && (await canConnect(roSocket)) && (!tcp || (await canConnect(port))),
      opts.timeoutMs ?? 20_000);
    } catch (e) {
      const inUse = /Address already in use|EADDRINUSE/.test(tail(logFile));
      await stopTracked(t, 1000);
      if (inUse && attempt < 3) continue;
      throw e;
    }
    const stop = () => stopTracked(t);
    const d: Daemon = {
      pid: t.child.pid!,
      tcpPort: port,
      dir, sockDir, rwSocket, roSocket, confFile, logFile,
      tcpURI: (path = '/default', driver = 'test') => `${driver}+tcp://127.0.0.1:${port}${path}`,
      unixURI: (path = '/default', driver = 'test', o = {}) =>
        `${driver}+unix://${path}?socket=${o.readonly ? roSocket : rwSocket}`,
      sshURI: (sshd, path = '/default', driver = 'test', o = {}) => {
        const transport = o.transport ?? 'ssh';
        const extra = transport === 'ssh' ? '' : `&${sshd.uriParams}`;
        return `${driver}+${transport}://${sshd.user}@127.0.0.1:${sshd.port}${path}` +
          `?socket=${o.readonly ? roSocket : rwSocket}${extra}`;
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
    return d;
  }
}

let libvirtUserMade = false;

/**
 * Makes sure the user and group libvirt-qemu exist (libvirtd's QEMU driver
 * refuses to start without them). Needs root.
 */
export async function ensureQemuUser(): Promise<void> {
  if (libvirtUserMade) return;
  // Debian builds the qemu driver with user libvirt-qemu; without that user
  // (created by libvirt-daemon-system, not libvirt-daemon) libvirtd logs
  // "Failed to parse user 'libvirt-qemu'" and exits, with status 0.
  const g = await run('groupadd', ['-f', 'libvirt-qemu']);
  if (g.status !== 0) throw new Error(`groupadd libvirt-qemu failed: ${g.stderr}`);
  if ((await run('id', ['libvirt-qemu'])).status !== 0) {
    const u = await run('useradd', ['-r', '-g', 'libvirt-qemu', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', 'libvirt-qemu']);
    if (u.status !== 0 && (await run('id', ['libvirt-qemu'])).status !== 0) {
      throw new Error(`useradd libvirt-qemu failed: ${u.stderr}`);
    }
  }
  libvirtUserMade = true;
}

/**
 * Starts a private stock libvirtd: its own libvirtd.conf (tcp on a free
 * 127.0.0.1 port, no auth, sockets in `<tmp>/run`), in a private mount
 * namespace where /run/libvirt, /var/lib/libvirt and /var/cache/libvirt are
 * empty tmpfs, so neither its pidfile/locks nor its drivers' state meet a
 * system libvirtd. The socket dir is outside those mounts, hence visible
 * here. Needs root (see `canUnshare`). Resolves when the unix sockets and
 * the TCP port accept connections.
 */
export async function startLibvirtd(opts: DaemonOptions = {}): Promise<Daemon> {
  await ensureQemuUser();
  const mounts = 'for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt; do ' +
    'mkdir -p "$d" && mount -t tmpfs none "$d" || exit 1; done; exec libvirtd "$@"';
  return startDaemon('libvirtd', 'tsvirt-libvirtd-', (conf, pidFile, listen) => ({
    cmd: 'unshare',
    // unshare and sh both exec, so the pid we hold is libvirtd's.
    args: ['-m', '--propagation', 'private', 'sh', '-c', mounts, 'sh', '-f', conf, '-p', pidFile, ...(listen ? ['--listen'] : [])],
  }), opts);
}

/**
 * Starts our daemon, `node bin/tsvirtd.cjs -f CONF -p PIDFILE [--listen]`,
 * with the same config keys as {@link startLibvirtd}. There is no
 * namespace, so only the test driver is served (TSVIRTD_DRIVERS=test,
 * src/daemon/driver-select.ts): the QEMU driver's state initialization
 * would create /etc/libvirt/qemu, /run/libvirt/qemu, /etc/libvirt/storage…
 * on the host, as libvirtd's does. qemu:///system then answers "no
 * connection driver available". A QEMU tsvirtd is qemu-tsvirtd.ts's
 * startQemuTsvirtd. Throws if bin/tsvirtd.cjs does not exist.
 */
export async function startTsvirtd(opts: DaemonOptions = {}): Promise<Daemon> {
  if (!existsSync(TSVIRTD)) throw new Error(`${TSVIRTD} does not exist`);
  // Started as its #! line starts it (src/util/daemon-launch.ts).
  return startDaemon('tsvirtd', 'tsvirt-tsvirtd-', (conf, pidFile, listen) => ({
    cmd: process.execPath,
    args: [...DAEMON_NODE_FLAGS, TSVIRTD, '-f', conf, '-p', pidFile, ...(listen ? ['--listen'] : [])],
    env: daemonEnv({ ...process.env, ...opts.env, TSVIRTD_DRIVERS: 'test' }),
  }), opts);
}

// ---- sshd -----------------------------------------------------------------

/** A private sshd and the client-side files that trust it. */
export interface Sshd {
  readonly pid: number;
  readonly port: number;
  /** The login user: the current user (root in CI). */
  readonly user: string;
  /** The client's private key (ed25519, OpenSSH format, no passphrase). */
  readonly keyfile: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 …`, the server's host key. */
  readonly knownHosts: string;
  /** An ssh_config with the two above, StrictHostKeyChecking yes, BatchMode yes. */
  readonly sshConfig: string;
  /** Options for running /usr/bin/ssh by hand: `-p PORT -F sshConfig`. */
  readonly sshOpts: string[];
  /** PATH with a wrapper `ssh` first that execs the real ssh with `-F sshConfig`. */
  readonly pathWithWrapper: string;
  /**
   * Environment for clients: PATH with the wrapper (for libvirt's `ssh`
   * transport) and HOME at a temp home whose .ssh/ holds id_ed25519 and
   * known_hosts (for an in-process client that defaults to `~/.ssh` via
   * $HOME). libvirt's libssh2/libssh transports ignore $HOME (their default
   * `~/.ssh/known_hosts` comes from getpwuid, virGetUserDirectory), and
   * OpenSSH too: give them {@link uriParams} / the wrapper.
   */
  readonly env: NodeJS.ProcessEnv;
  /**
   * `keyfile=KEY&known_hosts=KH`, the URI params of the libssh2, libssh and
   * in-process transports. libvirt's libssh2 also wants `sshauth=privkey`
   * when no agent runs; with an unknown host key it prompts on the tty
   * ("Accept SSH host key … (y/n)?") and fails on EOF.
   */
  readonly uriParams: string;
  readonly dir: string;
  readonly logFile: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function keygen(file: string, comment: string): Promise<string> {
  const r = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

function realSsh(): string {
  for (const d of (process.env['PATH'] ?? '/usr/bin').split(':')) {
    if (d !== '' && existsSync(join(d, 'ssh'))) return join(d, 'ssh');
  }
  return '/usr/bin/ssh';
}

/**
 * Starts a private OpenSSH sshd (`sshd -D -e -f CONFIG`) on a free
 * 127.0.0.1 port, accepting only a fresh client key for the current user.
 * Resolves when the port accepts connections.
 */
export async function startSshd(opts: { timeoutMs?: number } = {}): Promise<Sshd> {
  const user = userInfo().username;
  // sshd insists on its privilege-separation dir even with UsePrivilegeSeparation gone.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-sshd-'));
    const hostKey = join(dir, 'ssh_host_ed25519_key');
    const home = join(dir, 'home');
    const keyfile = join(home, '.ssh', 'id_ed25519');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    const [hostPub, clientPub] = await Promise.all([keygen(hostKey, 'tsvirt-host'), keygen(keyfile, 'tsvirt-client')]);
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, `${clientPub}\n`, { mode: 0o600 });
    const port = await freePort();
    const knownHosts = join(home, '.ssh', 'known_hosts');
    const hostKeyLine = hostPub.split(' ').slice(0, 2).join(' ');
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKeyLine}\n`, { mode: 0o600 });
    const config = join(dir, 'sshd_config');
    writeFileSync(config, [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'));
    const sshConfig = join(dir, 'ssh_config');
    writeFileSync(sshConfig, [
      'Host *',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      `  IdentityFile ${keyfile}`,
      '  IdentitiesOnly yes',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  UpdateHostKeys no',
      '  ControlMaster no',
      '  ControlPath none',
      '  LogLevel ERROR',
      '',
    ].join('\n'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec '${realSsh()}' -F '${sshConfig}' "$@"\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    const pathWithWrapper = `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
    const logFile = join(dir, 'sshd.log');
    const t = spawnDaemon(SSHD, ['-D', '-e', '-f', config], logFile, [dir]);
    try {
      await waitReady(t, 'sshd', logFile, () => canConnect(port), opts.timeoutMs ?? 10_000);
    } catch (e) {
      const inUse = /Address already in use/.test(tail(logFile));
      await stopTracked(t, 1000);
      if (inUse && attempt < 3) continue;
      throw e;
    }
    const stop = () => stopTracked(t);
    return {
      pid: t.child.pid!,
      port, user, keyfile, knownHosts, sshConfig,
      sshOpts: ['-p', String(port), '-F', sshConfig],
      pathWithWrapper,
      env: { ...process.env, PATH: pathWithWrapper, HOME: home },
      uriParams: `keyfile=${keyfile}&known_hosts=${knownHosts}`,
      dir, logFile,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
}
