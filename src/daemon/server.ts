/**
 * The daemon's RPC server: one ClientSession per accepted connection, all
 * sharing one driver registry (so `test:///default` is one host for every
 * client of the daemon, as in libvirtd). Listeners (listen.ts) hand it
 * connected sockets; it knows nothing of addresses.
 */
import type { Duplex } from 'node:stream';
import { loadClientConfig, type ClientConfig } from '../config/index.js';
import type { DriverStartContext } from '../driver/driver.js';
import { daemonDrivers } from '../driver/drivers.js';
import type { DriverRegistry } from '../driver/registry.js';
import { ClientSession } from './client-session.js';
import { fullGc } from './gc.js';
import type { Logger } from './log.js';
import type { SaslContext } from './sasl-context.js';
import { SaslLayerStream } from '../auth/sasl/index.js';

export interface DaemonServerOptions {
  /** Seconds of silence before a PING; -1 (or ≤ 0) disables keepalive. */
  keepaliveInterval: number;
  keepaliveCount: number;
  /** Calls one client may have in flight before the daemon stops reading it. */
  maxClientRequests: number;
  log: Logger;
  /** The drivers clients can open (default: the daemon's of src/driver/drivers.ts). */
  drivers?: DriverRegistry;
  /** The daemon's libvirt.conf (URI aliases for CONNECT_OPEN names); default: read once at start. */
  clientConfig?: ClientConfig | null;
  /**
   * Milliseconds after the last client left (with no other leaving since)
   * before a full garbage collection hands the memory of the clients that
   * went back to the OS; 0 never. Default 3000 (past the 2 s a closing
   * socket may take to flush).
   */
  reclaimDelayMs?: number;
  /** auth_unix_rw, auth_unix_ro, auth_tcp, auth_tls (default: none everywhere). */
  auth?: SocketAuth;
  /** The SASL settings, when a socket uses "sasl". */
  sasl?: SaslContext | null;
  /**
   * max_anonymous_clients: clients still authenticating at once; 0 for no
   * limit (default 20, libvirtd's).
   */
  maxAnonymousClients?: number;
}

/** Each socket's auth_* scheme. */
export interface SocketAuth { unixRw: 'none' | 'sasl'; unixRo: 'none' | 'sasl'; tcp: 'none' | 'sasl'; tls: 'none' | 'sasl' }

/** At most one reclaiming collection per this many milliseconds. */
const RECLAIM_MIN_INTERVAL_MS = 10_000;

export interface ClientInfo {
  /** Accepted on a read-only socket: every connection is forced read-only. */
  readonly: boolean;
  transport: 'unix' | 'tcp' | 'tls';
  peer: string;
}

export class DaemonServer {
  readonly #opts: DaemonServerOptions;
  readonly #drivers: DriverRegistry;
  readonly #config: ClientConfig | null;
  readonly #sessions = new Set<ClientSession>();
  readonly #countListeners: ((n: number) => void)[] = [];
  readonly #drainWaiters: (() => void)[] = [];
  #reclaimTimer: NodeJS.Timeout | null = null;
  #lastReclaim = 0;
  /** Clients still to authenticate (virNetServer's nclients_unauth). */
  #unauth = 0;
  /** Connections accepted while the services are "suspended", oldest first. */
  readonly #waiting: { socket: Duplex; info: ClientInfo; onClose: () => void }[] = [];

  constructor(opts: DaemonServerOptions) {
    this.#opts = opts;
    this.#drivers = opts.drivers ?? daemonDrivers();
    this.#config = opts.clientConfig !== undefined ? opts.clientConfig : loadClientConfig(process.env);
  }

  /** The drivers clients open, in the order they are asked. */
  get drivers(): DriverRegistry {
    return this.#drivers;
  }

  /**
   * Starts the drivers in order (daemonRunStateInit → virStateInitialize),
   * logging to the daemon's log. Clients may connect meanwhile: opening a
   * connection waits for the start to finish. Resolves to the names of the
   * drivers that failed.
   */
  startDrivers(ctx: Omit<DriverStartContext, 'log'>): Promise<string[]> {
    return this.#drivers.start({ ...ctx, log: this.#opts.log });
  }

  /** Stops the started drivers in reverse order (virStateCleanup); call after close(). */
  stopDrivers(): Promise<void> {
    return this.#drivers.stop(this.#opts.log);
  }

  get clientCount(): number {
    return this.#sessions.size;
  }

  onClientCount(cb: (n: number) => void): void {
    this.#countListeners.push(cb);
  }

