/**
 * Proves the QEMU harness (qemu-harness.ts) with stock tools only: the test
 * guest builds, a private stock libvirtd runs it under TCG, stock virsh and
 * libvirt-python reach its console and a virtio-serial channel, `virsh
 * shutdown` powers it off through ACPI, and a dir pool moves a sparse file
 * both ways. One guest boot serves all the guest tests.
 *
 * Outside CI a missing oracle (virsh, libvirtd, python3-libvirt, QEMU, root
 * with namespaces) or a guest that cannot be built (no package mirror)
 * skips with a message; under CI=true both fail.
 */
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  createDirPool, ECHO_CHANNEL, ensureTestGuest, guestXml, openChannel, openConsole, POLKIT_NOTICE,
  startQemuLibvirtd, waitDomainState, type QemuLibvirtd, type TestGuest,
} from './qemu-harness.js';
import { canUnsharePid, hasLibvirtd, hasPythonLibvirt, hasQemu, hasVirsh, isCI, requireOracles } from './oracle.js';
import type { RunResult } from './harness.js';

const NAME = 'tsvirt-guest-1';

function show(r: RunResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

describe('qemu harness: the test guest under a private stock libvirtd', { timeout: 600_000 }, () => {
  let guest: TestGuest | undefined;
  let guestError: unknown;
  let lv: QemuLibvirtd | undefined;
  let lvError: unknown;
  let startedAt = 0;
  const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-guest-test-'));

  before(async () => {
    if (!(hasVirsh() && hasLibvirtd() && hasPythonLibvirt() && canUnsharePid() && hasQemu())) return;
    await Promise.all([
      ensureTestGuest().then((g) => { guest = g; }, (e: unknown) => { guestError = e; }),
      startQemuLibvirtd().then((d) => { lv = d; }, (e: unknown) => { lvError = e; }),
    ]);
  });
  after(async () => {
    await lv?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** The oracles, then the daemon; the guest too when `withGuest`. Undefined: skipped. */
  function need(t: TestContext, withGuest: boolean): { lv: QemuLibvirtd; guest: TestGuest | undefined } | undefined {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'python', 'pidns', 'qemu')) return undefined;
    if (withGuest && guestError !== undefined) {
      // A build needs the Debian mirror: outside CI its absence is a skip.
      if (isCI()) throw guestError;
      t.skip(`the test guest could not be built (${String((guestError as Error).message).split('\n')[0]}); skipped`);
      return undefined;
    }
    if (lvError !== undefined) throw lvError;
    assert.ok(lv, 'libvirtd was not started');
    if (withGuest) assert.ok(guest, 'no guest');
    return { lv, guest };
  }

  it('defines and starts the guest, whose prompt answers through stock virsh console', async (t) => {
    const env = need(t, true);
    if (!env) return;
    const xml = join(tmp, `${NAME}.xml`);
    writeFileSync(xml, guestXml(NAME, { guest: env.guest }));
    const def = await env.lv.virsh('define', xml);
    assert.equal(def.status, 0, show(def));
    assert.equal(def.stdout, `Domain '${NAME}' defined from ${xml}\n\n`);
    startedAt = Date.now();
    const start = await env.lv.virsh('start', NAME);
    assert.equal(start.status, 0, `${show(start)}\n--- domain log\n${env.lv.domainLog(NAME)}`);
    const startMs = Date.now() - startedAt;

    const con = await openConsole(env.lv.uri, NAME);
    try {
      // What virsh prints on a terminal before the guest's bytes.
      const banner = `Connected to domain '${NAME}'\r\nEscape character is ^] (Ctrl + ])\r\n`;
      assert.ok([banner, POLKIT_NOTICE + banner].some((b) => con.output.startsWith(b)), JSON.stringify(con.output));
      await con.waitPrompt({ timeoutMs: 120_000 });
      t.diagnostic(`virsh start ${startMs} ms, start to prompt ${Date.now() - startedAt} ms`);
      const n = randomInt(1_000_000, 9_999_999);
      assert.deepEqual(await con.run(`echo hi-${n}`), { output: `hi-${n}\n`, status: 0 });
      assert.deepEqual(await con.run('hostname'), { output: 'tsvirt-guest\n', status: 0 });
      assert.deepEqual(await con.run('false'), { output: '', status: 1 });
    } finally {
      const end = await con.close();
      assert.deepEqual(end, { status: 0, signal: null }, con.output);
    }
  });

  it('libvirt-python openConsole drives the same console', async (t) => {
    const env = need(t, true);
    if (!env) return;
    const con = await openConsole(env.lv.uri, NAME, { via: 'python' });
    try {
      await con.waitPrompt({ timeoutMs: 30_000 });
      assert.deepEqual(await con.run('uname -r'), { output: `${env.guest!.manifest['kernel_release']}\n`, status: 0 });
    } finally {
      assert.deepEqual(await con.close(), { status: 0, signal: null }, con.stderr);
    }
  });

  it('a virtio-serial channel echoes through libvirt-python openChannel', async (t) => {
    const env = need(t, true);
    if (!env) return;
    const ch = await openChannel(env.lv.uri, NAME, ECHO_CHANNEL);
    try {
      const ping = `ping-${randomInt(1_000_000, 9_999_999)}\n`;
      ch.write(ping);
      await ch.waitFor(ping, { timeoutMs: 15_000 });
      assert.equal(ch.output, ping);
      const live = await env.lv.virsh('dumpxml', NAME);
      assert.match(live.stdout, new RegExp(`<target type='virtio' name='${ECHO_CHANNEL}' state='connected'/>`));
    } finally {
      assert.deepEqual(await ch.close(), { status: 0, signal: null }, ch.stderr);
    }
  });

  it('virsh shutdown powers the guest off through ACPI and ends an open console', async (t) => {
    const env = need(t, true);
    if (!env) return;
    const con = await openConsole(env.lv.uri, NAME);
    const r = await env.lv.virsh('shutdown', NAME);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, `Domain '${NAME}' is being shutdown\n\n`);
    const ms = await waitDomainState(env.lv, NAME, 'shut off (shutdown)', 60_000);
    t.diagnostic(`shutdown to shut off: ${ms} ms`);
    // The stream ends with the domain: virsh prints its final newline, exit 0.
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([con.exited, new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), 15_000); })]);
    clearTimeout(timer);
    if (end === 'timeout') await con.kill();
    assert.deepEqual(end, { status: 0, signal: null }, con.output);
    assert.match(con.output, /\r\n$/);
    assert.match(env.lv.domainLog(NAME), /shutting down, reason=shutdown/);
  });

  it('undefines the guest', async (t) => {
    const env = need(t, true);
    if (!env) return;
    const r = await env.lv.virsh('undefine', NAME);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, `Domain '${NAME}' has been undefined\n\n`);
    const l = await env.lv.virsh('list', '--all', '--name');
    assert.equal(l.stdout, '\n');
  });

  it('a dir pool takes and gives back a sparse file with vol-upload/vol-download --sparse', async (t) => {
    const env = need(t, false);
    if (!env) return;
    const pool = await createDirPool(env.lv, 'tsvirt-pool');
    try {
      // 8 MiB: data at 0 and at 4 MiB, holes elsewhere.
      const src = join(tmp, 'src.bin');
      const fd = openSync(src, 'w');
      ftruncateSync(fd, 8 << 20);
      writeSync(fd, Buffer.alloc(4096, 'A'), 0, 4096, 0);
      writeSync(fd, Buffer.alloc(8192, 'B'), 0, 8192, 4 << 20);
      closeSync(fd);
      const steps = [
        ['vol-create-as', pool.name, 'v.raw', '8M', '--format', 'raw', '--allocation', '0'],
        ['vol-upload', '--sparse', '--pool', pool.name, 'v.raw', src],
        ['vol-download', '--sparse', '--pool', pool.name, 'v.raw', join(tmp, 'dl.bin')],
      ];
      for (const s of steps) {
        const r = await env.lv.virsh(...s);
        assert.equal(r.status, 0, `virsh ${s.join(' ')}\n${show(r)}`);
      }
      const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
      assert.equal(sha(join(tmp, 'dl.bin')), sha(src));
      const dl = statSync(join(tmp, 'dl.bin'));
      const vol = statSync(join(pool.path, 'v.raw'));
      assert.equal(dl.size, 8 << 20);
      // Holes stay holes on both sides (12 KiB of data; allow filesystem slack).
      assert.ok(dl.blocks * 512 < 1 << 20, `download allocated ${dl.blocks * 512} bytes`);
      assert.ok(vol.blocks * 512 < 1 << 20, `volume allocated ${vol.blocks * 512} bytes`);
      const info = await env.lv.virsh('vol-info', '--pool', pool.name, 'v.raw');
      assert.match(info.stdout, /^Capacity: +8\.00 MiB$/m);
    } finally {
      await pool.remove();
    }
  });
});
