/**
 * The daemon's side of TLS (libvirtd's daemonSetupNetworking TLS part,
 * virNetTLSContextNewServer, virNetServerClient's handshake and
 * virNetTLSContextCheckCertificate): the server credentials, checked at
 * start-up, and per connection the handshake, the client certificate check
 * and the one-byte confirmation.
 */
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { certificateDN, fnmatch, loadCredentials, locateCredentials, type CredentialPaths } from '../transport/tls-creds.js';
import type { DaemonConfig } from './config.js';
import type { Logger } from './log.js';

/** A daemon's TLS settings, ready to serve. */
export interface ServerTLS {
  context: SecureContext;
  /** tls_no_verify_certificate = 0: a valid client certificate is required. */
  requireValidCert: boolean;
  /** tls_allowed_dn_list: fnmatch patterns, null for anyone. */
  allowedDN: readonly string[] | null;
  /** The certificates of ca_file, to verify clients with. */
  cas: readonly X509Certificate[];
}

/** Every certificate of a PEM file. */
function pemCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * gnutls_certificate_verify_peers2 for a client certificate issued directly
 * by one of the CAs (what libvirt's layout has), within its validity times.
 * A TLSSocket made by hand gets no `authorized` from node (only tls.Server
 * computes it), hence this.
 */
function verifyClient(cert: X509Certificate, cas: readonly X509Certificate[]): string | null {
  const now = Date.now();
  const issuer = cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer) return "The certificate hasn't got a known issuer.";
  if (Date.parse(cert.validTo) < now) return 'The certificate has expired.';
  if (Date.parse(cert.validFrom) > now) return 'The certificate is not yet activated.';
  return null;
}

/**
 * Where the server credentials are: the configured files (all three, or
 * libvirt's "No … path set" errors), else libvirt's default layout
 * (~/.pki/libvirt first when unprivileged).
 *
 * @throws VirtError CONFIG_UNSUPPORTED `No server certificate path set to match server key`…
 */
function serverPaths(config: DaemonConfig, privileged: boolean): CredentialPaths {
  const { caFile, certFile, keyFile } = config;
  if (caFile === null && certFile === null && keyFile === null) {
    return locateCredentials({ pkipath: null, isServer: true, tryUserPkiPath: !privileged });
  }
  const unset = (what: string): VirtError =>
    VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.NONE, what);
  if (caFile === null) throw unset('No CA certificate path set to match server key/cert');
  if (certFile === null) throw unset('No server certificate path set to match server key');
  if (keyFile === null) throw unset('No server key path set to match server cert');
  return { cacert: caFile, cacrl: config.crlFile ?? '', cert: certFile, key: keyFile };
}

/**
 * Loads and checks the server's credentials as libvirtd does before it
 * listens, so a daemon with a missing or bad file never starts.
 *
 * @throws VirtError e.g. `Cannot read CA certificate '/etc/pki/CA/cacert.pem': No such file or directory`,
 *   `Unable to set x509 key and certificate: KEY, CERT: The certificate and the given key do not match.`
 */
export function serverTLS(config: DaemonConfig, privileged: boolean): ServerTLS {
  const paths = serverPaths(config, privileged);
  const creds = loadCredentials(paths, { isServer: true, sanityCheck: !config.tlsNoSanityCertificate });
  let context: SecureContext;
  try {
    context = createSecureContext({
      ca: creds.ca, cert: creds.cert!, key: creds.key!,
      ...(creds.crl ? { crl: creds.crl } : {}),
    });
  } catch (err) {
    const why = /KEY_VALUES_MISMATCH|key values mismatch/i.test(String((err as Error).message))
      ? 'The certificate and the given key do not match.'
      : 'The requested data were not available.';
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC,
      `Unable to set x509 key and certificate: ${paths.key}, ${paths.cert}: ${why}`, { cause: err });
  }
  return {
    context, requireValidCert: !config.tlsNoVerifyCertificate, allowedDN: config.tlsAllowedDnList,
    cas: pemCertificates(creds.ca),
  };
}

const DN_HELP = "Client's Distinguished Name is not on the list of allowed clients (tls_allowed_dn_list).  " +
  "Use 'virt-pki-query-dn clientcert.pem' to view the Distinguished Name field in the client certificate, " +
  'or run this daemon with --verbose option.';

/**
 * virNetTLSContextValidCertificate on the server: null when the client may
 * stay, else the reason (libvirt's text).
 */
function checkClient(sock: TLSSocket, tls: ServerTLS): string | null {
  const peer = sock.getPeerX509Certificate();
  if (peer === undefined) return 'No certificate was presented.';
  const bad = verifyClient(peer, tls.cas);
  if (bad !== null) return `Certificate failed validation: ${bad}`;
  if (tls.allowedDN !== null) {
    const dn = certificateDN(peer);
    if (!tls.allowedDN.some((p) => fnmatch(p, dn))) return DN_HELP;
  }
  return null;
}

/**
 * Serves the TLS handshake on an accepted TCP socket. Resolves to the TLS
 * socket once the client passed the checks and got its 0x01; to null when
 * it was refused or went away (the socket is then destroyed: libvirt just
 * closes refused peers).
 */
export function acceptTLS(socket: Socket, tls: ServerTLS, peer: string, log: Logger): Promise<TLSSocket | null> {
  return new Promise((resolve) => {
    const sock = new TLSSocket(socket, {
      isServer: true, secureContext: tls.context,
      // gnutls_certificate_server_set_request(GNUTLS_CERT_REQUEST): asked
      // for, judged after the handshake.
      requestCert: true, rejectUnauthorized: false,
    });
    let settled = false;
    const refuse = (why: string | null): void => {
      if (settled) return;
      settled = true;
      if (why !== null) log.warn(`TLS client ${peer} refused: ${why}`);
      sock.destroy();
      socket.destroy();
      resolve(null);
    };
    sock.once('error', (err) => refuse(`TLS handshake failed: ${err.message}`));
    sock.once('close', () => refuse(null));
    sock.once('secure', () => {
      const problem = checkClient(sock, tls);
      if (problem !== null) {
        if (problem === DN_HELP) log.error(problem);
        log.warn(`Certificate check failed ${problem}`);
        if (tls.requireValidCert) {
          log.error("authentication failed: Failed to verify peer's certificate");
          refuse(null);
          return;
        }
        log.info('Ignoring bad certificate at user request');
      }
      settled = true;
      sock.removeAllListeners('error');
      sock.removeAllListeners('close');
      // virNetServerClientDispatchRead after the handshake: one byte 0x01,
      // then RPC.
      sock.write(Buffer.from([1]));
      resolve(sock);
    });
  });
}
