/**
 * The shape every transport returns (see index.ts for the contract).
 */
import type { Duplex } from 'node:stream';
import type { ConnectAuth } from '../driver/driver.js';
import type { RemoteTransportName } from '../driver/remote/plan.js';
import type { VirtError } from '../errors.js';

export type TransportKind = RemoteTransportName;

/** An open connection to a daemon: the RPC bytes both ways. */
export interface Transport {
  /** The protocol's bytes both ways. */
  readonly stream: Duplex;
  readonly kind: TransportKind;
  /**
   * priv->is_secure of libvirt's remote driver: unix, ssh, libssh, libssh2
   * (and tls) are secure; tcp and ext are not.
   */
  readonly secure: boolean;
  /**
   * Whether the transport itself encrypts in libvirt's sense
   * (virNetClientIsEncrypted: TLS or a SASL layer). No transport here does;
   * SSH does not count, as in libvirt.
   */
  readonly encrypted: boolean;
  /**
   * libvirt's error for the stream ending while a reply is awaited:
   * "End of file while reading data[: <helper stderr>]: Input/output error"
   * (SYSTEM_ERROR, RPC), or the libssh transport's exit-status error.
   * The stream itself already fails with this error instead of ending when
   * a helper process left something on stderr.
   */
  eofError(): VirtError;
  /** Ends the stream and stops any child process or SSH session. */
  close(): void;
}

export interface ConnectOptions {
  /** The credential callback (passwords, passphrases, host key questions). */
  auth?: ConnectAuth | undefined;
  /** Aborts the connect (and SSH handshake); the promise rejects with OPERATION_ABORTED. */
  signal?: AbortSignal | undefined;
  /**
   * The daemon to start for session autostart (gets `--timeout=120` appended);
   * default `[process.execPath, <repo>/bin/tsvirtd.cjs]`.
   */
  daemonCommand?: string[] | undefined;
  /** Environment for child processes, SSH_AUTH_SOCK, auth.conf lookup (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}
