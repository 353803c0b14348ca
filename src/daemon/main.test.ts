/**
 * tsvirtd as a process (bin/tsvirtd.cjs), and its logging (log.ts).
 * Everything runs in temp dirs with unix_sock_dir set; TCP only on
 * 127.0.0.1. Expected texts were checked against libvirtd 9.0.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VirtError } from '../errors.js';
import { main } from './main.js';
import {
  createLogger, defaultLogOutput, formatTimestamp, parseLogFilters, parseLogOutputs, setupLogging,
} from './log.js';

const LAUNCHER = fileURLToPath(new URL('../../../bin/tsvirtd.cjs', import.meta.url));
/**
 * These daemons run as root on the host: the test driver only, so that the
 * QEMU driver creates nothing under /etc/libvirt, /run/libvirt… (driver-select.ts).
 */
const TEST_DRIVER_ONLY = { TSVIRTD_DRIVERS: 'test' };
const isRoot = process.getuid?.() === 0;
const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: \d+: (debug|info|warning|error) : /;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirtd-main-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Daemon {
  child: ChildProcess;
  dir: string;
  rw: string;
  ro: string;
  pid: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Writes a config with unix_sock_dir in a temp dir, starts tsvirtd on it. */
function start(t: TestContext, conf: string, extra: string[] = [], dir = tempDir(t)): Daemon {
  const confFile = join(dir, 'tsvirtd.conf');
  writeFileSync(confFile, `unix_sock_dir = "${join(dir, 'run')}"\n${conf}`);
  const pid = join(dir, 'tsvirtd.pid');
  const child = spawn(process.execPath, [LAUNCHER, '-f', confFile, '-p', pid, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...TEST_DRIVER_ONLY } });
  let out = '';
  child.stdout!.on('data', (b) => { out += b; });
  child.stderr!.on('data', (b) => { out += b; });
  // 'close', not 'exit': the output may still be on its way at 'exit'.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return { child, dir, rw: join(dir, 'run', 'libvirt-sock'), ro: join(dir, 'run', 'libvirt-sock-ro'), pid, output: () => out, exited };
}

