/**
 * One remote connection: the RPC client over a transport, libvirt's client
 * handshake, and the DriverConnection generated from the REMOTE table. Kept
 * apart from remote-driver.ts so that the protocol tables, the RPC client
 * and the transports load only when a remote URI is opened.
 */
import type { ClientConfig } from '../../config/index.js';
import { loadClientConfig } from '../../config/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import {
  entryOfContractName, eventOfMessage, qemu, remote, type EventFamily, type EventMessage, type Procedure,
} from '../../protocol/index.js';
import { CloseReason, RpcClient, type CallOptions } from '../../rpc/index.js';
import { formatURI, type ParsedURI } from '../../uri/index.js';
import { currentSignal } from '../call-context.js';
import { DriverFeature as Feature, type ConnectAuth, type DriverConnection, type DriverEvent, type OpenOptions } from '../driver.js';
import type { DriverStream } from '../stream.js';
import { planRemote, type RemotePlan } from './plan.js';
import { authenticateSasl } from './sasl-auth.js';
import { SaslLayerStream } from '../../auth/sasl/index.js';
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
    await conn.handshake(opts.signal, { auth: opts.auth, env });
  } catch (e) {
    conn.destroy();
    throw e;
  }
  return conn.proxy();
}

interface Registration { count: number; callbackID: number | null; ready: Promise<void> }

class RemoteConnection {
  readonly #transport: Transport;
  readonly #plan: RemotePlan;
  readonly #uri: ParsedURI | null;
  readonly #client: RpcClient;
  readonly #listeners = new Set<(ev: DriverEvent) => void>();
  /** Callback IDs the daemon gave our registrations. */
  readonly #callbackIDs = new Set<number>();
  /** Registrations with the daemon by `family/eventID`, with the number of local interests. */
  readonly #registrations = new Map<string, Registration>();
  #closeRegistered: Promise<void> | null = null;
  #eventCallbacks = false;
  #keepalive = false;
  #probedURI: string | null = null;
  #closing = false;
  readonly #layered: SaslLayerStream | null;

