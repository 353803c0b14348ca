/**
 * Procedure tables: one `program(...)` per RPC program, one entry per
 * procedure or event message. The client, the daemon's dispatcher, event
 * routing and the wire snapshot all read these tables; nothing else should
 * switch on procedure numbers.
 */
import { fromXdr, toXdr, voidCodec, type Codec } from '../xdr/index.js';

/**
 * Where stream data flows, seen from the client: `in` daemon → client
 * (download, screenshot), `out` client → daemon (upload, tunnelled
 * migration), `both` (console, channel).
 */
export type StreamDirection = 'in' | 'out' | 'both';

/**
 * Whether the procedure is allowed on a read-only connection (libvirt-rpc.md
 * §17): `true` allowed, `false` denied (VIR_ERR_OPERATION_DENIED), `'flags'`
 * allowed unless certain flags are set (e.g. DOMAIN_GET_XML_DESC with SECURE).
 */
export type ReadOnly = boolean | 'flags';

/**
 * Hand-written behaviour for an entry whose driver-contract shape differs
 * from the wire. `args`/`ret` convert between the two; `data` is the whole
 * content of the procedure's stream, for entries whose contract returns it
 * (DOMAIN_SCREENSHOT returns `{ mime, data }`, the wire only `{ mime }`).
 */
export interface Override<WA, WR, CA, CR> {
  /** Why this entry differs from the wire, for reviewers and docs. */
  readonly why: string;
  readonly args?: {
    toWire(a: CA): WA;
    fromWire(w: WA): CA;
  };
  readonly ret?: {
    toWire(r: CR): { ret: WR; data?: Uint8Array };
    fromWire(w: WR, data?: Uint8Array): CR;
  };
}

export interface ProcOptions<WA, WR, CA, CR> {
  /** `<proc>_args`; omitted = void. */
  args?: Codec<WA>;
  /** `<proc>_ret`; omitted = void. */
  ret?: Codec<WR>;
  /** The call opens a stream (§15). */
  stream?: StreamDirection;
  /** STREAM_HOLE packets are allowed when the procedure's sparse flag is set. */
  sparse?: boolean;
  /** File descriptors travel with the call (`out`), the reply (`in`) or both (§16). */
  fds?: 'in' | 'out' | 'both';
  /** `@priority: high`: never blocks on a hypervisor, may run on the priority workers. Default normal. */
  priority?: 'high' | 'normal';
  /** Allowed on read-only connections (§17). Default false. */
  readonly?: ReadOnly;
  /** Answered before authentication completes (AUTH_* only). */
  preAuth?: boolean;
  /** Contract ↔ wire adaptation, when they differ. */
  override?: Override<WA, WR, CA, CR>;
}

/**
 * A callable procedure: CALL with args, REPLY with ret. `S` is the table's
 * stream marker as a type, so that the driver contract can give the
 * stream-opening procedures their stream argument.
 */
export interface Procedure<WA = unknown, WR = unknown, CA = WA, CR = WR, S extends StreamDirection | null = StreamDirection | null> {
  readonly kind: 'call';
  /** The table key: libvirt's REMOTE_PROC_X name in lower camel case (`domainGetXMLDesc`). */
  readonly name: string;
  readonly number: number;
  readonly prog: number;
  readonly vers: number;
  readonly args: Codec<WA>;
  readonly ret: Codec<WR>;
  readonly stream: S;
  readonly sparse: boolean;
  readonly fds: 'in' | 'out' | 'both' | null;
  readonly priority: 'high' | 'normal';
  readonly readonly: ReadOnly;
  readonly preAuth: boolean;
  readonly override: Override<WA, WR, CA, CR> | null;
  /** Phantom: the contract-side types, for `ArgsOf`/`RetOf`. */
  readonly __types?: { args: CA; ret: CR };
}

/** A daemon → client message (event, keepalive): type MESSAGE, payload `msg`. */
export interface EventMessage<M = unknown> {
  readonly kind: 'event';
  readonly name: string;
  readonly number: number;
  readonly prog: number;
  readonly vers: number;
  readonly msg: Codec<M>;
}

/** Either kind of table entry. */
export type Entry = Procedure<any, any, any, any, any> | EventMessage<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A procedure declaration before `program()` names it. */
export interface ProcDef<WA, WR, CA, CR, S extends StreamDirection | null = null> {
  readonly kind: 'call';
  readonly number: number;
  readonly opts: ProcOptions<WA, WR, CA, CR>;
  /** Phantom: the stream marker as a literal type. */
  readonly __stream?: S;
}
/** An event declaration before `program()` names it. */
export interface EventDef<M> { readonly kind: 'event'; readonly number: number; readonly msg: Codec<M> }
type AnyDef = ProcDef<any, any, any, any, any> | EventDef<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Declares a procedure. Without an override, the contract types equal the
 * wire types; with one, they are inferred from its `args`/`ret` converters.
 */
export function proc<WA = void, WR = void, CA = WA, CR = WR, S extends StreamDirection | null = null>(
  number: number, opts: ProcOptions<WA, WR, CA, CR> & { stream?: S } = {},
): ProcDef<NoInfer<WA>, NoInfer<WR>, NoInfer<CA>, NoInfer<CR>, NoInfer<S>> {
  // NoInfer: program()'s `any`-typed constraint must not become an inference
  // source for CA/CR (they would turn into `any` instead of defaulting to WA/WR).
  return { kind: 'call', number, opts };
}

/** Declares an event (daemon → client MESSAGE) with payload `msg`. */
export function event<M>(number: number, msg: Codec<M>): EventDef<NoInfer<M>> {
  return { kind: 'event', number, msg };
}

