/**
 * Storage through a QEMU connection: stock virsh against tsvirtd's
 * qemu:///system (the QEMU driver's connection carrying the dir storage
 * driver) and against a private stock libvirtd's, the same sequence on
 * both — pool-define-as dir, pool-build, pool-start, vol-create-as raw
 * (sparse) and qcow2, vol-list, vol-info, a sparse vol-upload and
 * vol-download of a file with holes (same bytes both ways), vol-delete,
 * pool-destroy, pool-undefine, and the denials of a read-only connection —
 * with equal outputs after {@link normalise}, and the storage pool events
 * (lifecycle, refresh) that `virsh pool-event --loop` prints.
 *
 * Needs root, libvirtd and virsh: outside CI a missing oracle skips, under CI=true it fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, type RunResult } from './harness.js';
import { startQemuLibvirtd, type QemuLibvirtd } from './qemu-harness.js';
import { startQemuTsvirtd, type QemuTsvirtd } from './qemu-tsvirtd.js';
import { canUnsharePid, hasLibvirtd, hasQemu, hasVirsh, requireOracles } from './oracle.js';

const MiB = 1 << 20;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What may differ between the two daemons' answers, and why. */
function normalise(s: string, tmp: string): string {
  return s
    // Each daemon's pool is in its own dir.
    .replaceAll(tmp, '<tmp>').replace(/<tmp>\/(?:lv|td)\//g, '<tmp>/<d>/')
    // pool-define-as makes a random uuid.
    .replace(/^(UUID:\s+)[0-9a-f-]{36}$/gm, '$1<uuid>')
    // The host filesystem's numbers move while the two run.
    .replace(/^((?:Capacity|Allocation|Available):\s+)[\d.]+ \S+$/gm, '$1<n>')
    // A volume's file times are its own.
    .replace(/<([amcb]time)>[\d.]+<\/\1>/g, '<$1>T</$1>');
}

interface Side {
  readonly label: 'libvirtd' | 'tsvirtd';
  readonly uri: string;
  /** The read-only socket's URI. */
  readonly roUri: string;
  virsh(...args: string[]): Promise<RunResult>;
  readonly dir: string;
}

/** 8 MiB: 64 KiB of data at 0 and at 4 MiB, 1000 bytes at the end, holes between. */
function makeSparseFile(path: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, 0);
  writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, 4 * MiB);
  writeSync(fd, randomBytes(1000), 0, 1000, 8 * MiB - 1000);
  ftruncateSync(fd, 8 * MiB);
  closeSync(fd);
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('QEMU connection storage: stock virsh against tsvirtd and against libvirtd', { timeout: 300_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-storage-test-'));
  chmodSync(tmp, 0o711);
  let lv: QemuLibvirtd | undefined;
  let td: QemuTsvirtd | undefined;
  let setupError: unknown;

  before(async () => {
    if (!(hasVirsh() && hasLibvirtd() && canUnsharePid() && hasQemu())) return;
    await Promise.all([
      startQemuLibvirtd().then((d) => { lv = d; }, (e: unknown) => { setupError ??= e; }),
      startQemuTsvirtd().then((d) => { td = d; }, (e: unknown) => { setupError ??= e; }),
    ]);
  });
  after(async () => {
    await Promise.all([lv?.stop(), td?.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs the pool and volume sequence with equal outputs and events', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'pidns', 'qemu')) return;
    if (setupError !== undefined) throw setupError;
    assert.ok(lv && td);
    const sides: [Side, Side] = [
      { label: 'libvirtd', uri: lv.uri, roUri: `qemu:///system?socket=${lv.roSocket}`, virsh: lv.virsh, dir: join(tmp, 'lv') },
      { label: 'tsvirtd', uri: td.uri, roUri: `qemu:///system?socket=${td.roSocket}`, virsh: td.virsh, dir: join(tmp, 'td') },
    ];
    const src = join(tmp, 'sparse.src');
    makeSparseFile(src);

    /** Runs `virsh ARGS` on both sides at once; asserts equal outcomes; returns tsvirtd's. */
    const both = async (...args: string[]) => {
      const one = async (s: Side) => {
        const a = args.map((x) => x.replaceAll('@DIR@', s.dir));
        const r = a[0] === '-r' ? await run('virsh', ['-c', s.roUri, '-r', ...a.slice(1)]) : await s.virsh(...a);
        return { status: r.status, stdout: normalise(r.stdout, tmp), stderr: normalise(r.stderr, tmp) };
      };
      const [a, b] = await Promise.all(sides.map(one));
      assert.deepEqual(b, a, `virsh ${args.join(' ')}: tsvirtd (actual) vs libvirtd (expected)`);
      return b!;
    };

    // pool-event takes one event type: a listener for each.
    const events = sides.map((s) => {
      mkdirSync(s.dir, { mode: 0o711 });
      const out: string[] = [];
      const children = ['lifecycle', 'refresh'].map((type) => {
        const child = spawn('virsh', ['-c', s.uri, 'pool-event', '--event', type, '--loop'], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => out.push(`stderr: ${d}`));
        return child;
      });
      return { out, stop: () => { for (const c of children) c.kill('SIGTERM'); } };
    });
    try {
      await sleep(500);
      await both('pool-define-as', 'p', 'dir', '--target', '@DIR@/pool');
      await both('pool-build', 'p');
      await both('pool-start', 'p');
      await both('pool-list', '--all');
      await both('pool-info', 'p');
      // A read-only connection sees the pool and may change nothing.
      await both('-r', 'pool-info', 'p');
      await both('-r', 'vol-create-as', 'p', 'ro.raw', '1M');
      await both('-r', 'pool-destroy', 'p');
      await both('vol-create-as', 'p', 'a.raw', '8M', '--format', 'raw', '--allocation', '0');
      await both('vol-create-as', 'p', 'b.qcow2', '16M', '--format', 'qcow2');
      await both('vol-list', 'p');
      await both('vol-list', 'p', '--details');
      await both('vol-info', 'a.raw', '--pool', 'p');
      await both('vol-info', 'b.qcow2', '--pool', 'p');
      await both('vol-dumpxml', 'b.qcow2', '--pool', 'p').then((r) => assert.match(r.stdout, /<format type='qcow2'\/>/));

      await both('vol-upload', 'a.raw', src, '--pool', 'p', '--sparse');
      // The refresh after an upload runs in the background: wait for it with an explicit one.
      await both('pool-refresh', 'p');
      await both('vol-info', 'a.raw', '--pool', 'p');
      await both('vol-download', 'a.raw', '@DIR@/down', '--pool', 'p', '--sparse');
      const want = sha(src);
      const downs = sides.map((s) => {
        const st = statSync(join(s.dir, 'down'));
        return { size: st.size, sha: sha(join(s.dir, 'down')), sparse: st.blocks * 512 < st.size };
      });
      assert.deepEqual(downs[1], downs[0], 'downloaded file: tsvirtd vs libvirtd');
      assert.deepEqual(downs[1], { size: 8 * MiB, sha: want, sparse: true });
      // The uploaded volume itself has the source's bytes and holes.
      const vol = statSync(join(sides[1].dir, 'pool', 'a.raw'));
      assert.equal(sha(join(sides[1].dir, 'pool', 'a.raw')), want);
      assert.ok(vol.blocks * 512 < vol.size, `a.raw is not sparse: ${vol.blocks} blocks`);

      await both('vol-delete', 'a.raw', '--pool', 'p');
      await both('vol-delete', 'b.qcow2', '--pool', 'p');
      await both('vol-list', 'p');
      await both('pool-destroy', 'p');
      await both('pool-info', 'p');
      await both('pool-undefine', 'p');
      await both('pool-list', '--all');
      await both('pool-info', 'p');
      await sleep(500);
    } finally {
      for (const e of events) e.stop();
    }
    await sleep(300);
    const lines = (i: number) => events[i]!.out.join('').split('\n').filter((l) => l.startsWith('event ') || l.startsWith('stderr'));
    const lvEvents = lines(0);
    const tdEvents = lines(1);
    t.diagnostic(`tsvirtd pool events: ${tdEvents.join('; ')}`);
    assert.ok(tdEvents.some((l) => l.includes('Defined')) && tdEvents.some((l) => l.includes('Undefined')), tdEvents.join('\n'));
    // Each type comes from its own virsh: compare per type, in order.
    for (const type of ["'lifecycle'", "'refresh'", 'stderr']) {
      assert.deepEqual(tdEvents.filter((l) => l.includes(type)), lvEvents.filter((l) => l.includes(type)), type);
    }
    assert.ok(tdEvents.some((l) => l.includes("'refresh'")), tdEvents.join('\n'));
  });
});