function dial(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Waits until the daemon answers on its sockets (the read-only one too, as
 * root) and `more` holds.
 */
async function ready(d: Daemon, more: () => boolean = () => true, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (d.child.exitCode !== null) throw new Error(`tsvirtd exited ${d.child.exitCode}:\n${d.output()}`);
    try {
      (await dial(d.rw)).destroy();
      if (isRoot) (await dial(d.ro)).destroy();
      if (more()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`tsvirtd not ready:\n${d.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Retries until a connection to the read-write socket gets through; returns it, open. */
async function connectWhenReady(d: Daemon, ms = 30_000): Promise<Socket> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await dial(d.rw);
    } catch {
      if (d.child.exitCode !== null) throw new Error(`tsvirtd exited ${d.child.exitCode}:\n${d.output()}`);
      if (Date.now() > until) throw new Error(`tsvirtd not ready:\n${d.output()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/**
 * Runs tsvirtd's main() in this process to completion, for the cases that
 * end at start-up (cheaper than a process each).
 */
async function runToEnd(t: TestContext, conf: string, extra: string[] = []): Promise<{ code: number; out: string; d: { dir: string; pid: string } }> {
  const dir = tempDir(t);
  const confFile = join(dir, 'tsvirtd.conf');
  writeFileSync(confFile, `unix_sock_dir = "${join(dir, 'run')}"\n${conf}`);
  const pid = join(dir, 'tsvirtd.pid');
  let out = '';
  const code = await main(['-f', confFile, '-p', pid, ...extra], {
    env: { ...TEST_DRIVER_ONLY }, stdout: (s) => { out += s; }, stderr: (s) => { out += s; },
  });
  return { code, out, d: { dir, pid } };
}

const errorLines = (out: string): string[] =>
  out.split('\n').filter((l) => / error : /.test(l)).map((l) => l.replace(LINE, ''));

// Each test has its own temp dir and daemon: run a few side by side.
describe('tsvirtd process', { concurrency: 4 }, () => {
  test('serves its sockets, writes its pidfile, exits after --timeout without clients and cleans up', async (t) => {
    const d = start(t, '', ['--timeout', '2']);
    // The first connection that gets through is kept: it holds the daemon
    // past the timeout (libvirt counts from the last client leaving).
    const client = await connectWhenReady(d);
    client.on('error', () => {});
    await ready(d);
    assert.equal(readFileSync(d.pid, 'utf8'), String(d.child.pid));
    assert.equal(statSync(d.rw).mode & 0o777, 0o700);
    if (isRoot) assert.equal(statSync(d.ro).mode & 0o777, 0o777);
    else assert.equal(existsSync(d.ro), false, 'no read-only socket for a session daemon');
    assert.equal(statSync(join(d.dir, 'run')).mode & 0o777, 0o755);

    await new Promise((r) => setTimeout(r, 2300));
    assert.equal(d.child.exitCode, null, 'still running while a client is connected');
    const left = Date.now();
    client.destroy();
    assert.equal(await d.exited, 0);
    const took = Date.now() - left;
    assert.ok(took >= 1900 && took < 20_000, `exited ${took} ms after the last client left`);
    assert.equal(existsSync(d.rw), false);
    assert.equal(existsSync(d.ro), false);
    assert.equal(existsSync(d.pid), false);
    assert.equal(d.output(), '', 'nothing logged at the default level');
  });

  test('SIGTERM: clients closed, sockets and pidfile removed, status 0', async (t) => {
    const d = start(t, 'unix_sock_rw_perms = "0770"\nunix_sock_ro_perms = "0755"\n');
    await ready(d);
    assert.equal(statSync(d.rw).mode & 0o777, 0o770);
    if (isRoot) assert.equal(statSync(d.ro).mode & 0o777, 0o755);
    const client = await dial(d.rw);
    client.on('error', () => {});
    const clientGone = new Promise((r) => client.once('close', r));
    client.resume();
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0);
    await clientGone;
    assert.equal(existsSync(d.rw), false);
    assert.equal(existsSync(d.pid), false);
  });

  test('SIGHUP is logged and ignored; SIGINT stops', async (t) => {
    const d = start(t, 'log_level = 2\n');
    await ready(d);
    d.child.kill('SIGHUP');
    await ready(d, () => /Reloading/.test(d.output()));
    assert.equal(d.child.exitCode, null);
    d.child.kill('SIGINT');
    assert.equal(await d.exited, 0);
    assert.match(d.output(), /info : Reloading configuration on SIGHUP\n/);
    assert.match(d.output(), /info : Shutting down \(SIGINT\)\n/);
  });

  test('a socket another daemon serves: refused, untouched, status 6', async (t) => {
    const dir = tempDir(t);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'run'));
    const rw = join(dir, 'run', 'libvirt-sock');
    const other = createServer((c) => c.destroy());
    await new Promise<void>((r) => other.listen(rw, r));
    t.after(() => other.close());
    const ino = statSync(rw).ino;
    const d = start(t, '', [], dir);
    assert.equal(await d.exited, 6);
    assert.deepEqual(errorLines(d.output()), [`Failed to bind socket to '${rw}': another daemon is already listening on it`]);
    assert.equal(statSync(rw).ino, ino);
    assert.equal(existsSync(d.pid), false, 'pidfile released');
    (await dial(rw)).destroy();
  });

  test('a stale socket is reused', async (t) => {
    const dir = tempDir(t);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'run'));
    const rw = join(dir, 'run', 'libvirt-sock');
    const { spawnSync } = await import('node:child_process');
    spawnSync(process.execPath, ['-e',
      `require('net').createServer().listen(${JSON.stringify(rw)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    assert.ok(lstatSync(rw).isSocket());
    const d = start(t, '', ['-t', '1'], dir);
    (await connectWhenReady(d)).destroy();
    assert.equal(await d.exited, 0);
    assert.equal(d.output(), '');
  });

  test('a pidfile held by a live process: status 1, libvirt\'s message', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'tsvirtd.pid'), String(process.pid));
    const d = start(t, '', [], dir);
    assert.equal(await d.exited, 1);
    assert.deepEqual(errorLines(d.output()), [`Failed to acquire pid file '${d.pid}': Resource temporarily unavailable`]);
    assert.equal(existsSync(join(dir, 'run', 'libvirt-sock')), false);
    assert.equal(readFileSync(d.pid, 'utf8'), String(process.pid));
  });

  test('config errors: status 1, libvirtd\'s log line with its header', async (t) => {
    const { code, out, d } = await runToEnd(t, 'tcp_port = 16509\n');
    assert.equal(code, 1);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /info : libvirt version: 9\.0\.0, package: tsvirt$/);
    assert.match(lines[1]!, /info : hostname: /);
    const conf = join(d.dir, 'tsvirtd.conf');
    assert.equal(lines[2]!.replace(LINE, ''),
      `Can't load config file: internal error: ${conf}: expected a string for 'tcp_port' parameter: ${conf}`);
    assert.equal(existsSync(d.pid), false);
  });

  test('-f names a file that does not exist', async (t) => {
    const dir = tempDir(t);
    let err = '';
    const code = await main(['-f', join(dir, 'nope.conf')], { env: {}, stderr: (s) => { err += s; } });
    assert.equal(code, 1);
    assert.deepEqual(errorLines(err), [
      `Can't load config file: Failed to open file '${join(dir, 'nope.conf')}': No such file or directory: ${join(dir, 'nope.conf')}`,
    ]);
  });

  test('bad log settings: status 1, printed as libvirt\'s default error handler does', async (t) => {
    assert.deepEqual(await runToEnd(t, 'log_outputs = "bogus"\n').then((r) => [r.code, r.out]),
      [1, "libvirt:  error : invalid argument: Malformed format for log output 'bogus'\n"]);
    assert.deepEqual(await runToEnd(t, 'log_level = 5\n').then((r) => [r.code, r.out]),
      [1, "libvirt:  error : invalid argument: Failed to set logging priority, argument '5' is invalid\n"]);
    assert.deepEqual(await runToEnd(t, 'log_filters = "x"\n').then((r) => [r.code, r.out]),
      [1, "libvirt:  error : invalid argument: Malformed format for filter 'x'\n"]);
  });

  test('socket settings libvirtd rejects at network set-up: status 6', async (t) => {
    let r = await runToEnd(t, 'unix_sock_rw_perms = "abc"\n');
    assert.equal(r.code, 6);
    assert.deepEqual(errorLines(r.out), ["Failed to parse mode 'abc'"]);
    r = await runToEnd(t, 'unix_sock_group = "nogroupxx"\n');
    assert.equal(r.code, 6);
    assert.deepEqual(errorLines(r.out), ["invalid argument: Failed to parse group 'nogroupxx'"]);
    assert.equal(existsSync(r.d.pid), false);
  });

  test('--listen: TCP on listen_addr; listen_tls = 0 opens no TLS port', async (t) => {
    const d = start(t, 'listen_tcp = 1\nlisten_tls = 0\nlisten_addr = "127.0.0.1"\ntcp_port = "0"\nlog_level = 2\n', ['--listen']);
    await ready(d, () => / ready\n/.test(d.output()));
    const m = /Listening on TCP 127\.0\.0\.1:(\d+)/.exec(d.output());
    assert.ok(m, d.output());
    const tcp = connect(Number(m[1]), '127.0.0.1');
    await once(tcp, 'connect');
    tcp.destroy();
    assert.doesNotMatch(d.output(), /TLS/);
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0);
  });

  test('--listen with listen_tls: the credentials are checked at start-up as libvirtd does; without --listen no TCP/TLS', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirtd-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let r = await runToEnd(t, `listen_tls = 1\nca_file = "${dir}/ca.pem"\ncert_file = "${dir}/c.pem"\nkey_file = "${dir}/k.pem"\n`, ['--listen']);
    assert.equal(r.code, 6);
    assert.deepEqual(errorLines(r.out), [`Cannot read CA certificate '${dir}/ca.pem': No such file or directory`]);
    r = await runToEnd(t, `ca_file = "${dir}/ca.pem"\n`, ['--listen']);
    assert.equal(r.code, 6);
    assert.deepEqual(errorLines(r.out), ['unsupported configuration: No server certificate path set to match server key']);

    const d = start(t, 'listen_tcp = 1\nlisten_tls = 1\nlog_level = 2\n', ['-t', '1']);
    assert.equal(await d.exited, 0);
    assert.doesNotMatch(d.output(), /TCP|TLS/);
  });

  test('bad options: glibc\'s message and the usage; --timeout checked like libvirtd', async (t) => {
    let r = await runToEnd(t, '', ['--bogus']);
    assert.equal(r.code, 1);
    assert.match(r.out, /^tsvirtd: unrecognized option '--bogus'\n\nUsage:\n/);
    r = await runToEnd(t, '', ['--timeout=-1']);
    assert.equal(r.code, 1);
    assert.deepEqual(errorLines(r.out), ['Invalid value for timeout']);
  });

  test('-d: the parent returns once the daemon listens; its failures are reported', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'tsvirtd.conf'), `unix_sock_dir = "run"\nlog_outputs = "3:file:daemon.log"\n`);
    const launch = (pidName: string) => {
      const child = spawn(process.execPath, [LAUNCHER, '-d', '-f', 'tsvirtd.conf', '-p', pidName, '-t', '30'],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...TEST_DRIVER_ONLY } });
      let out = '';
      child.stdout!.on('data', (b) => { out += b; });
      child.stderr!.on('data', (b) => { out += b; });
      return once(child, 'close').then(([code]) => ({ code, out }));
    };
    const first = await launch('a.pid');
    assert.deepEqual(first, { code: 0, out: '' });
    const pid = Number(readFileSync(join(dir, 'a.pid'), 'utf8'));
    t.after(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
    (await dial(join(dir, 'run', 'libvirt-sock'))).destroy();

    assert.deepEqual(await launch('a.pid'), {
      code: 1, out: 'tsvirtd: error: Unable to obtain pidfile. Check the daemon log or run without --daemon for more info.\n',
    });
    assert.deepEqual(await launch('b.pid'), {
      code: 1,
      out: 'tsvirtd: error: Unable to initialize network sockets. Check the daemon log or run without --daemon for more info.\n',
    });
    assert.match(readFileSync(join(dir, 'daemon.log'), 'utf8'), /error : Failed to acquire pid file/);

    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && existsSync(join(dir, 'a.pid')); i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(existsSync(join(dir, 'a.pid')), false);
    assert.equal(existsSync(join(dir, 'run', 'libvirt-sock')), false);
  });
});

