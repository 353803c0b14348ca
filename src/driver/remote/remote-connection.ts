/**
 * One remote connection: the RPC client over a transport, libvirt's client
 * handshake, and the DriverConnection generated from the REMOTE table. Kept
 * apart from remote-driver.ts so that the protocol tables, the RPC client
 * and the transports load only when a remote URI is opened.
 */
import type { ClientConfig } from '../../config/index.js';
import { loadClientConfig } from '../../config/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { remote, type EventMessage, type Procedure } from '../../protocol/index.js';
import { CloseReason, RpcClient, type CallOptions } from '../../rpc/index.js';
import { formatURI, type ParsedURI } from '../../uri/index.js';
import { currentSignal } from '../call-context.js';
import { DriverFeature as Feature, type DriverConnection, type DriverEvent, type OpenOptions } from '../driver.js';
import type { DriverStream } from '../stream.js';
import { planRemote, type RemotePlan } from './plan.js';
import { connectTransport, type Transport } from '../../transport/index.js';

/** virsh's and libvirt's defaults for client keepalive. */
export const KEEPALIVE_INTERVAL = 5;
export const KEEPALIVE_COUNT = 5;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProc = Procedure<any, any, any, any>;

/** What RemoteDriver.open needs from its options. */
export interface OpenRemoteOptions {
  config?: ClientConfig | null | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  daemonCommand?: string[] | undefined;
}

/** Plans, connects, and runs the handshake; the returned connection is ready for calls. */
export async function openRemote(uri: ParsedURI | null, opts: OpenOptions, o: OpenRemoteOptions): Promise<DriverConnection> {
  const env = o.env ?? process.env;
  const config = o.config !== undefined ? o.config : loadClientConfig(env);
  const plan = planRemote(uri, { flags: opts.flags, config, env });
  const transport = await connectTransport(plan, {
    auth: opts.auth, signal: opts.signal,
    ...(o.daemonCommand ? { daemonCommand: o.daemonCommand } : {}),
  });
  const conn = new RemoteConnection(transport, plan, uri);
  try {
    await conn.handshake(opts.signal);
  } catch (e) {
    conn.destroy();
    throw e;
  }
  return conn.proxy();
}

class RemoteConnection {
  readonly #transport: Transport;
  readonly #plan: RemotePlan;
  readonly #uri: ParsedURI | null;
  readonly #client: RpcClient;
  readonly #listeners = new Set<(ev: DriverEvent) => void>();
  /** Callback IDs the daemon gave our registrations, per family. */
  readonly #callbackIDs = new Set<number>();
  #registered: Promise<void> | null = null;
  #eventCallbacks = false;
  #keepalive = false;
  #probedURI: string | null = null;
  #closing = false;

