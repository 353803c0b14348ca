/**
 * Command and option definitions, and the parsed form of one command with
 * virsh's typed option accessors (vshCommandOpt* in tools/vsh.c).
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { Shell } from './shell.js';

/**
 * virsh's option kinds (vshCmdOptType): `bool` flags, `string` and `int`
 * options (positional too unless `reqOpt`), `data` (required, positional),
 * `argv` (the rest of the line) and `alias` (another spelling; `help`
 * holds the real name, or `name=value` for a flag that implies a value).
 */
export type OptType = 'bool' | 'string' | 'int' | 'data' | 'argv' | 'alias';

export interface OptDef {
  readonly name: string;
  readonly type: OptType;
  readonly help: string;
  /** VSH_OFLAG_REQ: must be given. */
  readonly required?: boolean;
  /** VSH_OFLAG_REQ_OPT: only as `--name value`, never positionally. */
  readonly reqOpt?: boolean;
  /** VSH_OFLAG_EMPTY_OK: an empty string is a valid value. */
  readonly emptyOk?: boolean;
}

/** One entry of a group table (vshCmdDef). */
export interface CmdDef {
  readonly name: string;
  /** The one-line summary (the "help" info). */
  readonly help: string;
  /** The DESCRIPTION text; empty for none. */
  readonly desc: string;
  readonly options: readonly OptDef[];
  /** VSH_CMD_FLAG_NOCONNECT: runs without a hypervisor connection. */
  readonly noConnect?: boolean;
  /** VSH_CMD_FLAG_HIDDEN: left out of help listings. */
  readonly hidden?: boolean;
  /** VSH_CMD_FLAG_ALIAS: the command this hidden name stands for. */
  readonly alias?: string;
  run(ctl: Shell, cmd: ParsedCommand): Promise<boolean>;
}

/** A command group (vshCmdGrp). */
export interface CmdGroup {
  readonly name: string;
  readonly keyword: string;
  readonly commands: readonly CmdDef[];
}

/** One option occurrence on a command line (vshCmdOpt). */
export interface ParsedOpt {
  readonly def: OptDef;
  /** null for flags. */
  readonly data: string | null;
}

/** The result of vshCommandOpt: 1 found, 0 absent, -1 absent but required. */
type Presence = { found: ParsedOpt } | { found: null; required: boolean };

/**
 * A parsed command (vshCmd) with virsh's accessors. Numeric accessors print
 * virsh's "Numeric value ... is malformed" error themselves and return
 * `undefined` for absent options and `null` for bad ones.
 */
export class ParsedCommand {
  constructor(readonly def: CmdDef, readonly opts: readonly ParsedOpt[]) {}

  get name(): string {
    return this.def.name;
  }

