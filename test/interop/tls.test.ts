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
 * after two `info` lines naming the package); tsvirsh does not imitate
 * libvirt's client-side logging, so those lines are dropped before
 * comparing (the `error:` lines are compared).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { TSVIRSH as TSVIRSH_BIN } from './cases.js';
import { canConnect, freePort, run, startLibvirtd, startTsvirtd, type Daemon, type DaemonOptions } from './harness.js';
import { open } from '../../src/index.js';
import { canUnshare, hasLibvirtd, hasOpenssl, hasVirsh, PYTHON, requireOracles } from './oracle.js';
import { ALLOWED_DN, makePki, type Pki } from './tls-pki.js';

interface TlsDaemon { d: Daemon; port: number }

async function startTls(start: (o: DaemonOptions) => Promise<Daemon>, pki: Pki, conf: Record<string, string | number | string[]>): Promise<TlsDaemon> {
  const port = await freePort();
  const d = await start({
    conf: {
      listen_tls: 1, tls_port: String(port), auth_tls: 'none',
      ca_file: pki.cacert, cert_file: pki.servercert, key_file: pki.serverkey, ...conf,
    },
  });
  for (let i = 0; i < 100 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 100));
  return { d, port };
}

const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: \d+: (?:info|warning|error) : .*\n/gm;

interface Out { status: number | null; stdout: string; stderr: string }

async function client(cmd: string[], uri: string, port: number, args: string[]): Promise<Out> {
  const r = await run(cmd[0]!, [...cmd.slice(1), '-c', uri, ...args], { timeoutMs: 30_000 });
  const norm = (s: string): string => s.replaceAll(`:${port}/`, ':PORT/').replace(LOG_LINE, '');
  return { status: r.status, stdout: norm(r.stdout), stderr: norm(r.stderr) };
}

const VIRSH = ['virsh'];
const TSVIRSH = [process.execPath, TSVIRSH_BIN];

/**
 * The cases: [name, which daemon, pkipath dir, extra URI params, the exit
 * status stock virsh must have against libvirtd, so that a setup mistake
 * failing everything alike cannot pass].
 */
type Case = [string, 'strict' | 'lax', (p: Pki) => string | null, string, 0 | 1, string?];
const CASES: Case[] = [
  ['allowed client: list', 'strict', (p) => p.allowed, '', 0],
  ['DN not on tls_allowed_dn_list', 'strict', (p) => p.refused, '', 1],
  ['no client certificate, certificate required', 'strict', (p) => p.otherCA, '&no_verify=1', 1],
  ['server certificate from an unknown CA', 'lax', (p) => p.otherCA, '', 1],
  ['no_verify=1 accepts it', 'lax', (p) => p.otherCA, '&no_verify=1', 0],
  ['missing pkipath', 'strict', (p) => `${p.dir}/nonexistent`, '', 1],
  // The same machine's /etc/pki for both clients, whatever it holds.
  ['no pkipath: the system paths', 'strict', () => null, '', 1],
  ['a host and no transport means TLS', 'strict', (p) => p.allowed, '', 0, 'test'],
  ['remote://host means TLS', 'strict', (p) => p.refused, '', 1, 'remote'],
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
    [daemons['libvirtd strict'], daemons['libvirtd lax'], daemons['tsvirtd strict'], daemons['tsvirtd lax']] = await Promise.all([
      startTls(startLibvirtd, pki, strict), startTls(startLibvirtd, pki, lax),
      startTls(startTsvirtd, pki, strict), startTls(startTsvirtd, pki, lax),
    ]);
  });

  after(async () => {
    await Promise.all(Object.values(daemons).map((x) => x.d.stop()));
    pki?.remove();
  });

  const ready = (t: TestContext): boolean => requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'openssl') && !skip;

  for (const c of CASES) {
    it(`stock virsh against tsvirtd: ${c[0]}`, async (t) => {
      if (!ready(t)) return;
      const ref = daemons[`libvirtd ${c[1]}`]!;
      const ts = daemons[`tsvirtd ${c[1]}`]!;
      const want = await client(VIRSH, uri(pki!, c, ref.port), ref.port, ['list']);
      assert.equal(want.status, c[4], `stock virsh against libvirtd: ${want.stderr}`);
      const got = await client(VIRSH, uri(pki!, c, ts.port), ts.port, ['list']);
      assert.deepEqual(got, want);
    });

    it(`tsvirsh against a stock libvirtd: ${c[0]}`, async (t) => {
      if (!ready(t)) return;
      const ref = daemons[`libvirtd ${c[1]}`]!;
      const want = await client(VIRSH, uri(pki!, c, ref.port), ref.port, ['list']);
      assert.equal(want.status, c[4], `stock virsh against libvirtd: ${want.stderr}`);
      const got = await client(TSVIRSH, uri(pki!, c, ref.port), ref.port, ['list']);
      assert.deepEqual(got, want);
    });

    it(`tsvirsh against tsvirtd: ${c[0]}`, async (t) => {
      if (!ready(t)) return;
      const ref = daemons[`libvirtd ${c[1]}`]!;
      const ts = daemons[`tsvirtd ${c[1]}`]!;
      const want = await client(VIRSH, uri(pki!, c, ref.port), ref.port, ['list']);
      assert.equal(want.status, c[4], `stock virsh against libvirtd: ${want.stderr}`);
      const got = await client(TSVIRSH, uri(pki!, c, ts.port), ts.port, ['list']);
      assert.deepEqual(got, want);
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
});
