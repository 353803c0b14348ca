/**
 * tsvirt-saslpasswd and tsvirt-sasldblistusers against Cyrus's saslpasswd2
 * and sasldblistusers2: the same operations on a tsvirt file and on a
 * sasldb give the same exits, error texts and users with the same
 * passwords; users added with tsvirt-saslpasswd authenticate.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PlainClient, PlainServer } from '../../src/auth/sasl/plain.js';
import { ScramClient, ScramServer } from '../../src/auth/sasl/scram.js';
import { readUserDb } from '../../src/auth/sasl/userdb.js';
import { requireOracles } from './oracle.js';
import { addCyrusUser, runTool, SASLDBLISTUSERS2, SASLPASSWD2 } from './sasldb-tools.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TS_PASSWD = join(ROOT, 'bin/tsvirt-saslpasswd.cjs');
const TS_LIST = join(ROOT, 'bin/tsvirt-sasldblistusers.cjs');

interface Op { args: string[]; input?: string; env?: Record<string, string> }

/** One saslpasswd run: its status and stderr with the program's name made neutral. */
function passwd(cmd: string, file: string | null, op: Op): { status: number | null; stderr: string } {
  const args = file === null ? op.args : ['-f', file, ...op.args];
  const r = runTool(cmd, args, op.input ?? '', { ...process.env, ...op.env });
  return { status: r.status, stderr: r.stderr.replaceAll(/\b(?:tsvirt-saslpasswd|saslpasswd2)\b/g, 'PROG') };
}

const sortedLines = (s: string): string[] => s.split('\n').filter((l) => l !== '').sort();