describe('daemon logging (log.ts)', () => {
  const bad = (src: string, msg: string): void => {
    assert.throws(() => parseLogOutputs(src), (e: unknown) => e instanceof VirtError && e.message === `invalid argument: ${msg}`);
  };

  test("log_outputs: libvirt's syntax and messages", () => {
    assert.deepEqual(parseLogOutputs('3:stderr  1:file:/tmp/x.log 2:syslog:tsvirtd 4:journald'), [
      { priority: 3, dest: 'stderr', name: null },
      { priority: 1, dest: 'file', name: '/tmp/x.log' },
      { priority: 2, dest: 'syslog', name: 'tsvirtd' },
      { priority: 4, dest: 'journald', name: null },
    ]);
    assert.deepEqual(parseLogOutputs('1:file:rel.log', '/base'), [{ priority: 1, dest: 'file', name: '/base/rel.log' }]);
    assert.deepEqual(parseLogOutputs('1:stderr 3:stderr'), [{ priority: 3, dest: 'stderr', name: null }], 'the last one wins');
    assert.deepEqual(parseLogOutputs(''), []);
    bad('bogus', "Malformed format for log output 'bogus'");
    bad('5:stderr', "Invalid log priority '5' for log output '5:stderr'");
    bad('x:stderr', "Invalid log priority 'x' for log output 'x:stderr'");
    bad('1:file', "Log output '1:file' does not meet the format requirements for destination type 'file'");
    bad('1:stderr:x', "Log output '1:stderr:x' does not meet the format requirements for destination type 'stderr'");
    bad('4:nowhere', "Invalid log destination 'nowhere' for log output '4:nowhere'");
  });

  test('log_filters are checked', () => {
    assert.deepEqual(parseLogFilters('1:util +3:qemu'), [{ priority: 1, match: 'util' }, { priority: 3, match: 'qemu' }]);
    assert.throws(() => parseLogFilters('x'), { message: "invalid argument: Malformed format for filter 'x'" });
    assert.throws(() => parseLogFilters('0:util'), { message: "invalid argument: Invalid priority '0' for filter '0:util'" });
    assert.throws(() => parseLogFilters('1:+'), { message: "invalid argument: Invalid match string '+'" });
  });

  test('lines: header once per output, global level and output level both filter', () => {
    const lines: string[] = [];
    const now = new Date(Date.UTC(2024, 4, 1, 10, 0, 0, 7));
    const log = createLogger({ level: 2, outputs: '3:stderr', stderr: (s) => lines.push(s), pid: 42, hostname: 'h', now: () => now });
    log.debug('d');
    log.info('i');
    assert.deepEqual(lines, []);
    log.warn('w');
    log.error('e');
    assert.deepEqual(lines, [
      '2024-05-01 10:00:00.007+0000: 42: info : libvirt version: 9.0.0, package: tsvirt\n',
      '2024-05-01 10:00:00.007+0000: 42: info : hostname: h\n',
      '2024-05-01 10:00:00.007+0000: 42: warning : w\n',
      '2024-05-01 10:00:00.007+0000: 42: error : e\n',
    ]);
    const quiet: string[] = [];
    const l2 = createLogger({ level: 3, outputs: '1:stderr', stderr: (s) => quiet.push(s) });
    l2.info('dropped by log_level');
    assert.deepEqual(quiet, []);
    assert.equal(formatTimestamp(now), '2024-05-01 10:00:00.007+0000');
  });

  test('file outputs append, mode 0600; unopenable files fail at start-up', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'd.log');
    writeFileSync(file, 'old\n', { mode: 0o600 });
    const log = createLogger({ level: 1, outputs: `1:file:${file}` });
    log.debug('x');
    log.close();
    const text = readFileSync(file, 'utf8').split('\n');
    assert.equal(text[0], 'old');
    assert.match(text[3]!, / debug : x$/);
    assert.throws(() => createLogger({ level: 1, outputs: `1:file:${dir}/no/d.log` }), {
      message: `failed to open ${dir}/no/d.log: No such file or directory`,
    });
  });

  test('setupLogging: config, environment, --verbose, default output', (t) => {
    const err: string[] = [];
    const base = { filters: null, outputs: null, privileged: false, verbose: false, daemon: false, env: {}, stderr: (s: string) => err.push(s) };
    assert.equal(setupLogging({ ...base, level: 0 }).outputs, '3:stderr');
    assert.equal(setupLogging({ ...base, level: 0, verbose: true }).outputs, '2:stderr');
    assert.equal(setupLogging({ ...base, level: 1, verbose: true }).level, 1);
    assert.equal(setupLogging({ ...base, level: 4, env: { LIBVIRT_DEBUG: 'debug' } }).level, 1);
    assert.equal(setupLogging({ ...base, level: 0, outputs: '4:stderr', env: { LIBVIRT_LOG_OUTPUTS: '1:stderr' } }).outputs, '1:stderr');
    assert.throws(() => setupLogging({ ...base, level: 5 }), {
      message: "invalid argument: Failed to set logging priority, argument '5' is invalid",
    });
    const dir = tempDir(t);
    const l = setupLogging({ ...base, level: 0, daemon: true, env: { XDG_CACHE_HOME: dir } });
    assert.equal(l.outputs, `3:file:${dir}/libvirt/tsvirtd.log`);
    l.close();
    assert.equal(defaultLogOutput({ level: 3, daemon: true, privileged: true }), '3:file:/var/log/libvirt/tsvirtd.log');
    assert.deepEqual(err, []);
  });
});
