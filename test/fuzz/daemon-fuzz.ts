/**
 * A seeded fuzzer for tsvirtd: starts the daemon as a child process (the
 * interop harness's startTsvirtd: private conf, unix sockets in a temp dir),
 * attacks it from many connections and checks that it survives:
 *
 * - the daemon process stays up;
 * - a witness client (in a worker thread, so the fuzzer's own work cannot
 *   delay it) opens its own host and keeps doing CONNECT_GET_VERSION,
 *   DOMAIN_LOOKUP_BY_NAME "test" and DOMAIN_GET_INFO every ~50 ms; every one
 *   must succeed within a second;
 * - the daemon's RSS (/proc/PID/status VmRSS) after the hostile clients are
 *   gone and a settle period is within a limit of the baseline taken after
 *   warm-up.
 *
 * Input number i of seed s is built only from `new Rng(subSeed(s, i))`, so
 * `fuzzDaemon({ seed: s, indices: [i] })` replays it alone. Timing between
 * concurrent inputs is not reproducible; a failure lists every input in
 * flight when it was seen, and the last ones that finished.
 *
 * The daemon also listens on 127.0.0.1 TCP with auth_tcp "sasl" and on TLS
 * (FuzzOptions.authListeners), for the `saslAuth` and `tls` inputs.
 *
 * Besides the failures, the run collects anomalies that do not fail it: a
 * well-framed CALL the daemon never answered, a daemon packet the client
 * cannot decode, the daemon closing a connection whose framing was intact.
 */
import { appendFileSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DigestMd5Client, SaslLayerStream } from '../../src/auth/sasl/index.js';
import { DEFAULT_HOST_XML } from '../../src/driver/test/default-host.js';
import {
  decodeRet, encodeArgs, FRAME_MAX, FRAME_MIN, FrameDecoder, lxc, MessageStatus, MessageType, ProgramNumber, qemu, remote,
  remoteError, type Entry, type Frame, type Procedure,
} from '../../src/protocol/index.js';
import { RpcClient } from '../../src/rpc/index.js';
import { fromXdr } from '../../src/xdr/index.js';
import { canConnect, startTsvirtd, tail, type ConfValue, type Daemon } from '../interop/harness.js';
import { startQemuTsvirtd, type QemuTsvirtd } from '../interop/qemu-tsvirtd.js';
import { makeAuthNet, type AuthNet } from './auth-net.js';
import {
  callHeader, generate, mutatePacket, packet, Rng, subSeed, TEST_OBJECTS, TRAVERSAL, URIS, type RawHeader,
} from './generate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProc = Procedure<any, any, any, any>;