  constructor(transport: Transport, plan: RemotePlan, uri: ParsedURI | null) {
    this.#transport = transport;
    this.#plan = plan;
    this.#uri = uri;
    this.#client = new RpcClient(transport.stream, {
      onEvent: (entry, msg) => this.#onEvent(entry, msg),
      onClose: (reason) => {
        transport.close();
        if (!this.#closing && reason !== CloseReason.CLIENT) this.#emit({ kind: 'connection-closed', reason });
      },
    });
  }

  call<P extends AnyProc>(p: P, args: unknown, opts?: CallOptions): Promise<unknown> {
    return this.#client.call(p, args as never, opts);
  }

  /**
   * A stream procedure (remoteDomainOpenConsole & co): the call, then the
   * RPC stream becomes the driver's side of the caller's stream.
   */
  async openStream(p: AnyProc, args: unknown, stream: DriverStream): Promise<unknown> {
    const { ret, stream: rpc } = await this.#client.openStream(p, args as never, { signal: currentSignal() });
    try {
      stream.attach(rpc);
    } catch (e) {
      await rpc.abort().catch(() => undefined);
      throw e;
    }
    return ret;
  }

  async handshake(signal?: AbortSignal): Promise<void> {
    const o = { signal };
    try {
      const { types } = await this.#client.call(remote.authList, undefined, o);
      const type = types[0] ?? 0;
      if (type !== 0) {
        const name = type === 1 ? 'sasl' : type === 2 ? 'polkit' : String(type);
        throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.REMOTE,
          `authentication type ${name} is not yet supported by tsvirt`);
      }
    } catch (e) {
      // An ancient daemon without AUTH_LIST: no authentication (remoteAuthenticate).
      if (!(e instanceof VirtError) || e.code !== ErrorCode.NO_SUPPORT) throw e;
    }
    const ka = await this.#client.call(remote.connectSupportsFeature, { feature: Feature.PROGRAM_KEEPALIVE }, o);
    this.#keepalive = ka.supported !== 0;
    if (this.#keepalive) this.#client.startKeepalive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT);
    await this.#client.call(remote.connectOpen, { name: this.#plan.name, flags: this.#plan.openFlags }, o);
    if (this.#plan.probe) this.#probedURI = (await this.#client.call(remote.connectGetURI, undefined, o)).uri;
    const [ev] = await Promise.all([
      this.#client.call(remote.connectSupportsFeature, { feature: Feature.REMOTE_EVENT_CALLBACK }, o),
      this.#client.call(remote.connectSupportsFeature, { feature: Feature.REMOTE_CLOSE_CALLBACK }, o),
    ]);
    this.#eventCallbacks = ev.supported !== 0;
  }

  destroy(): void {
    this.#closing = true;
    this.#client.close();
    this.#transport.close();
  }

  /** The DriverConnection: locally answered methods, then every REMOTE procedure. */
  proxy(): DriverConnection {
    const local: Partial<DriverConnection> & Record<string, unknown> = {
      connectGetURI: async () => ({ uri: this.#probedURI ?? (this.#uri ? formatURI(this.#uri) : '') }),
      connectClose: async () => {
        this.#closing = true;
        try {
          if (!this.#client.closed) await this.#client.call(remote.connectClose, undefined);
        } finally {
          this.destroy();
        }
      },
      connectIsSecure: async () => {
        const { secure } = await this.#client.call(remote.connectIsSecure, undefined);
        return { secure: secure && this.#transport.secure ? 1 : 0 };
      },
      // libvirt: encrypted only with TLS or a SASL layer and a secure daemon.
      connectIsEncrypted: async () => {
        if (!this.#transport.encrypted) return { encrypted: 0 };
        const { secure } = await this.#client.call(remote.connectIsSecure, undefined);
        return { encrypted: secure ? 1 : 0 };
      },
      connectIsAlive: async () => ({ alive: this.#client.closed ? 0 : 1 }),
      connectSetKeepAlive: async ({ interval, count }: { interval: number; count: number }) => {
        if (!this.#keepalive) return { ret: 1 };
        if (interval > 0) this.#client.startKeepalive(interval, count);
        else this.#client.stopKeepalive();
        return { ret: 0 };
      },
      subscribeEvents: (listener: (ev: DriverEvent) => void) => this.#subscribe(listener),
      eventsReady: () => this.eventsReady(),
    };
    const table = remote as unknown as Record<string, AnyProc | undefined>;
    return new Proxy(local, {
      get: (target, name) => {
        if (typeof name !== 'string') return undefined;
        if (name in target) return target[name];
        const p = table[name];
        if (!p || p.kind !== 'call' || !Object.hasOwn(table, name)) return undefined;
        if (p.stream) return (args: unknown, stream: DriverStream) => this.openStream(p, args, stream);
        return (args: unknown) => this.call(p, args, { signal: currentSignal() });
      },
      has: (target, name) => typeof name === 'string' && (name in target || Object.hasOwn(table, name)),
    }) as DriverConnection;
  }

  // ------------------------------------------------------------ events

  #subscribe(listener: (ev: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#registered ??= this.#registerAll().catch(() => {
      this.#registered = null;
    });
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Resolves once the daemon knows about our event registrations. */
  eventsReady(): Promise<void> {
    return this.#registered ?? Promise.resolve();
  }

  async #registerAll(): Promise<void> {
    const add = (r: { callbackID: number }): void => {
      this.#callbackIDs.add(r.callbackID);
    };
    const calls: Promise<void>[] = [];
    if (this.#eventCallbacks) {
      for (const eventID of [0, 1]) {
        calls.push(this.#client.call(remote.connectDomainEventCallbackRegisterAny, { eventID, dom: null }).then(add));
      }
    } else {
      for (const eventID of [0, 1]) calls.push(this.#client.call(remote.connectDomainEventRegisterAny, { eventID }));
    }
    calls.push(this.#client.call(remote.connectNetworkEventRegisterAny, { eventID: 0, net: null }).then(add));
    for (const eventID of [0, 1]) {
      calls.push(this.#client.call(remote.connectStoragePoolEventRegisterAny, { eventID, pool: null }).then(add));
    }
    calls.push(this.#client.call(remote.connectRegisterCloseCallback, undefined));
    await Promise.all(calls);
  }

  #onEvent(entry: EventMessage, msg: unknown): void {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const m = msg as any;
    const ours = (id: number): boolean => this.#callbackIDs.has(id);
    switch (entry.name) {
      case 'domainEventCallbackLifecycle':
        if (ours(m.callbackID)) this.#emit({ kind: 'domain-lifecycle', dom: m.msg.dom, event: m.msg.event, detail: m.msg.detail });
        break;
      case 'domainEventLifecycle':
        if (!this.#eventCallbacks) this.#emit({ kind: 'domain-lifecycle', dom: m.dom, event: m.event, detail: m.detail });
        break;
      case 'domainEventCallbackReboot':
        if (ours(m.callbackID)) this.#emit({ kind: 'domain-reboot', dom: m.msg.dom });
        break;
      case 'domainEventReboot':
        if (!this.#eventCallbacks) this.#emit({ kind: 'domain-reboot', dom: m.dom });
        break;
      case 'networkEventLifecycle':
        if (ours(m.callbackID)) this.#emit({ kind: 'network-lifecycle', net: m.net, event: m.event, detail: m.detail });
        break;
      case 'storagePoolEventLifecycle':
        if (ours(m.callbackID)) this.#emit({ kind: 'storage-pool-lifecycle', pool: m.pool, event: m.event, detail: m.detail });
        break;
      case 'storagePoolEventRefresh':
        if (ours(m.callbackID)) this.#emit({ kind: 'storage-pool-refresh', pool: m.pool });
        break;
      case 'connectEventConnectionClosed':
        this.#emit({ kind: 'connection-closed', reason: m.reason });
        break;
      default:
    }
  }

  #emit(ev: DriverEvent): void {
    for (const l of this.#listeners) l(ev);
  }
}
