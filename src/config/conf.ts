/**
 * libvirt's configuration file syntax (src/util/virconf.c), used by
 * libvirt.conf, libvirtd.conf, qemu.conf and friends: a small subset of
 * Python.
 *
 *     # comment
 *     name = "string"          # or 'string', or """multi-line"""
 *     count = -42              # signed 64-bit integers
 *     list = [ "a", "b",       # lists may span lines, trailing comma allowed
 *              "c" ]
 *     a = 1; b = 2             # ';' separates statements too
 *
 * There are no escapes inside strings. Names start with a letter and hold
 * letters, digits and '_'. The parser below follows virConfParse step by
 * step, so it accepts and rejects the same files and reports the same line
 * numbers.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';

/**
 * A value: virConfValue. Integers keep libvirt's distinction between a
 * literal written with a '-' (`llong`) and one without (`ullong`), which the
 * typed getters check; both hold the 64-bit signed pattern C stores.
 */
export type ConfValue =
  | { type: 'string'; value: string }
  | { type: 'llong' | 'ullong'; value: bigint }
  | { type: 'list'; value: ConfValue[] };

/** One line's worth: a setting (with an optional trailing comment) or a lone comment. */
export interface ConfEntry {
  /** null for a comment line. */
  name: string | null;
  value: ConfValue | null;
  /** The text after '#', if any. */
  comment: string | null;
}

/** A parsed file: its name (used in error messages) and entries in order. */
export interface Conf {
  filename: string;
  entries: ConfEntry[];
}

const isBlank = (c: string): boolean => c === ' ' || c === '\t';
const isEOL = (c: string): boolean => c === '\n' || c === '\r';
const isAsciiDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAsciiAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** The parser state of virConfParserCtxt: a cursor and the current line. */
class ConfParser {
  readonly #text: string;
  readonly #filename: string;
  #pos = 0;
  #line = 1;
  readonly entries: ConfEntry[] = [];

  constructor(text: string, filename: string) {
    this.#text = text;
    this.#filename = filename;
  }

  /** The current character; NUL at the end, like the C string terminator. */
  #c(): string { return this.#pos < this.#text.length ? this.#text[this.#pos]! : '\0'; }
  get #atEnd(): boolean { return this.#pos >= this.#text.length; }
  #next(): void { if (!this.#atEnd) this.#pos++; }

  #skipBlanks(): void { while (!this.#atEnd && isBlank(this.#c())) this.#pos++; }
  /** Only this (and triple-quoted strings) count lines, as in libvirt. */
  #skipBlanksAndEOL(): void {
    while (!this.#atEnd && (isBlank(this.#c()) || isEOL(this.#c()))) {
      if (this.#c() === '\n') this.#line++;
      this.#pos++;
    }
  }

