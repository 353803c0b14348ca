/**
 * One client of the daemon: reads CALLs, dispatches them through the
 * program tables to the connection's driver, writes REPLYs, events and
 * stream packets. Behaviour follows libvirtd 9.0 as observed on the wire
 * (libvirt-rpc.md §3, §7, §10–§17).
 *
 * Flow control: at most `maxClientRequests` calls are in flight; at the
 * limit the session stops reading the socket until a reply has been handed
 * to the OS (virNetServerClient's nrequests_max). A client that does not
 * read its replies therefore stops itself, never the daemon.
 */
import type { Duplex } from 'node:stream';
import { LIB_VERSION } from '../api/connection.js';
import { openDriver } from '../api/open.js';
import type { ClientConfig } from '../config/index.js';
import {
  apiNameFor, callDriver, DriverFeature as Feature, GLOBAL_FEATURES, readOnlyDenial, type DriverConnection, type DriverEvent, type DriverMethod,
} from '../driver/driver.js';
import type { DriverRegistry } from '../driver/registry.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  contractName, decodeArgs, encodeFrameOf, fromVirtError, retToWire, lxc, MessageStatus, MessageType, qemu, remote, remoteError,
  type Entry, type EventMessage, type Frame, type Header, type Procedure, type ProgramInfo,
} from '../protocol/index.js';
import { CloseReason, PacketChannel } from '../rpc/index.js';
import { AttachedStream, type StreamDriver } from '../driver/stream.js';
import { ServerStream, type StreamHost } from './server-stream.js';
import { formatURI } from '../uri/index.js';
import type { Codec } from '../xdr/index.js';
import { checkCallArgs } from './arg-checks.js';
import { EventRegistry, type Family } from './event-registry.js';
import type { Logger } from './log.js';
import { SaslServerSession, type SaslContext } from './sasl-context.js';
import type { SaslLayerStream } from '../auth/sasl/index.js';

const PROGRAMS: readonly ProgramInfo[] = [remote, qemu, lxc];

/** The public function a family's registration is refused as, when the driver has no such events. */
const REGISTER_API: Record<Family, string> = {
  domain: 'connectDomainEventRegisterAny', network: 'connectNetworkEventRegisterAny',
  pool: 'connectStoragePoolEventRegisterAny', nodedev: 'connectNodeDeviceEventRegisterAny',
  secret: 'connectSecretEventRegisterAny',
};

/** The features the daemon answers itself (remoteDispatchConnectSupportsFeature). */
const DAEMON_FEATURES = new Set<number>([Feature.FD_PASSING, Feature.PROGRAM_KEEPALIVE, Feature.REMOTE_EVENT_CALLBACK,
  Feature.REMOTE_CLOSE_CALLBACK]);

/** Events queued for a client that does not read them: past this, it is dropped. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

const VIR_CONNECT_RO = 1;

/** remote_auth_type. */
const AUTH_TYPE = { none: 0, sasl: 1, polkit: 2 } as const;

/** The procedures a client may call before it has authenticated (needAuth false in the table). */
const PRE_AUTH = new Set(['authList', 'authSaslInit', 'authSaslStart', 'authSaslStep', 'authPolkit']);

export interface SessionOptions {
  readonly: boolean;
  transport: 'unix' | 'tcp' | 'tls';
  peer: string;
  keepaliveInterval: number;
  keepaliveCount: number;
  maxClientRequests: number;
  drivers: DriverRegistry;
  clientConfig: ClientConfig | null;
  log: Logger;
  /** The socket's auth_* scheme: with "sasl" nothing but AUTH_* works until the client authenticates. */
  auth?: 'none' | 'sasl';
  /** The daemon's SASL settings (needed when auth is "sasl"). */
  sasl?: SaslContext | null;
  /** The stream under the session, on plain TCP: takes the security layer once SASL completes. */
  layer?: SaslLayerStream | null;
  /** Called once when the client has authenticated (not for a socket without auth). */
  onAuthenticated?(): void;
  /** Called once when the session has ended and released everything. */
  onEnd(): void;
}

/** A reply's payload, encoded straight into its packet, and the driver's side of the stream the call opened. */
type Reply = { codec: Codec<unknown>; value: unknown; stream?: OpenedStream | undefined };
/** The driver's side of a stream a call opened, and whether holes may cross it. */
interface OpenedStream { drv: StreamDriver; allowHoles: boolean }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProc = Procedure<any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any;
/** A procedure the daemon answers itself: the session and the decoded args in, the contract result out. */
type Special = (s: ClientSession, a: Args) => Promise<unknown>;