export interface FuzzOptions {
  seed: number;
  /** Run for this long (default 30 unless `count` is given). */
  seconds?: number;
  /** Run inputs 0..count−1 (with `seconds`, whichever ends first). */
  count?: number;
  /** Replay only these input numbers, one at a time. */
  indices?: number[];
  /** Inputs run at once. Default 6 (1 with `indices`). */
  parallel?: number;
  /** Hostile connections open at once (the witness adds one). Default 49. */
  maxConnections?: number;
  /** Fail when RSS after the settle period exceeds the baseline by more than this. Default 64 MiB. */
  rssLimitMiB?: number;
  /**
   * After the last hostile client left, wait at most this long for RSS to come
   * back within the limit (it must stay there for a second). Default 15000 ms.
   */
  settleMs?: number;
  witnessIntervalMs?: number;
  /** A witness round trip slower than this fails the run. Default 1000 ms. */
  witnessMaxLatencyMs?: number;
  /** How long an input waits for the replies it expects. Default 5000 ms. */
  replyTimeoutMs?: number;
  /** Stop at the first failure (default true). */
  stopOnFailure?: boolean;
  /** Only inputs of these kinds (scenario names, e.g. `['slowReader']`): to narrow a finding down. */
  kinds?: string[];
  /**
   * Run tsvirtd with its QEMU driver in a private mount and PID namespace
   * (test/interop/qemu-tsvirtd.ts; needs root, unshare, QEMU and virsh) and
   * open a quarter of the sessions on qemu:///system, where a domain named
   * and identified like the test driver's "test" is defined, so the
   * generated calls reach real QEMU code paths (a start spawns a real QEMU).
   * Default false.
   */
  qemu?: boolean;
  /**
   * Also listen on 127.0.0.1 TCP with auth_tcp "sasl" and on TLS (auth_tls
   * "sasl" or "none" by the seed's parity), for the `saslAuth` and `tls`
   * inputs (test/fuzz/auth-net.ts). Default true.
   */
  authListeners?: boolean;
  /** More libvirtd.conf keys for the daemon (e.g. `{ log_level: 1 }`). */
  daemonConf?: Record<string, ConfValue>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What one input did, enough to find it again. */
export interface InputRecord {
  index: number;
  /** Its own seed: `subSeed(seed, index)`. */
  inputSeed: number;
  kind: string;
  /** The unix sockets, or the SASL TCP and the TLS listeners. */
  socket: 'rw' | 'ro' | 'tcp' | 'tls';
  opened: boolean;
  /** Packets sent: procedure (or what the packet is) and size in bytes. */
  packets: { label: string; size: number }[];
  startedMs: number;
  endedMs?: number;
  outcome?: string;
}

export type FindingKind =
  | 'daemon-exit' | 'witness-error' | 'witness-latency' | 'rss-growth'
  | 'unanswered' | 'bad-reply' | 'unexpected-close' | 'harness-error';

export interface Finding {
  kind: FindingKind;
  /** Failures end the run (daemon exit, witness, memory); the rest are anomalies to look at. */
  fatal: boolean;
  message: string;
  /** The inputs that can have caused it (in flight at the time, or the one it happened on). */
  inputs: InputRecord[];
}

export interface FuzzResult {
  seed: number;
  /** The input kinds the run was limited to (replays need the same list). */
  kinds: string[] | null;
  /** Inputs started. */
  inputs: number;
  durationMs: number;
  ok: boolean;
  failures: Finding[];
  anomalies: Finding[];
  witness: { calls: number; errors: number; maxLatencyMs: number; p50Ms: number; p99Ms: number };
  rss: { baselineKiB: number; peakKiB: number; finalKiB: number; growthKiB: number; limitKiB: number };
  /** The fuzzer's own event-loop delay (high values make its timings less trustworthy). */
  fuzzerLoopDelayMaxMs: number;
  /** Inputs in flight or finished last when the run ended. */
  lastInputs: InputRecord[];
  daemonLogTail: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const DUMP_DIR = process.env.TSVIRT_FUZZ_DUMP;

// ------------------------------------------------------------------ witness

interface WitnessData {
  role: 'tsvirt-fuzz-witness';
  socket: string;
  uri: string;
  intervalMs: number;
}

type WitnessMessage =
  | { t: 'sample'; ms: number }
  | { t: 'error'; ms: number; message: string }
  | { t: 'done' };

function connectUnix(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connecting to ${path} timed out`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The witness loop, run in a worker thread (this module is also the worker's entry). */
async function witnessMain(d: WitnessData): Promise<void> {
  const port = parentPort!;
  let stop = false;
  port.on('message', (m) => {
    if (m === 'stop') stop = true;
  });
  const post = (m: WitnessMessage): void => port.postMessage(m);
  let client: RpcClient | null = null;
  try {
    client = new RpcClient(await connectUnix(d.socket, 5000));
    await client.call(remote.connectOpen, { name: d.uri, flags: 0 }, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    post({ t: 'error', ms: 0, message: `witness could not connect: ${String(e)}` });
  }
  while (!stop && client && !client.closed) {
    const t0 = performance.now();
    try {
      const signal = AbortSignal.timeout(5000);
      await client.call(remote.connectGetVersion, undefined, { signal });
      const { dom } = await client.call(remote.domainLookupByName, { name: 'test' }, { signal });
      await client.call(remote.domainGetInfo, { dom }, { signal });
      post({ t: 'sample', ms: performance.now() - t0 });
    } catch (e) {
      post({ t: 'error', ms: performance.now() - t0, message: String(e) });
    }
    await sleep(d.intervalMs);
  }
  client?.close();
  post({ t: 'done' });
}

if (!isMainThread && (workerData as WitnessData | null)?.role === 'tsvirt-fuzz-witness') {
  void witnessMain(workerData as WitnessData);
}

// ------------------------------------------------------------- daemon RSS

/** VmRSS, VmHWM (KiB) and State of a process, or null once it is gone. */
function procStatus(pid: number): { rss: number; hwm: number; state: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const num = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const state = /^State:\s+(\S)/m.exec(text)?.[1] ?? '?';
  return { rss: num('VmRSS'), hwm: num('VmHWM'), state };
}

// -------------------------------------------------------------- connections

/** Bounds the hostile connections open at once. */
class Semaphore {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(n: number) {
    this.#free = n;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((r) => this.#waiters.push(r));
  }

  release(): void {
    const w = this.#waiters.shift();
    if (w) w();
    else this.#free++;
  }
}

const ENTRIES_BY_PROG = new Map<number, { byNumber(n: number): Entry | undefined }>([
  [remote.prog, remote], [qemu.prog, qemu], [lxc.prog, lxc],
]);

/**
 * A raw client connection. Everything sent is kept so that what the daemon
 * must answer can be worked out afterwards exactly as its framing sees it.
 */
class Conn {
  readonly sent: Uint8Array[] = [];
  /** serial → REPLY packets received. */
  readonly replies = new Map<number, number>();
  /** serial → libvirt error code of an ERROR reply. */
  readonly errorCodes = new Map<number, number>();
  /** Keep every reply's frame (serial → last one): for inputs that read what the daemon said. */
  keepFrames = false;
  readonly frames = new Map<number, Frame>();
  pongs = 0;
  streamPackets = 0;
  closedByPeer = false;
  closed = false;
  readonly #decoder = new FrameDecoder();
  readonly #problems: string[];
  #wake: (() => void) | null = null;

  constructor(readonly sock: Duplex, readonly name: string, problems: string[], read: boolean) {
    this.#problems = problems;
    if (!read) sock.pause();
    sock.on('data', (chunk: Buffer) => this.#onData(chunk));
    sock.on('error', () => { /* a reset is one of the outcomes; 'close' follows */ });
    sock.on('close', () => {
      this.closed = true;
      this.#wake?.();
    });
    sock.on('end', () => {
      this.closedByPeer = true;
    });
  }

  #onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (e) {
      this.#problems.push(`daemon sent a packet the client cannot frame: ${String(e)}`);
      this.sock.destroy();
      return;
    }
    for (const f of frames) this.#onFrame(f);
    this.#wake?.();
  }

  #onFrame(f: Frame): void {
    const h = f.header;
    if (h.type === MessageType.REPLY || h.type === MessageType.REPLY_WITH_FDS) {
      this.replies.set(h.serial, (this.replies.get(h.serial) ?? 0) + 1);
      if (this.keepFrames) this.frames.set(h.serial, f);
      try {
        if (h.status === MessageStatus.ERROR) {
          this.errorCodes.set(h.serial, fromXdr(remoteError, f.body, { allowTrailing: true }).code);
        } else if (h.status === MessageStatus.OK) {
          const e = ENTRIES_BY_PROG.get(h.prog)?.byNumber(h.proc);
          if (e?.kind === 'call') fromXdr(e.ret, f.body, { allowTrailing: true });
        } else {
          this.#problems.push(`REPLY with status ${h.status} (proc ${h.proc}, serial ${h.serial})`);
        }
      } catch (e) {
        this.#problems.push(`REPLY to proc ${h.proc} serial ${h.serial} status ${h.status} does not decode: ${String(e)}`);
      }
    } else if (h.prog === ProgramNumber.KEEPALIVE && h.proc === 2) {
      this.pongs++;
    } else if (h.type === MessageType.STREAM || h.type === MessageType.STREAM_HOLE) {
      this.streamPackets++;
    }
  }

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.sent.push(bytes);
    // TSVIRT_FUZZ_DUMP=DIR keeps what each connection sent (DIR/<input>-<conn>.bin), to decode a replayed input.
    if (DUMP_DIR) appendFileSync(join(DUMP_DIR, `${this.name.replace('/', '-')}.bin`), bytes);
    this.sock.write(bytes);
  }

  /** Waits until `cond` holds, the connection closes, or `ms` pass; true if `cond` held. */
  async until(cond: () => boolean, ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (!cond()) {
      if (this.closed) return cond();
      const left = end - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 100));
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wake = null;
    }
    return true;
  }

  destroy(): void {
    this.sock.destroy();
  }
}

interface Expectation {
  /** serial → [label, replies needed]. */
  calls: Map<number, { label: string; n: number }>;
  pings: number;
  /** The daemon must drop the connection (framing broken, FDs announced); later packets count for nothing. */
  framingBroken: boolean;
  /** The last packet is incomplete; the daemon waits for the rest. */
  partial: boolean;
  /** A CONNECT_CLOSE was sent: the daemon closes after replying to it. */
  closes: boolean;
}

/** What the daemon's framing makes of the bytes sent: the calls it must answer, PINGs it must PONG. */
function expectations(sent: readonly Uint8Array[]): Expectation {
  const total = sent.reduce((n, b) => n + b.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const b of sent) {
    all.set(b, at);
    at += b.length;
  }
  const dv = new DataView(all.buffer);
  const x: Expectation = { calls: new Map(), pings: 0, framingBroken: false, partial: false, closes: false };
  let pos = 0;
  while (pos < total) {
    if (total - pos < 4) {
      x.partial = true;
      break;
    }
    const len = dv.getUint32(pos);
    if (len < FRAME_MIN || len > FRAME_MAX) {
      x.framingBroken = true;
      break;
    }
    if (total - pos < len) {
      x.partial = true;
      break;
    }
    const prog = dv.getUint32(pos + 4);
    const vers = dv.getUint32(pos + 8);
    const proc = dv.getInt32(pos + 12);
    const type = dv.getInt32(pos + 16);
    const serial = dv.getUint32(pos + 20);
    const status = dv.getInt32(pos + 24);
    if (type === MessageType.CALL_WITH_FDS || type === MessageType.REPLY_WITH_FDS) {
      if (len < FRAME_MIN + 4 || dv.getUint32(pos + 28) > 32) {
        x.framingBroken = true;
        break;
      }
      // FDs announced on a call: tsvirtd cannot receive them and drops the client, as libvirtd does on TCP.
      if (type === MessageType.CALL_WITH_FDS && dv.getUint32(pos + 28) > 0) {
        x.framingBroken = true;
        break;
      }
    }
    if (type === MessageType.CALL || type === MessageType.CALL_WITH_FDS) {
      const e = x.calls.get(serial);
      const label = ENTRIES_BY_PROG.get(prog)?.byNumber(proc)?.name ?? `prog ${prog} proc ${proc}`;
      x.calls.set(serial, { label, n: (e?.n ?? 0) + 1 });
      if (prog === remote.prog && vers === 1 && proc === remote.connectClose.number && status === 0) {
        x.closes = true;
        break;
      }
    } else if (prog === ProgramNumber.KEEPALIVE && vers === 1 && type === MessageType.MESSAGE && proc === 1) {
      x.pings++;
    }
    pos += len;
  }
  return x;
}

// ----------------------------------------------------------------- inputs

const CALLS = [remote, qemu, lxc].flatMap((p) => p.entries()).filter((e): e is AnyProc => e.kind === 'call');

/** Calls whose replies are big: for clients that never read. */
const BIG_REPLIES: AnyProc[] = [remote.connectGetCapabilities, remote.domainGetXMLDesc, remote.connectListAllDomains,
  remote.connectGetAllDomainStats, remote.domainScreenshot, remote.nodeGetInfo];

interface Ctx {
  rng: Rng;
  rec: InputRecord;
  opts: Required<Pick<FuzzOptions, 'replyTimeoutMs'>>;
  daemon: Daemon;
  /** The daemon hosts the QEMU driver (FuzzOptions.qemu). */
  qemu: boolean;
  sem: Semaphore;
  /** The SASL TCP and TLS listeners (null: not set up). */
  net: AuthNet | null;
  /** Bounds the connections to them: fewer than max_anonymous_clients, or the unix clients would queue. */
  netSem: Semaphore;
  /** Everything this input opened, destroyed when it ends. */
  conns: { destroy(): void }[];
  problems: string[];
  findings: Finding[];
}

const DOM = TEST_OBJECTS.domain;

async function openConn(x: Ctx, socket: 'rw' | 'ro', read = true): Promise<Conn | null> {
  await x.sem.acquire();
  let sock: Socket;
  try {
    sock = await connectUnix(socket === 'ro' ? x.daemon.roSocket : x.daemon.rwSocket, 5000);
  } catch (e) {
    x.sem.release();
    x.problems.push(`cannot connect to the ${socket} socket: ${String(e)}`);
    return null;
  }
  sock.once('close', () => x.sem.release());
  const c = new Conn(sock, `${x.rec.index}/${x.conns.length}`, x.problems, read);
  x.conns.push(c);
  return c;
}

/** A packet for `e` with generated args; serial from the connection's counter. */
function genCall(x: Ctx, e: AnyProc, serial: number, mode: 'valid' | 'hostile'): Uint8Array {
  const body = generate(e.args, x.rng, { mode, budget: mode === 'hostile' ? 9 << 20 : 1 << 20 });
  const bytes = packet(callHeader(e, serial), body);
  x.rec.packets.push({ label: `${e.name}${mode === 'hostile' ? '(hostile)' : ''}`, size: bytes.length });
  return bytes;
}

function validCall<P extends AnyProc>(x: Ctx, e: P, serial: number, args: unknown): Uint8Array {
  const bytes = packet(callHeader(e, serial), encodeArgs(e, args as never));
  x.rec.packets.push({ label: e.name, size: bytes.length });
  return bytes;
}

function pickCall(rng: Rng): AnyProc {
  let e = rng.pick(CALLS);
  // CONNECT_CLOSE ends the connection: keep it, but rarer.
  if (e === remote.connectClose && rng.chance(0.7)) e = rng.pick(CALLS);
  return e;
}

/**
 * Connects, and most of the time opens test:///default, or with the QEMU
 * driver hosted a quarter of the time qemu:///system (rw socket: read-write
 * unless the RO flag is drawn).
 */
async function session(x: Ctx, o: { open?: boolean; read?: boolean } = {}): Promise<{ c: Conn; serial: number } | null> {
  const c = await openConn(x, x.rec.socket === 'ro' ? 'ro' : 'rw', o.read ?? true);
  if (!c) return null;
  let serial = 0;
  if (o.open ?? x.rec.opened) {
    const name = x.qemu && x.rng.chance(0.25) ? 'qemu:///system' : 'test:///default';
    c.send(validCall(x, remote.connectOpen, serial++, { name, flags: x.rng.chance(0.2) ? 1 : 0 }));
    if (name !== 'test:///default') x.rec.packets[x.rec.packets.length - 1]!.label += ` '${name}'`;
  }
  return { c, serial };
}

/** Waits for everything the daemon must answer; records what it did not. */
async function check(x: Ctx, c: Conn, what = 'calls'): Promise<void> {
  const exp = expectations(c.sent);
  const answered = (): boolean => {
    for (const [serial, { n }] of exp.calls) if ((c.replies.get(serial) ?? 0) < n) return false;
    return c.pongs >= exp.pings;
  };
  const ok = await c.until(() => answered() && (!exp.framingBroken || c.closed), x.opts.replyTimeoutMs);
  if (ok) return;
  const missing = [...exp.calls].filter(([s, { n }]) => (c.replies.get(s) ?? 0) < n).map(([s, { label }]) => `${label}#${s}`);
  if (c.closed) {
    if (!exp.framingBroken && !exp.closes && missing.length > 0) {
      x.findings.push({ kind: 'unexpected-close', fatal: false, inputs: [x.rec],
        message: `daemon closed a connection with intact framing before answering ${missing.slice(0, 5).join(', ')} (${what})` });
    }
    return;
  }
  if (exp.framingBroken) {
    x.findings.push({ kind: 'unexpected-close', fatal: false, inputs: [x.rec],
      message: `daemon kept a connection open after a bad length word (${what})` });
    return;
  }
  x.findings.push({ kind: 'unanswered', fatal: false, inputs: [x.rec],
    message: `no reply within ${x.opts.replyTimeoutMs} ms to ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5})` : ''}`
      + `${c.pongs < exp.pings ? `; ${c.pongs}/${exp.pings} PONGs` : ''} (${what})` });
}

// ------------------------------------------------- authenticated listeners

/** Connections to the SASL TCP and TLS listeners at once, all inputs together. */
const NET_CONNECTIONS = 6;
/** libvirt's VIR_ERR_RPC: what any call but AUTH_* gets before authentication. */
const ERR_RPC = 39;
const NO_DATA = new Uint8Array(0);

/** A TCP connection to 127.0.0.1:port, counted against the net connection bound. */
async function connectNet(x: Ctx, port: number): Promise<Socket | null> {
  await x.netSem.acquire();
  const sock = createConnection({ host: '127.0.0.1', port });
  sock.once('close', () => x.netSem.release());
  x.conns.push(sock);
  const ok = await new Promise<boolean>((r) => {
    const t = setTimeout(() => r(false), 5000);
    sock.once('connect', () => { clearTimeout(t); r(true); });
    sock.once('error', () => { clearTimeout(t); r(false); });
  });
  sock.on('error', () => { /* a reset is one of the outcomes */ });
  if (!ok) {
    sock.destroy();
    x.problems.push(`cannot connect to 127.0.0.1:${port}`);
    return null;
  }
  return sock;
}

function netConn(x: Ctx, stream: Duplex): Conn {
  const c = new Conn(stream, `${x.rec.index}/${x.conns.length}`, x.problems, true);
  x.conns.push(c);
  c.keepFrames = true;
  return c;
}

/** Sends a call built from args and returns its decoded reply (null: error reply, none in time, or closed). */
async function ask(x: Ctx, c: Conn, e: AnyProc, serial: number, args: unknown): Promise<unknown> {
  c.send(validCall(x, e, serial, args));
  await c.until(() => c.frames.has(serial), x.opts.replyTimeoutMs);
  const f = c.frames.get(serial);
  if (!f || f.header.status !== MessageStatus.OK) return null;
  return decodeRet(e, f.body);
}

type SaslRet = { complete: number; nil: number; data: Uint8Array };

/** A SASL token as the wire carries it: nil flag and data, sometimes disagreeing, sometimes huge. */
function saslData(x: Ctx): { nil: number; data: Uint8Array; what: string } {
  const { rng } = x;
  switch (rng.int(6)) {
    case 0: return { nil: 1, data: NO_DATA, what: 'nil' };
    case 1: return { nil: 0, data: NO_DATA, what: 'empty' };
    case 2: return { nil: 1, data: rng.bytes(rng.range(1, 64)), what: 'nil with data' };
    case 3: return { nil: rng.pick([2, -1, 0x7fffffff]), data: rng.bytes(rng.range(0, 64)), what: 'odd nil' };
    case 4: return { nil: 0, data: rng.bytes(rng.pick([65536, 65535, 4096])), what: 'huge' };
    default: {
      const text = rng.pick(['\0fuzz\0fuzz pa55', '\0fuzz\0wrong', 'n,,n=fuzz,r=abc', 'username="fuzz",nonce="x",nc=00000001,qop=auth-conf',
        'c=biws,r=x,p=AAAA', 'realm="x"']);
      return { nil: 0, data: Buffer.from(text), what: `'${text.replaceAll('\0', '\\0')}'` };
    }
  }
}

const MECH_NAMES = ['DIGEST-MD5', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'GSSAPI', 'EXTERNAL', 'digest-md5', '', 'X'.repeat(300)];

/**
 * Random AUTH_* traffic and calls before authentication on a connection
 * that has not authenticated; returns the next serial. Every call that is
 * not AUTH_* must be refused with error 39 (checked after the replies).
 * `init`: AUTH_SASL_INIT may be sent (it opens a session that stays, so a
 * later login on the connection would be refused).
 */
function preAuthSteps(x: Ctx, c: Conn, serial: number, n: number, init: boolean, expect39: Set<number>): number {
  const { rng } = x;
  for (let i = 0; i < n; i++) {
    const s = serial++;
    const step = rng.int(init ? 7 : 6);
    if (step === 0) c.send(validCall(x, remote.authList, s, undefined));
    else if (step === 1 || step === 2) {
      const d = saslData(x);
      const mech = rng.chance(0.8) ? rng.pick(MECH_NAMES) : Buffer.from(rng.bytes(rng.range(0, 40))).toString('latin1');
      c.send(validCall(x, remote.authSaslStart, s, { mech, nil: d.nil, data: d.data }));
      x.rec.packets[x.rec.packets.length - 1]!.label += ` ${mech.length > 20 ? `${mech.slice(0, 20)}…` : JSON.stringify(mech)} ${d.what}`;
    } else if (step === 3) {
      const d = saslData(x);
      c.send(validCall(x, remote.authSaslStep, s, { nil: d.nil, data: d.data }));
      x.rec.packets[x.rec.packets.length - 1]!.label += ` ${d.what}`;
    } else if (step === 4) {
      c.send(genCall(x, rng.pick([remote.authSaslStart, remote.authSaslStep, remote.authList, remote.authPolkit]), s, 'hostile'));
    } else if (step === 5) {
      // A call before authentication: libvirt refuses it with VIR_ERR_RPC, the connection stays.
      let e = pickCall(rng);
      while (e.preAuth || e === remote.connectClose) e = pickCall(rng);
      c.send(genCall(x, e, s, 'valid'));
      expect39.add(s);
    } else {
      c.send(validCall(x, remote.authSaslInit, s, undefined));
    }
  }
  return serial;
}

/** The error-39 rule: every refused call got VIR_ERR_RPC (an OK reply, or another code, is a finding). */
function check39(x: Ctx, c: Conn, expect39: Set<number>, what: string): void {
  for (const s of expect39) {
    if (!c.replies.has(s)) continue; // unanswered or closed: check() reports it
    const code = c.errorCodes.get(s);
    if (code !== ERR_RPC) {
      x.problems.push(`${what}: a call before authentication (serial ${s}) got ${code === undefined ? 'an OK reply' : `error ${code}`}, not error ${ERR_RPC}`);
    }
  }
}

/** The real user logs in with DIGEST-MD5 (as remoteAuthSASL does); returns the client (with its layer) or null. */
async function digestLogin(x: Ctx, c: Conn, serial: () => number): Promise<DigestMd5Client | null> {
  const net = x.net!;
  const init = await ask(x, c, remote.authSaslInit, serial(), undefined) as { mechlist: string } | null;
  if (!init || !init.mechlist.split(',').includes('DIGEST-MD5')) {
    x.problems.push(`SASL login: AUTH_SASL_INIT gave ${init ? `mechanisms '${init.mechlist}'` : 'no reply or an error'}`);
    return null;
  }
  const m = new DigestMd5Client({ username: net.user, password: net.password, service: 'libvirt', host: '127.0.0.1',
    ssf: { minSsf: 56, maxSsf: 100000 } });
  let r = await ask(x, c, remote.authSaslStart, serial(), { mech: 'DIGEST-MD5', nil: 1, data: NO_DATA }) as SaslRet | null;
  for (let i = 0; r && i < 4; i++) {
    const challenge = r.nil ? null : Buffer.from(r.data);
    if (r.complete && m.isComplete) break;
    const out = m.step(challenge);
    if (r.complete) break;
    r = await ask(x, c, remote.authSaslStep, serial(), { nil: out === null ? 1 : 0, data: out ?? NO_DATA }) as SaslRet | null;
  }
  if (!r?.complete || !m.isComplete || !m.layer) {
    x.problems.push(`SASL login with the right password failed (${r ? `complete ${r.complete}, client ${m.isComplete ? 'done' : 'not done'}` : 'error reply'})`);
    return null;
  }
  return m;
}

/** After authentication: the session works (open, calls), then garbage inside the layer or the connection. */
async function afterLogin(x: Ctx, c: Conn, serial: () => number, raw: Duplex | null): Promise<void> {
  const { rng } = x;
  c.send(validCall(x, remote.connectOpen, serial(), { name: 'test:///default', flags: 0 }));
  for (let i = rng.range(1, 5); i > 0; i--) c.send(genCall(x, pickCall(rng), serial(), rng.chance(0.2) ? 'hostile' : 'valid'));
  await check(x, c, 'after login');
  if (c.closed) return;
  const g = rng.int(3);
  if (g === 0) {
    // Random bytes through the layer: the daemon's framing sees them.
    const b = rng.bytes(rng.range(1, 4096));
    if (rng.chance(0.5) && b.length >= 4) new DataView(b.buffer).setUint32(0, Math.max(FRAME_MIN, b.length));
    x.rec.packets.push({ label: 'random bytes inside the layer', size: b.length });
    c.send(b);
    await check(x, c, 'garbage inside the layer');
  } else if (g === 1 && raw) {
    // Bytes that are no layer blob: the daemon's decode fails and it drops this client alone.
    const b = rng.bytes(rng.range(1, 4096));
    if (rng.chance(0.5) && b.length >= 4) new DataView(b.buffer).setUint32(0, b.length - 4);
    x.rec.packets.push({ label: 'random bytes under the layer', size: b.length });
    raw.write(b);
    await c.until(() => false, rng.range(100, 1000));
  } else {
    c.send(validCall(x, remote.connectClose, serial(), undefined));
    await check(x, c, 'close after login');
  }
}

/**
 * On the SASL TCP listener: AUTH_LIST, AUTH_SASL_INIT/START/STEP with
 * random, valid, huge and nil-mismatched tokens and unknown mechanisms,
 * STEP out of order, calls before authentication (error 39); sometimes a
 * real DIGEST-MD5 login, calls through its security layer, then garbage.
 */
async function saslAuthInput(x: Ctx): Promise<void> {
  const net = x.net;
  if (!net) return SCENARIOS.preopen!(x);
  x.rec.socket = 'tcp';
  x.rec.opened = false;
  const login = x.rng.chance(0.35);
  const raw = await connectNet(x, net.tcpPort);
  if (!raw) return;
  const layer = new SaslLayerStream(raw);
  const c = netConn(x, layer);
  let serial = 0;
  const expect39 = new Set<number>();
  serial = preAuthSteps(x, c, serial, x.rng.range(login ? 0 : 1, 8), !login, expect39);
  await check(x, c, 'sasl before auth');
  check39(x, c, expect39, 'sasl tcp');
  if (!login || c.closed) return;
  const next = () => serial++;
  const m = await digestLogin(x, c, next);
  if (!m) return;
  // Our side switches right after the reply that completed authentication, as the daemon does.
  layer.enable(m.layer!);
  x.rec.opened = true;
  x.rec.packets.push({ label: `DIGEST-MD5 login, layer SSF ${m.layer!.ssf}`, size: 0 });
  await afterLogin(x, c, next, raw);
}

/** A TLS client socket to the daemon (not yet connected): with or without the allowed client's certificate. */
function tlsClient(x: Ctx, withCert: boolean, socket?: Duplex): TLSSocket {
  const p = x.net!.pki;
  const file = (f: string) => readFileSync(f);
  return tlsConnect({
    ...(socket ? { socket } : { host: '127.0.0.1', port: x.net!.tlsPort }),
    ca: file(p.cacert), servername: 'localhost',
    ...(withCert ? { cert: file(join(p.allowed, 'clientcert.pem')), key: file(join(p.allowed, 'clientkey.pem')) } : {}),
  });
}

/** The client's first handshake flight (ClientHello), caught on a fake transport. */
async function clientHello(x: Ctx): Promise<Buffer> {
  const out: Buffer[] = [];
  const fake = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { out.push(chunk); cb(); } });
  const t = tlsClient(x, true, fake);
  t.on('error', () => {});
  for (let i = 0; i < 50 && out.length === 0; i++) await sleep(2);
  t.destroy();
  return Buffer.concat(out);
}

/** Waits for the daemon's confirmation byte (0x01) after a TLS handshake; the rest stays in the stream. */
async function tlsReady(x: Ctx, t: TLSSocket): Promise<'ready' | 'closed' | 'bad'> {
  const r = await new Promise<'ready' | 'closed' | 'bad'>((resolve) => {
    const timer = setTimeout(() => resolve('closed'), x.opts.replyTimeoutMs);
    t.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      t.pause();
      if (chunk.length > 1) t.unshift(chunk.subarray(1));
      resolve(chunk[0] === 1 ? 'ready' : 'bad');
    });
    t.once('close', () => { clearTimeout(timer); resolve('closed'); });
  });
  return r;
}

/**
 * On the TLS listener: random bytes, a handshake cut short, a handshake
 * without a client certificate (the daemon must drop it), or a full one
 * followed by calls (with auth_tls "sasl": pre-auth traffic and a PLAIN
 * login) and garbage.
 */
async function tlsInput(x: Ctx): Promise<void> {
  const net = x.net;
  if (!net) return SCENARIOS.garbage!(x);
  x.rec.socket = 'tls';
  x.rec.opened = false;
  const { rng } = x;
  const mode = rng.pick(['random', 'cut', 'nocert', 'full', 'full', 'full'] as const);
  if (mode === 'random' || mode === 'cut') {
    let b: Uint8Array;
    if (mode === 'random') {
      b = rng.bytes(rng.range(1, 4096));
      if (rng.chance(0.5) && b.length >= 5) b.set([0x16, 0x03, rng.int(5)], 0); // a handshake record header
      x.rec.packets.push({ label: 'random bytes to TLS', size: b.length });
    } else {
      const hello = await clientHello(x);
      const cut = rng.int(hello.length + 1);
      b = hello.subarray(0, cut);
      x.rec.packets.push({ label: `ClientHello cut at ${cut} of ${hello.length}`, size: cut });
    }
    const raw = await connectNet(x, net.tlsPort);
    if (!raw) return;
    raw.write(b);
    await sleep(rng.range(50, 1500));
    raw.destroy();
    return;
  }
  await x.netSem.acquire();
  const withCert = mode === 'full';
  const t = tlsClient(x, withCert);
  t.once('close', () => x.netSem.release());
  t.on('error', () => {});
  x.conns.push(t);
  x.rec.packets.push({ label: `TLS handshake ${withCert ? 'with' : 'without'} client certificate`, size: 0 });
  const state = await tlsReady(x, t);
  if (!withCert) {
    if (state === 'ready') x.problems.push('the daemon accepted a TLS client without a certificate');
    return;
  }
  if (state !== 'ready') {
    x.problems.push(`TLS handshake with the allowed client's certificate: ${state === 'bad' ? 'no confirmation byte' : 'no answer'}`);
    return;
  }
  const c = netConn(x, t);
  t.resume();
  let serial = 0;
  const next = () => serial++;
  if (net.tlsAuth === 'sasl') {
    const login = rng.chance(0.5);
    const expect39 = new Set<number>();
    serial = preAuthSteps(x, c, serial, rng.range(login ? 0 : 1, 6), !login, expect39);
    await check(x, c, 'tls sasl before auth');
    check39(x, c, expect39, 'tls');
    if (!login || c.closed) return;
    const init = await ask(x, c, remote.authSaslInit, next(), undefined);
    const r = init === null ? null : await ask(x, c, remote.authSaslStart, next(),
      { mech: 'PLAIN', nil: 0, data: Buffer.from(`\0${net.user}\0${net.password}`) }) as SaslRet | null;
    if (!r?.complete) {
      x.problems.push('PLAIN login over TLS with the right password failed');
      return;
    }
    x.rec.packets.push({ label: 'PLAIN login', size: 0 });
  }
  x.rec.opened = true;
  await afterLogin(x, c, next, null);
}

type Scenario = (x: Ctx) => Promise<void>;

const SCENARIOS: Record<string, Scenario> = {
  /** Generated calls of any procedure, pipelined or one by one. */
  async calls(x) {
    const s = await session(x);
    if (!s) return;
    const pipelined = x.rng.chance(0.5);
    for (let i = x.rng.range(1, 8); i > 0 && !s.c.closed; i--) {
      s.c.send(genCall(x, pickCall(x.rng), s.serial++, x.rng.chance(0.3) ? 'hostile' : 'valid'));
      if (!pipelined) await check(x, s.c);
    }
    await check(x, s.c);
  },

  /**
   * The QEMU driver's "test" domain driven through its lifecycle in a random
   * order (a start spawns a real QEMU), mixed with generated calls. Only with
   * FuzzOptions.qemu; otherwise it runs as `calls`.
   */
  async qemuDomain(x) {
    if (!x.qemu) return SCENARIOS.calls!(x);
    x.rec.opened = true;
    const c = await openConn(x, x.rec.socket === 'ro' ? 'ro' : 'rw');
    if (!c) return;
    let serial = 0;
    c.send(validCall(x, remote.connectOpen, serial++, { name: 'qemu:///system', flags: 0 }));
    await check(x, c); // calls sent before the open's reply may find no connection yet, as in libvirtd
    const dom = { dom: DOM };
    const steps: Array<() => Uint8Array> = [
      () => validCall(x, remote.domainCreate, serial++, dom),
      () => validCall(x, remote.domainDestroy, serial++, dom),
      () => validCall(x, remote.domainSuspend, serial++, dom),
      () => validCall(x, remote.domainResume, serial++, dom),
      () => validCall(x, remote.domainShutdown, serial++, dom),
      () => validCall(x, remote.domainReboot, serial++, { dom: DOM, flags: x.rng.pick([0, 1, 2, 0xffffffff]) }),
      () => validCall(x, remote.domainReset, serial++, { dom: DOM, flags: 0 }),
      () => validCall(x, remote.domainSetMemoryFlags, serial++,
        { dom: DOM, memory: x.rng.pick([0, 1, 16384, 32768, 0x7fffffff]), flags: x.rng.pick([0, 1, 2, 4]) }),
      () => validCall(x, remote.domainGetInfo, serial++, dom),
      () => validCall(x, remote.domainGetXMLDesc, serial++, { dom: DOM, flags: x.rng.pick([0, 1, 2, 4]) }),
      () => validCall(x, remote.domainGetState, serial++, { dom: DOM, flags: 0 }),
      () => genCall(x, pickCall(x.rng), serial++, x.rng.chance(0.3) ? 'hostile' : 'valid'),
    ];
    for (let i = x.rng.range(1, 8); i > 0 && !c.closed; i--) {
      c.send(x.rng.pick(steps)());
      if (x.rng.chance(0.5)) await check(x, c);
    }
    await check(x, c);
  },

  /** Valid encodings broken in the payload, header fields or the length word. */
  async mutated(x) {
    const s = await session(x);
    if (!s) return;
    const donors: Uint8Array[] = [];
    for (let i = x.rng.range(1, 6); i > 0; i--) {
      const e = pickCall(x.rng);
      const body = generate(e.args, x.rng, { mode: 'valid', budget: 256 << 10 });
      donors.push(body);
      const m = mutatePacket(packet(callHeader(e, s.serial++), body), x.rng, donors);
      x.rec.packets.push({ label: `${e.name}(${m.what})`, size: m.bytes.length });
      s.c.send(m.bytes);
    }
    await check(x, s.c);
  },

  /** Calls on a connection that was never opened (auth, probes, everything). */
  async preopen(x) {
    x.rec.opened = false;
    await SCENARIOS.calls!(x);
  },

  /** CONNECT_OPEN with names that are not test:///default. */
  async openUri(x) {
    x.rec.opened = false;
    const s = await session(x);
    if (!s) return;
    const name = x.rng.chance(0.8) ? x.rng.pick(URIS) : null;
    if (name === null) s.c.send(genCall(x, remote.connectOpen, s.serial++, 'hostile'));
    else {
      s.c.send(validCall(x, remote.connectOpen, s.serial++, { name, flags: x.rng.pick([0, 1, 2, 0xffffffff]) }));
      x.rec.packets[x.rec.packets.length - 1]!.label += ` '${name.length > 60 ? name.slice(0, 60) + '…' : name}'`;
    }
    for (let i = x.rng.range(0, 3); i > 0; i--) s.c.send(genCall(x, pickCall(x.rng), s.serial++, 'valid'));
    await check(x, s.c);
  },

  /** A stream (screenshot, console, volume transfer) and stray STREAM / STREAM_HOLE packets. */
  async stream(x) {
    const read = x.rng.chance(0.8);
    x.rec.opened = true;
    const s = await session(x, { open: true, read });
    if (!s) return;
    const { rng } = x;
    const opener = rng.pick([remote.domainScreenshot, remote.domainOpenConsole, remote.storageVolUpload,
      remote.storageVolDownload, remote.domainOpenChannel]);
    const serial = s.serial++;
    if (opener === remote.domainScreenshot) s.c.send(validCall(x, opener, serial, { dom: DOM, screen: 0, flags: 0 }));
    else s.c.send(genCall(x, opener, serial, 'valid'));
    for (let i = rng.range(1, 20); i > 0; i--) {
      const hole = rng.chance(0.3);
      const h: RawHeader = {
        prog: rng.chance(0.9) ? remote.prog : rng.next(), vers: 1,
        proc: rng.chance(0.8) ? opener.number : rng.int(450),
        type: hole ? MessageType.STREAM_HOLE : MessageType.STREAM,
        serial: rng.chance(0.8) ? serial : rng.next(),
        status: rng.pick([MessageStatus.CONTINUE, MessageStatus.CONTINUE, MessageStatus.OK, MessageStatus.ERROR, 7]),
      };
      const body = hole ? rng.bytes(rng.pick([12, 0, 4, 100])) : rng.bytes(rng.pick([0, 1, 4096, 262120, 262121, 1 << 20]));
      const bytes = packet(h, body);
      x.rec.packets.push({ label: `${hole ? 'STREAM_HOLE' : 'STREAM'} status ${h.status} serial ${h.serial === serial ? 'same' : 'other'}`, size: bytes.length });
      s.c.send(bytes);
    }
    if (read) await check(x, s.c, 'stream');
    else await sleep(x.rng.range(200, 2000));
  },

  /** CALL_WITH_FDS with FD counts but no descriptors. */
  async fds(x) {
    const s = await session(x);
    if (!s) return;
    for (let i = x.rng.range(1, 4); i > 0; i--) {
      const e = x.rng.chance(0.5) ? x.rng.pick([qemu.domainMonitorCommandWithFiles, lxc.domainOpenNamespace]) : pickCall(x.rng);
      const h = { ...callHeader(e, s.serial++), type: MessageType.CALL_WITH_FDS };
      const numFds = x.rng.pick([0, 1, 2, 32, 33, 0xffffffff]);
      const bytes = packet(h, generate(e.args, x.rng, { mode: 'valid' }), { numFds });
      x.rec.packets.push({ label: `${e.name} CALL_WITH_FDS numFds=${numFds}`, size: bytes.length });
      s.c.send(bytes);
    }
    await check(x, s.c, 'fds');
  },

  /** Thousands of PINGs in one write, read or never read. */
  async pingFlood(x) {
    const read = x.rng.chance(0.5);
    const s = await session(x, { read });
    if (!s) return;
    const n = x.rng.pick([1000, 5000, 20000, 50000]);
    const ping = packet({ prog: ProgramNumber.KEEPALIVE, vers: 1, proc: 1, type: MessageType.MESSAGE, serial: 0, status: 0 });
    const all = new Uint8Array(ping.length * n);
    for (let i = 0; i < n; i++) all.set(ping, i * ping.length);
    x.rec.packets.push({ label: `${n} PINGs${read ? '' : ' (never read)'}`, size: all.length });
    s.c.send(all);
    if (read) await check(x, s.c, 'ping flood');
    else await sleep(x.rng.range(200, 2000));
  },

  /** Many calls with big replies from a client that never reads. */
  async slowReader(x) {
    const s = await session(x, { read: false });
    if (!s) return;
    const n = x.rng.range(20, 200);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const e = x.rng.pick(BIG_REPLIES);
      let args: unknown;
      switch (e) {
        case remote.domainGetXMLDesc: args = { dom: DOM, flags: 0 }; break;
        case remote.connectListAllDomains: args = { need_results: 1, flags: 0 }; break;
        case remote.connectGetAllDomainStats: args = { doms: [], stats: 0, flags: 0 }; break;
        case remote.domainScreenshot: args = { dom: DOM, screen: 0, flags: 0 }; break;
        default: args = undefined;
      }
      parts.push(validCall(x, e, s.serial++, args));
    }
    const all = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
    parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    s.c.send(all);
    await sleep(x.rng.range(500, 3000));
  },

