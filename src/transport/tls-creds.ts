/**
 * x509 credentials for the TLS transport, both ends: where libvirt looks for
 * them (virNetTLSContextLocateCredentials), the checks it makes before use
 * (virNetTLSContextSanityCheckCredentials, virNetTLSContextLoadCredentials)
 * with its error texts, and the peer checks after a handshake (the DN in
 * gnutls order, tls_allowed_dn_list wildcards).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { isReadable } from '../util/file-access.js';
import { rpcSystemError } from './errors.js';

/** libvirt's system PKI paths (SYSCONFDIR "/pki"). */
export const PKI = {
  cacert: '/etc/pki/CA/cacert.pem',
  cacrl: '/etc/pki/CA/cacrl.pem',
  clientKey: '/etc/pki/libvirt/private/clientkey.pem',
  clientCert: '/etc/pki/libvirt/clientcert.pem',
  serverKey: '/etc/pki/libvirt/private/serverkey.pem',
  serverCert: '/etc/pki/libvirt/servercert.pem',
} as const;

export interface CredentialPaths {
  cacert: string;
  cacrl: string;
  cert: string;
  key: string;
}

/**
 * virNetTLSContextLocateCredentials: `pkipath` holds all four files whether
 * they exist or not; else (unprivileged) ~/.pki/libvirt for the files found
 * there (cert and key as a pair); the system paths for the rest.
 */
export function locateCredentials(o: { pkipath: string | null; isServer: boolean; tryUserPkiPath: boolean; home?: string }): CredentialPaths {
  const side = o.isServer ? 'server' : 'client';
  if (o.pkipath !== null) {
    return {
      cacert: join(o.pkipath, 'cacert.pem'), cacrl: join(o.pkipath, 'cacrl.pem'),
      cert: join(o.pkipath, `${side}cert.pem`), key: join(o.pkipath, `${side}key.pem`),
    };
  }
  const sys: CredentialPaths = {
    cacert: PKI.cacert, cacrl: PKI.cacrl,
    cert: o.isServer ? PKI.serverCert : PKI.clientCert, key: o.isServer ? PKI.serverKey : PKI.clientKey,
  };
  if (!o.tryUserPkiPath) return sys;
  const dir = join(o.home ?? homedir(), '.pki', 'libvirt');
  const user = (f: string): string | null => (existsSync(join(dir, f)) ? join(dir, f) : null);
  const cert = user(`${side}cert.pem`);
  const key = user(`${side}key.pem`);
  const pair = cert !== null && key !== null;
  return {
    cacert: user('cacert.pem') ?? sys.cacert,
    cacrl: user('cacrl.pem') ?? sys.cacrl,
    cert: pair ? cert : sys.cert,
    key: pair ? key : sys.key,
  };
}

/** The PEM contents to hand to node:tls. */
export interface Credentials {
  paths: CredentialPaths;
  ca: Buffer;
  crl: Buffer | null;
  /** null on a client without a certificate (allowed: the server decides). */
  cert: Buffer | null;
  key: Buffer | null;
}

/** virNetTLSContextCheckCertFile: `Cannot read <type> '<file>': <strerror>` (SYSTEM_ERROR, RPC). */
function checkFile(type: string, file: string, allowMissing: boolean): boolean {
  if (existsSync(file)) return true;
  if (allowMissing) return false;
  const e = Object.assign(new Error('No such file or directory'), { code: 'ENOENT' });
  throw rpcSystemError(`Cannot read ${type} '${file}'`, e);
}

function parse(file: string, isServer: boolean): X509Certificate {
  try {
    return new X509Certificate(readFileSync(file));
  } catch (err) {
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC,
      `Unable to import ${isServer ? 'server' : 'client'} certificate ${file}`, { cause: err });
  }
}

/** virNetTLSContextCheckCertTimes. */
function checkTimes(cert: X509Certificate, file: string, isServer: boolean, isCA: boolean): void {
  const now = Date.now();
  const who = isCA ? 'CA' : isServer ? 'server' : 'client';
  if (Date.parse(cert.validTo) < now) {
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC, `The ${who} certificate ${file} has expired`);
  }
  if (Date.parse(cert.validFrom) > now) {
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC, `The ${who} certificate ${file} is not yet active`);
  }
}

/**
 * virNetTLSContextSanityCheckCredentials, the parts node:crypto can see:
 * validity times of both certificates and our own certificate against the
 * CA (`Our own certificate X failed validation against Y: …`). Files that
 * are not readable are skipped here; loading reports them.
 */
function sanityCheck(paths: CredentialPaths, isServer: boolean): void {
  const cert = isReadable(paths.cert) ? parse(paths.cert, isServer) : null;
  const ca = isReadable(paths.cacert) ? parse(paths.cacert, isServer) : null;
  if (cert) checkTimes(cert, paths.cert, isServer, false);
  if (ca) checkTimes(ca, paths.cacert, isServer, true);
  if (cert && ca && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC,
      `Our own certificate ${paths.cert} failed validation against ${paths.cacert}: The certificate hasn't got a known issuer.`);
  }
}

/**
 * virNetTLSContextNew's checks and loading: sanity check (unless
 * `sanityCheck` is false: tls_no_sanity_certificate / no_sanity), then the CA
 * (must exist), the CRL (optional), the certificate and key (a server must
 * have both; a client without them connects anonymously).
 *
 * @throws VirtError SYSTEM_ERROR (domain RPC), e.g.
 *   `Cannot read CA certificate '/etc/pki/CA/cacert.pem': No such file or directory`
 */
export function loadCredentials(paths: CredentialPaths, o: { isServer: boolean; sanityCheck: boolean }): Credentials {
  if (o.sanityCheck) sanityCheck(paths, o.isServer);
  checkFile('CA certificate', paths.cacert, false);
  const ca = readFileSync(paths.cacert);
  const crl = checkFile('CA revocation list', paths.cacrl, true) ? readFileSync(paths.cacrl) : null;
  let cert: Buffer | null = null;
  let key: Buffer | null = null;
  if (checkFile('certificate', paths.cert, !o.isServer) && checkFile('private key', paths.key, !o.isServer)) {
    cert = readFileSync(paths.cert);
    key = readFileSync(paths.key);
  }
  return { paths, ca, crl, cert, key };
}

/**
 * gnutls_x509_crt_get_dn as libvirt sees it: the subject's RDNs in
 * certificate order (C first for the usual certtool/openssl layout),
 * `,`-joined, e.g. `C=GB,O=tsvirt test,CN=client allowed`.
 */
export function certificateDN(cert: X509Certificate): string {
  return cert.subject.split('\n').filter((s) => s !== '').join(',');
}

/**
 * fnmatch(pattern, s, 0): `*`, `?`, `[…]` (with `!`/`^` and ranges) and `\`
 * escapes; `/` and leading dots are not special with flags 0.
 */
export function fnmatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const neg = body.startsWith('!') || body.startsWith('^');
      if (neg) body = body.slice(1);
      re += `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`${re}$`).test(s);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