function reply(p: AnyProc, r: unknown, stream?: OpenedStream): Reply {
  const { ret } = retToWire(p, r);
  return { codec: p.ret, value: ret, stream };
}

function rpcError(code: number, message: string): VirtError {
  return new VirtError(code, message, ErrorDomain.RPC);
}

function internal(detail: string): VirtError {
  return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, detail);
}

export class ClientSession {
  readonly #opts: SessionOptions;
  readonly #channel: PacketChannel;
  readonly #events = new EventRegistry();
  /** The client's open streams, by the serial of the call that opened each. */
  readonly #streams = new Map<number, ServerStream>();
  #drv: DriverConnection | null = null;
  #uri: string | null = null;
  #readonly: boolean;
  #opening = false;
  #inFlight = 0;
  #closeCallback = false;
  #unsubscribe: (() => void) | null = null;
  #ended = false;
  /** When this client's latest call may start (see #nextTurn). */
  #turn: Promise<void> = Promise.resolve();
  /** Still to authenticate (virNetServerClientNeedAuth). */
  #authPending: boolean;
  /** The SASL exchange under way, from AUTH_SASL_INIT until it completes or fails. */
  #sasl: SaslServerSession | null = null;
  /** Runs right after the next reply has been queued (the switch to the security layer). */
  #afterReply: (() => void) | null = null;