  /** virConfError: `<file>:<line>: <info>` as a CONF_SYNTAX error. */
  #error(info: string): VirtError {
    return VirtError.report(ErrorCode.CONF_SYNTAX, ErrorDomain.CONF, `${this.#filename}:${this.#line}: ${info}`);
  }

  parse(): ConfEntry[] {
    while (!this.#atEnd) {
      this.#statement();
      this.#separator();
    }
    return this.entries;
  }

  /** virConfParseStatement */
  #statement(): void {
    // Note that a file holding only blank lines fails here with "expecting
    // a name", exactly as in libvirt.
    this.#skipBlanksAndEOL();
    if (this.#c() === '#') {
      this.entries.push({ name: null, value: null, comment: this.#restOfLine() });
      return;
    }
    const name = this.#name();
    this.#skipBlanks();
    if (this.#c() !== '=') throw this.#error('expecting an assignment');
    this.#next();
    this.#skipBlanks();
    const value = this.#value();
    this.#skipBlanks();
    const comment = this.#c() === '#' ? this.#restOfLine() : null;
    this.entries.push({ name, value, comment });
  }

  /** Skips the '#' and returns the text up to the end of the line. */
  #restOfLine(): string {
    this.#next();
    const base = this.#pos;
    while (!this.#atEnd && !isEOL(this.#c())) this.#next();
    return this.#text.slice(base, this.#pos);
  }

  /** virConfParseSeparator: end of input, newline(s), or ';'. */
  #separator(): void {
    this.#skipBlanks();
    if (this.#atEnd) return;
    if (isEOL(this.#c())) {
      this.#skipBlanksAndEOL();
    } else if (this.#c() === ';') {
      this.#next();
      this.#skipBlanksAndEOL();
    } else {
      throw this.#error('expecting a separator');
    }
  }

  /** virConfParseName */
  #name(): string {
    this.#skipBlanks();
    const base = this.#pos;
    if (!isAsciiAlpha(this.#c())) throw this.#error('expecting a name');
    while (!this.#atEnd && (isAsciiAlpha(this.#c()) || isAsciiDigit(this.#c()) || this.#c() === '_')) {
      this.#next();
    }
    return this.#text.slice(base, this.#pos);
  }

  /** virConfParseValue */
  #value(): ConfValue {
    this.#skipBlanks();
    if (this.#atEnd) throw this.#error('expecting a value');
    const c = this.#c();
    if (c === '"' || c === "'") return { type: 'string', value: this.#string() };
    if (c === '[') return { type: 'list', value: this.#list() };
    if (isAsciiDigit(c) || c === '-' || c === '+') {
      return { type: c === '-' ? 'llong' : 'ullong', value: this.#number() };
    }
    throw this.#error('expecting a value');
  }

  #list(): ConfValue[] {
    const items: ConfValue[] = [];
    this.#next();
    this.#skipBlanksAndEOL();
    if (!this.#atEnd && this.#c() !== ']') {
      items.push(this.#value());
      this.#skipBlanksAndEOL();
    }
    while (!this.#atEnd && this.#c() !== ']') {
      if (this.#c() !== ',') throw this.#error('expecting a separator in list');
      this.#next();
      this.#skipBlanksAndEOL();
      if (this.#c() === ']') break;
      items.push(this.#value());
      this.#skipBlanksAndEOL();
    }
    if (this.#c() !== ']') throw this.#error('list is not closed with ]');
    this.#next();
    return items;
  }

  /** virConfParseLong: optional sign, digits; wraps like a C long long. */
  #number(): bigint {
    const negative = this.#c() === '-';
    if (this.#c() === '-' || this.#c() === '+') this.#next();
    if (this.#atEnd || !isAsciiDigit(this.#c())) throw this.#error('unterminated number');
    let n = 0n;
    while (!this.#atEnd && isAsciiDigit(this.#c())) {
      n = BigInt.asIntN(64, n * 10n + BigInt(this.#c().charCodeAt(0) - 0x30));
      this.#next();
    }
    return negative ? BigInt.asIntN(64, -n) : n;
  }

  /** virConfParseString: '…', """…""" (may span lines) or "…". */
  #string(): string {
    const text = this.#text;
    if (this.#c() === "'" || (this.#c() === '"' && !this.#isTripleQuoteStart())) {
      const quote = this.#c();
      this.#next();
      const base = this.#pos;
      while (!this.#atEnd && this.#c() !== quote && !isEOL(this.#c())) this.#next();
      if (this.#c() !== quote) throw this.#error('unterminated string');
      const value = text.slice(base, this.#pos);
      this.#next();
      return value;
    }
    this.#pos += 3;
    const base = this.#pos;
    while (this.#pos + 2 < text.length && !text.startsWith('"""', this.#pos)) {
      if (this.#c() === '\n') this.#line++;
      this.#next();
    }
    if (!text.startsWith('"""', this.#pos)) throw this.#error('unterminated string');
    const value = text.slice(base, this.#pos);
    this.#pos += 3;
    return value;
  }

  /** libvirt only looks for """ when at least 7 characters remain. */
  #isTripleQuoteStart(): boolean {
    return this.#pos + 6 < this.#text.length && this.#text.startsWith('"""', this.#pos);
  }
}

/**
 * virConfReadString / virConfParse: parses configuration text. `filename` is
 * only used in error messages (libvirt uses "memory conf" for in-memory
 * text).
 *
 * @throws VirtError CONF_SYNTAX (domain CONF), e.g.
 *   `configuration file syntax error: /etc/libvirt/libvirt.conf:3: expecting a value`
 */
export function parseConf(text: string, filename: string): Conf {
  return { filename, entries: new ConfParser(text, filename).parse() };
}

function formatValue(v: ConfValue): string {
  switch (v.type) {
    case 'llong': return v.value.toString();
    case 'ullong': return BigInt.asUintN(64, v.value).toString();
    case 'list': return `[ ${v.value.map(formatValue).join(', ')} ]`;
    case 'string':
      // virConfSaveValue: pick a quoting that can hold the text.
      if (v.value.includes('\n')) return `"""${v.value}"""`;
      if (!v.value.includes('"')) return `"${v.value}"`;
      if (!v.value.includes("'")) return `'${v.value}'`;
      return `"""${v.value}"""`;
  }
}

/** virConfWriteMem: one line per entry, in libvirt's canonical spacing. */
export function formatConf(conf: Conf): string {
  let out = '';
  for (const e of conf.entries) {
    if (e.name !== null && e.value !== null) {
      out += `${e.name} = ${formatValue(e.value)}`;
      if (e.comment !== null) out += ` #${e.comment}`;
    } else if (e.comment !== null) {
      out += `#${e.comment}`;
    }
    out += '\n';
  }
  return out;
}

/**
 * virConfGetValue: the value of the first setting called `name` (later
 * duplicates are ignored, as in libvirt), or null. A null `conf` (no file)
 * has no settings.
 */
export function getValue(conf: Conf | null, name: string): ConfValue | null {
  return conf?.entries.find((e) => e.name === name)?.value ?? null;
}

function typeError(conf: Conf, detail: string, code: number = ErrorCode.INTERNAL_ERROR): VirtError {
  return VirtError.report(code, ErrorDomain.CONF, `${conf.filename}: ${detail}`);
}

/**
 * virConfGetValueString: a string setting, or null when absent.
 *
 * @throws VirtError INTERNAL_ERROR (domain CONF)
 *   `<file>: expected a string for '<name>' parameter`
 */
export function getString(conf: Conf | null, name: string): string | null {
  const v = getValue(conf, name);
  if (v === null) return null;
  if (v.type !== 'string') throw typeError(conf!, `expected a string for '${name}' parameter`);
  return v.value;
}

/**
 * virConfGetValueStringList: a list of strings, or null when absent. With
 * `compatString`, a plain string is accepted as a one-element list.
 *
 * @throws VirtError CONF_SYNTAX (domain CONF) when a list item is not a
 *   string, INTERNAL_ERROR when the setting is not a list.
 */
export function getStringList(conf: Conf | null, name: string, compatString = false): string[] | null {
  const v = getValue(conf, name);
  if (v === null) return null;
  if (v.type === 'list') {
    return v.value.map((item) => {
      if (item.type !== 'string') {
        throw typeError(conf!, `expected a string list for '${name}' parameter`, ErrorCode.CONF_SYNTAX);
      }
      return item.value;
    });
  }
  if (v.type === 'string' && compatString) return [v.value];
  throw typeError(conf!, compatString
    ? `expected a string or string list for '${name}' parameter`
    : `expected a string list for '${name}' parameter`);
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;

/**
 * virConfGetValueInt: a setting that must fit a C int, or null when absent.
 *
 * @throws VirtError INTERNAL_ERROR (domain CONF) for a non-integer or an
 *   out-of-range value.
 */
export function getInt(conf: Conf | null, name: string): number | null {
  const v = getValue(conf, name);
  if (v === null) return null;
  if (v.type !== 'llong' && v.type !== 'ullong') {
    throw typeError(conf!, `expected a signed integer for '${name}' parameter`);
  }
  if (v.value > INT_MAX || v.value < INT_MIN) {
    throw typeError(conf!, `value for '${name}' parameter must be in range ${INT_MIN}:${INT_MAX}`);
  }
  return Number(v.value);
}

/**
 * virConfGetValueUInt: a setting written without a sign that fits a C
 * unsigned int, or null when absent.
 *
 * @throws VirtError INTERNAL_ERROR (domain CONF)
 */
export function getUInt(conf: Conf | null, name: string): number | null {
  const v = getValue(conf, name);
  if (v === null) return null;
  if (v.type !== 'ullong') throw typeError(conf!, `expected an unsigned integer for '${name}' parameter`);
  const u = BigInt.asUintN(64, v.value);
  if (u > UINT_MAX) throw typeError(conf!, `value for '${name}' parameter must be in range 0:${UINT_MAX}`);
  return Number(u);
}

/**
 * virConfGetValueBool: `0` or `1` (written without a sign), or null when
 * absent.
 *
 * @throws VirtError INTERNAL_ERROR (domain CONF)
 */
export function getBool(conf: Conf | null, name: string): boolean | null {
  const v = getValue(conf, name);
  if (v === null) return null;
  if (v.type !== 'ullong') throw typeError(conf!, `expected a bool for '${name}' parameter`);
  if (BigInt.asUintN(64, v.value) > 1n) throw typeError(conf!, `value for '${name}' parameter must be 0 or 1`);
  return v.value === 1n;
}
