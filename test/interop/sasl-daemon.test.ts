/**
 * tsvirtd's SASL against stock clients (issue 10): one private stock
 * libvirtd (Cyrus, sasldb made by saslpasswd2) and one tsvirtd (a userdb.ts
 * file with the same users), configured alike: auth "sasl" on the unix
 * sockets, plain TCP and TLS, mech_list SCRAM-SHA-256 SCRAM-SHA-1
 * DIGEST-MD5 PLAIN, sasl_allowed_username_list ["alice"] (bob has a valid
 * password but is not on it), max_anonymous_clients 2.
 *
 * Stock virsh and libvirt-python run each case against both daemons and
 * must see the same (stdout, stderr, exit status; exception code, domain
 * and text); tsvirsh against tsvirtd must print what virsh prints against
 * libvirtd. On TCP, DIGEST-MD5's security layer carries a define and a
 * dumpxml of more than 100 KB each way. A raw client checks the wire rules
 * (mechanism lists, error 39 before authentication) and the anonymous
 * client limit.
 *
 * Normalization: the ports and socket paths in the URIs.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { writeUserDb } from '../../src/auth/sasl/userdb.js';
import { remote } from '../../src/protocol/index.js';
import { RpcClient } from '../../src/rpc/index.js';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../../src/util/daemon-launch.js';
import { canConnect, freePort, ROOT, run, startDaemon, TSVIRTD, type ConfValue, type Daemon } from './harness.js';
import { PYTHON, requireOracles } from './oracle.js';
import { startSaslLibvirtd } from './sasl-harness.js';
import { makePki, type Pki } from './tls-pki.js';

const TSVIRSH = join(ROOT, 'bin/tsvirsh.cjs');
const PASSWORD = 'pa55 word';
const USERS = { alice: PASSWORD, bob: PASSWORD };
const MECHS = ['scram-sha-256', 'scram-sha-1', 'digest-md5', 'plain'];
const ORACLES = ['virsh', 'python', 'libvirtd', 'unshare', 'sasl', 'openssl'] as const;

interface Pair { d: Daemon; tlsPort: number }
type Transport = 'unix' | 'tcp' | 'tls';

/** tsvirtd with its own Cyrus-style libvirt.conf (SASL_CONF_PATH) and a userdb.ts database. */
async function startSaslTsvirtd(conf: Record<string, ConfValue>, dir: string): Promise<Daemon> {
  const db = join(dir, 'users.db');
  await writeUserDb(db, Object.entries(USERS).map(([user, password]) => ({ user, realm: hostname(), password })));
  writeFileSync(join(dir, 'libvirt.conf'), `mech_list: ${MECHS.join(' ')}\nsasldb_path: ${db}\n`);
  return startDaemon('tsvirtd', 'tsvirt-tsvirtd-', (c, pidFile, listen) => ({
    cmd: process.execPath,
    args: [...DAEMON_NODE_FLAGS, TSVIRTD, '-f', c, '-p', pidFile, ...(listen ? ['--listen'] : [])],
    env: daemonEnv({ ...process.env, TSVIRTD_DRIVERS: 'test', SASL_CONF_PATH: dir }),
  }), { tcp: true, conf });
}

interface Case { name: string; transport: Transport; mech: string | null; user: string | null; password: string | null; ok: boolean; big?: boolean }