type Built<K extends string, D> =
  D extends ProcDef<infer WA, infer WR, infer CA, infer CR, infer S> ? Procedure<WA, WR, CA, CR, S> & { readonly name: K }
    : D extends EventDef<infer M> ? EventMessage<M> & { readonly name: K } : never;

/** What a program's table offers besides its entries (non-enumerable). */
export interface ProgramInfo {
  readonly prog: number;
  readonly vers: number;
  /** The entry with this procedure number, if any. */
  byNumber(n: number): Entry | undefined;
  /** Every entry in procedure-number order. */
  entries(): readonly Entry[];
}

/** A program table: entries by name, plus `ProgramInfo`. */
export type Program<D extends Record<string, AnyDef>> = { readonly [K in keyof D & string]: Built<K, D[K]> } & ProgramInfo;

/**
 * Builds a program table. Procedure numbers must be unique; names come from
 * the keys. The result is frozen.
 */
export function program<D extends Record<string, AnyDef>>(prog: number, vers: number, defs: D): Program<D> {
  const table: Record<string, Entry> = {};
  const byNum = new Map<number, Entry>();
  for (const [name, d] of Object.entries(defs)) {
    if (name === 'prog' || name === 'vers' || name === 'byNumber' || name === 'entries') {
      throw new Error(`procedure name '${name}' collides with the program table's own members`);
    }
    if (!Number.isInteger(d.number) || d.number < 0 || d.number > 0x7fffffff) {
      throw new Error(`procedure '${name}' has bad number '${d.number}'`);
    }
    if (byNum.has(d.number)) {
      throw new Error(`procedures '${byNum.get(d.number)!.name}' and '${name}' share number ${d.number}`);
    }
    let e: Entry;
    if (d.kind === 'call') {
      const o = d.opts;
      e = Object.freeze({
        kind: 'call', name, number: d.number, prog, vers,
        args: o.args ?? voidCodec, ret: o.ret ?? voidCodec,
        stream: o.stream ?? null, sparse: o.sparse ?? false, fds: o.fds ?? null,
        priority: o.priority ?? 'normal', readonly: o.readonly ?? false, preAuth: o.preAuth ?? false,
        override: o.override ?? null,
      }) as Procedure<any, any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    } else {
      e = Object.freeze({ kind: 'event', name, number: d.number, prog, vers, msg: d.msg });
    }
    table[name] = e;
    byNum.set(d.number, e);
  }
  const sorted = Object.freeze([...byNum.values()].sort((a, b) => a.number - b.number));
  Object.defineProperties(table, {
    prog: { value: prog },
    vers: { value: vers },
    byNumber: { value: (n: number) => byNum.get(n) },
    entries: { value: () => sorted },
  });
  return Object.freeze(table) as unknown as Program<D>;
}

// ------------------------------------------------------------------ types

/** The contract-side argument type of a procedure (`void` if it has none). */
export type ArgsOf<P> = P extends Procedure<any, any, infer CA, any> ? CA : never; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The contract-side result type of a procedure (`void` if it has none). */
export type RetOf<P> = P extends Procedure<any, any, any, infer CR> ? CR : never; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The wire-side `<proc>_args` type. */
export type WireArgsOf<P> = P extends Procedure<infer WA, any, any, any> ? WA : never; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The wire-side `<proc>_ret` type. */
export type WireRetOf<P> = P extends Procedure<any, infer WR, any, any> ? WR : never; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The payload type of an event message. */
export type MsgOf<E> = E extends EventMessage<infer M> ? M : never;

// ---------------------------------------------------- contract ↔ wire helpers

/** Contract args → wire args (identity unless the entry overrides). */
export function argsToWire<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, a: CA): WA {
  return p.override?.args ? p.override.args.toWire(a) : (a as unknown as WA);
}

/** Wire args → contract args. */
export function argsFromWire<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, w: WA): CA {
  return p.override?.args ? p.override.args.fromWire(w) : (w as unknown as CA);
}

/** Contract result → wire result, plus stream content for entries that return it in the contract. */
export function retToWire<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, r: CR): { ret: WR; data?: Uint8Array } {
  return p.override?.ret ? p.override.ret.toWire(r) : { ret: r as unknown as WR };
}

/** Wire result (and stream content, where the contract has it) → contract result. */
export function retFromWire<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, w: WR, data?: Uint8Array): CR {
  return p.override?.ret ? p.override.ret.fromWire(w, data) : (w as unknown as CR);
}

/** Encodes contract args into a CALL payload. */
export function encodeArgs<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, a: CA): Uint8Array {
  return toXdr(p.args, argsToWire(p, a));
}

/**
 * Decodes a CALL payload into contract args. Trailing bytes are ignored, as
 * the 9.0 daemon ignores them (libvirt-rpc.md §2).
 */
export function decodeArgs<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, body: Uint8Array): CA {
  return argsFromWire(p, fromXdr(p.args, body, { allowTrailing: true }));
}

/** Encodes the wire part of a contract result into a REPLY payload. */
export function encodeRet<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, r: CR): { body: Uint8Array; data?: Uint8Array } {
  const { ret, data } = retToWire(p, r);
  const body = toXdr(p.ret, ret);
  return data === undefined ? { body } : { body, data };
}

/** Decodes a REPLY payload (plus stream content where the contract has it) into the contract result. */
export function decodeRet<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, body: Uint8Array, data?: Uint8Array): CR {
  return retFromWire(p, fromXdr(p.ret, body, { allowTrailing: true }), data);
}

/** Encodes an event payload. */
export function encodeMsg<M>(e: EventMessage<M>, m: M): Uint8Array {
  return toXdr(e.msg, m);
}

/** Decodes an event payload. */
export function decodeMsg<M>(e: EventMessage<M>, body: Uint8Array): M {
  return fromXdr(e.msg, body, { allowTrailing: true });
}
