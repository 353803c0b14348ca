/**
 * qemu:///session for a real non-root user (`nobody`, run through setpriv):
 * the client auto-spawns the user's session daemon on
 * $XDG_RUNTIME_DIR/libvirt/libvirt-sock and the daemon runs guests as that
 * user, with libvirt's session paths. Two sessions of the same user side by
 * side, each with its own HOME and XDG_RUNTIME_DIR:
 *
 * - `lv`: stock virsh / libvirt-python, which spawn stock
 *   `libvirtd --timeout=120` (libvirt 9.0 on Debian has no virtqemud);
 * - `ts`: tsvirsh / our library, which spawn `tsvirtd --timeout=120`; and
 *   stock virsh against that tsvirtd's socket.
 *
 * The same guest (the test guest, one boot at a time) goes through
 * define/start/list/dominfo/destroy/undefine on both; outputs, the files
 * that name the domain (config XML, status XML, pid file, log, per-domain
 * dirs and sockets), their owner, the daemon's and QEMU's uid and the
 * daemon's `--timeout=120` must match. Storage: a dir pool in the user's
 * home, raw and qcow2 volumes, vol-upload/download, files owned by the
 * user. Idle timeout: daemons started by hand as the user with
 * `--timeout=3` (the auto-spawned ones always get 120, in libvirt as here)
 * exit ~3 s after start-up without clients, stay up while a guest runs
 * (the QEMU driver inhibits shutdown), and exit after the last client left
 * once the guest is gone.
 *
 * Needs root (setpriv to nobody), virsh, libvirtd, libvirt-python and QEMU:
 * outside CI a missing oracle skips, under CI=true it fails.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { DAEMON_NODE_FLAGS } from '../../src/util/daemon-launch.js';
import { ROOT, run, trackChild, TSVIRTD, type RunResult } from './harness.js';
import { PYTHON, requireOracles } from './oracle.js';
import { ensureTestGuest, guestXml, type TestGuest } from './qemu-harness.js';

const NOBODY = 65534;
const TSVIRSH = join(ROOT, 'bin/tsvirsh.cjs');
const LIBRARY = join(ROOT, 'dist/src/index.js');
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const UUID = '6a1b0e57-5e55-4d0e-9c1d-0000000000a1';
const NAME = 'sess1';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Label = 'lv' | 'ts' | 'lx' | 'tx';

/** The daemon a session's own client spawns: stock libvirtd for lv/lx, tsvirtd for ts/tx. */
const isStock = (l: Label) => l === 'lv' || l === 'lx';

/** One user session: its dirs and how to run programs in it as the user. */
interface Session {
  readonly label: Label;
  readonly dir: string;
  readonly home: string;
  /** $XDG_RUNTIME_DIR, or what libvirt uses without it (GLib's fallback: the cache dir, ~/.cache). */
  readonly runtime: string;
  readonly xml: string;
  /** The environment of the user's shell (what virsh passes on to the daemon it spawns). */
  readonly env: string[];
}

function makeSession(root: string, label: Label, guest: TestGuest, o: { xdgRuntime?: boolean } = {}): Session {
  const xdg = o.xdgRuntime ?? true;
  const dir = join(root, label);
  const home = join(dir, 'home');
  const runtime = xdg ? join(dir, 'run') : join(home, '.cache');
  mkdirSync(dir, { mode: 0o755 });
  for (const d of [home, runtime]) {
    mkdirSync(d, { mode: 0o700 });
    chownSync(d, NOBODY, NOBODY);
  }
  const xml = join(dir, `${NAME}.xml`);
  writeFileSync(xml, guestXml(NAME, { guest, uuid: UUID }));
  chmodSync(xml, 0o644);
  const env = [`PATH=${PATH}`, `HOME=${home}`, ...(xdg ? [`XDG_RUNTIME_DIR=${runtime}`] : []), 'USER=nobody', 'LOGNAME=nobody'];
  return { label, dir, home, runtime, xml, env };
}

/** Runs `argv` as nobody with only the session's environment (env -i). */
function asUser(s: Session, argv: string[], timeoutMs = 120_000): Promise<RunResult> {
  return run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', '-i', ...s.env, ...argv],
    { timeoutMs, cwd: s.dir });
}

