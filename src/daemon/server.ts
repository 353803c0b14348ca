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
}

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

  /** Serves one accepted connection until it closes. */
  accept(socket: Duplex, info: ClientInfo): void {
    const o = this.#opts;
    const session: ClientSession = new ClientSession(socket, {
      ...info,
      keepaliveInterval: o.keepaliveInterval,
      keepaliveCount: o.keepaliveCount,
      maxClientRequests: Math.max(1, o.maxClientRequests),
      drivers: this.#drivers,
      clientConfig: this.#config,
      log: o.log,
      onEnd: () => {
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