describe('tsvirt-saslpasswd matches saslpasswd2', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-saslpasswd-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Operations whose outcome both programs share: status, stderr, the users left.
  const OPS: Op[] = [
    { args: ['-p', '-c', 'bob'], input: 'pw-bob' },
    { args: ['-p', '-c', '-u', 'realm.one', 'alice'], input: 'pw-alice\n' },
    { args: ['-c', 'piped-without-p'], input: 'pw-piped\n\n' },
    { args: ['-p', '-u', 'R', '-c', 'x@y'], input: 'pw-xy' },
    { args: ['-p', '-c', 'a@b@c'], input: 'pw-abc' },
    { args: ['-p', '-u', '', '-c', 'emptyrealm'], input: 'pw-empty-realm' },
    { args: ['-p', 'no-create-flag'], input: 'pw-nc' },
    { args: ['-p', '-c', 'bob'], input: 'pw-bob-changed' },
    { args: ['-p', '-c', 'long'], input: 'L'.repeat(3000) },
    { args: ['-p', '-c', 'carol', '-u', 'realm.two'], input: 'pw-carol' },
    { args: ['-d', 'carol', '-u', 'realm.two'] },
    { args: ['-d', 'nobody'] },
    { args: ['-p', '-c', 'emptypw'], input: '' },
    { args: ['-p', '-c', 'newline-only'], input: '\n' },
    { args: ['-p', '-a', 'a/b', '-c', 'slash'], input: 'x' },
  ];

  it('gives the same status and stderr, and leaves the same users with the same passwords', async (t) => {
    if (!requireOracles(t, 'sasldb')) return;
    const cyrus = join(dir, 'cyrus.db');
    const ours = join(dir, 'ours.db');
    for (const op of OPS) {
      const want = passwd(SASLPASSWD2, cyrus, op);
      const got = passwd(TS_PASSWD, ours, op);
      assert.deepEqual(got, want, op.args.join(' '));
    }
    const list = runTool(SASLDBLISTUSERS2, ['-f', cyrus]);
    const mine = runTool(TS_LIST, ['-f', ours]);
    assert.equal(mine.status, 0, mine.stderr);
    assert.deepEqual(sortedLines(mine.stdout), sortedLines(list.stdout));
    const [c, o] = [await readUserDb(cyrus), await readUserDb(ours)];
    assert.equal(c.format, 'cyrus');
    assert.equal(o.format, 'tsvirt');
    const byKey = (db: typeof c) => new Map(db.entries().map((e) => [`${e.user}\0${e.realm}`, e.password]));
    assert.deepEqual(byKey(o), byKey(c));
    assert.equal(o.lookup('long', hostname())?.length, 2048, 'both read at most 2048 bytes of password');
  });

  it('usage errors: the same status and first line', (t) => {
    if (!requireOracles(t, 'sasldb')) return;
    for (const args of [[], ['-c', '-d', 'u'], ['-x', 'u'], ['-f'], ['u', 'v'], ['-h']]) {
      const want = runTool(SASLPASSWD2, args);
      const got = runTool(TS_PASSWD, args);
      assert.equal(got.status, want.status, args.join(' '));
      // saslpasswd2's usage starts with CMU's acknowledgement, which tsvirt's (not CMU code) leaves
      // out, and tsvirt has no -n (no mechanism-specific secrets to keep instead of userPassword).
      const firstOf = (s: string, prog: string): string =>
        s.replaceAll(prog, 'PROG').replace(' [-n]]', ']').split('\n').find((l) => l.startsWith('PROG')) ?? '';
      assert.equal(firstOf(got.stderr, 'tsvirt-saslpasswd'), firstOf(want.stderr, 'saslpasswd2'), args.join(' '));
    }
    assert.equal(runTool(TS_PASSWD, ['-v']).status, runTool(SASLPASSWD2, ['-v']).status);
  });

  it('-a APP takes sasldb_path from APP.conf in SASL_CONF_PATH, as saslpasswd2', async (t) => {
    if (!requireOracles(t, 'sasldb')) return;
    const files: string[] = [];
    for (const [cmd, name] of [[SASLPASSWD2, 'cyrus'], [TS_PASSWD, 'ours']] as const) {
      const conf = join(dir, `conf-${name}`);
      mkdirSync(conf, { recursive: true });
      const db = join(dir, `via-conf-${name}.db`);
      writeFileSync(join(conf, 'myapp.conf'), `# a comment\nmech_list: scram-sha-256\nsasldb_path: ${db}\n`);
      const r = passwd(cmd, null, { args: ['-p', '-a', 'myapp', '-c', 'confuser'], input: 'pw', env: { SASL_CONF_PATH: `${join(dir, 'none')}:${conf}` } });
      assert.deepEqual(r, { status: 0, stderr: '' }, name);
      files.push(db);
    }
    const [c, o] = await Promise.all(files.map((f) => readUserDb(f)));
    assert.equal(c!.lookup('confuser', hostname()), 'pw');
    assert.equal(o!.lookup('confuser', hostname()), 'pw');
  });

  it('lists a Cyrus sasldb exactly as sasldblistusers2, and refuses to write it', (t) => {
    if (!requireOracles(t, 'sasldb')) return;
    const cyrus = join(dir, 'list.db');
    for (const [u, r] of [['u1', undefined], ['u2', 'realm.x'], ['u3', 'realm.y']] as const) addCyrusUser(cyrus, u, `pw-${u}`, r);
    for (const args of [['-f', cyrus], [cyrus]]) {
      const want = runTool(SASLDBLISTUSERS2, args);
      const got = runTool(TS_LIST, args);
      assert.deepEqual([got.status, got.stdout, got.stderr], [want.status, want.stdout, want.stderr], args.join(' '));
    }
    const before = readFileSync(cyrus);
    const r = runTool(TS_PASSWD, ['-p', '-f', cyrus, '-c', 'intruder'], 'pw');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `tsvirt-saslpasswd: generic failure: ${cyrus} is a Cyrus sasldb, which tsvirt reads but does not write: use saslpasswd2\n`);
    assert.deepEqual(readFileSync(cyrus), before);
  });
});

