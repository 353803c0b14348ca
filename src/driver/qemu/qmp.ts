/**
 * A QMP (QEMU Machine Protocol) client: the monitor connection the QEMU
 * driver keeps to every running QEMU, and the one the capabilities probe
 * uses.
 *
 * ```ts
 * const qmp = await QmpClient.connect('/var/lib/libvirt/qemu/domain-1-g/monitor.sock', {
 *   onEvent: (ev) => console.log(ev.event, ev.data, ev.timestamp),
 * });
 * const status = await qmp.execute<{ status: string }>('query-status');
 * await qmp.close();
 * ```
 *
 * Framing (libvirt src/qemu/qemu_monitor_json.c; reference/qemu-driver.md
 * §3.1): QEMU greets with one line `{"QMP": {"version": …, "capabilities":
 * […]}}`; the client must send `qmp_capabilities` before anything else.
 * Commands are `{"execute": NAME, "arguments": {…}, "id": ID}` followed by
 * `\r\n` (libvirt's LINE_ENDING); QEMU answers one JSON object per line:
 * `{"return": …, "id": ID}`, `{"error": {"class", "desc"}, "id": ID}`, or
 * an event `{"event", "data", "timestamp": {"seconds", "microseconds"}}`.
 * Ids are `libvirt-N` counting from 1 per connection, as libvirt's are
 * (qemuMonitorNextCommandID), so traces of both look alike.
 *
 * libvirt keeps one command in flight per monitor (the job lock); this
 * client matches replies by id, so callers may pipeline, and QEMU answers
 * in order anyway.
 */
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';

/** QMP's `{"QMP": …}` greeting. */
export interface QmpGreeting {
  readonly version: {
    readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
    readonly package: string;
  };
  readonly capabilities: readonly string[];
}

/** An asynchronous QMP event. */
export interface QmpEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
  /** When QEMU emitted it (host clock). */
  readonly timestamp: { readonly seconds: number; readonly microseconds: number };
}

/** A command QEMU answered with `{"error": …}`: `qmpClass` is e.g. `GenericError`, `DeviceNotFound`, `CommandNotFound`. */
export class QmpCommandError extends Error {
  override name = 'QmpCommandError';
  constructor(
    readonly command: string,
    readonly qmpClass: string,
    readonly desc: string,
  ) {
    super(desc);
  }
}

/** The monitor went away (EOF, socket error, protocol error, close/destroy) before a reply. */
export class QmpClosedError extends Error {
  override name = 'QmpClosedError';
}

