/**
 * Drivers' start/stop hooks as the daemon runs them: in registration order
 * at start-up (virStateInitialize), in reverse at shutdown
 * (virStateCleanup); a failing start is logged with libvirt's text
 * ("Initialization of X state driver failed: …"), its connections are
 * refused with "X state driver is not active" (qemuConnectOpen's text when
 * its state is missing), and the other drivers start and are served.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openDriver } from '../api/open.js';
import type { Driver, DriverConnection, DriverStartContext } from '../driver/driver.js';
import { DriverRegistry } from '../driver/registry.js';
import { ErrorCode, ErrorDomain, VirtError, isVirtError } from '../errors.js';
import type { ParsedURI } from '../uri/index.js';
import { SYSTEM_DRIVER_PATHS, driverPaths } from './driver-paths.js';
import { main } from './main.js';

/** A driver claiming `<name>:///…` that records its hooks in `calls`. */
function fakeDriver(name: string, calls: string[], o: { failStart?: string; failStop?: string; slowStart?: number; atStart?: () => string } = {}): Driver {
  return {
    name,
    accepts: (uri: ParsedURI | null) => uri?.scheme === name,
    async open(): Promise<DriverConnection> {
      calls.push(`open ${name}`);
      return { connectClose: async () => {} };
    },
    async start(ctx: DriverStartContext) {
      calls.push(`start ${name} ${ctx.mode}`);
      if (o.atStart) calls.push(o.atStart());
      if (o.slowStart) await new Promise((r) => setTimeout(r, o.slowStart));
      if (o.failStart) throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.NONE, o.failStart);
      calls.push(`started ${name}`);
    },
    async stop() {
      calls.push(`stop ${name}`);
      if (o.failStop) throw new Error(o.failStop);
    },
  };
}

function memLog() {
  const lines: string[] = [];
  return {
    lines,
    log: {
      debug: (m: string) => lines.push(`debug: ${m}`), info: (m: string) => lines.push(`info: ${m}`),
      warn: (m: string) => lines.push(`warning: ${m}`), error: (m: string) => lines.push(`error: ${m}`),
    },
  };
}

test('start runs in order, stop in reverse; a failing start is reported and the others still start', async () => {
  const calls: string[] = [];
  const { lines, log } = memLog();
  const reg = new DriverRegistry([
    fakeDriver('aa', calls),
    fakeDriver('bb', calls, { failStart: 'cannot create directory /x' }),
    fakeDriver('cc', calls, { failStop: 'boom' }),
  ]);
  const failed = await reg.start({ privileged: false, mode: 'session', paths: driverPaths(false, {}), log });
  assert.deepEqual(failed, ['bb']);
  assert.deepEqual(calls, ['start aa session', 'started aa', 'start bb session', 'start cc session', 'started cc']);
  assert.ok(lines.includes('error: Initialization of bb state driver failed: operation failed: cannot create directory /x'), lines.join('\n'));

  // The failed driver's URIs are refused; the others open.
  const conf = { config: null, drivers: reg };
  await assert.rejects(openDriver('bb:///system', null, 0, conf), (e: unknown) => isVirtError(e)
    && e.code === ErrorCode.INTERNAL_ERROR && e.message === 'internal error: bb state driver is not active');
  await openDriver('aa:///system', null, 0, conf);
  await openDriver('cc:///system', null, 0, conf);
  assert.deepEqual(calls.slice(-2), ['open aa', 'open cc']);

  calls.length = 0;
  await reg.stop(log);
  assert.deepEqual(calls, ['stop cc', 'stop aa']);
  assert.ok(lines.includes('error: Cleanup of cc state driver failed: boom'));
  // Stopping twice stops nothing more.
  await reg.stop(log);
  assert.deepEqual(calls, ['stop cc', 'stop aa']);
});

test('an open during the drivers\' start waits for it', async () => {
  const calls: string[] = [];
  const reg = new DriverRegistry([fakeDriver('slow', calls, { slowStart: 100 })]);
  const started = reg.start({ privileged: true, mode: 'system', paths: SYSTEM_DRIVER_PATHS, log: memLog().log });
  const opened = openDriver('slow:///system', null, 0, { config: null, drivers: reg }).then(() => calls.push('opened'));
  await Promise.all([started, opened]);
  assert.deepEqual(calls, ['start slow system', 'started slow', 'open slow', 'opened']);
});

test('driver paths: libvirt\'s system dirs when privileged, the XDG dirs of a session', () => {
  assert.deepEqual(driverPaths(true, {}), {
    configDir: '/etc/libvirt', runDir: '/run/libvirt', stateDir: '/var/lib/libvirt', cacheDir: '/var/cache/libvirt',
    logDir: '/var/log/libvirt',
  });
  assert.deepEqual(driverPaths(false, { HOME: '/h', XDG_RUNTIME_DIR: '/run/user/7' }), {
    configDir: '/h/.config/libvirt', runDir: '/run/user/7/libvirt', stateDir: '/h/.config/libvirt',
    cacheDir: '/h/.cache/libvirt', logDir: '/h/.cache/libvirt',
  });
});

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirtd-drivers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('tsvirtd starts its drivers after listening and stops them at shutdown, surviving a failed one', async (t) => {
  const dir = tempDir(t);
  const conf = join(dir, 'tsvirtd.conf');
  writeFileSync(conf, `unix_sock_dir = "${join(dir, 'run')}"\nlog_outputs = "3:stderr"\n`);
  const calls: string[] = [];
  const reg = new DriverRegistry([
    fakeDriver('aa', calls, { atStart: () => `listening ${existsSync(join(dir, 'run', 'libvirt-sock'))}` }),
    fakeDriver('bb', calls, { failStart: 'no emulator' }), fakeDriver('cc', calls),
  ]);
  let err = '';
  const env = { HOME: dir, XDG_RUNTIME_DIR: join(dir, 'xdg'), XDG_CONFIG_HOME: join(dir, 'cfg') };
  // -t 1: the daemon shuts itself down a second after start-up without clients.
  const status = await main(['-f', conf, '-p', join(dir, 'pid'), '-t', '1'],
    { env, privileged: false, drivers: reg, stderr: (s) => { err += s; } });
  assert.equal(status, 0, err);
  assert.deepEqual(calls, ['start aa session', 'listening true', 'started aa', 'start bb session', 'start cc session',
    'started cc', 'stop cc', 'stop aa']);
  assert.match(err, /: error : Initialization of bb state driver failed: operation failed: no emulator\n/);
});