const CASES: Case[] = [
  ...(['unix', 'tls'] as const).flatMap((transport) => [
    ...['SCRAM-SHA-256', 'SCRAM-SHA-1', 'DIGEST-MD5', 'PLAIN'].map((mech) => (
      { name: `${mech}, right password`, transport, mech, user: 'alice', password: PASSWORD, ok: true })),
    { name: 'default mechanism, wrong password', transport, mech: null, user: 'alice', password: 'wrong', ok: false },
    { name: 'PLAIN, wrong password', transport, mech: 'PLAIN', user: 'alice', password: 'wrong', ok: false },
    { name: 'a user not in sasl_allowed_username_list', transport, mech: null, user: 'bob', password: PASSWORD, ok: false },
    { name: 'an unknown user', transport, mech: 'SCRAM-SHA-1', user: 'carol', password: PASSWORD, ok: false },
    { name: 'GSSAPI (not offered)', transport, mech: 'GSSAPI', user: 'alice', password: PASSWORD, ok: false },
  ]),
  { name: 'no credentials, stdin at EOF (prompts)', transport: 'unix', mech: null, user: null, password: null, ok: false },
  { name: 'default mechanism, right password, >100 KB each way through the layer', transport: 'tcp', mech: null, user: 'alice', password: PASSWORD, ok: true, big: true },
  { name: 'DIGEST-MD5, right password', transport: 'tcp', mech: 'DIGEST-MD5', user: 'alice', password: PASSWORD, ok: true },
  { name: 'DIGEST-MD5, wrong password', transport: 'tcp', mech: 'DIGEST-MD5', user: 'alice', password: 'wrong', ok: false },
  { name: 'DIGEST-MD5, a user not in sasl_allowed_username_list', transport: 'tcp', mech: 'DIGEST-MD5', user: 'bob', password: PASSWORD, ok: false },
  { name: 'SCRAM-SHA-256 (no security layer: not offered)', transport: 'tcp', mech: 'SCRAM-SHA-256', user: 'alice', password: PASSWORD, ok: false },
  { name: 'PLAIN (no security layer: not offered)', transport: 'tcp', mech: 'PLAIN', user: 'alice', password: PASSWORD, ok: false },
];

const BIG = 'x'.repeat(150_000);
const BIG_XML = `<domain type='test'><name>big</name><uuid>0b0e1f10-5a5d-4c1c-9e2a-7d2b3c4d5e6f</uuid><memory>1024</memory>` +
  `<description>${BIG}</description><os><type>hvm</type></os></domain>`;

