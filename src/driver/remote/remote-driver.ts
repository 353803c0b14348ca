/**
 * The remote driver: every call on the connection becomes a CALL of the
 * REMOTE program to a daemon (libvirtd, tsvirtd, virtproxyd…).
 *
 * Opening follows libvirt's remote client (doRemoteOpen, libvirt-rpc.md
 * §10): transport, AUTH_LIST, CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE)
 * (a yes arms keepalive at interval 5 s, count 5), CONNECT_OPEN with the
 * name rebuilt from the URI, CONNECT_GET_URI when the daemon picked the
 * driver, then the REMOTE_EVENT_CALLBACK and REMOTE_CLOSE_CALLBACK probes.
 *
 * Contract methods are the table's procedures, so the connection object is
 * generated from `remote`: any method named after a REMOTE procedure is a
 * call of that procedure. The few that libvirt's remote driver answers
 * locally (URI, secure/encrypted/alive, close, events) are written out.
 *
 * This module is only the entry point; the connection itself is in
 * remote-connection.ts, loaded when a remote URI is first opened.
 */
import type { ClientConfig } from '../../config/index.js';
import type { ParsedURI } from '../../uri/index.js';
import type { Driver, DriverConnection, OpenOptions } from '../driver.js';

export interface RemoteDriverOptions {
  /** libvirt.conf of the client (remote_mode etc.); default: loaded from the environment. */
  config?: ClientConfig | null;
  env?: NodeJS.ProcessEnv;
  /** argv that starts a session daemon (autostart), default: this package's tsvirtd. */
  daemonCommand?: string[];
}

export class RemoteDriver implements Driver {
  readonly name = 'remote';
  readonly #opts: RemoteDriverOptions;

  constructor(opts: RemoteDriverOptions = {}) {
    this.#opts = opts;
  }

  /**
   * Everything the embedded drivers did not claim: URIs with a transport or
   * a host, drivers that live in a daemon (qemu:///system…), remote://, and
   * probing (no URI at all), as libvirt's remoteConnectOpen.
   */
  accepts(_uri: ParsedURI | null): boolean {
    return true;
  }

  async open(uri: ParsedURI | null, opts: OpenOptions): Promise<DriverConnection> {
    // Loaded on first use: a local test:/// connection never pays for the
    // protocol tables, the RPC client or the transports.
    const { openRemote } = await import('./remote-connection.js');
    return openRemote(uri, opts, this.#opts);
  }
}