  #lookup(name: string): Presence {
    const valid = this.def.options.find((o) => o.name === name);
    if (!valid) throw new Error(`bug: command '${this.def.name}' has no option '${name}'`);
    const found = this.opts.find((o) => o.def.name === name);
    if (found) return { found };
    return { found: null, required: valid.required === true };
  }

  /** vshCommandOptBool: whether the option was given at all. */
  bool(name: string): boolean {
    return this.opts.some((o) => o.def.name === name);
  }

  /**
   * vshCommandOptStringReq: the value, `undefined` when absent, or `null`
   * after printing "Failed to get option" (empty value, or required and
   * missing).
   */
  string(ctl: Shell, name: string): string | undefined | null {
    const p = this.#lookup(name);
    let error: string | null = null;
    if (!p.found) {
      if (!p.required) return undefined;
      error = 'Mandatory option not present';
    } else if (p.found.data === '' && !p.found.def.emptyOk) {
      error = 'Option argument is empty';
    }
    if (error !== null) {
      ctl.error(`Failed to get option '${name}': ${error}`);
      return null;
    }
    return p.found!.data ?? '';
  }

  /**
   * vshCommandOptStringQuiet: 1 with the value, 0 when absent, -1 for an
   * empty value not allowed (no message).
   */
  stringQuiet(name: string): { rc: 1; value: string } | { rc: 0 | -1 } {
    const p = this.#lookup(name);
    if (!p.found) return { rc: p.required ? -1 : 0 };
    const data = p.found.data ?? '';
    if (data === '' && !p.found.def.emptyOk) return { rc: -1 };
    return { rc: 1, value: data };
  }

  #numeric(ctl: Shell, name: string, parse: (s: string) => bigint | null): bigint | undefined | null {
    const p = this.#lookup(name);
    if (!p.found) return p.required ? null : undefined;
    const data = p.found.data ?? '';
    const v = parse(data);
    if (v === null) {
      ctl.error(`Numeric value '${data}' for <${name}> option is malformed or out of range`);
      return null;
    }
    return v;
  }

  /** vshCommandOptInt. */
  int(ctl: Shell, name: string): number | undefined | null {
    const v = this.#numeric(ctl, name, (s) => strToLong(s, { signed: true, bits: 32 }));
    return v == null ? v : Number(v);
  }

  /** vshCommandOptUInt (negative numbers rejected). */
  uint(ctl: Shell, name: string): number | undefined | null {
    const v = this.#numeric(ctl, name, (s) => strToLong(s, { signed: false, bits: 32, rejectNegative: true }));
    return v == null ? v : Number(v);
  }

  /** vshCommandOptUIntWrap (negative numbers wrap). */
  uintWrap(ctl: Shell, name: string): number | undefined | null {
    const v = this.#numeric(ctl, name, (s) => strToLong(s, { signed: false, bits: 32 }));
    return v == null ? v : Number(v);
  }

  /** vshCommandOptLongLong. */
  longLong(ctl: Shell, name: string): bigint | undefined | null {
    return this.#numeric(ctl, name, (s) => strToLong(s, { signed: true, bits: 64 }));
  }

  /** vshCommandOptULongLong (negative numbers rejected). */
  ulongLong(ctl: Shell, name: string): bigint | undefined | null {
    return this.#numeric(ctl, name, (s) => strToLong(s, { signed: false, bits: 64, rejectNegative: true }));
  }

  /** vshCommandOptULongLongWrap (negative numbers wrap). */
  ulongLongWrap(ctl: Shell, name: string): bigint | undefined | null {
    return this.#numeric(ctl, name, (s) => strToLong(s, { signed: false, bits: 64 }));
  }

  /**
   * vshCommandOptScaledInt: a number with an optional unit suffix, scaled
   * by `scale` when it has none. A bad suffix or overflow also leaves
   * libvirt's own error (virScaleInteger) for the report that follows.
   */
  scaledInt(ctl: Shell, name: string, scale: bigint, max: bigint): bigint | undefined | null {
    const p = this.#lookup(name);
    if (!p.found) return p.required ? null : undefined;
    const data = p.found.data ?? '';
    const r = parseScaled(data, scale, max);
    if (typeof r !== 'bigint') {
      if (r !== null) ctl.saveError(r);
      ctl.error(`Scaled numeric value '${data}' for <${name}> option is malformed or out of range`);
      return null;
    }
    return r;
  }

  /** vshCommandOptArgv: every value of the command's argv option, in order. */
  argv(): string[] {
    return this.opts.filter((o) => o.def.type === 'argv').map((o) => o.data ?? '');
  }
}

/** The characters strtol skips before a number (isspace in the C locale). */
const C_SPACE = /^[ \t\n\v\f\r]*/;

/**
 * strtol/strtoul in base 10 followed by libvirt's virStrToLong_* checks:
 * the whole string must be consumed and the value must fit. Returns the
 * value, or null.
 */
export function strToLong(s: string, o: { signed: boolean; bits: 32 | 64; rejectNegative?: boolean }): bigint | null {
  const r = scanNumber(s);
  if (!r || r.rest !== '') return null;
  return checkRange(r, o);
}

