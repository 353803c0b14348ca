/**
 * Consoles and channels of a real guest (the test guest under a private
 * stock libvirtd with its QEMU driver, qemu-harness.ts), judged by stock
 * virsh and libvirt-python:
 *
 * - `tsvirsh console` on a pty: the banner, typing a command and reading
 *   its output, leaving with ^] (or the `-e` escape), the busy-console
 *   error, `--force` taking a session over (and being taken over), the
 *   domain going away under the console — each compared with what `virsh
 *   console` prints in the same situation;
 * - the library: `dom.openConsole` through a Duplex (type, read), and
 *   `dom.openChannel` on the guest's echo port, compared with
 *   libvirt-python's openChannel.
 *
 * virsh prints a polkit notice first on a terminal (qemu-harness.ts
 * POLKIT_NOTICE); tsvirsh does not, so it is taken out of virsh's output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { open, type Connection, type Domain } from '../../src/api/index.js';
import { ROOT } from './harness.js';
import {
  ECHO_CHANNEL, ensureTestGuest, GUEST_PROMPT, guestXml, openChannel, openConsole, POLKIT_NOTICE, startQemuLibvirtd,
  stripTerminal, StreamSession, waitDomainState, type QemuLibvirtd, type TestGuest,
} from './qemu-harness.js';
import { canUnsharePid, hasLibvirtd, hasPythonLibvirt, hasQemu, hasVirsh, isCI, requireOracles } from './oracle.js';

const NAME = 'tsvirt-console-1';
const TSVIRSH = join(ROOT, 'bin/tsvirsh.cjs');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `tsvirsh [pre…] -c URI console NAME [args…]` on a pty, as the harness runs virsh. */
async function tsvirshConsole(uri: string, name: string, args: string[] = [], pre: string[] = []): Promise<StreamSession> {
  const argv = [process.execPath, TSVIRSH, ...pre, '-c', uri, 'console', name, ...args];
  const s = new StreamSession('virsh', 'script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null']);
  await s.waitFor('Escape character is ', { timeoutMs: 60_000 });
  await Promise.race([s.exited, sleep(1000)]);
  return s;
}

/**
 * Waits (with the library's console) until the guest's shell answers a CR
 * with its prompt: under TCG on a busy host the boot takes from seconds to
 * minutes, and the tests below should not each pay for it.
 */
async function bootedPrompt(conn: Connection, dom: Domain, timeoutMs = 600_000): Promise<void> {
  const st = conn.newStream(0);
  await dom.openConsole(null, st, 0);
  let out = '';
  const reader = (async () => { for await (const c of st) out += Buffer.from(c).toString('latin1'); })();
  try {
    for (const t0 = Date.now(); !out.includes(GUEST_PROMPT); await sleep(2000)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`the guest gave no prompt in ${timeoutMs} ms: ${JSON.stringify(out.slice(-300))}`);
      await st.send(Buffer.from('\r'));
    }
  } finally {
    await st.finish().catch(() => undefined);
    await reader.catch(() => undefined);
    st.free();
  }
}

/** Runs `f` with the sessions it opens killed afterwards, whatever happens (a console left open would fail the next test). */
async function withSessions(f: (keep: (s: StreamSession) => StreamSession) => Promise<void>): Promise<void> {
  const open: StreamSession[] = [];
  try {
    await f((s) => { open.push(s); return s; });
  } finally {
    for (const s of open) if (s.isRunning) await s.kill();
  }
}

/** Waits for the prompt that follows the last command `run` typed, so that what comes after it is the session's end. */
async function promptAfterRun(s: StreamSession): Promise<void> {
  await s.waitFor(GUEST_PROMPT, { from: s.output.lastIndexOf('@@'), timeoutMs: 30_000 });
}

/** What a terminal session printed, without virsh's polkit notice. */
function screen(s: StreamSession): string {
  return s.output.split(POLKIT_NOTICE).join('');
}

/** The session's output after its last guest prompt (what it printed on the way out). */
function ending(s: StreamSession): string {
  const out = screen(s);
  return stripTerminal(out.slice(out.lastIndexOf(GUEST_PROMPT) + GUEST_PROMPT.length));
}