describe('tsvirtd SASL against stock virsh and libvirt-python, compared with a stock libvirtd', () => {
  let pki: Pki | null = null;
  let dir = '';
  const pairs: Partial<Record<'libvirtd' | 'tsvirtd', Pair>> = {};
  let ready = false;

  before(async () => {
    if (!requireOracles(null, ...ORACLES)) return;
    pki = makePki();
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-sasld-test-'));
    writeFileSync(join(dir, 'big.xml'), BIG_XML);
    const conf = async (): Promise<{ conf: Record<string, ConfValue>; tlsPort: number }> => {
      const tlsPort = await freePort();
      return {
        tlsPort,
        conf: {
          auth_unix_rw: 'sasl', auth_unix_ro: 'sasl', auth_tcp: 'sasl', auth_tls: 'sasl',
          listen_tls: 1, tls_port: String(tlsPort), ca_file: pki!.cacert, cert_file: pki!.servercert, key_file: pki!.serverkey,
          sasl_allowed_username_list: ['alice'], max_anonymous_clients: 2,
        },
      };
    };
    const [a, b] = await Promise.all([conf(), conf()]);
    const tsdir = mkdtempSync(join(dir, 'ts-'));
    const [ld, td] = await Promise.all([
      startSaslLibvirtd({ tcp: true, conf: a.conf, mechs: MECHS, users: USERS }),
      startSaslTsvirtd(b.conf, tsdir),
    ]);
    pairs.libvirtd = { d: ld, tlsPort: a.tlsPort };
    pairs.tsvirtd = { d: td, tlsPort: b.tlsPort };
    for (const p of [a.tlsPort, b.tlsPort]) for (let i = 0; i < 100 && !(await canConnect(p)); i++) await new Promise((r) => setTimeout(r, 100));
    ready = true;
  });

  after(async () => {
    await Promise.all(Object.values(pairs).map((p) => p.d.stop()));
    pki?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ok = (t: TestContext): boolean => requireOracles(t, ...ORACLES) && ready;

  function uriOf(p: Pair, c: { transport: Transport; mech: string | null }): string {
    const auth = c.mech ? `auth=sasl.${c.mech}` : '';
    switch (c.transport) {
      case 'unix': return p.d.unixURI() + (auth ? `&${auth}` : '');
      case 'tcp': return p.d.tcpURI() + (auth ? `?${auth}` : '');
      case 'tls': return `test+tls://127.0.0.1:${p.tlsPort}/default?pkipath=${pki!.allowed}${auth ? `&${auth}` : ''}`;
    }
  }

  /** auth.conf for the case: the unix socket's host is "localhost", TCP and TLS "127.0.0.1". */
  function authFile(c: Case): string {
    const file = join(dir, `auth-${Math.random().toString(36).slice(2)}.conf`);
    const host = c.transport === 'unix' ? 'localhost' : '127.0.0.1';
    writeFileSync(file, ['[credentials-t]', ...(c.user !== null ? [`authname=${c.user}`] : []),
      ...(c.password !== null ? [`password=${c.password}`] : []), `[auth-libvirt-${host}]`, 'credentials=t', ''].join('\n'));
    return file;
  }

  function norm(p: Pair, s: string): string {
    return s.replaceAll(p.d.rwSocket, 'SOCK').replaceAll(`:${p.d.tcpPort}/`, ':PORT/').replaceAll(`:${p.tlsPort}/`, ':PORT/');
  }

  async function virsh(cmd: string[], p: Pair, c: Case): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const commands = c.big ? `define ${join(dir, 'big.xml')}; dumpxml big; undefine big` : 'list --all --name';
    const r = await run(cmd[0]!, [...cmd.slice(1), '-c', uriOf(p, c), commands], { env: { LIBVIRT_AUTH_FILE: authFile(c) }, input: '' });
    return { status: r.status, stdout: norm(p, r.stdout), stderr: norm(p, r.stderr) };
  }

  const PY = [
    'import libvirt, sys',
    'def cb(creds, _):',
    '    for c in creds: c[4] = sys.argv[2] if c[0] == libvirt.VIR_CRED_AUTHNAME else sys.argv[3]',
    '    return 0',
    'try:',
    '    c = libvirt.openAuth(sys.argv[1], [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], cb, None], 0)',
    '    print(c.listDefinedDomains(), c.isEncrypted(), c.isSecure())',
    '    if sys.argv[4] == "big":',
    '        d = c.defineXML(open(sys.argv[5]).read())',
    '        x = d.XMLDesc(0)',
    '        d.undefine()',
    '        print(len(x), x.count("x" * 1000))',
    'except libvirt.libvirtError as e:',
    '    print(e.get_error_code(), e.get_error_domain(), e.get_error_message())',
  ].join('\n');

  for (const c of CASES) {
    it(`${c.transport}, ${c.name}: stock virsh, tsvirsh and python see tsvirtd as virsh and python see libvirtd`, async (t) => {
      if (!ok(t)) return;
      const L = pairs.libvirtd!; const T = pairs.tsvirtd!;
      const want = await virsh(['virsh'], L, c);
      assert.equal(want.status === 0, c.ok, `virsh against libvirtd: ${want.stderr}`);
      assert.deepEqual(await virsh(['virsh'], T, c), want, 'stock virsh against tsvirtd');
      assert.deepEqual(await virsh([process.execPath, TSVIRSH], T, c), want, 'tsvirsh against tsvirtd');
      if (c.user === null) return;
      const py = async (p: Pair): Promise<string> => {
        const r = await run(PYTHON, ['-c', PY, uriOf(p, c), c.user!, c.password!, c.big ? 'big' : '', join(dir, 'big.xml')],
          { env: { LIBVIRT_AUTH_FILE: join(dir, 'none.conf') } });
        assert.equal(r.status, 0, r.stderr);
        return norm(p, r.stdout);
      };
      writeFileSync(join(dir, 'none.conf'), '');
      assert.equal(await py(T), await py(L), 'libvirt-python');
    });
  }

  /** A raw connection to one of the daemon's sockets. */
  async function raw(p: Pair, transport: 'unix' | 'tcp'): Promise<{ c: RpcClient; s: Socket }> {
    const s = transport === 'unix' ? connect(p.d.rwSocket) : connect(p.d.tcpPort, '127.0.0.1');
    await once(s, 'connect');
    return { c: new RpcClient(s), s };
  }

  async function outcome<T>(f: () => Promise<T>): Promise<unknown> {
    try {
      return { ok: await f() };
    } catch (e) {
      const x = e as { code?: number; domain?: number; message?: string };
      return { code: x.code, domain: x.domain, message: x.message };
    }
  }

  it('raw client: AUTH_LIST, mechanism lists, error 39 before authentication, 45 for out-of-order and unknown mechanisms', async (t) => {
    if (!ok(t)) return;
    const script = async (p: Pair): Promise<unknown[]> => {
      const out: unknown[] = [];
      for (const transport of ['unix', 'tcp'] as const) {
        const { c, s } = await raw(p, transport);
        try {
          out.push(await outcome(() => c.call(remote.authList, undefined)));
          out.push(await outcome(() => c.call(remote.connectOpen, { name: 'test:///default', flags: 0 })));
          out.push(await outcome(() => c.call(remote.connectSupportsFeature, { feature: 10 })));
          out.push(await outcome(() => c.call(remote.authSaslStep, { nil: 1, data: Buffer.alloc(0) })));
          out.push(await outcome(() => c.call(remote.authSaslInit, undefined)));
          out.push(await outcome(() => c.call(remote.authSaslInit, undefined)));
          out.push(await outcome(() => c.call(remote.authSaslStart, { mech: 'GSSAPI', nil: 1, data: Buffer.alloc(0) })));
          out.push(await outcome(() => c.call(remote.authSaslStep, { nil: 1, data: Buffer.alloc(0) })));
          out.push(await outcome(() => c.call(remote.authSaslInit, undefined)));
          // No initial response, then an empty one: PLAIN answers both with an empty challenge.
          out.push(await outcome(() => c.call(remote.authSaslStart, { mech: 'PLAIN', nil: 1, data: Buffer.alloc(0) })));
          out.push(await outcome(() => c.call(remote.authSaslInit, undefined)));
          out.push(await outcome(() => c.call(remote.authSaslStart, { mech: 'PLAIN', nil: 0, data: Buffer.from('\0alice\0wrong') })));
          out.push(await outcome(() => c.call(remote.authSaslInit, undefined)));
          out.push(await outcome(() => c.call(remote.authSaslStart, { mech: 'PLAIN', nil: 0, data: Buffer.from(`\0alice\0${PASSWORD}`) })));
          out.push(await outcome(() => c.call(remote.authList, undefined)));
          out.push(await outcome(() => c.call(remote.connectOpen, { name: 'test:///default', flags: 0 })));
        } finally {
          c.close();
          s.destroy();
        }
      }
      return JSON.parse(JSON.stringify(out, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));
    };
    const want = await script(pairs.libvirtd!);
    assert.deepEqual(await script(pairs.tsvirtd!), want);
  });

  it('max_anonymous_clients: a third unauthenticated client waits until one of two leaves', async (t) => {
    if (!ok(t)) return;
    const script = async (p: Pair): Promise<unknown[]> => {
      const first = [await raw(p, 'unix'), await raw(p, 'unix')];
      for (const { c } of first) await c.call(remote.authList, undefined);
      const third = await raw(p, 'unix');
      const answered = third.c.call(remote.authList, undefined).then(() => 'answered', () => 'failed');
      const early = await Promise.race([answered, new Promise((r) => setTimeout(() => r('waiting'), 1500))]);
      first[0]!.c.close();
      first[0]!.s.destroy();
      const later = await Promise.race([answered, new Promise((r) => setTimeout(() => r('still waiting'), 5000))]);
      for (const x of [first[1]!, third]) {
        x.c.close();
        x.s.destroy();
      }
      return [early, later];
    };
    const want = await script(pairs.libvirtd!);
    assert.deepEqual(want, ['waiting', 'answered']);
    assert.deepEqual(await script(pairs.tsvirtd!), want);
  });
});