/** No reply within the command's timeout. The connection stays usable; a late reply is dropped. */
export class QmpTimeoutError extends Error {
  override name = 'QmpTimeoutError';
  constructor(readonly command: string, readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for a reply to QMP command '${command}'`);
  }
}

export interface QmpOptions {
  /** Called for every event, in arrival order. A throwing listener does not break the client. */
  onEvent?: (ev: QmpEvent) => void;
  /** Called once when the connection ends, with the error that ended it (undefined after close()). */
  onClose?: (err: Error | undefined) => void;
  /**
   * Longest line accepted from QEMU (default 64 MiB). QEMU's largest reply,
   * query-qmp-schema, is a few hundred KiB; a peer that sends more without a
   * newline is dropped instead of filling memory.
   */
  maxLineBytes?: number;
  /** Default per-command timeout in ms (default 0 = none, as libvirt waits). */
  commandTimeoutMs?: number;
  /** How long to wait for the greeting and `qmp_capabilities` (default 30 s). */
  handshakeTimeoutMs?: number;
  /** Skip sending `qmp_capabilities` (the caller negotiates itself). */
  skipCapabilities?: boolean;
  signal?: AbortSignal;
}

export interface QmpCommandOptions {
  /** Overrides the client's default timeout; 0 = wait forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Pending {
  readonly command: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  cleanup(): void;
}

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;

/** A QMP monitor connection. Create with {@link QmpClient.connect} or {@link QmpClient.open}. */
export class QmpClient {
  #sock: Duplex;
  #pending = new Map<string, Pending>();
  #nextId = 1;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #maxLine: number;
  #defaultTimeout: number;
  #listeners = new Set<(ev: QmpEvent) => void>();
  #onClose: ((err: Error | undefined) => void) | undefined;
  #closedErr: Error | undefined;
  #isClosed = false;
  #greeting: QmpGreeting | undefined;
  #greetingWaiter: { resolve(g: QmpGreeting): void; reject(e: Error): void } | undefined;
  #closedPromise: Promise<Error | undefined>;
  #resolveClosed!: (e: Error | undefined) => void;

  private constructor(sock: Duplex, opts: QmpOptions) {
    this.#sock = sock;
    this.#maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
    this.#defaultTimeout = opts.commandTimeoutMs ?? 0;
    this.#onClose = opts.onClose;
    if (opts.onEvent) this.#listeners.add(opts.onEvent);
    this.#closedPromise = new Promise((r) => { this.#resolveClosed = r; });
    sock.on('data', (chunk: Buffer) => this.#onData(chunk));
    sock.on('end', () => this.#fail(new QmpClosedError('end of file from QEMU monitor')));
    sock.on('close', () => this.#fail(new QmpClosedError('QEMU monitor connection closed')));
    sock.on('error', (e: Error) => this.#fail(new QmpClosedError(`QEMU monitor connection failed: ${e.message}`, { cause: e })));
  }

  /** Connects to a unix socket path, reads the greeting and negotiates capabilities. */
  static async connect(path: string, opts: QmpOptions = {}): Promise<QmpClient> {
    const sock = netConnect({ path });
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) => { sock.off('connect', onConn); reject(e); };
      const onConn = () => { sock.off('error', onErr); resolve(); };
      sock.once('error', onErr);
      sock.once('connect', onConn);
    });
    return QmpClient.open(sock, opts);
  }

  /** Speaks QMP over an already connected stream (a socket, one end of a socketpair…). */
  static async open(sock: Duplex, opts: QmpOptions = {}): Promise<QmpClient> {
    const c = new QmpClient(sock, opts);
    const timeout = opts.handshakeTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => c.destroy(new QmpClosedError('QMP handshake aborted', { cause: opts.signal?.reason }));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (opts.signal?.aborted) onAbort();
      const greeting = new Promise<QmpGreeting>((resolve, reject) => {
        if (c.#closedErr) { reject(c.#closedErr); return; }
        c.#greetingWaiter = { resolve, reject };
      });
      if (timeout > 0) {
        timer = setTimeout(() => c.destroy(new QmpClosedError(`no QMP greeting within ${timeout} ms`)), timeout);
      }
      await greeting;
      if (!opts.skipCapabilities) await c.execute('qmp_capabilities', undefined, { timeoutMs: timeout });
      return c;
    } catch (e) {
      c.destroy(e as Error);
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The greeting QEMU sent. */
  get greeting(): QmpGreeting {
    return this.#greeting!;
  }

  /** True once the connection has ended. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Resolves when the connection ends, with the error that ended it (undefined after close()). */
  get closed(): Promise<Error | undefined> {
    return this.#closedPromise;
  }

  /** Adds an event listener; returns a function that removes it. */
  onEvent(listener: (ev: QmpEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /**
   * Runs a command and resolves with its `return` value. Rejects with
   * {@link QmpCommandError} for a QMP error, {@link QmpTimeoutError} on
   * timeout, {@link QmpClosedError} when the monitor goes away first.
   */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: QmpCommandOptions = {}): Promise<T> {
    if (this.#closedErr || this.#isClosed) {
      return Promise.reject(this.#closedErr ?? new QmpClosedError('QEMU monitor connection closed'));
    }
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason as Error);
    const id = `libvirt-${this.#nextId++}`;
    const msg: Record<string, unknown> = { execute: command };
    if (args !== undefined) msg['arguments'] = args;
    msg['id'] = id;
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.#defaultTimeout;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        pending.cleanup();
        reject(opts.signal!.reason as Error);
      };
      const pending: Pending = {
        command,
        resolve: (v) => { pending.cleanup(); resolve(v as T); },
        reject: (e) => { pending.cleanup(); reject(e); },
        cleanup: () => {
          this.#pending.delete(id);
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => pending.reject(new QmpTimeoutError(command, timeoutMs)), timeoutMs);
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, pending);
      this.#sock.write(`${JSON.stringify(msg)}\r\n`);
    });
  }

  /** Ends the connection politely; pending commands fail with QmpClosedError. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#failAll(new QmpClosedError('QEMU monitor connection closed by the client'));
    this.#finish(undefined);
    await new Promise<void>((resolve) => {
      const s = this.#sock;
      if (s.destroyed) { resolve(); return; }
      s.once('close', () => resolve());
      s.end();
      // A peer that never closes its side must not hold us.
      setTimeout(() => { s.destroy(); resolve(); }, 1000).unref();
    });
  }

  /** Tears the connection down at once; everything pending rejects with `err`. */
  destroy(err: Error = new QmpClosedError('QEMU monitor connection destroyed')): void {
    this.#fail(err);
  }

  // ---- input ------------------------------------------------------------

  #onData(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      if (this.#isClosed) return;
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.#buffered + piece.length > this.#maxLine) { this.#tooLong(); return; }
      const line = this.#chunks.length === 0 ? piece : Buffer.concat([...this.#chunks, piece]);
      this.#chunks = [];
      this.#buffered = 0;
      start = nl + 1;
      this.#onLine(line.toString('utf8'));
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.#buffered + rest.length > this.#maxLine) { this.#tooLong(); return; }
      // Copy: the socket may reuse its buffer.
      this.#chunks.push(Buffer.from(rest));
      this.#buffered += rest.length;
    }
  }

  #tooLong(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#fail(new QmpClosedError(`QEMU monitor line longer than ${this.#maxLine} bytes`));
  }

  #onLine(raw: string): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      // libvirt: "cannot parse json %s" and the monitor is unusable.
      this.#fail(new QmpClosedError(`cannot parse QEMU monitor reply: ${text.slice(0, 200)}`));
      return;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      this.#fail(new QmpClosedError(`QEMU monitor sent a non-object: ${text.slice(0, 200)}`));
      return;
    }
    const m = msg as Record<string, unknown>;
    if ('QMP' in m) {
      const g = m['QMP'] as QmpGreeting;
      if (this.#greeting === undefined) {
        this.#greeting = g;
        const w = this.#greetingWaiter;
        this.#greetingWaiter = undefined;
        w?.resolve(g);
      }
      return;
    }
    if (this.#greeting === undefined) {
      this.#fail(new QmpClosedError(`QEMU monitor did not start with a greeting: ${text.slice(0, 200)}`));
      return;
    }
    if (typeof m['event'] === 'string') {
      const ts = (m['timestamp'] ?? {}) as { seconds?: number; microseconds?: number };
      const ev: QmpEvent = {
        event: m['event'],
        data: (m['data'] ?? {}) as Record<string, unknown>,
        timestamp: { seconds: ts.seconds ?? 0, microseconds: ts.microseconds ?? 0 },
      };
      for (const l of [...this.#listeners]) {
        try { l(ev); } catch { /* a listener's bug must not kill the monitor */ }
      }
      return;
    }
    if ('return' in m || 'error' in m) {
      const id = typeof m['id'] === 'string' ? m['id'] : undefined;
      // A reply without our id (e.g. to a command that timed out, or a
      // parse error QEMU reports without one) answers nobody we still wait for.
      const p = id === undefined ? undefined : this.#pending.get(id);
      if (p === undefined) return;
      if ('error' in m) {
        const e = (m['error'] ?? {}) as { class?: string; desc?: string };
        p.reject(new QmpCommandError(p.command, String(e.class ?? 'GenericError'), String(e.desc ?? 'unknown error')));
      } else {
        p.resolve(m['return']);
      }
      return;
    }
    // Anything else is ignored, as libvirt's qemuMonitorJSONIOProcessLine
    // logs "unknown JSON reply" and carries on.
  }

  // ---- teardown ---------------------------------------------------------

  #fail(err: Error): void {
    if (this.#isClosed) return;
    this.#failAll(err);
    this.#finish(err);
    this.#sock.destroy();
  }

  #failAll(err: Error): void {
    this.#closedErr ??= err;
    const w = this.#greetingWaiter;
    this.#greetingWaiter = undefined;
    w?.reject(err);
    for (const p of [...this.#pending.values()]) p.reject(err);
  }

  #finish(err: Error | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#closedErr ??= err ?? new QmpClosedError('QEMU monitor connection closed');
    this.#resolveClosed(err);
    const cb = this.#onClose;
    this.#onClose = undefined;
    try { cb?.(err); } catch { /* ignore */ }
  }
}
