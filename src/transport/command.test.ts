import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { planRemote } from '../driver/remote/plan.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { parseURI } from '../uri/index.js';
import { commandEnv, findInPath } from './command.js';
import { connectTransport } from './index.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Waits for the stream to end or fail; resolves with the error, if any. */
function settle(stream: NodeJS.ReadableStream & NodeJS.EventEmitter): Promise<Error | null> {
  return new Promise((resolve) => {
    stream.on('error', (e: Error) => resolve(e));
    stream.on('end', () => resolve(null));
    stream.resume();
  });
}

describe('ext transport', () => {
  it('runs command= without a shell and pipes both ways; not secure', async (t) => {
    const dir = tempDir(t);
    // A space in the path: libvirt passes command= as argv[0], unsplit.
    const cat = script(dir, 'my helper', 'exec cat');
    const plan = planRemote(parseURI(`qemu+ext:///system?command=${encodeURIComponent(cat)}`),
      { flags: 0, env: {}, uid: 0 });
    const tr = await connectTransport(plan, { env: process.env });
    t.after(() => tr.close());
    assert.equal(tr.kind, 'ext');
    assert.equal(tr.secure, false);
    tr.stream.write('hello');
    const [chunk] = await once(tr.stream, 'data') as [Buffer];
    assert.equal(chunk.toString(), 'hello');
  });

  it('an early exit fails the stream with the helper stderr', async (t) => {
    const dir = tempDir(t);
    const bad = script(dir, 'bad', 'echo "helper: cannot reach daemon" >&2\nexit 3');
    const plan = planRemote(parseURI(`qemu+ext:///system?command=${bad}`), { flags: 0, env: {}, uid: 0 });
    const tr = await connectTransport(plan);
    const err = await settle(tr.stream);
    assert.ok(err instanceof VirtError);
    assert.equal(err.code, ErrorCode.SYSTEM_ERROR);
    assert.equal(err.domain, ErrorDomain.RPC);
    assert.equal(err.message, 'End of file while reading data: helper: cannot reach daemon: Input/output error');
    assert.equal(tr.eofError().message, err.message);
  });

  it('a quiet exit is a plain end of stream', async (t) => {
    const dir = tempDir(t);
    const quiet = script(dir, 'quiet', 'exit 0');
    const plan = planRemote(parseURI(`qemu+ext:///system?command=${quiet}`), { flags: 0, env: {}, uid: 0 });
    const tr = await connectTransport(plan);
    assert.equal(await settle(tr.stream), null);
    assert.equal(tr.eofError().message, 'End of file while reading data: Input/output error');
  });

  it('a program not in PATH', async () => {
    const plan = planRemote(parseURI('qemu+ext:///system?command=no-such-helper-xyz'), { flags: 0, env: {}, uid: 0 });
    await assert.rejects(connectTransport(plan), (e: unknown) => e instanceof VirtError &&
      e.code === ErrorCode.SYSTEM_ERROR && e.domain === ErrorDomain.NONE &&
      e.message === "Cannot find 'no-such-helper-xyz' in path: No such file or directory");
  });

  it('close() stops the child', async (t) => {
    const dir = tempDir(t);
    const pidFile = join(dir, 'pid');
    const sleeper = script(dir, 'sleeper', `echo $$ > ${pidFile}\nexec sleep 30`);
    const plan = planRemote(parseURI(`qemu+ext:///system?command=${sleeper}`), { flags: 0, env: {}, uid: 0 });
    const tr = await connectTransport(plan);
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 10));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    tr.close();
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false);
  });

  it('passes libvirt\'s short environment', () => {
    const env = commandEnv({ PATH: '/p', HOME: '/h', SECRET: 'x', SSH_AUTH_SOCK: '/a' }, ['SSH_AUTH_SOCK']);
    assert.deepEqual(env, { LC_ALL: 'C', PATH: '/p', HOME: '/h', SSH_AUTH_SOCK: '/a' });
    assert.equal(commandEnv({}).PATH, '/bin:/usr/bin');
    assert.equal(findInPath('sh', '/nonexistent:/bin:/usr/bin')?.endsWith('/sh'), true);
    assert.equal(findInPath('/abs/x', ''), '/abs/x');
  });
});

describe('ssh transport (system ssh binary)', () => {
  it('runs ssh with libvirt\'s argv and talks through it', async (t) => {
    const dir = tempDir(t);
    const argvFile = join(dir, 'argv');
    // A stand-in ssh: records its arguments one per line, then relays.
    const fake = script(dir, 'ssh', `for a in "$@"; do printf '%s\\n' "$a"; done > ${argvFile}\nexec cat`);
    const plan = planRemote(parseURI(`qemu+ssh://fred@example.com:2222/system?no_tty=1&command=${fake}`),
      { flags: 0, env: {}, uid: 1000 });
    const tr = await connectTransport(plan);
    t.after(() => tr.close());
    assert.equal(tr.kind, 'ssh');
    assert.equal(tr.secure, true);
    assert.equal(tr.encrypted, false);
    tr.stream.write('x');
    await once(tr.stream, 'data');
    const args = readFileSync(argvFile, 'utf8').split('\n').slice(0, -1);
    assert.deepEqual(args, plan.command!.slice(1));
    assert.deepEqual(args.slice(0, 11), ['-p', '2222', '-l', 'fred', '-T', '-e', 'none', '-o', 'BatchMode=yes', '--', 'example.com']);
  });

  it('finds ssh on PATH and reports its failure the libvirt way', async (t) => {
    const dir = tempDir(t);
    script(dir, 'ssh', 'echo "ssh: Could not resolve hostname nosuchhost: Name or service not known" >&2\nexit 255');
    const plan = planRemote(parseURI('qemu+ssh://nosuchhost/system'), { flags: 0, env: {}, uid: 1000 });
    const tr = await connectTransport(plan, { env: { PATH: `${dir}:/usr/bin:/bin` } });
    tr.stream.write('call');
    const err = await settle(tr.stream);
    assert.ok(err instanceof VirtError);
    assert.equal(err.message, 'End of file while reading data: ssh: Could not resolve hostname nosuchhost: ' +
      'Name or service not known: Input/output error');
  });
});
