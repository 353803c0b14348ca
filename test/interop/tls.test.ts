/**
 * TLS against stock libvirt 9.0, both ways, with certificates made here
 * (tls-pki.ts): stock virsh against tsvirtd must print what stock virsh
 * prints against a stock libvirtd, and tsvirsh against a stock libvirtd
 * what stock virsh prints there. Each side runs two daemons listening on
 * 127.0.0.1 only: `strict` (client certificates verified,
 * tls_allowed_dn_list naming the allowed client) and `lax`
 * (tls_no_verify_certificate = 1, so a client without a certificate gets
 * in and the client's own no_verify is what matters).
 *
 * Normalization: the TLS port. Stock virsh also writes libvirt's log lines
 * to stderr when it ignores or rejects a server certificate
 * (`<time>: <pid>: warning : virNetTLSContextCheckCertificate:1086 : …`,
 * after two `info` lines naming the package), and so does tsvirsh
 * (src/util/client-log.ts): time, pid, package and libvirt's source
 * position are masked (maskClientLog), the rest compared.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { TSVIRSH as TSVIRSH_BIN } from './cases.js';
import { ensureQemuUser, run, startLibvirtd, startTsvirtd, type ConfValue } from './harness.js';
import { open } from '../../src/index.js';
import { canUnshare, hasLibvirtd, hasOpenssl, hasVirsh, PYTHON, requireOracles } from './oracle.js';
import { ALLOWED_DN, makePki, maskClientLog, startTls, startTlsOnce, type Pki, type TlsDaemon } from './tls-pki.js';

interface Out { status: number | null; stdout: string; stderr: string }

async function client(cmd: string[], uri: string, port: number, args: string[]): Promise<Out> {
  const r = await run(cmd[0]!, [...cmd.slice(1), '-c', uri, ...args], { timeoutMs: 30_000 });
  const norm = (s: string): string => maskClientLog(s.replaceAll(`:${port}/`, ':PORT/'));
  return { status: r.status, stdout: norm(r.stdout), stderr: norm(r.stderr) };
}

const VIRSH = ['virsh'];
const TSVIRSH = [process.execPath, TSVIRSH_BIN];

/**
 * The cases: [name, which daemon, pkipath dir, extra URI params, the exit
 * status stock virsh must have against libvirtd, so that a setup mistake
 * failing everything alike cannot pass].
 */
type Case = [string, 'strict' | 'lax' | 'misnamed', (p: Pki) => string | null, string, 0 | 1, string?];
const CASES: Case[] = [
  ['allowed client: list', 'strict', (p) => p.allowed, '', 0],
  ['DN not on tls_allowed_dn_list', 'strict', (p) => p.refused, '', 1],
  ['no client certificate, certificate required', 'strict', (p) => p.otherCA, '&no_verify=1', 1],
  ['server certificate from an unknown CA', 'lax', (p) => p.otherCA, '', 1],
  ['no_verify=1 accepts it', 'lax', (p) => p.otherCA, '&no_verify=1', 0],
  ['own certificate not issued by own cacert.pem', 'strict', (p) => p.foreignCert, '', 1],
  ['missing pkipath', 'strict', (p) => `${p.dir}/nonexistent`, '', 1],
  // The same machine's /etc/pki for both clients, whatever it holds.
  ['no pkipath: the system paths', 'strict', () => null, '', 1],
  ['a host and no transport means TLS', 'strict', (p) => p.allowed, '', 0, 'test'],
  ['remote://host means TLS', 'strict', (p) => p.refused, '', 1, 'remote'],
  ['server certificate for another host name', 'misnamed', (p) => p.allowed, '', 1],
  ['no_verify=1 accepts another host name', 'misnamed', (p) => p.allowed, '&no_verify=1', 0],
];

function uri(pki: Pki, c: Case, port: number): string {
  const dir = c[2](pki);
  const query = `${dir !== null ? `&pkipath=${dir}` : ''}${c[3]}`.replace(/^&/, '?');
  const scheme = c[5] ?? 'test+tls';
  return `${scheme}://127.0.0.1:${port}/${scheme === 'remote' ? '' : 'default'}${query}`;
}