describe('users added with tsvirt-saslpasswd authenticate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-saslpasswd-auth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('with SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN, and only with the right password', async () => {
    const db = join(dir, 'users.db');
    for (const [user, pw] of [['fred', 'fred pass'], ['ann', 'ännß'], ['gone', 'x']] as const) {
      const r = runTool(TS_PASSWD, ['-p', '-f', db, '-u', 'tsvirt.test', '-c', user], pw);
      assert.deepEqual([r.status, r.stderr], [0, ''], user);
    }
    assert.equal(runTool(TS_PASSWD, ['-d', '-f', db, '-u', 'tsvirt.test', 'gone']).status, 0);
    const { lookup } = await readUserDb(db);
    const scram = (hash: 'sha1' | 'sha256', user: string, pw: string): boolean => {
      const c = new ScramClient(hash, user, pw);
      const s = new ScramServer(hash, lookup, 'tsvirt.test');
      try {
        c.step(s.step(c.step(s.start(c.start()))));
        return s.isComplete && c.isComplete && s.username === user;
      } catch {
        return false;
      }
    };
    const plain = (user: string, pw: string): boolean => {
      try {
        const s = new PlainServer(lookup, 'tsvirt.test');
        s.start(new PlainClient(user, pw).start());
        return s.isComplete;
      } catch {
        return false;
      }
    };
    for (const hash of ['sha1', 'sha256'] as const) {
      assert.equal(scram(hash, 'fred', 'fred pass'), true, hash);
      assert.equal(scram(hash, 'ann', 'ännß'), true, hash);
      assert.equal(scram(hash, 'fred', 'wrong'), false, hash);
      assert.equal(scram(hash, 'gone', 'x'), false, hash);
    }
    assert.equal(plain('fred', 'fred pass'), true);
    assert.equal(plain('fred', 'fred pas'), false);
    assert.equal(plain('gone', 'x'), false);
  });
});

/**
 * Run `cmd args` on a terminal (script(1) makes the pty), typing each line
 * of `lines` once the transcript shows the next prompt: the transcript and
 * the status. The pause after a prompt lets the program turn echo off first
 * (saslpasswd2 prints the prompt, then calls tcsetattr with TCSAFLUSH).
 */
async function onTerminal(cmd: string, args: string[], lines: string[], prompts: string[]): Promise<{ transcript: string; status: number | null }> {
  const { spawn } = await import('node:child_process');
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let transcript = '';
  let next = 0;
  let seen = 0;
  child.stdout.on('data', (d: Buffer) => {
    transcript += d.toString('utf8');
    while (next < lines.length && prompts[next]) {
      const at = transcript.indexOf(prompts[next]!, seen);
      if (at < 0) break;
      seen = at + prompts[next]!.length;
      const line = lines[next++]!;
      setTimeout(() => child.stdin.write(line), 300);
    }
  });
  // No prompt to wait for (-p): type once the program has had time to start.
  if (prompts[0] === '') setTimeout(() => child.stdin.write(lines[next++]!), 1500);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { transcript, status };
}

describe('tsvirt-saslpasswd on a terminal prompts as saslpasswd2', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-spw-tty-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const PROMPTS = ['Password: ', 'Again (for verification): '];

  for (const [name, lines] of [['matching', ['s3cret\n', 's3cret\n']], ['different', ['s3cret\n', 'other\n']]] as const) {
    it(`${name} passwords: the same transcript and status`, async (t) => {
      if (!requireOracles(t, 'sasldb')) return;
      const want = await onTerminal(SASLPASSWD2, ['-f', join(dir, `${name}-cyrus.db`), '-c', 'ttyuser'], [...lines], PROMPTS);
      const got = await onTerminal(TS_PASSWD, ['-f', join(dir, `${name}-ours.db`), '-c', 'ttyuser'], [...lines], PROMPTS);
      const neutral = (s: string): string => s.replaceAll(/\b(?:tsvirt-saslpasswd|saslpasswd2)\b/g, 'PROG');
      assert.deepEqual({ ...got, transcript: neutral(got.transcript) }, { ...want, transcript: neutral(want.transcript) });
      if (name === 'matching') {
        assert.equal((await readUserDb(join(dir, `${name}-ours.db`))).lookup('ttyuser', hostname()), 's3cret');
        assert.equal((await readUserDb(join(dir, `${name}-cyrus.db`))).lookup('ttyuser', hostname()), 's3cret');
      }
    });
  }

  it('-p on a terminal: no prompt, one line read with echo on', async (t) => {
    if (!requireOracles(t, 'sasldb')) return;
    const run = (cmd: string, db: string) => onTerminal(cmd, ['-p', '-f', join(dir, db), '-c', 'pipeuser'], ['typed\n'], ['']);
    const [want, got] = [await run(SASLPASSWD2, 'p-cyrus.db'), await run(TS_PASSWD, 'p-ours.db')];
    assert.deepEqual(got, want);
    assert.match(got.transcript, /typed/, 'echo stays on');
    assert.equal((await readUserDb(join(dir, 'p-ours.db'))).lookup('pipeuser', hostname()), 'typed');
  });
});
