/**
 * The daemon's side of TLS (libvirtd's daemonSetupNetworking TLS part,
 * virNetTLSContextNewServer, virNetServerClient's handshake and
 * virNetTLSContextCheckCertificate): the server credentials, checked at
 * start-up, and per connection the handshake, the client certificate check
 * and the one-byte confirmation.
 */
import { createServer as createNetServer, type Server } from 'node:net';
import { createSecureContext, createServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { certificateDN, fnmatch, loadCredentials, locateCredentials, type CredentialPaths } from '../transport/tls-creds.js';
import { parsePriority, priorityOptions, profileProblem, type TlsPriority } from '../transport/tls-priority.js';
import type { DaemonConfig } from './config.js';
import type { Logger } from './log.js';
import { peerKey, verifyReason } from '../transport/tls.js';

/**
 * How long a connection may take to finish the TLS handshake. libvirtd has
 * no such limit (a silent client holds its slot until it goes away); here a
 * client that says nothing is dropped, so it cannot hold a max_clients slot
 * forever. Generous for any real client.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

/** A daemon's TLS settings, ready to serve. */
export interface ServerTLS {
  /** The PEMs for tls.createServer (already checked by createSecureContext). */
  options: TlsOptions;
  /** tls_no_verify_certificate = 0: a valid client certificate is required. */
  requireValidCert: boolean;
  /** tls_allowed_dn_list: fnmatch patterns, null for anyone. */
  allowedDN: readonly string[] | null;
  /** tls_priority translated (null: node's defaults). */
  priority: TlsPriority | null;
  /**
   * A tls_priority GnuTLS itself rejects: libvirtd starts anyway and fails
   * every session with this (virNetTLSSessionNew), so every client is closed.
   */
  sessionError: string | null;
  /** Handshake time limit (ms); default {@link TLS_HANDSHAKE_TIMEOUT_MS}. */
  handshakeTimeoutMs?: number;
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
  const { priority, sessionError } = serverPriority(config.tlsPriority);
  const options: TlsOptions = {
    ...priorityOptions(priority),
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
  return { options, requireValidCert: !config.tlsNoVerifyCertificate, allowedDN: config.tlsAllowedDnList, priority, sessionError };
}

/**
 * tls_priority for the daemon. A string GnuTLS rejects is kept as the
 * per-session error libvirtd logs; one GnuTLS takes but OpenSSL cannot be
 * told stops the start-up (serving with other settings than asked would be
 * worse than not serving).
 *
 * @throws VirtError CONFIG_UNSUPPORTED `Failed to set TLS session priority to X: 'Y' is valid for GnuTLS but …`
 */
function serverPriority(text: string | null): { priority: TlsPriority | null; sessionError: string | null } {
  if (text === null) return { priority: null, sessionError: null };
  try {
    return { priority: parsePriority(text), sessionError: null };
  } catch (err) {
    if (err instanceof VirtError && err.code === ErrorCode.SYSTEM_ERROR) return { priority: null, sessionError: err.message };
    throw err;
  }
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
  const weak = profileProblem(tls.priority, peerKey(sock.getPeerCertificate()));
  if (weak !== null) return `Certificate failed validation: ${weak}`;
  if (tls.allowedDN !== null) {
    const dn = certificateDN(peer);
    if (!tls.allowedDN.some((p) => fnmatch(p, dn))) return DN_HELP;
  }
  return null;
}

/**
 * Closes a refused client as libvirtd does: no TLS close_notify (virsh
 * would say "server verification … failed"), just EOF, which virsh reports
 * as "Unable to read TLS confirmation: Input/output error". Under TLS 1.2
 * our Finished message is written only after the secureConnection callback
 * returns, so close on the next turn (the client must see a finished
 * handshake). Under TLS 1.3 close at once: a turn later OpenSSL has sent
 * its session tickets (GnuTLS in libvirtd sends none), after which virsh's
 * read fails with EAGAIN instead.
 */
function refuse(sock: TLSSocket): void {
  if (sock.getProtocol() === 'TLSv1.3') sock.destroy();
  else setImmediate(() => sock.destroy());
}

/**
 * A TLS listener: node's tls.Server does the handshake and the chain
 * verification (CA, CRL); then the client check, and for a client that may
 * stay the confirmation byte and `onClient`. Refused clients are just
 * closed, as libvirt does.
 */
export function tlsServer(tls: ServerTLS, log: Logger, onClient: (sock: TLSSocket, peer: string) => void): Server {
  if (tls.sessionError !== null) {
    const why = tls.sessionError;
    return createNetServer((raw) => {
      log.error(why);
      raw.destroy();
    });
  }
  const timeoutMs = tls.handshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS;
  const server = createServer({ ...tls.options, handshakeTimeout: timeoutMs }, (sock) => {
    const peer = `${sock.remoteAddress};${sock.remotePort}`;
    const problem = checkClient(sock, tls);
    if (problem !== null) {
      if (problem === DN_HELP) log.error(problem);
      log.warn(`Certificate check failed ${problem}`);
      if (tls.requireValidCert) {
        log.error("authentication failed: Failed to verify peer's certificate");
        refuse(sock);
        return;
      }
      log.info('Ignoring bad certificate at user request');
    }
    // virNetServerClientDispatchRead after the handshake: one byte 0x01,
    // then RPC.
    sock.write(Buffer.from([1]));
    onClient(sock, peer);
  });
  // The TLS socket has lost its address by the time it fails: remember the raw one's.
  const peers = new WeakMap<object, string>();
  server.on('connection', (raw: { remoteAddress?: string; remotePort?: number }) => {
    peers.set(raw, `${raw.remoteAddress};${raw.remotePort}`);
  });
  server.on('tlsClientError', (err, sock) => {
    const peer = peers.get((sock as unknown as { _parent?: object })._parent ?? sock) ?? 'unknown peer';
    if ((err as NodeJS.ErrnoException).code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
      log.warn(`TLS handshake with ${peer} not finished after ${timeoutMs / 1000} s, dropping it`);
    } else {
      log.error(`authentication failed: TLS handshake failed with ${peer}: ${err.message}`);
    }
    sock.destroy();
  });
  return server;
}