const virsh = (s: Session, ...args: string[]) => asUser(s, ['virsh', '-c', 'qemu:///session', ...args]);
const tsvirsh = (s: Session, ...args: string[]) => asUser(s, [process.execPath, TSVIRSH, '-c', 'qemu:///session', ...args]);
/** The session's own client: stock virsh for lv, tsvirsh for ts. */
const client = (s: Session, ...args: string[]) => (isStock(s.label) ? virsh : tsvirsh)(s, ...args);

/** What differs between the two sessions by construction. */
function norm(s: Session, text: string): string {
  return text.replaceAll(s.dir, '<SESS>')
    .replace(/^(CPU time:\s+)[\d.]+s$/gm, '$1<t>');
}

function show(r: RunResult): string {
  return `status ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** `cmd → {status, stdout, stderr}` normalised, for deepEqual between the sessions. */
function outcome(s: Session, r: RunResult): { status: number | null; stdout: string; stderr: string } {
  return { status: r.status, stdout: norm(s, r.stdout), stderr: norm(s, r.stderr) };
}

// ---- the session's processes ------------------------------------------------

const daemonPidFile = (l: Label) => (isStock(l) ? 'libvirtd.pid' : 'tsvirtd.pid');

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is gone for our purposes.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function uidOf(pid: number): number {
  const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]);
}

function daemonPid(s: Session): number | undefined {
  const pid = readPid(join(s.runtime, 'libvirt', daemonPidFile(s.label)));
  return pid !== undefined && alive(pid) ? pid : undefined;
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** SIGTERM (SIGKILL after 10 s) to the pids in the session's pid files: guests first, then the daemons. */
async function stopSessionProcesses(s: Session, which: 'all' | 'daemon' = 'all'): Promise<void> {
  const files: string[] = [];
  if (which === 'all') {
    const qrun = join(s.runtime, 'libvirt', 'qemu', 'run');
    try {
      for (const f of readdirSync(qrun)) if (f.endsWith('.pid') && f !== 'driver.pid') files.push(join(qrun, f));
    } catch { /* none */ }
  }
  files.push(join(s.runtime, 'libvirt', daemonPidFile(s.label)));
  if (which === 'all') files.push(join(s.runtime, 'libvirt', 'virtlogd.pid'));
  for (const f of files) {
    const pid = readPid(f);
    // Only processes of the session's user: a stale pid file must not name someone else's.
    if (pid === undefined || !alive(pid) || uidOf(pid) !== NOBODY) continue;
    process.kill(pid, 'SIGTERM');
    if (!(await waitGone(pid, 10_000))) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      await waitGone(pid, 5000);
    }
  }
}

/**
 * The QEMU and storage drivers' trees in the session (config, cache and
 * runtime dirs), with type, owner and mode. Left out: `capabilities/`, each
 * daemon's own cache format (libvirt's XML, our JSON).
 */
function driverTrees(s: Session): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try { names = readdirSync(d); } catch { return; }
    for (const n of names) {
      if (n === 'capabilities') continue;
      const p = join(d, n);
      const st = lstatSync(p);
      const type = st.isDirectory() ? 'dir' : st.isSocket() ? 'socket' : st.isSymbolicLink() ? 'link' : 'file';
      out.push(`${relative(s.dir, p)} ${type} uid=${st.uid} mode=${(st.mode & 0o7777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  // A set: without XDG_RUNTIME_DIR the runtime dir is the cache dir.
  for (const d of new Set([join(s.home, '.config/libvirt/qemu'), join(s.home, '.config/libvirt/storage'),
    join(s.home, '.cache/libvirt/qemu'), join(s.runtime, 'libvirt/qemu'), join(s.runtime, 'libvirt/storage')])) {
    if (existsSync(d)) out.push(`${relative(s.dir, d)} dir`);
    walk(d);
  }
  return out.sort();
}

/** Every path under the session dir that names the domain, with its type and owner. */
function domainFiles(s: Session): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try { names = readdirSync(d); } catch { return; }
    for (const n of names) {
      const p = join(d, n);
      const st = lstatSync(p);
      const rel = relative(s.dir, p);
      if (rel.includes(NAME)) {
        const type = st.isDirectory() ? 'dir' : st.isSocket() ? 'socket' : st.isSymbolicLink() ? 'link' : 'file';
        out.push(`${rel} ${type} uid=${st.uid}`);
      }
      if (st.isDirectory()) walk(p);
    }
  };
  walk(s.home);
  if (relative(s.home, s.runtime).startsWith('..')) walk(s.runtime);
  return out.sort();
}