describe('consoles and channels of a real guest: tsvirsh and the library vs virsh and python', { timeout: 1_800_000 }, () => {
  let guest: TestGuest | undefined;
  let guestError: unknown;
  let lv: QemuLibvirtd | undefined;
  let conn: Connection | undefined;
  let dom: Domain | undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-console-test-'));

  before(async () => {
    if (!(hasVirsh() && hasLibvirtd() && hasPythonLibvirt() && canUnsharePid() && hasQemu())) return;
    [guest, lv] = await Promise.all([
      ensureTestGuest().catch((e: unknown) => { guestError = e; return undefined; }),
      startQemuLibvirtd(),
    ]);
    if (!guest) return;
    writeFileSync(join(tmp, 'g.xml'), guestXml(NAME, { guest }));
    for (const args of [['define', join(tmp, 'g.xml')], ['start', NAME]]) {
      const r = await lv.virsh(...args);
      assert.equal(r.status, 0, r.stderr);
    }
    conn = await open(lv.uri);
    dom = await conn.domainLookupByName(NAME);
    await bootedPrompt(conn, dom);
  });

  after(async () => {
    dom?.free();
    await conn?.close();
    await lv?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  function need(t: TestContext): QemuLibvirtd | undefined {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'python', 'pidns', 'qemu')) return undefined;
    if (guestError !== undefined) {
      if (isCI()) throw guestError;
      t.skip(`the test guest could not be built (${String((guestError as Error).message).split('\n')[0]}); skipped`);
      return undefined;
    }
    return lv;
  }

  it('tsvirsh console: the banner, a command typed and its output, ^] — as virsh console', async (t) => {
    const d = need(t);
    if (!d) return;
    await withSessions(async (keep) => {
      const ts = keep(await tsvirshConsole(d.uri, NAME));
      assert.equal(screen(ts), `Connected to domain '${NAME}'\r\nEscape character is ^] (Ctrl + ])\r\n`);
      await ts.waitPrompt({ timeoutMs: 120_000 });
      const mine = await ts.run('echo hello-$((6*7))');
      await promptAfterRun(ts);
      const tsEnd = await ts.close();
      const v = keep(await openConsole(d.uri, NAME));
      await v.waitPrompt({ timeoutMs: 120_000 });
      const theirs = await v.run('echo hello-$((6*7))');
      await promptAfterRun(v);
      const vEnd = await v.close();
      assert.deepEqual(mine, theirs);
      assert.deepEqual(mine, { output: 'hello-42\n', status: 0 });
      assert.deepEqual(tsEnd, vEnd);
      assert.equal(tsEnd.status, 0);
      assert.equal(ending(ts), ending(v));
    });
  });

  it('-e ^a: the escape line and the escape key, as virsh', async (t) => {
    const d = need(t);
    if (!d) return;
    await withSessions(async (keep) => {
      const ts = keep(await tsvirshConsole(d.uri, NAME, [], ['-e', '^a']));
      assert.equal(screen(ts), `Connected to domain '${NAME}'\r\nEscape character is ^a (Ctrl + a)\r\n`);
      await ts.waitPrompt({ timeoutMs: 120_000 });
      ts.write('\x1d'); // ^] is now just a byte for the guest
      await sleep(500);
      assert.ok(ts.isRunning);
      ts.write('\x01');
      const end = await Promise.race([ts.exited, sleep(20_000).then(() => null)]);
      assert.deepEqual(end, { status: 0, signal: null });
    });
  });

  it('a busy console: tsvirsh prints virsh\'s error; --force takes a session over either way', async (t) => {
    const d = need(t);
    if (!d) return;
    await withSessions(async (keep) => {
      // virsh holds the console: tsvirsh and virsh are both refused the same way.
      const holder = keep(await openConsole(d.uri, NAME));
      await holder.waitPrompt({ timeoutMs: 120_000 });
      const ts = keep(await tsvirshConsole(d.uri, NAME));
      const tsBusy = await ts.exited;
      const v = keep(new StreamSession('virsh', 'script', ['-qfec', ['virsh', '-c', d.uri, 'console', NAME].map(shellQuote).join(' '), '/dev/null']));
      const vBusy = await v.exited;
      assert.deepEqual(tsBusy, vBusy);
      assert.equal(tsBusy.status, 1);
      assert.equal(screen(ts), screen(v));
      assert.match(screen(ts), /error: operation failed: Active console session exists for this domain\r\n/);

      // tsvirsh --force takes it from virsh: virsh's session ends as libvirt ends it.
      const taker = keep(await tsvirshConsole(d.uri, NAME, ['--force']));
      const holderEnd = await holder.exited;
      await taker.waitPrompt({ timeoutMs: 120_000 });
      assert.deepEqual((await taker.run('echo forced-$((1+1))')).output, 'forced-2\n');
      // …and virsh --force takes it back: tsvirsh's session must end the same way.
      const back = keep(await openConsole(d.uri, NAME, { force: true }));
      const takerEnd = await taker.exited;
      assert.deepEqual(takerEnd, holderEnd);
      assert.equal(ending(taker), ending(holder));
      assert.match(ending(taker), /error: /);
      await back.close();
    });
  });

  it('the library: openConsole through a Duplex, both directions', async (t) => {
    const d = need(t);
    if (!d || !conn || !dom) return;
    const st = conn.newStream(0);
    await dom.openConsole(null, st, 0);
    try {
      const duplex = st.toDuplex();
      let out = '';
      duplex.on('data', (b: Buffer) => { out += b.toString('utf8'); });
      const waitOut = async (re: RegExp, ms = 120_000): Promise<void> => {
        for (const t0 = Date.now(); !re.test(stripTerminal(out)); await sleep(50)) {
          if (Date.now() - t0 > ms) assert.fail(`no ${re} in ${JSON.stringify(out.slice(-500))}`);
        }
      };
      for (let i = 0; i < 60 && !out.includes(GUEST_PROMPT); i++) {
        duplex.write('\r');
        await sleep(1000);
      }
      duplex.write('echo lib-$((2*21))\r');
      await waitOut(/\nlib-42\n/);
      await new Promise<void>((r) => duplex.end(r));
      assert.equal(st.isFinished, true);
    } finally {
      st.free(); // aborts it if a failure left it open
    }
  });

  it('the library: openChannel on the guest\'s echo port, as libvirt-python\'s', async (t) => {
    const d = need(t);
    if (!d || !conn || !dom) return;
    const st = conn.newStream(0);
    await dom.openChannel(ECHO_CHANNEL, st, 0);
    const msg = Buffer.from('ping-123\n');
    await st.send(msg);
    let got = Buffer.alloc(0);
    while (got.length < msg.length) {
      const c = await st.recv(1024);
      assert.ok(c instanceof Uint8Array && c.length > 0, 'the channel ended early');
      got = Buffer.concat([got, c]);
    }
    await st.finish();
    st.free();
    const py = await openChannel(d.uri, NAME, ECHO_CHANNEL);
    py.write('ping-123\n');
    await py.waitFor('ping-123\n', { timeoutMs: 30_000 });
    await py.close();
    assert.deepEqual(got.toString(), py.output.slice(0, msg.length));
    // The channel is exclusive, as libvirt's: a second opener is refused with libvirt's error.
    const a = conn.newStream(0);
    await dom.openChannel(ECHO_CHANNEL, a, 0);
    const b = conn.newStream(0);
    await assert.rejects(dom.openChannel(ECHO_CHANNEL, b, 0), /operation failed: Active channel stream exists for this domain/);
    await a.abort();
    a.free();
    b.free();
  });

  it('the domain goes away under the console: tsvirsh ends as virsh does', async (t) => {
    const d = need(t);
    if (!d) return;
    await withSessions(async (keep) => {
      const ts = keep(await tsvirshConsole(d.uri, NAME));
      await ts.waitPrompt({ timeoutMs: 120_000 });
      assert.equal((await d.virsh('destroy', NAME)).status, 0);
      const tsEnd = await ts.exited;
      // virsh in the same situation (a second start, a second destroy).
      assert.equal((await d.virsh('start', NAME)).status, 0);
      await waitDomainState(d, NAME, 'running (booted)');
      await bootedPrompt(conn!, dom!);
      const v = keep(await openConsole(d.uri, NAME));
      await v.waitPrompt({ timeoutMs: 180_000 });
      assert.equal((await d.virsh('destroy', NAME)).status, 0);
      const vEnd = await v.exited;
      assert.deepEqual(tsEnd, vEnd);
      assert.equal(ending(ts), ending(v));
    });
  });
});
