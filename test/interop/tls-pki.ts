/**
 * Certificates for the TLS interop tests, made with the openssl CLI in
 * libvirt's layout: a CA, a server certificate for 127.0.0.1/localhost, and
 * client directories usable as `pkipath=` (cacert.pem, clientcert.pem,
 * clientkey.pem).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../../src/util/daemon-launch.js';
import { canConnect, confText, freePort, run, TSVIRTD, type ConfValue, type Daemon, type DaemonOptions } from './harness.js';

const SERVER_EXT = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
];
/** A server certificate for a name the clients don't dial (hostname mismatch). */
const MISNAMED_EXT = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:elsewhere.example',
];
const CLIENT_EXT = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=clientAuth',
];

export interface Pki {
  dir: string;
  /** Server side: ca_file, cert_file, key_file. */
  cacert: string;
  servercert: string;
  serverkey: string;
  /** A server certificate and key for `elsewhere.example` only, from the same CA. */
  misnamedcert: string;
  misnamedkey: string;
  /** `pkipath=` dirs: a client whose DN is `C=GB,O=tsvirt test,CN=client allowed`, one with `CN=client refused`. */
  allowed: string;
  refused: string;
  /** A client without a certificate that trusts another CA only. */
  otherCA: string;
  /** The allowed client's certificate with another CA's cacert.pem (fails the client's own sanity check). */
  foreignCert: string;
  remove(): void;
}

/** DN of the allowed client, in gnutls order (what tls_allowed_dn_list matches). */
export const ALLOWED_DN = 'C=GB,O=tsvirt test,CN=client allowed';

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

function ca(dir: string, name: string, subj: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}key.pem`, '-out', `${name}cert.pem`,
    '-days', '2', '-subj', subj, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function leaf(dir: string, name: string, subj: string, ext: string[]): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}key.pem`, '-out', `${name}.csr`, '-subj', subj], dir);
  writeFileSync(join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'cacert.pem', '-CAkey', 'cakey.pem', '-CAcreateserial',
    '-out', `${name}cert.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
}

function clientDir(dir: string, name: string, cacert: string, pair: { cert: string; key: string } | null): string {
  const d = join(dir, name);
  mkdirSync(d);
  copyFileSync(cacert, join(d, 'cacert.pem'));
  if (pair) {
    copyFileSync(pair.cert, join(d, 'clientcert.pem'));
    copyFileSync(pair.key, join(d, 'clientkey.pem'));
  }
  return d;
}

/** Makes a fresh PKI in a temp dir (a few seconds: RSA keys). */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-pki-'));
  ca(dir, 'ca', '/C=GB/O=tsvirt test/CN=tsvirt test CA');
  ca(dir, 'other', '/C=GB/O=elsewhere/CN=other CA');
  leaf(dir, 'server', '/C=GB/O=tsvirt test/CN=localhost', SERVER_EXT);
  leaf(dir, 'misnamed', '/C=GB/O=tsvirt test/CN=elsewhere.example', MISNAMED_EXT);
  leaf(dir, 'allowed', '/C=GB/O=tsvirt test/CN=client allowed', CLIENT_EXT);
  leaf(dir, 'refused', '/C=GB/O=tsvirt test/CN=client refused', CLIENT_EXT);
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    cacert: p('cacert.pem'), servercert: p('servercert.pem'), serverkey: p('serverkey.pem'),
    misnamedcert: p('misnamedcert.pem'), misnamedkey: p('misnamedkey.pem'),
    allowed: clientDir(dir, 'allowed-client', p('cacert.pem'), { cert: p('allowedcert.pem'), key: p('allowedkey.pem') }),
    refused: clientDir(dir, 'refused-client', p('cacert.pem'), { cert: p('refusedcert.pem'), key: p('refusedkey.pem') }),
    otherCA: clientDir(dir, 'other-ca-client', p('othercert.pem'), null),
    foreignCert: clientDir(dir, 'foreign-cert-client', p('othercert.pem'), { cert: p('allowedcert.pem'), key: p('allowedkey.pem') }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A daemon listening for TLS on 127.0.0.1:`port` with the PKI's server credentials. */
export interface TlsDaemon { d: Daemon; port: number }

/**
 * Starts a daemon (harness.ts's startLibvirtd, startTsvirtd, or another
 * starter taking DaemonOptions) with listen_tls on a free port, auth_tls
 * none and the PKI's ca/cert/key files, `conf` over those; resolves when the
 * TLS port accepts connections.
 */
export async function startTls(start: (o: DaemonOptions) => Promise<Daemon>, pki: Pki,
  conf: Record<string, ConfValue>, opts: DaemonOptions = {}): Promise<TlsDaemon> {
  const port = await freePort();
  const d = await start({
    ...opts,
    conf: {
      listen_tls: 1, tls_port: String(port), auth_tls: 'none',
      ca_file: pki.cacert, cert_file: pki.servercert, key_file: pki.serverkey, ...opts.conf, ...conf,
    },
  });
  for (let i = 0; i < 100 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 100));
  return { d, port };
}

/**
 * libvirt's client log lines on stderr (`<time>: <pid>: warning : [function:line : ]…`,
 * after `libvirt version: 9.0.0, package: <package>` and `hostname: …`) with
 * what differs between virsh and tsvirsh masked: time, pid (libvirt's thread
 * id), package and libvirt's source position.
 */
export function maskClientLog(s: string): string {
  return s.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: \d+: (info|warning|error) : (?:[A-Za-z0-9_]+:\d+ : )?/gm, 'TIME: PID: $1 : ')
    .replace(/^(TIME: PID: info : libvirt version: [0-9.]+, package: ).*$/gm, '$1PACKAGE');
}

/**
 * Runs a daemon (a private libvirtd, or tsvirtd) with listen_tls and `conf`
 * until it exits, as a start-up that fails does; returns its exit status
 * and its `error :` lines without libvirt's `function:line : `.
 */
export async function startTlsOnce(daemon: 'libvirtd' | 'tsvirtd', conf: Record<string, ConfValue>): Promise<{ status: number | null; errors: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), `tsvirt-tls-${daemon}-`));
  try {
    mkdirSync(join(dir, 'run'));
    const file = join(dir, 'libvirtd.conf');
    writeFileSync(file, confText({
      listen_tcp: 0, listen_tls: 1, tls_port: String(await freePort()), listen_addr: '127.0.0.1',
      unix_sock_dir: join(dir, 'run'), ...conf,
    }));
    const pid = join(dir, 'pid');
    const r = daemon === 'libvirtd'
      ? await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
        'for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt; do mkdir -p "$d" && mount -t tmpfs none "$d" || exit 1; done; exec libvirtd "$@"',
        'sh', '-f', file, '-p', pid, '--listen'])
      : await run(process.execPath, [...DAEMON_NODE_FLAGS, TSVIRTD, '-f', file, '-p', pid, '--listen'],
        { env: daemonEnv({ ...process.env, TSVIRTD_DRIVERS: 'test' }) });
    const errors = r.stderr.split('\n').filter((l) => / error : /.test(l))
      .map((l) => l.replace(/^.* error : (?:[A-Za-z0-9_]+:\d+ : )?/, ''));
    return { status: r.status, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