interface Scanned { negative: boolean; magnitude: bigint; rest: string; hadSign: boolean }

/** strto(u)l's scan: blanks, an optional sign, decimal digits. */
export function scanNumber(s: string): Scanned | null {
  let i = C_SPACE.exec(s)![0].length;
  let negative = false;
  let hadSign = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    hadSign = true;
    i++;
  }
  const start = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === start) return null;
  return { negative, magnitude: BigInt(s.slice(start, i)), rest: s.slice(i), hadSign };
}

function checkRange(r: Scanned, o: { signed: boolean; bits: 32 | 64; rejectNegative?: boolean }): bigint | null {
  const ULONG_MAX = (1n << 64n) - 1n;
  if (o.signed) {
    // strtol saturates, then virStrToLong_i checks the int range.
    const v = r.negative ? -r.magnitude : r.magnitude;
    const lo = -(1n << BigInt(o.bits - 1));
    const hi = (1n << BigInt(o.bits - 1)) - 1n;
    if (v < lo || v > hi) return null;
    return v;
  }
  if (r.negative && o.rejectNegative) return null;
  if (r.magnitude > ULONG_MAX) return null; // ERANGE
  let v = r.negative ? (ULONG_MAX + 1n - r.magnitude) & ULONG_MAX : r.magnitude;
  if (o.bits === 32) {
    if (r.negative) {
      // virStrToLong_ui accepts "-N" as the 32-bit two's complement.
      if (r.magnitude > 0xffffffffn) return null;
      v = v & 0xffffffffn;
    }
    if (v > 0xffffffffn) return null;
  }
  return v;
}

/**
 * virStrToLong_ullp + virScaleInteger: returns the scaled value, a
 * VirtError libvirt would have raised (bad suffix, overflow), or null for
 * a malformed number.
 */
export function parseScaled(s: string, scale: bigint, max: bigint): bigint | VirtError | null {
  const r = scanNumber(s);
  if (!r || r.negative) return null;
  if (r.magnitude > (1n << 64n) - 1n) return null;
  return scaleInteger(r.magnitude, r.rest, scale, max);
}

/** virScaleInteger (src/util/virutil.c). */
export function scaleInteger(value: bigint, suffix: string, scale: bigint, limit: bigint): bigint | VirtError {
  let shown = suffix;
  if (suffix === '') {
    shown = '';
  } else if (/^(b|byte|bytes)$/i.test(suffix)) {
    scale = 1n;
  } else {
    let base: bigint;
    if (suffix.length === 1 || suffix.slice(1).toLowerCase() === 'ib') base = 1024n;
    else if (suffix[1]!.toLowerCase() === 'b' && suffix.length === 2) base = 1000n;
    else return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unknown suffix '${suffix}'`);
    const power = 'kmgtpe'.indexOf(suffix[0]!.toLowerCase());
    if (power < 0) return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unknown suffix '${suffix}'`);
    scale = base ** BigInt(power + 1);
  }
  if (value !== 0n && value > limit / scale) {
    return VirtError.report(ErrorCode.OVERFLOW, ErrorDomain.NONE, `value too large: ${value}${shown}`);
  }
  return value * scale;
}

/** The `domain` argument most domain commands take (virsh's VIRSH_COMMON_OPT_DOMAIN_FULL). */
export const DOMAIN_OPT: OptDef = { name: 'domain', type: 'data', help: 'domain name, id or uuid', required: true };

/** --config/--live/--current as most domain-changing commands list them (VIRSH_COMMON_OPT_DOMAIN_CONFIG… in virsh). */
export const AFFECT_OPTS: readonly OptDef[] = [
  { name: 'config', type: 'bool', help: 'affect next boot' },
  { name: 'live', type: 'bool', help: 'affect running domain' },
  { name: 'current', type: 'bool', help: 'affect current domain' },
];