  /** Half a packet, then the connection goes away (sometimes after a 32 MiB length word). */
  async dropMidPacket(x) {
    const s = await session(x);
    if (!s) return;
    const e = pickCall(x.rng);
    let bytes = packet(callHeader(e, s.serial++), generate(e.args, x.rng, { mode: 'valid' }));
    if (x.rng.chance(0.4)) {
      bytes = packet(callHeader(e, s.serial), x.rng.bytes(x.rng.pick([0, 4096, 1 << 20])), { length: x.rng.pick([FRAME_MAX, 1 << 24, 1 << 20]) });
    }
    const cut = x.rng.int(bytes.length);
    x.rec.packets.push({ label: `${e.name} cut at ${cut} of ${bytes.length} (length word ${new DataView(bytes.buffer).getUint32(0)})`, size: cut });
    s.c.sent.push(bytes.subarray(0, cut));
    s.c.sock.write(bytes.subarray(0, cut));
    await sleep(x.rng.range(0, 500));
    s.c.destroy();
  },

  /** Tens of connections at once, each opening and calling, some leaving without CONNECT_CLOSE. */
  async manyConnections(x) {
    const k = x.rng.range(10, 40);
    const rngs = Array.from({ length: k }, () => x.rng.fork());
    x.rec.packets.push({ label: `${k} connections`, size: 0 });
    await Promise.all(rngs.map(async (rng) => {
      const c = await openConn(x, rng.chance(0.3) ? 'ro' : 'rw');
      if (!c) return;
      const bytes: Uint8Array[] = [packet(callHeader(remote.connectOpen, 0), encodeArgs(remote.connectOpen, { name: 'test:///default', flags: 0 }))];
      const e = pickCall(rng);
      bytes.push(packet(callHeader(e, 1), generate(e.args, rng, { mode: 'valid', budget: 64 << 10 })));
      if (rng.chance(0.5)) bytes.push(packet(callHeader(remote.connectClose, 2)));
      for (const b of bytes) c.send(b);
      if (rng.chance(0.3)) c.destroy();
      else await check(x, c, 'many connections');
    }));
  },