describe('TLS interop with stock libvirt 9.0', () => {
  let pki: Pki | null = null;
  const daemons: Record<string, TlsDaemon> = {};
  let skip = false;

  before(async () => {
    if (!hasVirsh() || !hasLibvirtd() || !canUnshare() || !hasOpenssl()) {
      skip = true;
      return;
    }
    pki = makePki();
    const strict = { tls_allowed_dn_list: [ALLOWED_DN] };
    const lax = { tls_no_verify_certificate: 1 };
    // "misnamed": the server's certificate names elsewhere.example, the clients dial 127.0.0.1.
    const misnamed = { ...strict, cert_file: pki.misnamedcert, key_file: pki.misnamedkey };
    [daemons['libvirtd strict'], daemons['libvirtd lax'], daemons['libvirtd misnamed'],
      daemons['tsvirtd strict'], daemons['tsvirtd lax'], daemons['tsvirtd misnamed']] = await Promise.all([
      startTls(startLibvirtd, pki, strict), startTls(startLibvirtd, pki, lax), startTls(startLibvirtd, pki, misnamed),
      startTls(startTsvirtd, pki, strict), startTls(startTsvirtd, pki, lax), startTls(startTsvirtd, pki, misnamed),
    ]);
  });

  after(async () => {
    await Promise.all(Object.values(daemons).map((x) => x.d.stop()));
    pki?.remove();
  });

  const ready = (t: TestContext): boolean => requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'openssl') && !skip;

  /** Each client against each daemon, every case judged by stock virsh against libvirtd. */
  const PAIRS = [
    ['stock virsh against tsvirtd', VIRSH, 'tsvirtd'],
    ['tsvirsh against a stock libvirtd', TSVIRSH, 'libvirtd'],
    ['tsvirsh against tsvirtd', TSVIRSH, 'tsvirtd'],
  ] as const;
  for (const c of CASES) {
    for (const [label, program, daemon] of PAIRS) {
      it(`${label}: ${c[0]}`, async (t) => {
        if (!ready(t)) return;
        const ref = daemons[`libvirtd ${c[1]}`]!;
        const target = daemons[`${daemon} ${c[1]}`]!;
        const want = await client(VIRSH, uri(pki!, c, ref.port), ref.port, ['list']);
        assert.equal(want.status, c[4], `stock virsh against libvirtd: ${want.stderr}`);
        const got = await client(program, uri(pki!, c, target.port), target.port, ['list']);
        assert.deepEqual(got, want);
      });
    }
  }

  // libvirt's client log settings: errors only, or a file output and no stderr one, silence the
  // warning. (With explicit outputs libvirt also logs every error it reports, virRaiseErrorFull;
  // tsvirt's client does not, so `LIBVIRT_LOG_OUTPUTS=N:stderr` differs.)
  for (const env of [{ LIBVIRT_DEBUG: 'error' }, { LIBVIRT_LOG_OUTPUTS: '3:file:/dev/null' }]) {
    it(`client warning lines under ${JSON.stringify(env)}: tsvirsh prints what virsh prints`, async (t) => {
      if (!ready(t)) return;
      const ref = daemons['libvirtd lax']!;
      const u = `test+tls://127.0.0.1:${ref.port}/default?pkipath=${pki!.otherCA}&no_verify=1`;
      const once = async (cmd: string[]): Promise<Out> => {
        const r = await run(cmd[0]!, [...cmd.slice(1), '-c', u, 'uri'], { env });
        return { status: r.status, stdout: r.stdout.replaceAll(`:${ref.port}/`, ':PORT/'), stderr: maskClientLog(r.stderr) };
      };
      const want = await once(VIRSH);
      assert.equal(want.status, 0, want.stderr);
      assert.deepEqual(await once(TSVIRSH), want);
    });
  }

  const PY_SECURE = 'import libvirt, sys\nc = libvirt.open(sys.argv[1])\nprint(c.isSecure(), c.isEncrypted())\nc.close()';

  it('isSecure/isEncrypted over TLS: libvirt-python against tsvirtd and the tsvirt library against libvirtd', async (t) => {
    if (!ready(t) || !requireOracles(t, 'python')) return;
    const ref = daemons['libvirtd strict']!;
    const ts = daemons['tsvirtd strict']!;
    const py = async (d: TlsDaemon): Promise<string> => {
      const r = await run(PYTHON, ['-c', PY_SECURE, uri(pki!, CASES[0]!, d.port)]);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const want = await py(ref);
    assert.equal(want, '1 1\n');
    assert.equal(await py(ts), want);
    const conn = await open(uri(pki!, CASES[0]!, ref.port));
    try {
      assert.equal(`${Number(await conn.isSecure())} ${Number(await conn.isEncrypted())}\n`, want);
    } finally {
      await conn.close();
    }
  });

  /**
   * Start-up with bad credentials: libvirtd and tsvirtd run to their exit
   * with the same libvirtd.conf; the exit status and the error lines must be
   * equal (libvirtd's `function:line : ` part removed).
   */
  const STARTUP: [string, (p: Pki) => Record<string, ConfValue>][] = [
    ['missing CA file', (p) => ({ ca_file: `${p.dir}/none.pem`, cert_file: p.servercert, key_file: p.serverkey })],
    ['missing certificate', (p) => ({ ca_file: p.cacert, cert_file: `${p.dir}/none.pem`, key_file: p.serverkey })],
    ['missing key', (p) => ({ ca_file: p.cacert, cert_file: p.servercert, key_file: `${p.dir}/none.pem` })],
    ['key of another certificate', (p) => ({ ca_file: p.cacert, cert_file: p.servercert, key_file: `${p.allowed}/clientkey.pem` })],
    ['certificate not issued by ca_file', (p) => ({ ca_file: `${p.otherCA}/cacert.pem`, cert_file: p.servercert, key_file: p.serverkey })],
    ['ca_file alone', (p) => ({ ca_file: p.cacert })],
    ['ca_file and cert_file only', (p) => ({ ca_file: p.cacert, cert_file: p.servercert })],
    ['key_file alone', (p) => ({ key_file: p.serverkey })],
  ];

  for (const [name, conf] of STARTUP) {
    it(`tsvirtd start-up fails as libvirtd does: ${name}`, async (t) => {
      if (!ready(t)) return;
      await ensureQemuUser();
      const [want, got] = await Promise.all([startTlsOnce('libvirtd', conf(pki!)), startTlsOnce('tsvirtd', conf(pki!))]);
      assert.equal(want.status, 6, want.errors.join('\n'));
      assert.deepEqual(got, want);
    });
  }
});