  constructor(transport: Transport, plan: RemotePlan, uri: ParsedURI | null) {
    this.#transport = transport;
    this.#plan = plan;
    this.#uri = uri;
    // Only an insecure transport (tcp, ext) can end up with a SASL security
    // layer: libvirt asks for none on TLS and unix sockets.
    this.#layered = transport.secure ? null : new SaslLayerStream(transport.stream);
    this.#client = new RpcClient(this.#layered ?? transport.stream, {
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

  async handshake(signal: AbortSignal | undefined, a: { auth: ConnectAuth | undefined; env: NodeJS.ProcessEnv }): Promise<void> {
    const o = { signal };
    let types: number[];
    try {
      types = (await this.#client.call(remote.authList, undefined, o)).types;
    } catch (e) {
      // An ancient daemon without AUTH_LIST: no authentication (remoteAuthenticate).
      if (!(e instanceof VirtError) || e.code !== ErrorCode.NO_SUPPORT) throw e;
      types = [];
    }
    const type = types[0] ?? 0;
    if (type === 1) {
      // `?auth=sasl.MECH` names the mechanism; a bare `sasl` lets us choose.
      const want = this.#plan.authType?.startsWith('sasl.') ? this.#plan.authType.slice(5) : null;
      const layer = await authenticateSasl(this.#client, {
        uri: this.#uri, host: this.#plan.host, wantMech: want, isSecure: this.#transport.secure,
        auth: a.auth, env: a.env, signal,
      });
      // The daemon decodes from the next byte it reads: switch before the next call.
      if (layer !== null) this.#layered?.enable(layer);
    } else if (type !== 0) {
      const name = type === 2 ? 'polkit' : String(type);
      throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.REMOTE,
        `authentication type ${name} is not yet supported by tsvirt`);
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
          await this.#client.idle();
          if (!this.#client.closed) await this.#client.call(remote.connectClose, undefined);
        } finally {
          this.destroy();
        }
      },
      connectIsSecure: async () => {
        const { secure } = await this.#client.call(remote.connectIsSecure, undefined);
        // A SASL security layer makes tcp secure too (measured: libvirt-python's
        // isSecure() is 1 over tcp with DIGEST-MD5).
        return { secure: secure && (this.#transport.secure || this.#layered?.layer) ? 1 : 0 };
      },
      // libvirt: encrypted only with TLS or a SASL layer and a secure daemon.
      connectIsEncrypted: async () => {
        if (!this.#transport.encrypted && !this.#layered?.layer) return { encrypted: 0 };
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
      eventRegister: (family: EventFamily, eventID: number) => this.eventRegister(family, eventID),
      eventDeregister: (family: EventFamily, eventID: number) => this.eventDeregister(family, eventID),
    };
    const procOf = (name: string): AnyProc | undefined => {
      const e = entryOfContractName(name, remote);
      return e?.kind === 'call' ? e : undefined;
    };
    return new Proxy(local, {
      get: (target, name) => {
        if (typeof name !== 'string') return undefined;
        if (name in target) return target[name];
        const p = procOf(name);
        if (!p) return undefined;
        if (p.stream) return (args: unknown, stream: DriverStream) => this.openStream(p, args, stream);
        return (args: unknown) => this.call(p, args, { signal: currentSignal() });
      },
      has: (target, name) => typeof name === 'string' && (name in target || procOf(name) !== undefined),
    }) as DriverConnection;
  }

  // ------------------------------------------------------------ events

  #subscribe(listener: (ev: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#closeRegistered ??= this.#client.call(remote.connectRegisterCloseCallback, undefined).then(() => undefined, () => {
      this.#closeRegistered = null;
    });
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Resolves once the daemon knows about every event registration asked for so far. */
  async eventsReady(): Promise<void> {
    await this.#closeRegistered;
    await Promise.all([...this.#registrations.values()].map((r) => r.ready));
  }

  /**
   * First interest in (family, eventID): register with the daemon, once per
   * connection as libvirt's remote driver does; later ones only count.
   */
  eventRegister(family: EventFamily, eventID: number): Promise<void> {
    const key = `${family}/${eventID}`;
    const have = this.#registrations.get(key);
    if (have) {
      have.count++;
      return have.ready;
    }
    const reg: Registration = { count: 1, callbackID: null, ready: Promise.resolve() };
    reg.ready = this.#registerWithDaemon(family, eventID).then((id) => {
      reg.callbackID = id;
      if (id !== null) this.#callbackIDs.add(id);
    }, (e: unknown) => {
      this.#registrations.delete(key);
      throw e;
    });
    this.#registrations.set(key, reg);
    return reg.ready;
  }

  /** Last interest in (family, eventID) gone: deregister with the daemon. */
  async eventDeregister(family: EventFamily, eventID: number): Promise<void> {
    const key = `${family}/${eventID}`;
    const reg = this.#registrations.get(key);
    if (!reg || --reg.count > 0) return;
    this.#registrations.delete(key);
    await reg.ready.catch(() => undefined);
    if (this.#client.closed) return;
    const id = reg.callbackID;
    if (id !== null) this.#callbackIDs.delete(id);
    const c = this.#client;
    switch (family) {
      case 'domain':
        if (id === null) await c.call(remote.connectDomainEventDeregisterAny, { eventID });
        else await c.call(remote.connectDomainEventCallbackDeregisterAny, { callbackID: id });
        break;
      case 'network': await c.call(remote.connectNetworkEventDeregisterAny, { callbackID: id! }); break;
      case 'pool': await c.call(remote.connectStoragePoolEventDeregisterAny, { callbackID: id! }); break;
      case 'nodedev': await c.call(remote.connectNodeDeviceEventDeregisterAny, { callbackID: id! }); break;
      case 'secret': await c.call(remote.connectSecretEventDeregisterAny, { callbackID: id! }); break;
      case 'qemu': await c.call(qemu.connectDomainMonitorEventDeregister, { callbackID: id! }); break;
    }
  }

  /** The daemon's callback ID for a registration (null: a legacy domain registration, which has none). */
  async #registerWithDaemon(family: EventFamily, eventID: number): Promise<number | null> {
    const c = this.#client;
    switch (family) {
      case 'domain':
        if (!this.#eventCallbacks) {
          await c.call(remote.connectDomainEventRegisterAny, { eventID });
          return null;
        }
        return (await c.call(remote.connectDomainEventCallbackRegisterAny, { eventID, dom: null })).callbackID;
      case 'network': return (await c.call(remote.connectNetworkEventRegisterAny, { eventID, net: null })).callbackID;
      case 'pool': return (await c.call(remote.connectStoragePoolEventRegisterAny, { eventID, pool: null })).callbackID;
      case 'nodedev': return (await c.call(remote.connectNodeDeviceEventRegisterAny, { eventID, dev: null })).callbackID;
      case 'secret': return (await c.call(remote.connectSecretEventRegisterAny, { eventID, secret: null })).callbackID;
      case 'qemu': return (await c.call(qemu.connectDomainMonitorEventRegister, { dom: null, event: null, flags: 0 })).callbackID;
    }
  }

  #onEvent(entry: EventMessage, msg: unknown): void {
    if (entry === remote.connectEventConnectionClosed) {
      this.#emit({ kind: 'connection-closed', reason: (msg as { reason: number }).reason });
      return;
    }
    const ev = eventOfMessage(entry, msg);
    if (!ev) return;
    // Callback-style messages must answer one of our registrations; legacy ones only count without callbacks.
    if (ev.callbackID !== null ? !this.#callbackIDs.has(ev.callbackID) : this.#eventCallbacks) return;
    this.#emit({ kind: 'event', family: ev.family, eventID: ev.eventID, obj: ev.obj, data: ev.data });
  }

  #emit(ev: DriverEvent): void {
    for (const l of this.#listeners) l(ev);
  }
}
