/**
 * SASL over TLS against a stock libvirtd (issue 10): listen_tls with
 * auth_tls = "sasl" and Cyrus's sasldb (sasl-harness.ts), certificates from
 * tls-pki.ts. Over TLS libvirt counts the TLS cipher's key size as the
 * external SSF, so the mechanisms without a security layer (SCRAM, PLAIN)
 * are offered and allowed. Stock virsh and tsvirsh run with the same URI and
 * auth.conf and must print the same; then the library's openAuth.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAuth } from '../../src/api/index.js';
import { CredentialType } from '../../src/auth/index.js';
import type { ConnectCredential } from '../../src/driver/driver.js';
import { ErrorCode, VirtError } from '../../src/errors.js';
import { ROOT, run } from './harness.js';
import { PYTHON, requireOracles } from './oracle.js';
import { startSaslLibvirtd, writeAuthConf } from './sasl-harness.js';
import { makePki, startTls, type Pki, type TlsDaemon } from './tls-pki.js';

const TSVIRSH = join(ROOT, 'bin/tsvirsh.cjs');
const USER = 'alice';
const PASSWORD = 'pa55 word';
const MECHS = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'DIGEST-MD5', 'PLAIN'];
const ORACLES = ['virsh', 'libvirtd', 'unshare', 'sasl', 'openssl'] as const;

describe('SASL over TLS: tsvirsh and the library against a stock libvirtd', () => {
  let pki: Pki | undefined;
  let lv: TlsDaemon | undefined;
  let dir = '';
  before(async () => {
    if (!requireOracles(null, ...ORACLES)) return;
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-sasl-tls-'));
    writeFileSync(join(dir, 'none.conf'), '');
    pki = makePki();
    lv = await startTls((o) => startSaslLibvirtd({ ...o, mechs: MECHS.map((m) => m.toLowerCase()), users: { [USER]: PASSWORD } }),
      pki, { auth_tls: 'sasl' });
  });
  after(async () => {
    await lv?.d.stop();
    pki?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const uri = (mech: string | null): string =>
    `test+tls://127.0.0.1:${lv!.port}/default?pkipath=${pki!.allowed}${mech ? `&auth=sasl.${mech}` : ''}`;

  const cases: { name: string; mech: string | null; user: string | null; password: string | null; ok: boolean }[] = [
    ...[null, ...MECHS].flatMap((mech) => [
      { name: `${mech ?? 'default mechanism'}, right password`, mech, user: USER, password: PASSWORD, ok: true },
      { name: `${mech ?? 'default mechanism'}, wrong password`, mech, user: USER, password: 'wrong', ok: false },
    ]),
    { name: 'unknown user', mech: 'SCRAM-SHA-256', user: 'bob', password: PASSWORD, ok: false },
    { name: 'no credentials, stdin at EOF (prompts)', mech: null, user: null, password: null, ok: false },
    { name: 'mechanism the daemon does not offer', mech: 'GSSAPI', user: USER, password: PASSWORD, ok: false },
  ];

  for (const c of cases) {
    const name = c.name;
    it(`${name}: tsvirsh prints what virsh prints`, async (t) => {
      if (!requireOracles(t, ...ORACLES) || !lv) return;
      const env = { LIBVIRT_AUTH_FILE: writeAuthConf(dir, '127.0.0.1', c.user, c.password) };
      const args = ['-c', uri(c.mech), 'list', '--all'];
      const norm = (s: string): string => s.replaceAll(`:${lv!.port}/`, ':PORT/');
      const want = await run('virsh', args, { env, input: '' });
      const got = await run(process.execPath, [TSVIRSH, ...args], { env, input: '' });
      assert.deepEqual({ status: got.status, stdout: norm(got.stdout), stderr: norm(got.stderr) },
        { status: want.status, stdout: norm(want.stdout), stderr: norm(want.stderr) });
      assert.equal(want.status === 0, c.ok, `virsh: ${want.stderr}`);
    });
  }

  const PY = [
    'import libvirt, sys',
    'def cb(creds, _):',
    '    for c in creds: c[4] = sys.argv[2] if c[0] == libvirt.VIR_CRED_AUTHNAME else sys.argv[3]',
    '    return 0',
    'c = libvirt.openAuth(sys.argv[1], [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], cb, None], 0)',
    'print(c.isEncrypted(), c.isSecure(), c.listDomainsID())',
  ].join('\n');

  for (const mech of MECHS) {
    it(`library openAuth ${mech}: as libvirt-python, right and wrong password`, async (t) => {
      if (!requireOracles(t, ...ORACLES, 'python') || !lv) return;
      const env = { ...process.env, LIBVIRT_AUTH_FILE: join(dir, 'none.conf') };
      const want = await run(PYTHON, ['-c', PY, uri(mech), USER, PASSWORD], { env });
      assert.equal(want.status, 0, want.stderr);
      const auth = (password: string) => ({
        credtype: [CredentialType.AUTHNAME, CredentialType.PASSPHRASE],
        cb: (creds: ConnectCredential[]) => {
          for (const x of creds) x.result = x.type === CredentialType.AUTHNAME ? USER : password;
          return 0;
        },
      });
      const conn = await openAuth(uri(mech), auth(PASSWORD), 0, { env });
      try {
        const enc = (await conn.call('connectIsEncrypted')).encrypted;
        const sec = (await conn.call('connectIsSecure')).secure;
        assert.equal(`${enc} ${sec} [${(await conn.listDomains()).join(', ')}]\n`, want.stdout);
      } finally {
        await conn.close();
      }
      await assert.rejects(openAuth(uri(mech), auth('wrong'), 0, { env }),
        (e: unknown) => e instanceof VirtError && e.code === ErrorCode.AUTH_FAILED);
    });
  }
});