  constructor(stream: Duplex, opts: SessionOptions) {
    this.#opts = opts;
    this.#readonly = opts.readonly;
    this.#authPending = (opts.auth ?? 'none') !== 'none';
    this.#channel = new PacketChannel(stream, {
      onFrame: (f) => this.#onFrame(f),
      onClose: (reason, error) => this.#end(reason, error),
      boundBacklog: true,
    });
  }

  get readonly(): boolean {
    return this.#readonly;
  }

  /** Disconnects the client (daemon shutdown, limits). */
  close(): void {
    this.#channel.close(CloseReason.CLIENT, null);
  }

  // ------------------------------------------------------------ input

  #onFrame(f: Frame): void {
    const h = f.header;
    if (h.type === MessageType.STREAM || h.type === MessageType.STREAM_HOLE) {
      this.#onStreamPacket(f);
      return;
    }
    // REPLY, MESSAGE (other than keepalive), unknown types: silently dropped, as libvirtd does.
    if (h.type !== MessageType.CALL && h.type !== MessageType.CALL_WITH_FDS) return;
    if (f.numFds > 0) {
      // libvirtd drops a TCP client that announces FDs, and a unix client whose
      // FDs do not arrive; Node cannot receive SCM_RIGHTS, so both end here.
      this.#opts.log.debug(`client ${this.#opts.peer}: ${f.numFds} FDs announced, cannot receive them: dropping it`);
      this.#channel.close(CloseReason.ERROR, null);
      return;
    }
    this.#inFlight++;
    if (this.#inFlight >= this.#opts.maxClientRequests) this.#channel.pause();
    this.#handleCall(f).catch((e: unknown) => this.#fail('handling a call', e));
  }

  /**
   * The last line of defence: whatever escapes one client's handling ends
   * that client, never the daemon.
   */
  #fail(what: string, e: unknown): void {
    this.#opts.log.error(`client ${this.#opts.peer}: ${what} failed, dropping it: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    this.#channel.close(CloseReason.ERROR, null);
  }

  /**
   * Resolves on a later turn of the event loop than the previous call of
   * this client started on: a client that pipelines many calls starts one
   * per turn, so other clients' input is read in between (libvirtd's worker
   * pool gives the same fairness). Calls still start in arrival order.
   */
  #nextTurn(): Promise<void> {
    const turn = this.#turn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.#turn = turn;
    return turn;
  }

  async #handleCall(f: Frame): Promise<void> {
    const h = f.header;
    let reply: Reply | null = null;
    let error: unknown = null;
    let p: AnyProc | null = null;
    try {
      await this.#nextTurn();
      p = this.#lookup(h);
      reply = await this.#dispatch(p, f);
    } catch (e) {
      error = e;
    }
    if (error === null) {
      const packet = this.#encode({ ...h, type: MessageType.REPLY, status: MessageStatus.OK }, reply!.codec, reply!.value);
      if (packet) {
        // The stream exists before its REPLY leaves: the client may answer at once.
        const st = reply!.stream ? this.#openStream(p!, h.serial, reply!.stream) : null;
        this.#send(packet);
        const after = this.#afterReply;
        this.#afterReply = null;
        after?.();
        if (p!.name === 'connectClose') {
          this.#channel.close(CloseReason.CLIENT, null);
          return;
        }
        st?.start();
        return;
      }
      // virNetServerProgramDispatchCall: a ret that does not encode becomes this error.
      reply!.stream?.drv.abort().catch(() => undefined);
      error = rpcError(ErrorCode.RPC, 'Unable to encode message payload');
    }
    this.#opts.log.debug(`client ${this.#opts.peer}: proc ${h.proc} failed: ${(error as Error).message ?? String(error)}`);
    const packet = this.#encode({ ...h, type: MessageType.REPLY, status: MessageStatus.ERROR }, remoteError, fromVirtError(error));
    if (packet) {
      this.#send(packet);
      return;
    }
    // An error that does not encode either (a text past REMOTE_STRING_MAX):
    // libvirtd gives up on the client.
    this.#fail(`replying to proc ${h.proc}`, new Error('the error reply does not encode'));
  }

  /** One packet, or null when the value breaks an XDR limit. */
  #encode<T>(h: Header, codec: Codec<T>, value: T): Uint8Array | null {
    try {
      return encodeFrameOf(h, codec, value);
    } catch (e) {
      this.#opts.log.debug(`client ${this.#opts.peer}: cannot encode proc ${h.proc}: ${(e as Error).message}`);
      return null;
    }
  }

  /** Writes one reply; its request slot is freed once the bytes are handed to the OS. */
  #send(packet: Uint8Array): void {
    this.#channel.sendRaw(packet, () => {
      this.#inFlight--;
      if (this.#inFlight < this.#opts.maxClientRequests) this.#channel.resume();
    });
  }

  #lookup(h: Header): AnyProc {
    if (h.status !== MessageStatus.OK) throw rpcError(ErrorCode.RPC, `Unexpected message status ${h.status}`);
    const prog = PROGRAMS.find((p) => p.prog === h.prog && p.vers === h.vers);
    if (!prog) throw rpcError(ErrorCode.RPC, `Cannot find program ${h.prog} version ${h.vers}`);
    const e: Entry | undefined = prog.byNumber(h.proc);
    if (!e || e.kind !== 'call') throw rpcError(ErrorCode.RPC, `unknown procedure: ${h.proc}`);
    return e;
  }

  // ------------------------------------------------------------ dispatch

  async #dispatch(p: AnyProc, f: Frame): Promise<Reply> {
    // virNetServerProgramDispatchCall checks this before decoding the args;
    // deliberately code 39, not 45.
    if (this.#authPending && !(p.prog === remote.prog && PRE_AUTH.has(p.name))) {
      throw rpcError(ErrorCode.RPC, 'authentication required');
    }
    let args: Args;
    try {
      args = decodeArgs(p, f.body);
    } catch {
      throw rpcError(ErrorCode.RPC, 'Unable to decode message payload');
    }
    // libvirtd's dispatcher checks come after "connection not open", which
    // requireOpen (or the handler of a procedure the daemon answers itself) reports.
    const bad = this.#drv ? checkCallArgs(p.name, args) : null;
    if (bad) throw bad;
    if (p.prog === remote.prog) {
      const special = ClientSession.#SPECIAL.get(p.name);
      if (special) return reply(p, await special(this, args));
    }
    const drv = this.#requireOpen();
    if (this.#readonly) {
      // The table's read-only column also covers procedures no driver implements yet.
      const denial = readOnlyDenial(contractName(p), args, p.readonly === false);
      if (denial) throw denial;
    }
    if (p.stream) return this.#dispatchStream(drv, p, args);
    const r = await callDriver(drv, contractName(p) as DriverMethod, args as never);
    return reply(p, r);
  }

  /**
   * A stream procedure: the driver gets a stream to attach its side to
   * (the generated dispatcher's daemonCreateClientStream), whatever the
   * procedure; the session then moves the data (server-stream.ts).
   */
  async #dispatchStream(drv: DriverConnection, p: AnyProc, args: Args): Promise<Reply> {
    const st = new AttachedStream();
    let r: unknown;
    try {
      r = await callDriver(drv, p.name as DriverMethod, args as never, st as never);
    } catch (e) {
      st.driver?.abort().catch(() => undefined);
      throw e;
    }
    if (!st.driver) throw internal(`${apiNameFor(p.name)} opened no stream`);
    if (this.#ended) {
      st.driver.abort().catch(() => undefined);
      throw internal('client is gone');
    }
    // @sparseflag: holes only when the sparse bit (1 for volume upload/download) was given.
    const allowHoles = p.sparse && ((args as { flags?: number }).flags ?? 0) & 1 ? true : false;
    return reply(p, r, { drv: st.driver, allowHoles });
  }

  #requireOpen(): DriverConnection {
    if (!this.#drv) throw internal('hypervisor connection not open');
    return this.#drv;
  }

  /**
   * Procedures the daemon answers itself rather than forwarding to the
   * driver, by procedure name; built once for all sessions.
   */
  static readonly #SPECIAL: ReadonlyMap<string, Special> = ((): Map<string, Special> => {
    const authFails: Special = async () => {
      throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, 'unsupported authentication type 0');
    };
    const registerCallback = (family: Family, filterOf: (a: Args) => string | undefined): Special =>
      async (s, a) => ({ callbackID: s.#register(family, a.eventID, filterOf(a) ?? null, 'callback') });
    const deregister = (family: Family): Special => async (s, a) => {
      s.#requireOpen();
      s.#events.removeCallback(family, a.callbackID);
    };
    return new Map<string, Special>([
      // The socket's scheme until the client has authenticated, then none (measured).
      ['authList', async (s) => ({ types: [s.#authPending ? AUTH_TYPE[s.#opts.auth ?? 'none'] : AUTH_TYPE.none] })],
      ['authSaslInit', async (s) => s.#saslInit()],
      ['authSaslStart', (s, a) => s.#saslStep(() => s.#sasl!.start(a.mech, a.nil ? null : Buffer.from(a.data)))],
      ['authSaslStep', (s, a) => s.#saslStep(async () => s.#sasl!.step(a.nil ? null : Buffer.from(a.data)))],
      ['authPolkit', authFails],
      ['connectSupportsFeature', (s, a) => s.#supportsFeature(a.feature)],
      ['connectOpen', (s, a) => s.#open(a.name, a.flags)],
      ['connectClose', (s) => s.#closeDriver()],
      ['connectGetURI', async (s) => {
        const drv = s.#requireOpen();
        if (drv.connectGetURI) return drv.connectGetURI();
        return { uri: s.#uri ?? '' };
      }],
      ['connectGetLibVersion', async (s) => {
        // virConnectGetLibVersion: the library's own version unless the driver has one.
        const drv = s.#requireOpen();
        return drv.connectGetLibVersion ? drv.connectGetLibVersion() : { lib_ver: LIB_VERSION };
      }],
      ['connectRegisterCloseCallback', async (s) => {
        s.#requireOpen();
        s.#closeCallback = true;
      }],
      ['connectUnregisterCloseCallback', async (s) => {
        s.#requireOpen();
        s.#closeCallback = false;
      }],
      ['connectDomainEventRegister', async (s) => {
        s.#register('domain', 0, null, 'lifecycle');
        return { cb_registered: 1 };
      }],
      ['connectDomainEventDeregister', async (s) => {
        s.#requireOpen();
        s.#events.removeLegacy('lifecycle', 0);
        return { cb_registered: 0 };
      }],
      ['connectDomainEventRegisterAny', async (s, a) => {
        s.#register('domain', a.eventID, null, 'any');
      }],
      ['connectDomainEventDeregisterAny', async (s, a) => {
        s.#requireOpen();
        s.#events.removeLegacy('any', a.eventID);
      }],
      ['connectDomainEventCallbackRegisterAny', registerCallback('domain', (a) => a.dom?.uuid)],
      ['connectDomainEventCallbackDeregisterAny', deregister('domain')],
      ['connectNetworkEventRegisterAny', registerCallback('network', (a) => a.net?.uuid)],
      ['connectNetworkEventDeregisterAny', deregister('network')],
      ['connectStoragePoolEventRegisterAny', registerCallback('pool', (a) => a.pool?.uuid)],
      ['connectStoragePoolEventDeregisterAny', deregister('pool')],
      ['connectNodeDeviceEventRegisterAny', registerCallback('nodedev', (a) => a.dev?.name)],
      ['connectNodeDeviceEventDeregisterAny', deregister('nodedev')],
      ['connectSecretEventRegisterAny', registerCallback('secret', (a) => a.secret?.uuid)],
      ['connectSecretEventDeregisterAny', deregister('secret')],
    ]);
  })();

  // ------------------------------------------------------------ SASL

  /** Every SASL failure looks the same to the client (remoteDispatchAuthSasl*'s authfail). */
  #saslFailed(why: string): VirtError {
    this.#opts.log.debug(`client ${this.#opts.peer}: SASL authentication failed: ${why}`);
    return VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, 'authentication failed');
  }

  /**
   * remoteDispatchAuthSaslInit: a session, and the mechanisms it allows.
   * A failed INIT leaves an existing session alone (measured).
   */
  #saslInit(): { mechlist: string } {
    const ctx = this.#opts.sasl;
    if (!this.#authPending || this.#opts.auth !== 'sasl' || !ctx || this.#sasl !== null) {
      throw this.#saslFailed('client tried invalid SASL init request');
    }
    const session = new SaslServerSession(ctx, this.#opts.transport !== 'tcp');
    if (session.mechanisms.length === 0) throw this.#saslFailed('no SASL mechanisms are available');
    this.#sasl = session;
    return { mechlist: session.mechlist };
  }

  /**
   * AUTH_SASL_START / AUTH_SASL_STEP: one step of the exchange; on
   * completion the SSF and username checks (remoteSASLFinish). Any failure
   * discards the session: the client must start again from INIT.
   */
  async #saslStep(f: () => Promise<{ complete: boolean; data: Buffer | null }>): Promise<unknown> {
    const session = this.#sasl;
    if (!this.#authPending || session === null) throw this.#saslFailed('client tried invalid SASL start request');
    try {
      const r = await f();
      const out = { nil: r.data === null ? 1 : 0, data: r.data ?? Buffer.alloc(0) };
      if (r.data !== null && r.data.length > 65536) throw new Error(`sasl reply data too long ${r.data.length}`);
      if (!r.complete) return { complete: 0, ...out };
      const identity = session.finish();
      const layer = session.layer;
      this.#sasl = null;
      this.#afterReply = () => {
        if (layer && this.#opts.layer) this.#opts.layer.enableAfterQueued(layer);
        this.#authPending = false;
        this.#opts.onAuthenticated?.();
      };
      this.#opts.log.info(`client ${this.#opts.peer}: authenticated as '${identity}' over SASL${layer ? ` (SSF ${layer.ssf})` : ''}`);
      return { complete: 1, ...out };
    } catch (e) {
      if (this.#sasl === session) this.#sasl = null;
      throw this.#saslFailed((e as Error).message);
    }
  }

  async #supportsFeature(feature: number): Promise<{ supported: number }> {
    if (feature === Feature.PROGRAM_KEEPALIVE) {
      // Answering it arms the daemon's keepalive (virNetServerClientStartKeepAlive).
      this.#channel.startKeepalive(this.#opts.keepaliveInterval, this.#opts.keepaliveCount);
      return { supported: 1 };
    }
    const drv = this.#requireOpen();
    if (DAEMON_FEATURES.has(feature)) return { supported: 1 };
    if (drv.connectSupportsFeature) return drv.connectSupportsFeature({ feature });
    return { supported: GLOBAL_FEATURES.has(feature) ? 1 : 0 };
  }

  async #open(name: string | null, flags: number): Promise<void> {
    if (this.#drv || this.#opening) throw internal('connection already open');
    this.#opening = true;
    try {
      if (flags & VIR_CONNECT_RO) this.#readonly = true;
      // libvirtd opens with virConnectOpenReadOnly or virConnectOpen: only the
      // read-only bit reaches the driver (the client's USER/AUTOSTART bits do not).
      const openFlags = this.#readonly ? VIR_CONNECT_RO : 0;
      const { drv, uri } = await this.#openByName(name, openFlags);
      if (this.#ended) {
        await drv.connectClose();
        return;
      }
      this.#drv = drv;
      this.#uri = uri;
      this.#opts.log.info(`client ${this.#opts.peer}: opened '${uri ?? ''}'${this.#readonly ? ' read-only' : ''}`);
    } finally {
      this.#opening = false;
    }
  }

  /**
   * An empty name asks the daemon to pick: the first driver that probes,
   * else the test driver's default host (tsvirtd hosts no hypervisor
   * driver that could probe yet).
   */
  async #openByName(name: string | null, flags: number): Promise<{ drv: DriverConnection; uri: string | null }> {
    const reg = this.#opts.drivers;
    if (name === null || name === '') {
      const probing = reg.drivers.find((d) => d.accepts(null));
      const target = probing ? null : 'test:///default';
      const r = await openDriver(target, null, flags, { drivers: reg, config: null });
      return { drv: r.drv, uri: r.uri ? formatURI(r.uri) : target };
    }
    const r = await openDriver(name, null, flags, { drivers: reg, config: this.#opts.clientConfig });
    return { drv: r.drv, uri: r.uri ? formatURI(r.uri) : name };
  }

  async #closeDriver(): Promise<void> {
    const drv = this.#drv;
    this.#drv = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (drv) await drv.connectClose();
  }

  // ------------------------------------------------------------ events

  #register(family: Family, eventID: number, filter: string | null, style: 'callback' | 'any' | 'lifecycle'): number {
    const drv = this.#requireOpen();
    if (drv.supportsEvents?.(family) === false) {
      throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.NONE, apiNameFor(REGISTER_API[family]));
    }
    const id = this.#events.add(family, eventID, filter, style);
    if (!this.#unsubscribe && drv.subscribeEvents) {
      this.#unsubscribe = drv.subscribeEvents((ev) => this.#onDriverEvent(ev));
    }
    return id;
  }

  #onDriverEvent(ev: DriverEvent): void {
    try {
      this.#deliver(ev);
    } catch (e) {
      // The driver emits to every subscriber in turn: one client's failure stays its own.
      this.#fail('sending an event', e);
    }
  }

  #deliver(ev: DriverEvent): void {
    if (ev.kind === 'connection-closed') {
      if (this.#closeCallback) this.#sendEvent(remote.connectEventConnectionClosed, { reason: ev.reason });
      return;
    }
    for (const { entry, msg } of this.#events.messagesFor(ev)) this.#sendEvent(entry, msg);
  }

  #sendEvent(entry: EventMessage, msg: unknown): void {
    if (this.#channel.pendingWrite > MAX_QUEUED_BYTES) {
      this.#opts.log.warn(`client ${this.#opts.peer}: not reading its events, dropping it`);
      this.#channel.close(CloseReason.ERROR, null);
      return;
    }
    // libvirtd sends events with serial 1 (observed); one that does not encode
    // is logged and dropped (remoteDispatchObjectEventSend).
    const packet = this.#encode({
      prog: entry.prog, vers: entry.vers, proc: entry.number, type: MessageType.MESSAGE, serial: 1,
      status: MessageStatus.OK,
    }, entry.msg, msg);
    if (packet) this.#channel.sendRaw(packet);
  }

  // ------------------------------------------------------------ streams

  #openStream(p: AnyProc, serial: number, o: OpenedStream): ServerStream {
    const st = new ServerStream(this.#streamHost, p, serial, o.drv, o.allowHoles);
    this.#streams.get(serial)?.close(); // a reused serial replaces the old stream
    this.#streams.set(serial, st);
    return st;
  }

  /** What the session's streams may use of it (built once the channel exists). */
  readonly #streamHost: StreamHost = ((session: ClientSession): StreamHost => ({
    get channel() {
      return session.#channel;
    },
    hold: () => {
      this.#inFlight++;
      if (this.#inFlight >= this.#opts.maxClientRequests) this.#channel.pause();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.#inFlight--;
        if (this.#inFlight < this.#opts.maxClientRequests) this.#channel.resume();
      };
    },
    drop: (why) => this.#fail('a stream', new Error(why)),
    done: (serial) => {
      this.#streams.delete(serial);
    },
    debug: (msg) => this.#opts.log.debug(`client ${this.#opts.peer}: ${msg}`),
  }))(this);

  #onStreamPacket(f: Frame): void {
    const h = f.header;
    const s = this.#streams.get(h.serial);
    if (!s || s.procNumber !== h.proc || s.prog !== h.prog) return; // "Ignoring unexpected stream data"
    s.receive(f);
  }

  // ------------------------------------------------------------ end

  #end(reason: CloseReason, error: Error | null): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error) this.#opts.log.debug(`client ${this.#opts.peer}: closed (${reason}): ${error.message}`);
    for (const s of [...this.#streams.values()]) s.close();
    this.#streams.clear();
    const done = (): void => this.#opts.onEnd();
    this.#closeDriver().then(done, (e: unknown) => {
      this.#opts.log.warn(`client ${this.#opts.peer}: closing its driver connection failed: ${String(e)}`);
      done();
    });
  }
}
