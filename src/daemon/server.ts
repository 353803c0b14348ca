/**
 * The daemon's RPC server: one ClientSession per accepted connection, all
 * sharing one driver registry (so `test:///default` is one host for every
 * client of the daemon, as in libvirtd). Listeners (listen.ts) hand it
 * connected sockets; it knows nothing of addresses.
 */
import type { Duplex } from 'node:stream';
import { loadClientConfig, type ClientConfig } from '../config/index.js';
import { DriverRegistry } from '../driver/registry.js';
import { TestDriver } from '../driver/test/index.js';
import { ClientSession } from './client-session.js';
import type { Logger } from './log.js';

export interface DaemonServerOptions {
  /** Seconds of silence before a PING; -1 (or ≤ 0) disables keepalive. */
  keepaliveInterval: number;
  keepaliveCount: number;
  /** Calls one client may have in flight before the daemon stops reading it. */
  maxClientRequests: number;
  log: Logger;
  /** The drivers clients can open (default: the test driver). */
  drivers?: DriverRegistry;
  /** The daemon's libvirt.conf (URI aliases for CONNECT_OPEN names); default: read once at start. */
  clientConfig?: ClientConfig | null;
}

export interface ClientInfo {
  /** Accepted on a read-only socket: every connection is forced read-only. */
  readonly: boolean;
  transport: 'unix' | 'tcp';
  peer: string;
}

export class DaemonServer {
  readonly #opts: DaemonServerOptions;
  readonly #drivers: DriverRegistry;
  readonly #config: ClientConfig | null;
  readonly #sessions = new Set<ClientSession>();
  readonly #countListeners: ((n: number) => void)[] = [];
  readonly #drainWaiters: (() => void)[] = [];

  constructor(opts: DaemonServerOptions) {
    this.#opts = opts;
    this.#drivers = opts.drivers ?? new DriverRegistry([new TestDriver()]);
    this.#config = opts.clientConfig !== undefined ? opts.clientConfig : loadClientConfig(process.env);
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
      },
    });
    this.#sessions.add(session);
    o.log.debug(`client ${info.peer} connected over ${info.transport}${info.readonly ? ' (read-only socket)' : ''}`);
    this.#changed();
  }

  /** Disconnects every client and waits until their driver connections are released. */
  async close(): Promise<void> {
    if (this.#sessions.size === 0) return;
    const done = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    for (const s of this.#sessions) s.close();
    await done;
  }

  #changed(): void {
    const n = this.#sessions.size;
    for (const cb of this.#countListeners) cb(n);
    if (n === 0) for (const w of this.#drainWaiters.splice(0)) w();
  }
}