  /** Noise: random bytes with or without a plausible length word. */
  async garbage(x) {
    const s = await session(x);
    if (!s) return;
    const b = x.rng.bytes(x.rng.range(1, 4096));
    if (x.rng.chance(0.5) && b.length >= 4) new DataView(b.buffer).setUint32(0, Math.max(FRAME_MIN, b.length));
    x.rec.packets.push({ label: 'random bytes', size: b.length });
    s.c.send(b);
    await check(x, s.c, 'garbage');
  },

  saslAuth: saslAuthInput,
  tls: tlsInput,
};

const KIND_WEIGHTS: [number, string][] = [
  [30, 'calls'], [18, 'mutated'], [7, 'preopen'], [4, 'openUri'], [7, 'stream'], [4, 'fds'], [5, 'pingFlood'],
  [5, 'slowReader'], [6, 'dropMidPacket'], [4, 'manyConnections'], [4, 'garbage'], [3, 'qemuDomain'],
  [4, 'saslAuth'], [3, 'tls'],
];

// -------------------------------------------------------------------- runner

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** One line per input: what to pass to `--index` to replay it. */
export function formatInput(r: InputRecord): string {
  const pk = r.packets.slice(0, 6).map((p) => `${p.label} [${p.size} B]`).join(', ');
  const more = r.packets.length > 6 ? ` … +${r.packets.length - 6}` : '';
  return `#${r.index} (input seed ${r.inputSeed}) ${r.kind} on ${r.socket}${r.opened ? ', opened' : ''}: ${pk}${more}`
    + `${r.outcome ? ` → ${r.outcome}` : r.endedMs === undefined ? ' (in flight)' : ''}`;
}

/** A human-readable summary of a run. */
export function formatResult(r: FuzzResult): string {
  const mib = (k: number) => (k / 1024).toFixed(1);
  const lines = [
    `tsvirtd fuzz: seed ${r.seed}, ${r.inputs} inputs in ${(r.durationMs / 1000).toFixed(1)} s: ${r.ok ? 'OK' : 'FAILED'}`,
    `witness: ${r.witness.calls} rounds, ${r.witness.errors} errors, latency p50 ${r.witness.p50Ms.toFixed(1)} ms, `
      + `p99 ${r.witness.p99Ms.toFixed(1)} ms, max ${r.witness.maxLatencyMs.toFixed(1)} ms`,
    `daemon RSS: baseline ${mib(r.rss.baselineKiB)} MiB, peak ${mib(r.rss.peakKiB)} MiB, after settle ${mib(r.rss.finalKiB)} MiB `
      + `(growth ${mib(r.rss.growthKiB)} MiB, limit ${mib(r.rss.limitKiB)} MiB)`,
    `fuzzer event-loop delay max ${r.fuzzerLoopDelayMaxMs.toFixed(0)} ms`,
  ];
  for (const f of r.failures) {
    lines.push(`FAILURE ${f.kind}: ${f.message}`);
    for (const i of f.inputs.slice(0, 12)) lines.push(`  ${formatInput(i)}`);
  }
  const byKind = new Map<string, Finding[]>();
  for (const a of r.anomalies) byKind.set(`${a.kind}: ${a.message.replace(/#\d+/g, '#N')}`, [...(byKind.get(`${a.kind}: ${a.message.replace(/#\d+/g, '#N')}`) ?? []), a]);
  if (byKind.size) lines.push(`anomalies (${r.anomalies.length}, not failures):`);
  for (const [k, list] of [...byKind].slice(0, 30)) {
    lines.push(`  ${list.length}× ${k}`);
    for (const i of list.slice(0, 2).flatMap((a) => a.inputs)) lines.push(`    ${formatInput(i)}`);
  }
  if (!r.ok) {
    lines.push('last inputs:');
    for (const i of r.lastInputs) lines.push(`  ${formatInput(i)}`);
    lines.push(`replay one: node dist/test/fuzz/cli.js --seed ${r.seed}${r.kinds ? ` --kinds ${r.kinds.join(',')}` : ''} --index N`);
    if (r.daemonLogTail) lines.push('daemon log (tail):', r.daemonLogTail);
  }
  return lines.join('\n');
}

/**
 * Runs the fuzzer against a fresh tsvirtd and returns what it saw. Never
 * hangs: every wait has a timeout, and the daemon is stopped (SIGKILL after
 * a grace period) at the end.
 */
export async function fuzzDaemon(o: FuzzOptions): Promise<FuzzResult> {
  const seed = o.seed >>> 0;
  const seconds = o.seconds ?? (o.count === undefined && o.indices === undefined ? 30 : Infinity);
  const parallel = o.indices ? 1 : (o.parallel ?? 6);
  const maxConns = Math.min(o.maxConnections ?? 49, 49);
  const limitKiB = (o.rssLimitMiB ?? 64) * 1024;
  const settleMs = o.settleMs ?? 15_000;
  const maxLatency = o.witnessMaxLatencyMs ?? 1000;
  const stopOnFailure = o.stopOnFailure ?? true;
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const failures: Finding[] = [];
  const anomalies: Finding[] = [];
  const inFlight = new Set<InputRecord>();
  const finished: InputRecord[] = [];
  const latencies: number[] = [];
  let witnessErrors = 0;
  let started = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();

  const fail = (kind: FindingKind, message: string, inputs?: InputRecord[]): void => {
    if (failures.some((f) => f.kind === kind) && kind !== 'daemon-exit') return; // one of each is enough
    failures.push({ kind, fatal: true, message, inputs: inputs ?? [...inFlight, ...finished.slice(-5)] });
    log(`FAILURE ${kind}: ${message}`);
  };

  const net = (o.authListeners ?? true) ? await makeAuthNet(seed) : null;
  const netSem = new Semaphore(NET_CONNECTIONS);
  const conf = { keepalive_interval: 5, keepalive_count: 5, ...net?.conf, ...o.daemonConf };
  const qemuMode = o.qemu ?? false;
  // Generated calls name files by relative paths (core dumps, saves): keep them in the daemon's dir.
  const dopts = { tcp: net !== null, conf, env: net?.env, cwdInDir: true };
  let daemon: Daemon;
  try {
    daemon = qemuMode ? await startQemuTsvirtd(dopts) : await startTsvirtd(dopts);
  } catch (e) {
    net?.remove();
    throw e;
  }
  if (net) {
    net.tcpPort = daemon.tcpPort;
    // The harness waits for the unix sockets and TCP; TLS starts beside them.
    for (let i = 0; i < 100 && !(await canConnect(net.tlsPort)); i++) await sleep(100);
  }
  const pid = qemuMode ? (daemon as QemuTsvirtd).tsvirtdPid() ?? 0 : daemon.pid;
  if (qemuMode) await defineQemuTest(daemon.rwSocket);
  const witnessHost = join(daemon.dir, 'witness-host.xml');
  writeFileSync(witnessHost, DEFAULT_HOST_XML);

  let peak = 0;
  let daemonGone = false;
  const monitor = setInterval(() => {
    const st = procStatus(pid);
    if (!st || st.state === 'Z' || st.state === 'X') {
      if (!daemonGone) {
        daemonGone = true;
        fail('daemon-exit', `tsvirtd (pid ${pid}) exited`);
      }
      return;
    }
    peak = Math.max(peak, st.rss);
  }, 100);

  const witness = new Worker(new URL(import.meta.url), {
    workerData: { role: 'tsvirt-fuzz-witness', socket: daemon.rwSocket, uri: `test://${witnessHost}`,
      intervalMs: o.witnessIntervalMs ?? 50 } satisfies WitnessData,
  });
  let witnessDone: () => void = () => {};
  const witnessEnded = new Promise<void>((r) => { witnessDone = r; });
  witness.on('message', (m: WitnessMessage) => {
    if (m.t === 'done') return witnessDone();
    latencies.push(m.ms);
    if (m.t === 'error') {
      witnessErrors++;
      if (!daemonGone) fail('witness-error', `witness call failed after ${m.ms.toFixed(0)} ms: ${m.message}`);
    } else if (m.ms > maxLatency) {
      fail('witness-latency', `witness round trip took ${m.ms.toFixed(0)} ms (limit ${maxLatency} ms)`);
    }
  });
  witness.on('error', (e) => fail('harness-error', `witness thread died: ${String(e)}`));
  witness.on('exit', () => witnessDone());

  let daemonLogTail = '';
  let baseline = 0;
  let final = 0;
  try {
    // Warm-up: the witness runs, and one client goes through the common calls once.
    const warm: Ctx = { rng: new Rng(seed), rec: newRecord(-1, seed, 'warm-up', 'rw', true), opts: { replyTimeoutMs: 5000 },
      daemon, qemu: false, sem: new Semaphore(maxConns), net, netSem, conns: [], problems: [], findings: [] };
    const s = await session(warm);
    if (s) {
      s.c.send(validCall(warm, remote.domainGetXMLDesc, s.serial++, { dom: DOM, flags: 0 }));
      s.c.send(validCall(warm, remote.connectGetCapabilities, s.serial++, undefined));
      s.c.send(validCall(warm, remote.connectListAllDomains, s.serial++, { need_results: 1, flags: 0 }));
      await check(warm, s.c, 'warm-up');
      s.c.destroy();
    }
    await sleep(1500);
    baseline = procStatus(pid)?.rss ?? 0;
    log(`tsvirtd pid ${pid}, baseline RSS ${(baseline / 1024).toFixed(1)} MiB; seed ${seed}`);

    const weights = o.kinds ? KIND_WEIGHTS.filter(([, k]) => o.kinds!.includes(k)) : KIND_WEIGHTS;
    if (weights.length === 0) throw new Error(`no input kinds among ${o.kinds?.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    const sem = new Semaphore(maxConns);
    let next = 0;
    const stopping = (): boolean => daemonGone || (stopOnFailure && failures.length > 0)
      || performance.now() - t0 > seconds * 1000;
    const runOne = async (index: number): Promise<void> => {
      const inputSeed = subSeed(seed, index);
      const rng = new Rng(inputSeed);
      const kind = rng.weighted(weights);
      const rec = newRecord(index, inputSeed, kind, rng.chance(0.3) ? 'ro' : 'rw', rng.chance(0.9));
      const x: Ctx = { rng, rec, opts: { replyTimeoutMs: o.replyTimeoutMs ?? 5000 }, daemon, qemu: qemuMode, sem, net, netSem, conns: [], problems: [], findings: [] };
      started++;
      inFlight.add(rec);
      let timer: NodeJS.Timeout | undefined;
      try {
        const outcome = await Promise.race([
          SCENARIOS[kind]!(x).then(() => 'done'),
          new Promise<string>((r) => { timer = setTimeout(() => r('input timed out'), 30_000); }),
        ]);
        rec.outcome = outcome === 'done' ? undefined : outcome;
      } catch (e) {
        rec.outcome = `harness error: ${String(e)}`;
        anomalies.push({ kind: 'harness-error', fatal: false, message: String((e as Error).stack ?? e), inputs: [rec] });
      } finally {
        clearTimeout(timer);
        for (const c of x.conns) c.destroy();
      }
      rec.endedMs = performance.now() - t0;
      for (const p of x.problems) anomalies.push({ kind: 'bad-reply', fatal: false, message: p, inputs: [rec] });
      anomalies.push(...x.findings.filter((f, i) => x.findings.findIndex((g) => g.message === f.message) === i));
      inFlight.delete(rec);
      finished.push(rec);
      if (finished.length > 40) finished.shift();
    };
    const lanes = Array.from({ length: parallel }, async () => {
      while (!stopping()) {
        const index = o.indices ? o.indices[next++] : next++;
        if (index === undefined || (o.count !== undefined && !o.indices && index >= o.count)) return;
        await runOne(index);
      }
    });
    const progress = setInterval(() => log(`${started} inputs, ${failures.length} failures, ${anomalies.length} anomalies, `
      + `RSS ${((procStatus(pid)?.rss ?? 0) / 1024).toFixed(1)} MiB`), 5000);
    await Promise.all(lanes);
    clearInterval(progress);

    // Settle: every hostile client is gone; the witness still runs.
    // The daemon may collect only some seconds after the last client left: poll
    // until RSS is back within the limit (held for a second) or settleMs pass.
    if (!daemonGone) {
      const end = performance.now() + settleMs;
      const window: number[] = [];
      for (;;) {
        window.push(procStatus(pid)?.rss ?? 0);
        if (window.length > 5) window.shift();
        final = Math.max(...window);
        if ((window.length === 5 && final - baseline <= limitKiB) || performance.now() >= end) break;
        await sleep(200);
      }
      log(`RSS after settle ${(final / 1024).toFixed(1)} MiB (baseline ${(baseline / 1024).toFixed(1)}, peak ${(peak / 1024).toFixed(1)})`);
      if (final - baseline > limitKiB) {
        fail('rss-growth', `daemon RSS grew by ${((final - baseline) / 1024).toFixed(1)} MiB `
          + `(baseline ${(baseline / 1024).toFixed(1)} MiB, after settle ${(final / 1024).toFixed(1)} MiB, `
          + `peak ${(peak / 1024).toFixed(1)} MiB), more than ${(limitKiB / 1024).toFixed(0)} MiB`, []);
      }
    }
  } finally {
    witness.postMessage('stop');
    await Promise.race([witnessEnded, sleep(3000)]);
    await witness.terminate();
    clearInterval(monitor);
    loopDelay.disable();
    daemonLogTail = tail(daemon.logFile, 40);
    // TSVIRT_FUZZ_KEEP_LOG=FILE keeps the whole daemon log (e.g. with daemonConf { log_level: 1 }).
    if (process.env.TSVIRT_FUZZ_KEEP_LOG) copyFileSync(daemon.logFile, process.env.TSVIRT_FUZZ_KEEP_LOG);
    await daemon.stop();
    // What a domainSave to the traversal path left (it resolves from / whatever the cwd).
    rmSync(join('/', TRAVERSAL), { force: true, recursive: true });
    net?.remove();
  }
  const sorted = latencies.slice().sort((a, b) => a - b);
  return {
    seed,
    kinds: o.kinds ?? null,
    inputs: started,
    durationMs: performance.now() - t0,
    ok: failures.length === 0,
    failures,
    anomalies,
    witness: {
      calls: latencies.length, errors: witnessErrors, maxLatencyMs: sorted[sorted.length - 1] ?? 0,
      p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99),
    },
    rss: { baselineKiB: baseline, peakKiB: peak, finalKiB: final, growthKiB: final - baseline, limitKiB },
    fuzzerLoopDelayMaxMs: loopDelay.max / 1e6,
    lastInputs: [...inFlight, ...finished.slice(-15)],
    daemonLogTail,
  };
}

/**
 * Defines, on the daemon's qemu:///system, the QEMU counterpart of the test
 * driver's "test" domain (same name and UUID, so the generator's domain
 * references find it): no disk, 32 MiB, a pty serial console. If an input
 * starts it, SeaBIOS finds nothing to boot and waits; the namespace ends it.
 */
async function defineQemuTest(socket: string): Promise<void> {
  const client = new RpcClient(await connectUnix(socket, 5000));
  try {
    const signal = AbortSignal.timeout(30_000);
    await client.call(remote.connectOpen, { name: 'qemu:///system', flags: 0 }, { signal });
    const xml = `<domain type='qemu'><name>${DOM.name}</name><uuid>${DOM.uuid}</uuid>`
      + "<memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>"
      + "<devices><serial type='pty'/><console type='pty'/><graphics type='vnc'><listen type='socket'/></graphics>"
      + "<video><model type='cirrus'/></video></devices></domain>";
    await client.call(remote.domainDefineXML, { xml }, { signal });
  } finally {
    client.close();
  }
}

function newRecord(index: number, inputSeed: number, kind: string, socket: InputRecord['socket'], opened: boolean): InputRecord {
  return { index, inputSeed, kind, socket, opened, packets: [], startedMs: performance.now() };
}