// ---- the tests ----------------------------------------------------------------

function oracles(t: TestContext): boolean {
  return requireOracles(t, 'unshare', 'virsh', 'libvirtd', 'qemu');
}

describe('qemu:///session: a non-root user auto-spawns a session daemon that runs guests as that user', () => {
  let root = '';
  let guest: TestGuest | undefined;
  let setupError: unknown;
  const sess: Partial<Record<Label, Session>> = {};

  const killAllSync = () => {
    for (const s of Object.values(sess)) {
      for (const f of [...(() => {
        const q = join(s.runtime, 'libvirt', 'qemu', 'run');
        try { return readdirSync(q).filter((n) => n.endsWith('.pid') && n !== 'driver.pid').map((n) => join(q, n)); } catch { return []; }
      })(), join(s.runtime, 'libvirt', daemonPidFile(s.label)), join(s.runtime, 'libvirt', 'virtlogd.pid')]) {
        const pid = readPid(f);
        try { if (pid !== undefined && uidOf(pid) === NOBODY) process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  };

  before(async () => {
    if (process.getuid?.() !== 0) return;
    try {
      guest = await ensureTestGuest({ timeoutMs: 600_000 });
      root = mkdtempSync(join(tmpdir(), 'tsvirt-qsess-'));
      chmodSync(root, 0o755);
      sess.lv = makeSession(root, 'lv', guest);
      sess.ts = makeSession(root, 'ts', guest);
      sess.lx = makeSession(root, 'lx', guest, { xdgRuntime: false });
      sess.tx = makeSession(root, 'tx', guest, { xdgRuntime: false });
      process.on('exit', killAllSync);
    } catch (e) {
      setupError = e;
    }
  });

  after(async () => {
    await Promise.all(Object.values(sess).map((s) => stopSessionProcesses(s)));
    process.off('exit', killAllSync);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function ready(): { lv: Session; ts: Session; lx: Session; tx: Session } {
    if (setupError !== undefined) throw setupError;
    assert.ok(sess.lv && sess.ts && sess.lx && sess.tx, 'the sessions were not set up');
    return { lv: sess.lv, ts: sess.ts, lx: sess.lx, tx: sess.tx };
  }

  /** define … undefine with the session's own client; returns outputs, files and uids seen on the way. */
  async function guestLifecycle(s: Session, run1: (s: Session, ...a: string[]) => Promise<RunResult>) {
    const out: Array<{ cmd: string; r: ReturnType<typeof outcome> }> = [];
    const files: Record<string, string[]> = {};
    const step = async (...args: string[]) => {
      const r = await run1(s, ...args);
      out.push({ cmd: norm(s, args.join(' ')), r: outcome(s, r) });
      return r;
    };
    await step('uri');
    const daemon = daemonPid(s);
    files.tree = driverTrees(s);
    await step('define', s.xml);
    files.defined = domainFiles(s);
    const started = await step('start', NAME);
    assert.equal(started.status, 0, `${s.label}: start failed\n${show(started)}`);
    await step('list', '--all');
    await step('dominfo', NAME);
    await step('domstate', '--reason', NAME);
    await step('domid', NAME);
    files.running = domainFiles(s);
    const qemuPid = readPid(join(s.runtime, 'libvirt', 'qemu', 'run', `${NAME}.pid`));
    const qemuUid = qemuPid !== undefined && alive(qemuPid) ? uidOf(qemuPid) : undefined;
    await step('destroy', NAME);
    files.destroyed = domainFiles(s);
    await step('list', '--all');
    await step('undefine', NAME);
    files.undefined = domainFiles(s);
    await step('list', '--all');
    files.treeAfter = driverTrees(s);
    const log = readFileSync(join(s.home, '.cache/libvirt/qemu/log', `${NAME}.log`), 'utf8');
    return { out, files, daemon, qemuPid, qemuUid, log };
  }

  it('tsvirsh auto-spawns tsvirtd and runs the guest as the user, as stock virsh does with libvirtd', { timeout: 600_000 }, async (t) => {
    if (!oracles(t)) return;
    const { lv, ts } = ready();
    // One guest at a time: stock first, then ours.
    const want = await guestLifecycle(lv, client);
    const got = await guestLifecycle(ts, client);
    for (const [s, r] of [[lv, want], [ts, got]] as const) {
      assert.ok(r.daemon !== undefined, `${s.label}: no session daemon after 'uri'`);
      assert.equal(uidOf(r.daemon), NOBODY, `${s.label}: the daemon's uid`);
      const argv = readFileSync(`/proc/${r.daemon}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes('--timeout=120'), `${s.label}: ${argv.join(' ')}`);
      assert.ok(existsSync(join(s.runtime, 'libvirt', 'libvirt-sock')), `${s.label}: no $XDG_RUNTIME_DIR/libvirt/libvirt-sock`);
      assert.equal(r.qemuUid, NOBODY, `${s.label}: QEMU (pid ${r.qemuPid}) runs as uid ${r.qemuUid}`);
      assert.match(r.log, /starting up libvirt version/);
      assert.match(r.log, /shutting down, reason=destroyed/);
      // QEMU's environment in the log: the session's HOME, XDG_CACHE_HOME in the domain dir.
      assert.match(r.log, new RegExp(`^HOME=${s.home} \\\\$`, 'm'));
      assert.match(r.log, new RegExp(`^XDG_CACHE_HOME=${s.home}/\\.config/libvirt/qemu/lib/domain-1-${NAME}/\\.cache \\\\$`, 'm'));
    }
    t.diagnostic(`files of a running guest (stock): ${want.files.running!.join(', ')}`);
    for (const stage of Object.keys(want.files)) {
      assert.deepEqual(got.files[stage], want.files[stage], `files naming the domain once ${stage}`);
    }
    assert.deepEqual(got.out, want.out);
  });

  it('without XDG_RUNTIME_DIR the socket, status XML and pid files move to ~/.cache/libvirt, as libvirt\'s do', { timeout: 600_000 }, async (t) => {
    if (!oracles(t)) return;
    const { lx, tx } = ready();
    const want = await guestLifecycle(lx, client);
    const got = await guestLifecycle(tx, client);
    for (const [s, r] of [[lx, want], [tx, got]] as const) {
      assert.ok(existsSync(join(s.home, '.cache/libvirt/libvirt-sock')), `${s.label}: no ~/.cache/libvirt/libvirt-sock`);
      assert.ok(r.daemon !== undefined && uidOf(r.daemon) === NOBODY, `${s.label}: no session daemon of the user`);
      assert.equal(r.qemuUid, NOBODY);
    }
    t.diagnostic(`files of a running guest (stock): ${want.files.running!.join(', ')}`);
    for (const stage of Object.keys(want.files)) {
      assert.deepEqual(got.files[stage], want.files[stage], `files naming the domain once ${stage}`);
    }
    assert.deepEqual(got.out, want.out);
  });

  it('stock virsh against the tsvirtd session daemon gives what it gives against libvirtd', { timeout: 300_000 }, async (t) => {
    if (!oracles(t)) return;
    const { lv, ts } = ready();
    // tsvirtd listens (the first test's, or one tsvirsh spawns now).
    const u = await tsvirsh(ts, 'uri');
    assert.equal(u.status, 0, show(u));
    const before0 = daemonPid(ts);
    assert.ok(before0 !== undefined, 'tsvirtd is not running');
    // Stock virsh on both, one guest at a time; each daemon's second start
    // when the first test ran (domain ids count per daemon).
    const want = await guestLifecycle(lv, virsh);
    const got = await guestLifecycle(ts, virsh);
    // virsh found tsvirtd's socket and spawned no libvirtd.
    assert.equal(daemonPid(ts), before0);
    assert.equal(readPid(join(ts.runtime, 'libvirt', 'libvirtd.pid')), undefined);
    assert.equal(got.qemuUid, NOBODY);
    for (const stage of Object.keys(want.files)) {
      assert.deepEqual(got.files[stage], want.files[stage], `files naming the domain once ${stage}`);
    }
    assert.deepEqual(got.out, want.out);
  });

  it('the library auto-spawns tsvirtd for open("qemu:///session") as libvirt-python spawns libvirtd', { timeout: 600_000 }, async (t) => {
    if (!oracles(t) || !requireOracles(t, 'python')) return;
    const { lv, ts } = ready();
    // Fresh spawns: the daemons of the tests above go.
    await stopSessionProcesses(lv);
    await stopSessionProcesses(ts);
    const py = [
      'import json, sys, libvirt',
      "c = libvirt.open('qemu:///session')",
      "o = {'uri': c.getURI()}",
      'd = c.defineXML(open(sys.argv[1]).read())',
      "o['names'] = sorted(x.name() for x in c.listAllDomains())",
      "d.create(); o['active'] = d.isActive(); o['state'] = d.state(); o['id'] = d.ID()",
      "o['running'] = [x.name() for x in c.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)]",
      "d.destroy(); o['after'] = d.state(); d.undefine()",
      "o['left'] = [x.name() for x in c.listAllDomains()]",
      'del d',
      "o['refs'] = c.close()",
      'print(json.dumps(o))',
    ].join('\n');
    const js = [
      `const { open } = await import(${JSON.stringify(LIBRARY)});`,
      'const { readFileSync } = await import("node:fs");',
      "const c = await open('qemu:///session');",
      // Each object holds a reference on the connection until free(), as in libvirt.
      'const names = async (flags) => (await c.listAllDomains(flags)).map((x) => { const n = x.getName(); x.free(); return n; });',
      'const o = { uri: await c.getURI() };',
      'const d = await c.domainDefineXML(readFileSync(process.argv[1], "utf8"));',
      'o.names = (await names(0)).sort();',
      'await d.create();',
      'o.active = (await d.isActive()) ? 1 : 0; const st = await d.getState(); o.state = [st.state, st.reason]; o.id = d.getID();',
      'o.running = await names(1);',
      'await d.destroy(); const af = await d.getState(); o.after = [af.state, af.reason]; await d.undefine();',
      'o.left = await names(0);',
      'd.free();',
      'o.refs = await c.close();',
      'console.log(JSON.stringify(o));',
    ].join('\n');
    const want = await asUser(lv, [PYTHON, '-c', py, lv.xml]);
    assert.equal(want.status, 0, show(want));
    const got = await asUser(ts, [process.execPath, '--input-type=module', '-e', js, ts.xml]);
    assert.equal(got.status, 0, show(got));
    assert.deepEqual(JSON.parse(got.stdout), JSON.parse(want.stdout));
    const pid = daemonPid(ts);
    assert.ok(pid !== undefined, 'the library spawned no tsvirtd');
    assert.equal(uidOf(pid), NOBODY);
    assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--timeout=120'));
  });

  it('storage in the session: a dir pool in the home, raw and qcow2 volumes, upload/download, files owned by the user', { timeout: 300_000 }, async (t) => {
    if (!oracles(t)) return;
    const { lv, ts } = ready();
    const data = randomBytes(300_000);
    const seq = async (s: Session, run1: (s: Session, ...a: string[]) => Promise<RunResult>, tag: string) => {
      const pool = join(s.home, `pool-${tag}`);
      const up = join(s.dir, 'up.bin');
      writeFileSync(up, data);
      chmodSync(up, 0o644);
      const down = join(s.home, `down-${tag}.bin`);
      const out: Array<{ cmd: string; r: ReturnType<typeof outcome> }> = [];
      const step = async (...args: string[]) => {
        const r = await run1(s, ...args);
        out.push({ cmd: norm(s, args.join(' ')).replaceAll(`-${tag}`, '-<tag>'), r: { ...outcome(s, r), stdout: norm(s, r.stdout).replaceAll(`-${tag}`, '-<tag>') } });
        return r;
      };
      await step('pool-define-as', 'p1', 'dir', '--target', pool);
      await step('pool-build', 'p1');
      await step('pool-start', 'p1');
      await step('vol-create-as', 'p1', 'a.raw', '1M', '--format', 'raw');
      await step('vol-create-as', 'p1', 'b.qcow2', '2M', '--format', 'qcow2');
      await step('vol-list', 'p1');
      await step('vol-info', 'a.raw', '--pool', 'p1');
      await step('vol-info', 'b.qcow2', '--pool', 'p1');
      await step('vol-upload', 'a.raw', up, '--pool', 'p1');
      await step('vol-download', 'a.raw', down, '--pool', 'p1');
      const owners = [pool, join(pool, 'a.raw'), join(pool, 'b.qcow2'), down,
        join(s.home, '.config/libvirt/storage/p1.xml'), join(s.runtime, 'libvirt/storage/run/p1.xml')]
        .map((p) => { const st = statSync(p); return `${relative(s.dir, p).replaceAll(`-${tag}`, '-<tag>')} uid=${st.uid} mode=${(st.mode & 0o7777).toString(8)}`; });
      const downloaded = readFileSync(down);
      const qcowMagic = readFileSync(join(pool, 'b.qcow2')).subarray(0, 4).toString('latin1');
      await step('vol-delete', 'b.qcow2', '--pool', 'p1');
      await step('vol-delete', 'a.raw', '--pool', 'p1');
      await step('pool-destroy', 'p1');
      await step('pool-undefine', 'p1');
      const left = existsSync(join(s.home, '.config/libvirt/storage/p1.xml'));
      return { out, owners, downloaded, qcowMagic, left };
    };
    // Tags of the same length: vol-list's table is as wide as its longest path.
    const want = await seq(lv, client, 'own');
    const got = await seq(ts, client, 'own');
    const viaVirsh = await seq(ts, virsh, 'vsh');
    for (const r of [want, got, viaVirsh]) {
      assert.deepEqual(r.downloaded.subarray(0, data.length), data);
      assert.equal(r.downloaded.length, 1 << 20);
      assert.equal(r.qcowMagic, 'QFI\xfb');
      assert.equal(r.left, false);
      for (const o of r.owners) assert.match(o, new RegExp(` uid=${NOBODY} `));
    }
    t.diagnostic(`stock: ${want.owners.join(', ')}`);
    assert.deepEqual(got.owners, want.owners);
    assert.deepEqual(got.out, want.out);
    assert.deepEqual(viaVirsh.owners, want.owners);
    assert.deepEqual(viaVirsh.out, want.out);
  });

  it('a second daemon of the user cannot take the running one\'s driver state (driver.pid), as libvirtd cannot', { timeout: 120_000 }, async (t) => {
    if (!oracles(t)) return;
    const { lv, ts } = ready();
    const logs: Record<string, string> = {};
    for (const s of [lv, ts]) {
      // The session daemon runs (the one the client spawns, if the tests above left none).
      const u = await client(s, 'uri');
      assert.equal(u.status, 0, show(u));
      const conf = join(s.dir, 'second.conf');
      const log = join(s.home, 'second.log');
      writeFileSync(conf, `unix_sock_dir = "${join(s.home, 'second')}"\nlog_outputs = "3:file:${log}"\n`);
      chmodSync(conf, 0o644);
      // libvirtd does not make unix_sock_dir (it fails to bind: "No such file or directory").
      mkdirSync(join(s.home, 'second'), { recursive: true, mode: 0o700 });
      chownSync(join(s.home, 'second'), NOBODY, NOBODY);
      const argv = isStock(s.label) ? ['libvirtd'] : [process.execPath, ...DAEMON_NODE_FLAGS, TSVIRTD];
      // libvirtd exits at the failed driver; tsvirtd serves the others until --timeout.
      const r = await asUser(s, [...argv, '-f', conf, '-p', join(s.home, 'second.pid'), '--timeout=2'], 60_000);
      logs[s.label] = readFileSync(log, 'utf8');
      t.diagnostic(`${s.label}: status ${r.status}, ${logs[s.label]!.split('\n').filter((l) => / error : /.test(l)).join(' | ')}`);
    }
    // Each names the first driver it could not lock (stock: its network driver, which tsvirtd has not).
    for (const [l, s] of [['lv', lv], ['ts', ts]] as const) {
      assert.match(logs[l]!, new RegExp(` error : .*Failed to acquire pid file '${s.runtime}/libvirt/[a-z]+/[a-z]+/driver\\.pid': Resource temporarily unavailable\n`));
    }
    assert.match(logs.ts!, / error : Initialization of QEMU state driver failed: Failed to acquire pid file '[^']*\/libvirt\/qemu\/run\/driver\.pid': Resource temporarily unavailable\n/);
    assert.match(logs.lv!, / error : virStateInitialize:\d+ : Initialization of \w+ state driver failed: Failed to acquire pid file /);
  });

  describe('idle timeout (daemons started by hand as the user with --timeout=3)', () => {
    const TIMEOUT_S = 3;
    const launch = (s: Session): { child: ChildProcess; exited: Promise<number>; startedAt: number } => {
      const argv = s.label === 'lv'
        ? ['libvirtd', `--timeout=${TIMEOUT_S}`]
        : [process.execPath, ...DAEMON_NODE_FLAGS, TSVIRTD, `--timeout=${TIMEOUT_S}`];
      const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', '-i', ...s.env, ...argv],
        { stdio: 'ignore', cwd: s.dir });
      trackChild(child);
      const exited = new Promise<number>((r) => child.once('exit', () => r(Date.now())));
      return { child, exited, startedAt: Date.now() };
    };
    const waitSocket = async (s: Session, child: ChildProcess) => {
      // Polls the file, not the socket: a connection would be a client.
      const sock = join(s.runtime, 'libvirt', 'libvirt-sock');
      const deadline = Date.now() + 60_000;
      while (!existsSync(sock) || daemonPid(s) === undefined) {
        if (child.exitCode !== null) throw new Error(`${s.label}: the daemon exited before listening`);
        if (Date.now() > deadline) throw new Error(`${s.label}: no socket`);
        await sleep(20);
      }
    };

    it('without clients it exits about --timeout seconds after start-up, as libvirtd does', { timeout: 300_000 }, async (t) => {
      if (!oracles(t)) return;
      const { lv, ts } = ready();
      const took: Record<string, number> = {};
      for (const s of [lv, ts]) {
        await stopSessionProcesses(s);
        const d = launch(s);
        await waitSocket(s, d.child);
        took[s.label] = (await d.exited) - d.startedAt;
      }
      t.diagnostic(`exit after start-up: libvirtd ${took.lv} ms, tsvirtd ${took.ts} ms`);
      for (const l of ['lv', 'ts']) {
        assert.ok(took[l]! >= TIMEOUT_S * 1000, `${l} exited after ${took[l]} ms`);
        assert.ok(took[l]! < TIMEOUT_S * 1000 + 10_000, `${l} exited after ${took[l]} ms`);
      }
    });

    it('a running guest keeps it up past the timeout; it exits a timeout after the last client once the guest is gone', { timeout: 300_000 }, async (t) => {
      if (!oracles(t)) return;
      const { lv, ts } = ready();
      const seen: Record<string, { aliveWithGuest: boolean; exitAfterDestroy: number }> = {};
      // One guest at a time; stock virsh drives both daemons.
      for (const s of [lv, ts]) {
        await stopSessionProcesses(s);
        const d = launch(s);
        await waitSocket(s, d.child);
        const c = await virsh(s, 'create', s.xml);
        assert.equal(c.status, 0, `${s.label}: ${show(c)}`);
        const qemu = readPid(join(s.runtime, 'libvirt', 'qemu', 'run', `${NAME}.pid`));
        // Three timeouts with a guest and no client.
        await sleep(3 * TIMEOUT_S * 1000 + 500);
        const aliveWithGuest = d.child.exitCode === null && d.child.signalCode === null;
        if (!aliveWithGuest) {
          if (qemu !== undefined && alive(qemu)) process.kill(qemu, 'SIGKILL');
          seen[s.label] = { aliveWithGuest, exitAfterDestroy: -1 };
          continue;
        }
        const r = await virsh(s, 'destroy', NAME);
        assert.equal(r.status, 0, `${s.label}: ${show(r)}`);
        const destroyedAt = Date.now();
        const timer = setTimeout(() => d.child.kill('SIGKILL'), 30_000);
        const end = await d.exited;
        clearTimeout(timer);
        seen[s.label] = { aliveWithGuest, exitAfterDestroy: end - destroyedAt };
      }
      t.diagnostic(JSON.stringify(seen));
      for (const l of ['lv', 'ts']) {
        assert.equal(seen[l]!.aliveWithGuest, true, `${l} exited under its guest`);
        assert.ok(seen[l]!.exitAfterDestroy >= TIMEOUT_S * 1000 - 500 && seen[l]!.exitAfterDestroy < TIMEOUT_S * 1000 + 5000,
          `${l} exited ${seen[l]!.exitAfterDestroy} ms after the destroy`);
      }
    });
  });
});