  /** The auth_* scheme of the socket a client came in on. */
  #authOf(info: ClientInfo): 'none' | 'sasl' {
    const a = this.#opts.auth;
    if (!a) return 'none';
    if (info.transport === 'unix') return info.readonly ? a.unixRo : a.unixRw;
    return info.transport === 'tls' ? a.tls : a.tcp;
  }

  /**
   * virNetServerCheckLimits for max_anonymous_clients: while that many
   * clients are still authenticating, libvirtd stops accepting on every
   * socket, so newcomers wait in the listen backlog. Node cannot stop
   * accepting without closing the listener, so a newcomer is accepted and
   * left unread until a slot frees (the client sees the same: a connection
   * nobody answers yet).
   */
  #isSuspended(): boolean {
    const max = this.#opts.maxAnonymousClients ?? 20;
    return max > 0 && this.#unauth >= max;
  }

  /** Serves one accepted connection until it closes (or queues it while suspended). */
  accept(socket: Duplex, info: ClientInfo): void {
    if (this.#isSuspended() || this.#waiting.length > 0) {
      socket.pause();
      const w = { socket, info, onClose: () => this.#dropWaiting(w) };
      socket.once('close', w.onClose);
      this.#waiting.push(w);
      this.#opts.log.debug(`client ${info.peer}: ${this.#unauth} clients authenticating, waiting`);
      return;
    }
    this.#serve(socket, info);
  }

  #dropWaiting(w: { socket: Duplex }): void {
    const i = this.#waiting.findIndex((x) => x === w);
    if (i >= 0) this.#waiting.splice(i, 1);
  }

  /** A client left the anonymous set: let waiting ones in while there is room. */
  #authDone(): void {
    this.#unauth--;
    while (this.#waiting.length > 0 && !this.#isSuspended()) {
      const w = this.#waiting.shift()!;
      w.socket.off('close', w.onClose);
      if (w.socket.destroyed) continue;
      this.#serve(w.socket, w.info);
      w.socket.resume();
    }
  }

  #serve(socket: Duplex, info: ClientInfo): void {
    const o = this.#opts;
    const auth = this.#authOf(info);
    let pending = auth !== 'none';
    const authDone = (): void => {
      if (!pending) return;
      pending = false;
      this.#authDone();
    };
    if (pending) this.#unauth++;
    // Plain TCP with SASL: the security layer goes under the RPC stream once negotiated.
    const layer = auth === 'sasl' && info.transport === 'tcp' ? new SaslLayerStream(socket) : null;
    const session: ClientSession = new ClientSession(layer ?? socket, {
      ...info,
      auth,
      sasl: o.sasl ?? null,
      layer,
      onAuthenticated: authDone,
      keepaliveInterval: o.keepaliveInterval,
      keepaliveCount: o.keepaliveCount,
      maxClientRequests: Math.max(1, o.maxClientRequests),
      drivers: this.#drivers,
      clientConfig: this.#config,
      log: o.log,
      onEnd: () => {
        authDone();
        this.#sessions.delete(session);
        this.#changed();
        this.#scheduleReclaim();
      },
    });
    this.#sessions.add(session);
    o.log.debug(`client ${info.peer} connected over ${info.transport}${info.readonly ? ' (read-only socket)' : ''}`);
    this.#changed();
  }

  /** Disconnects every client and waits until their driver connections are released. */
  async close(): Promise<void> {
    if (this.#reclaimTimer) clearTimeout(this.#reclaimTimer);
    this.#reclaimTimer = null;
    for (const w of this.#waiting.splice(0)) w.socket.destroy();
    if (this.#sessions.size === 0) return;
    const done = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    for (const s of this.#sessions) s.close();
    await done;
  }

  /**
   * V8 grows its heap for a burst of big requests and keeps it until a full
   * collection, which an idle daemon may never run: once clients have gone
   * and things are quiet, run one, so memory returns to its baseline as
   * libvirtd's does when it frees a client.
   */
  #scheduleReclaim(): void {
    const delay = this.#opts.reclaimDelayMs ?? 3000;
    if (delay <= 0) return;
    if (this.#reclaimTimer) clearTimeout(this.#reclaimTimer);
    const wait = Math.max(delay, this.#lastReclaim + RECLAIM_MIN_INTERVAL_MS - Date.now());
    this.#reclaimTimer = setTimeout(() => {
      this.#reclaimTimer = null;
      this.#lastReclaim = Date.now();
      const before = process.memoryUsage.rss();
      if (!fullGc()) return;
      const m = process.memoryUsage();
      this.#opts.log.debug(`reclaimed memory: RSS ${before >> 20} → ${m.rss >> 20} MiB (JS heap ${m.heapUsed >> 20}`
        + ` of ${m.heapTotal >> 20} MiB, external ${m.external >> 20} MiB, ${this.#sessions.size} clients)`);
    }, wait);
    this.#reclaimTimer.unref();
  }

  #changed(): void {
    const n = this.#sessions.size;
    for (const cb of this.#countListeners) cb(n);
    if (n === 0) for (const w of this.#drainWaiters.splice(0)) w();
  }
}
