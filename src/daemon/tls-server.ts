/**
 * The daemon's side of TLS (libvirtd's daemonSetupNetworking TLS part,
 * virNetTLSContextNewServer, virNetServerClient's handshake and
 * virNetTLSContextCheckCertificate): the server credentials, checked at
 * start-up, and per connection the handshake, the client certificate check
 * and the one-byte confirmation.
 */
import { createSecureContext, createServer, type Server, type TLSSocket, type TlsOptions } from 'node:tls';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { certificateDN, fnmatch, loadCredentials, locateCredentials, type CredentialPaths } from '../transport/tls-creds.js';
import type { DaemonConfig } from './config.js';
import type { Logger } from './log.js';
import { verifyReason } from '../transport/tls.js';

/** A daemon's TLS settings, ready to serve. */
export interface ServerTLS {
  /** The PEMs for tls.createServer (already checked by createSecureContext). */
  options: TlsOptions;
  /** tls_no_verify_certificate = 0: a valid client certificate is required. */
  requireValidCert: boolean;
  /** tls_allowed_dn_list: fnmatch patterns, null for anyone. */
  allowedDN: readonly string[] | null;
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
  const options: TlsOptions = {
    ca: creds.ca, cert: creds.cert!, key: creds.key!,
    ...(creds.crl ? { crl: creds.crl } : {}),
    // gnutls_certificate_server_set_request(GNUTLS_CERT_REQUEST): asked
    // for, judged after the handshake.
    requestCert: true, rejectUnauthorized: false,
  };
  try {
    createSecureContext(options);
  } catch (err) {
    const why = /KEY_VALUES_MISMATCH|key values mismatch/i.test(String((err as Error).message))
      ? 'The certificate and the given key do not match.'
      : 'The requested data were not available.';
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC,
      `Unable to set x509 key and certificate: ${paths.key}, ${paths.cert}: ${why}`, { cause: err });
  }
  return { options, requireValidCert: !config.tlsNoVerifyCertificate, allowedDN: config.tlsAllowedDnList };
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
  if (!sock.authorized) return `Certificate failed validation: ${verifyReason(String(sock.authorizationError ?? ''))}`;
  if (tls.allowedDN !== null) {
    const dn = certificateDN(peer);
    if (!tls.allowedDN.some((p) => fnmatch(p, dn))) return DN_HELP;
  }
  return null;
}

/**
 * A TLS listener: node's tls.Server does the handshake and the chain
 * verification (CA, CRL); then the client check, and for a client that may
 * stay the confirmation byte and `onClient`. Refused clients are just
 * closed, as libvirt does.
 */
export function tlsServer(tls: ServerTLS, log: Logger, onClient: (sock: TLSSocket, peer: string) => void): Server {
  const server = createServer(tls.options, (sock) => {
    const peer = `${sock.remoteAddress};${sock.remotePort}`;
    const problem = checkClient(sock, tls);
    if (problem !== null) {
      if (problem === DN_HELP) log.error(problem);
      log.warn(`Certificate check failed ${problem}`);
      if (tls.requireValidCert) {
        log.error("authentication failed: Failed to verify peer's certificate");
        sock.destroy();
        return;
      }
      log.info('Ignoring bad certificate at user request');
    }
    // virNetServerClientDispatchRead after the handshake: one byte 0x01,
    // then RPC.
    sock.write(Buffer.from([1]));
    onClient(sock, peer);
  });
  server.on('tlsClientError', (err, sock) => {
    log.warn(`TLS handshake failed with ${sock.remoteAddress};${sock.remotePort}: ${err.message}`);
    sock.destroy();
  });
  return server;
}
