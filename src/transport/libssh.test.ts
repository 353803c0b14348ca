import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import ssh2 from 'ssh2';
import type { AuthenticationType, ParsedKey } from 'ssh2';
import { CredentialType } from '../auth/index.js';
import type { ConnectAuth, ConnectCredential } from '../driver/driver.js';
import { planRemote, type RemotePlan } from '../driver/remote/plan.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { parseURI } from '../uri/index.js';
import { connectTransport } from './index.js';
import { formatKnownHostsLine, hashHostName, hexFingerprint } from './known-hosts.js';

const { Server, utils } = ssh2;

const HOST_KEY = utils.generateKeyPairSync('ed25519');
const HOST_PUB = (utils.parseKey(HOST_KEY.private) as ParsedKey).getPublicSSH();
const OTHER_KEY = utils.generateKeyPairSync('ed25519');
const OTHER_PUB = (utils.parseKey(OTHER_KEY.private) as ParsedKey).getPublicSSH();

interface ServerOptions {
  methods: AuthenticationType[];
  password?: string;
  /** Public key (OpenSSH line) allowed for publickey auth. */
  clientPub?: string;
  keyboard?: string;
  exitCode?: number;
}

interface TestServer {
  port: number;
  commands: string[];
  passwordTries: number;
}

async function startServer(t: TestContext, o: ServerOptions): Promise<TestServer> {
  const state: TestServer = { port: 0, commands: [], passwordTries: 0 };
  const allowed = o.clientPub ? utils.parseKey(o.clientPub) as ParsedKey : null;
  const server = new Server({ hostKeys: [HOST_KEY.private] }, (client) => {
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      const reject = (): void => ctx.reject(o.methods);
      switch (ctx.method) {
        case 'password':
          state.passwordTries++;
          if (ctx.password === o.password) ctx.accept();
          else reject();
          return;
        case 'publickey':
          if (!allowed || !ctx.key.data.equals(allowed.getPublicSSH())) return reject();
          if (!ctx.signature) return ctx.accept();
          if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
          return reject();
        case 'keyboard-interactive':
          ctx.prompt([{ prompt: 'Password: ', echo: false }], 'Title', 'Say the word', (answers) => {
            if (answers[0] === o.keyboard) ctx.accept();
            else reject();
          });
          return;
        default:
          reject();
      }
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          state.commands.push(info.command);
          const stream = acceptExec();
          stream.on('data', (d: Buffer) => {
            if (o.exitCode !== undefined) {
              stream.exit(o.exitCode);
              stream.end();
            } else {
              stream.write(d);
            }
          });
        });
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  t.after(() => server.close());
  return state;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-ssh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A credential callback answering from a table, recording what it was asked. */
function callback(answers: Partial<Record<number, string | ((c: ConnectCredential) => string)>>,
  asked: ConnectCredential[] = []): ConnectAuth {
  return {
    credtype: [CredentialType.AUTHNAME, CredentialType.PASSPHRASE, CredentialType.ECHOPROMPT],
    cb: (creds) => {
      for (const c of creds) {
        asked.push({ ...c });
        const a = answers[c.type];
        if (a === undefined) return -1;
        c.result = typeof a === 'function' ? a(c) : a;
      }
      return 0;
    },
  };
}

function plan(uri: string, dir: string): RemotePlan {
  return planRemote(parseURI(uri), { flags: 0, env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') }, uid: 1000 });
}

function expectError(code: number, domain: number, message: string | RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof VirtError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.domain, domain);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  };
}

const ENV = (dir: string): NodeJS.ProcessEnv => ({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') });

describe('libssh transport', () => {
  it('normal: asks about an unknown host, records it, authenticates by password, runs the helper', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'secret' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password`, dir);
    const asked: ConnectCredential[] = [];
    const tr = await connectTransport(p, {
      auth: callback({ [CredentialType.ECHOPROMPT]: 'y', [CredentialType.PASSPHRASE]: 'secret' }, asked),
      env: ENV(dir),
    });
    t.after(() => tr.close());
    assert.equal(tr.kind, 'libssh');
    assert.equal(tr.secure, true);
    assert.equal(tr.encrypted, false);
    assert.deepEqual(asked.map((c) => [c.type, c.prompt]), [
      [CredentialType.ECHOPROMPT, `Accept SSH host key with hash '${hexFingerprint(HOST_PUB, 'sha1')}' ` +
        `for host '127.0.0.1:${srv.port}' (y/n)?`],
      [CredentialType.PASSPHRASE, "Enter root's password for 127.0.0.1"],
    ]);
    // libvirt's default known_hosts, written the way libssh writes it.
    assert.equal(p.knownHosts, join(dir, 'cfg', 'libvirt', 'known_hosts'));
    assert.equal(readFileSync(p.knownHosts!, 'utf8'), formatKnownHostsLine('127.0.0.1', srv.port, HOST_PUB));
    tr.stream.write('rpc');
    const [chunk] = await once(tr.stream, 'data') as [Buffer];
    assert.equal(chunk.toString(), 'rpc');
    assert.deepEqual(srv.commands, [p.remoteCommand]);
  });

  it('normal: a refused host key', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'secret' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password`, dir);
    await assert.rejects(connectTransport(p, { auth: callback({ [CredentialType.ECHOPROMPT]: 'n' }), env: ENV(dir) }),
      expectError(ErrorCode.LIBSSH, ErrorDomain.LIBSSH, 'libssh transport error: SSH host key for ' +
        `'127.0.0.1' (${hexFingerprint(HOST_PUB, 'sha1')}) was not accepted`));
    assert.equal(existsSync(p.knownHosts!), false);
  });

  it('normal: no callback to ask', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'secret' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password`, dir);
    await assert.rejects(connectTransport(p, { env: ENV(dir) }), expectError(ErrorCode.LIBSSH, ErrorDomain.LIBSSH,
      "libssh transport error: No user interaction callback provided: Can't verify the session host key"));
  });

  it('auto records the key silently; a hashed entry is then as good as a plain one', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'secret' });
    const dir = tempDir(t);
    const kh = join(dir, 'kh');
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password&known_hosts=${kh}` +
      '&known_hosts_verify=auto', dir);
    const asked: ConnectCredential[] = [];
    const tr = await connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 'secret' }, asked), env: ENV(dir) });
    tr.close();
    assert.equal(asked.length, 1);
    assert.equal(readFileSync(kh, 'utf8'), formatKnownHostsLine('127.0.0.1', srv.port, HOST_PUB));

    const hashed = `${hashHostName(`[127.0.0.1]:${srv.port}`, Buffer.alloc(20, 9))} ssh-ed25519 ${HOST_PUB.toString('base64')}\n`;
    writeFileSync(kh, hashed);
    const again: ConnectCredential[] = [];
    const p2 = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password&known_hosts=${kh}`, dir);
    const tr2 = await connectTransport(p2, { auth: callback({ [CredentialType.PASSPHRASE]: 'secret' }, again), env: ENV(dir) });
    tr2.close();
    assert.deepEqual(again.map((c) => c.type), [CredentialType.PASSPHRASE]);
  });

  it('a changed host key fails whatever the answer', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'secret' });
    const dir = tempDir(t);
    const kh = join(dir, 'kh');
    writeFileSync(kh, formatKnownHostsLine('127.0.0.1', srv.port, OTHER_PUB));
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password&known_hosts=${kh}` +
      '&known_hosts_verify=auto', dir);
    await assert.rejects(connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 'secret' }), env: ENV(dir) }),
      expectError(ErrorCode.AUTH_FAILED, ErrorDomain.LIBSSH, 'authentication failed: !!! SSH HOST KEY VERIFICATION ' +
        `FAILED !!!: Identity of host '127.0.0.1:${srv.port}' differs from stored identity. Please verify the new ` +
        `host key '${hexFingerprint(HOST_PUB, 'sha1')}' to avoid possible man in the middle attack. The key is ` +
        `stored in '${kh}'.`));
  });

  it('ignore skips the check', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'secret' });
    const dir = tempDir(t);
    const kh = join(dir, 'kh');
    writeFileSync(kh, formatKnownHostsLine('127.0.0.1', srv.port, OTHER_PUB));
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password&known_hosts=${kh}` +
      '&known_hosts_verify=ignore', dir);
    const tr = await connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 'secret' }), env: ENV(dir) });
    tr.close();
    assert.equal(readFileSync(kh, 'utf8'), formatKnownHostsLine('127.0.0.1', srv.port, OTHER_PUB));
  });

  it('password from auth.conf, no prompt', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'fromfile' });
    const dir = tempDir(t);
    const authFile = join(dir, 'auth.conf');
    writeFileSync(authFile, '[credentials-t]\npassword=fromfile\n\n[auth-ssh-127.0.0.1]\ncredentials=t\n');
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password&known_hosts_verify=ignore` +
      `&authfile=${authFile}`, dir);
    const asked: ConnectCredential[] = [];
    const tr = await connectTransport(p, { auth: callback({}, asked), env: ENV(dir) });
    tr.close();
    assert.equal(asked.length, 0);
  });

  it('a wrong password is asked again, then libssh\'s single-method error', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'secret' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password&known_hosts_verify=ignore`, dir);
    await assert.rejects(connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 'wrong' }), env: ENV(dir) }),
      expectError(ErrorCode.LIBSSH, ErrorDomain.LIBSSH,
        'libssh transport error: failed to authenticate: Access denied. Authentication that can continue: password'));
    assert.equal(srv.passwordTries, 3);
  });

  it('privkey with a passphrase-protected key', async (t) => {
    const clientKey = utils.generateKeyPairSync('ed25519', { passphrase: 'pp', cipher: 'aes256-ctr', rounds: 4 });
    const srv = await startServer(t, { methods: ['publickey'], clientPub: clientKey.public });
    const dir = tempDir(t);
    const keyfile = join(dir, 'id');
    writeFileSync(keyfile, clientKey.private, { mode: 0o600 });
    const p = plan(`qemu+libssh://me@127.0.0.1:${srv.port}/system?keyfile=${keyfile}&known_hosts_verify=ignore`, dir);
    assert.deepEqual(p.sshAuth, ['agent', 'privkey', 'password', 'keyboard-interactive']);
    const asked: ConnectCredential[] = [];
    const tr = await connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 'pp' }, asked), env: ENV(dir) });
    t.after(() => tr.close());
    assert.deepEqual(asked.map((c) => [c.type, c.prompt]), [[CredentialType.PASSPHRASE, 'Passphrase']]);
    tr.stream.write('k');
    const [chunk] = await once(tr.stream, 'data') as [Buffer];
    assert.equal(chunk.toString(), 'k');
  });

  it('privkey with the wrong passphrase', async (t) => {
    const clientKey = utils.generateKeyPairSync('ed25519', { passphrase: 'pp', cipher: 'aes256-ctr', rounds: 4 });
    const srv = await startServer(t, { methods: ['publickey'], clientPub: clientKey.public });
    const dir = tempDir(t);
    const keyfile = join(dir, 'id');
    writeFileSync(keyfile, clientKey.private, { mode: 0o600 });
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?keyfile=${keyfile}&sshauth=privkey&known_hosts_verify=ignore`, dir);
    await assert.rejects(connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 'nope' }), env: ENV(dir) }),
      expectError(ErrorCode.AUTH_FAILED, ErrorDomain.LIBSSH,
        `authentication failed: error while opening private key '${keyfile}', wrong passphrase?`));
  });

  it('keyboard-interactive, prompt with the name and instruction', async (t) => {
    const srv = await startServer(t, { methods: ['keyboard-interactive'], keyboard: 'xyzzy' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?known_hosts_verify=ignore`, dir);
    const asked: ConnectCredential[] = [];
    const tr = await connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 'xyzzy' }, asked), env: ENV(dir) });
    tr.close();
    assert.deepEqual(asked.map((c) => [c.type, c.prompt]), [[CredentialType.PASSPHRASE, 'Title\nSay the word\nPassword']]);
  });

  it('methods the server does not offer', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 'x' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?known_hosts_verify=ignore&sshauth=agent,keyboard-interactive`, dir);
    await assert.rejects(connectTransport(p, { auth: callback({}), env: { ...ENV(dir), SSH_AUTH_SOCK: '' } }),
      expectError(ErrorCode.AUTH_FAILED, ErrorDomain.LIBSSH,
        'authentication failed: None of the requested authentication methods are supported by the server'));
  });

  it('a failing remote command ends the stream with its exit status', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 's', exitCode: 1 });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?known_hosts_verify=ignore&sshauth=password`, dir);
    const tr = await connectTransport(p, { auth: callback({ [CredentialType.PASSPHRASE]: 's' }), env: ENV(dir) });
    t.after(() => tr.close());
    tr.stream.write('go');
    const [err] = await once(tr.stream, 'error') as [VirtError];
    assert.equal(err.message, 'libssh transport error: Remote command terminated with non-zero code: 1');
    assert.equal(tr.eofError().message, err.message);
  });

  it('libssh2: SSH error domain and an MD5 fingerprint', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 's' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh2://127.0.0.1:${srv.port}/system?sshauth=password`, dir);
    await assert.rejects(connectTransport(p, { auth: callback({ [CredentialType.ECHOPROMPT]: 'no' }), env: ENV(dir) }),
      expectError(ErrorCode.SSH, ErrorDomain.SSH, 'SSH transport error: SSH host key for ' +
        `'127.0.0.1' (${hexFingerprint(HOST_PUB, 'md5', true)}) was not accepted`));
  });

  it('bad parameters are refused before connecting', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(connectTransport(plan('qemu+libssh://127.0.0.1:1/system?known_hosts_verify=maybe', dir)),
      expectError(ErrorCode.INVALID_ARG, ErrorDomain.LIBSSH, "invalid argument: Invalid host key verification method: 'maybe'"));
    await assert.rejects(connectTransport(plan('qemu+libssh://127.0.0.1:1/system?sshauth=password,telepathy', dir)),
      expectError(ErrorCode.INVALID_ARG, ErrorDomain.LIBSSH, "invalid argument: Invalid authentication method: 'telepathy'"));
  });

  it('an abort while the host key question is pending', async (t) => {
    const srv = await startServer(t, { methods: ['password'], password: 's' });
    const dir = tempDir(t);
    const p = plan(`qemu+libssh://127.0.0.1:${srv.port}/system?sshauth=password`, dir);
    const ac = new AbortController();
    const auth: ConnectAuth = {
      credtype: [CredentialType.ECHOPROMPT],
      cb: () => {
        setTimeout(() => ac.abort(), 10);
        return new Promise<number>(() => {}); // never answers
      },
    };
    await assert.rejects(connectTransport(p, { auth, signal: ac.signal, env: ENV(dir) }),
      expectError(ErrorCode.OPERATION_ABORTED, ErrorDomain.RPC, 'operation aborted: connection attempt aborted'));
  });
});
