/**
 * The TLS transport, client side (virNetClientNewTLS over
 * virNetTLSContextNewClientPath): TCP, an x509 handshake with libvirt's
 * credentials, the peer check, then the daemon's one-byte confirmation
 * (0x01) before any RPC.
 */
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { RemotePlan } from '../driver/remote/plan.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { abortError, endOfFileError } from './errors.js';
import { connectTCPSocket } from './tcp.js';
import { loadCredentials, locateCredentials } from './tls-creds.js';
import { clientLog } from '../util/client-log.js';
import { LogPriority } from '../util/log-format.js';
import { parsePriority, priorityOptions, profileProblem, type TlsPriority } from './tls-priority.js';
import type { ConnectOptions, Transport } from './types.js';

/** LIBVIRTD_TLS_PORT. */
const TLS_PORT = 16514;

/** What libvirt says about a peer certificate node:tls did not accept (client and daemon). */
export function verifyReason(code: string | undefined): string {
  switch (code) {
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return "The certificate hasn't got a known issuer.";
    case 'CERT_REVOKED':
      return 'The certificate has been revoked.';
    default:
      return 'The certificate is not trusted.';
  }
}

/**
 * virNetTLSSessionCheckCertificate on the client: the chain, then the
 * owner against the host we dialled. Returns the failure text or null.
 */
function checkPeer(sock: TLSSocket, host: string, priority: TlsPriority | null): string | null {
  if (!sock.authorized) return `Certificate failed validation: ${verifyReason(String(sock.authorizationError ?? ''))}`;
  const peer = sock.getPeerCertificate();
  const weak = profileProblem(priority, peerKey(peer));
  if (weak !== null) return `Certificate failed validation: ${weak}`;
  if (checkServerIdentity(host, peer) !== undefined) {
    return `Certificate [session] owner does not match the hostname ${host}`;
  }
  return null;
}

/** The key type and size of a peer certificate (node's detailed certificate object). */
export function peerKey(peer: { bits?: number; modulus?: string; asn1Curve?: string }): { type: string | undefined; bits: number | undefined } {
  return { type: peer.modulus !== undefined ? 'rsa' : peer.asn1Curve !== undefined ? 'ec' : undefined, bits: peer.bits };
}

/**
 * virNetTLSSessionHandshake's failure: "TLS handshake failed" and
 * gnutls_strerror of what went wrong (AUTH_FAILED, RPC). The peer closing
 * mid-handshake (a daemon whose own session set-up failed, or that refused
 * us) is GnuTLS's premature termination, or a failed recv ("pull") when the
 * close came as a reset; an alert from the peer is a fatal alert.
 */
export function handshakeError(err: unknown): VirtError {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const why = /ALERT/.test(code) ? 'A TLS fatal alert has been received.'
    : code === 'ECONNRESET' ? 'Error in the pull function.'
      : code === 'EPIPE' ? 'Error in the push function.'
        : /WRONG_VERSION_NUMBER|UNSUPPORTED_PROTOCOL|PACKET_LENGTH_TOO_LONG/.test(code) ? 'An unexpected TLS packet was received.'
          // Other local failures have no GnuTLS counterpart we know: OpenSSL's words.
          : code.startsWith('ERR_SSL_') && err instanceof Error ? err.message
            : 'The TLS connection was non-properly terminated.';
  return VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, `TLS handshake failed ${why}`,
    err instanceof Error ? { cause: err } : undefined);
}

function handshake(sock: TLSSocket, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => { sock.destroy(); reject(abortError(signal!)); };
    const done = (err: unknown): void => {
      signal?.removeEventListener('abort', onAbort);
      sock.off('secureConnect', ok);
      sock.off('error', done);
      sock.off('close', closed);
      if (err) reject(err); else resolve();
    };
    const ok = (): void => done(null);
    const closed = (): void => done(handshakeError(null));
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('secureConnect', ok);
    sock.once('error', (err) => done(handshakeError(err)));
    sock.once('close', closed);
  });
}

/**
 * Reads the daemon's confirmation byte. A daemon that refused us (DN not
 * listed, no or unknown client certificate) just closes: libvirt then says
 * `Unable to read TLS confirmation: Input/output error` (SYSTEM_ERROR, REMOTE).
 */
function readConfirmation(sock: TLSSocket): Promise<void> {
  const fail = (): VirtError => VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.REMOTE,
    'Unable to read TLS confirmation: Input/output error');
  return new Promise((resolve, reject) => {
    const finish = (err: VirtError | null): void => {
      sock.off('readable', onReadable);
      sock.off('end', onEnd);
      sock.off('close', onEnd);
      sock.off('error', onEnd);
      if (err) reject(err); else resolve();
    };
    const onEnd = (): void => finish(fail());
    const onReadable = (): void => {
      const b = sock.read(1) as Buffer | null;
      if (b === null) return;
      finish(null);
    };
    sock.on('readable', onReadable);
    sock.once('end', onEnd);
    sock.once('close', onEnd);
    sock.once('error', onEnd);
    onReadable();
  });
}

/**
 * Opens a `+tls` connection as `plan` says: credentials located and checked
 * first (so a missing CA fails before any network I/O, as in libvirt).
 *
 * @throws VirtError e.g. `Cannot read CA certificate '…': No such file or directory`,
 *   `authentication failed: Failed to verify peer's certificate` (AUTH_FAILED, RPC),
 *   `Unable to read TLS confirmation: Input/output error`.
 */
export async function connectTLS(plan: RemotePlan, opts: ConnectOptions = {}): Promise<Transport> {
  const { signal } = opts;
  const env = opts.env ?? process.env;
  const paths = locateCredentials({
    pkipath: plan.pkipath, isServer: false,
    tryUserPkiPath: (process.getuid?.() ?? 0) !== 0, home: env['HOME'] || undefined,
  });
  const creds = loadCredentials(paths, { isServer: false, sanityCheck: !plan.noSanity });
  const tcp = await connectTCPSocket(plan.host, plan.port ?? TLS_PORT, signal);
  // virNetTLSSessionNew, after the TCP connect, is where libvirt applies tls_priority.
  let priority: TlsPriority | null = null;
  try {
    priority = plan.tlsPriority !== null ? parsePriority(plan.tlsPriority) : null;
  } catch (err) {
    tcp.destroy();
    throw err;
  }
  const sock = tlsConnect({
    ...priorityOptions(priority),
    socket: tcp,
    ca: creds.ca,
    ...(creds.crl ? { crl: creds.crl } : {}),
    ...(creds.cert && creds.key ? { cert: creds.cert, key: creds.key } : {}),
    // We check the chain and the name ourselves, after the handshake, to
    // give libvirt's messages and to honour no_verify.
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    ...(/^[0-9.]+$|:/.test(plan.host) ? {} : { servername: plan.host }),
  });
  try {
    await handshake(sock, signal);
    const problem = checkPeer(sock, plan.host, priority);
    // virNetTLSContextCheckCertificate warns whether or not no_verify lets it pass.
    if (problem !== null) clientLog(LogPriority.WARN, `Certificate check failed ${problem}`, { env });
    if (problem !== null && !plan.noVerify) {
      throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, "Failed to verify peer's certificate");
    }
    await readConfirmation(sock);
  } catch (err) {
    sock.destroy();
    tcp.destroy();
    throw err;
  }
  return {
    stream: sock,
    kind: 'tls',
    secure: true,
    encrypted: true,
    eofError: () => endOfFileError(null),
    close: () => { sock.destroy(); },
  };
}
