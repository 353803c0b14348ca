/**
 * Output helpers that reproduce virsh's printf formats and tables byte for
 * byte: vshTable (tools/vsh-table.c), vshPrettyCapacity, `%-15s`-style
 * padding (by bytes, as printf counts) and `%.Nf` with glibc's rounding.
 */
import { existsSync, readFileSync } from 'node:fs';

/** `%-Ns`: left-justified, padded to `width` bytes. */
export function padEnd(s: string, width: number): string {
  const len = Buffer.byteLength(s);
  return len >= width ? s : s + ' '.repeat(width - len);
}

/** `%Ns`: right-justified, padded to `width` bytes. */
export function padStart(s: string, width: number): string {
  const len = Buffer.byteLength(s);
  return len >= width ? s : ' '.repeat(width - len) + s;
}

/**
 * `%.<digits>f` as glibc prints a double: the exact binary value rounded
 * to nearest, ties to even (JavaScript's toFixed rounds ties up).
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const negative = x < 0 || Object.is(x, -0);
  const [num, den] = exactRational(Math.abs(x));
  const scale = 10n ** BigInt(digits);
  const scaled = num * scale;
  let q = scaled / den;
  const r = scaled % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return negative ? `-${s}` : s;
}

/** A finite non-negative double as an exact fraction num/den (den a power of two). */
function exactRational(x: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (exp === 0) {
    e = -1074;
  } else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  if (e >= 0) return [mant << BigInt(e), 1n];
  return [mant, 1n << BigInt(-e)];
}

/** vshPrettyCapacity: a byte count in the largest unit below 1024 of it. */
export function prettyCapacity(val: number | bigint): { value: number; unit: string } {
  const v = typeof val === 'bigint' ? Number(val) : val;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let limit = 1024;
  for (let i = 0; i < units.length; i++) {
    if (v < limit) return { value: i === 0 ? v : v / (limit / 1024), unit: units[i]! };
    limit *= 1024;
  }
  return { value: v / (limit / 1024), unit: 'EiB' };
}

/** `"%.2lf %s"` of vshPrettyCapacity, as virsh's tables print sizes. */
export function prettySize(val: number | bigint): string {
  const { value, unit } = prettyCapacity(val);
  return `${formatFixed(value, 2)} ${unit}`;
}

const CATEGORIES = ['LC_CTYPE', 'LC_NUMERIC', 'LC_TIME', 'LC_COLLATE', 'LC_MONETARY', 'LC_MESSAGES', 'LC_PAPER',
  'LC_NAME', 'LC_ADDRESS', 'LC_TELEPHONE', 'LC_MEASUREMENT', 'LC_IDENTIFICATION'];

/** Whether glibc can load a locale name: the built-in ones, or one installed under /usr/lib/locale. */
function localeExists(name: string): boolean {
  if (name === '' || name === 'C' || name === 'POSIX' || /^C\.utf-?8$/i.test(name)) return true;
  const dot = name.indexOf('.');
  const normalized = dot < 0 ? name : `${name.slice(0, dot)}.${name.slice(dot + 1).toLowerCase().replace(/-/g, '')}`;
  try {
    if (existsSync(`/usr/lib/locale/${normalized}`)) return true;
    return readFileSync('/usr/lib/locale/locale-archive').includes(Buffer.from(`${normalized}\0`));
  } catch {
    return false;
  }
}

/**
 * What setlocale(LC_ALL, "") makes of the environment, as virsh does at
 * startup: whether it succeeds, and whether text is then decoded as UTF-8.
 */
export function localeInfo(env: NodeJS.ProcessEnv): { valid: boolean; utf8: boolean } {
  const all = env['LC_ALL'];
  const names = all ? [all] : CATEGORIES.map((c) => env[c] || env['LANG'] || '');
  if (!names.every(localeExists)) return { valid: false, utf8: false };
  const ctype = all || env['LC_CTYPE'] || env['LANG'] || '';
  return { valid: true, utf8: /\.utf-?8/i.test(ctype) };
}

/** Whether the C library would decode multibyte text (a UTF-8 LC_CTYPE that loads). */
function utf8Locale(env: NodeJS.ProcessEnv): boolean {
  return localeInfo(env).utf8;
}

/** g_unichar_iswide, close enough: East Asian Wide and Fullwidth blocks. */
function isWide(cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff)
    || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf)
    || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f)
    || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f)
    || (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
}

/** g_unichar_iszerowidth, close enough: combining marks and format characters. */
function isZeroWidth(cp: number): boolean {
  return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1160 && cp <= 0x11ff) || cp === 0x200b
    || (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f) || cp === 0x00ad;
}

/**
 * vshTableSafeEncode: control characters (and a literal `\x`) become
 * `\xNN`, other text passes through; returns the display width too. The
 * C code formats a signed char with %02x into a 5-byte buffer, so any
 * byte above 0x7f that must be escaped comes out as `\xff`.
 */
function safeEncode(s: string, env: NodeJS.ProcessEnv): { text: string; width: number } {
  const bytes = Buffer.from(s, 'utf8');
  const utf8 = utf8Locale(env);
  const hex = (b: number) => (b > 0x7f ? '\\xff' : `\\x${b.toString(16).padStart(2, '0')}`);
  let out = '';
  let width = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if ((b === 0x5c && bytes[i + 1] === 0x78) || b < 0x20 || b === 0x7f) {
      out += hex(b);
      width += 4;
      i++;
      continue;
    }
    if (b < 0x80) {
      out += String.fromCharCode(b);
      width++;
      i++;
      continue;
    }
    const len = utf8 ? utf8SeqLen(bytes, i) : 0;
    if (len === 0) {
      // Not a character in this locale: printable ASCII only passes.
      out += hex(b);
      width += 4;
      i++;
      continue;
    }
    const ch = bytes.subarray(i, i + len).toString('utf8');
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x80 && cp < 0xa0) || cp === 0x2028 || cp === 0x2029) {
      for (let k = 0; k < len; k++) out += hex(bytes[i + k]!);
      width += 4 * len;
    } else {
      out += ch;
      width += isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
    }
    i += len;
  }
  return { text: out, width };
}

/** Length of a valid UTF-8 sequence at `i`, or 0. */
function utf8SeqLen(b: Buffer, i: number): number {
  const c = b[i]!;
  let n: number;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) n = 3;
  else if (c >= 0xf0 && c <= 0xf4) n = 4;
  else return 0;
  if (i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  return n;
}

/**
 * vshTable: a header row and data rows, printed with one leading space per
 * cell, two spaces of padding after the widest cell of each column, and a
 * dashed rule under the header. Without the header (virsh -q) the widths
 * come from the data rows only.
 */
export class Table {
  readonly #rows: string[][];

  constructor(...header: string[]) {
    this.#rows = [header];
  }

  add(...cells: string[]): void {
    if (cells.length !== this.#rows[0]!.length) throw new Error('bug: wrong number of table cells');
    this.#rows.push(cells);
  }

  render(header: boolean, env: NodeJS.ProcessEnv = process.env): string {
    const ncols = this.#rows[0]!.length;
    const max: number[] = new Array<number>(ncols).fill(0);
    const enc = this.#rows.map((row, r) => row.map((cell) => {
      if (r === 0 && !header) return { text: cell, width: 0 };
      const e = safeEncode(cell, env);
      return e;
    }));
    enc.forEach((row, r) => {
      if (r === 0 && !header) return;
      row.forEach((c, j) => { if (c.width > max[j]!) max[j] = c.width; });
    });
    const line = (row: { text: string; width: number }[]) => {
      let s = '';
      row.forEach((c, j) => {
        s += ` ${c.text}`;
        if (j < row.length - 1) s += ' '.repeat(max[j]! - c.width + 2);
      });
      return `${s}\n`;
    };
    let out = '';
    if (header) {
      out += line(enc[0]!);
      out += max.map((m) => '-'.repeat(m + 3)).join('') + '\n';
    }
    for (const row of enc.slice(1)) out += line(row);
    return out;
  }
}

/** strcasecmp: ASCII case folding, byte order. */
export function strcasecmp(a: string, b: string): number {
  const x = Buffer.from(a.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  const y = Buffer.from(b.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  return Buffer.compare(x, y);
}

/** C's `%d` of an unsigned id: -1 (an inactive domain) is shown as "-" by callers. */
export function isInactiveId(id: number): boolean {
  return id === -1 || id === 0xffffffff;
}

/** virBufferEscapeString (util/xml.ts). */
export { escapeXml } from '../util/xml.js';

/** A virBuffer with virBufferAdjustIndent: indentation is applied at the start of each line. */
export class XmlBuffer {
  #out = '';
  #indent = 0;

  /** virBufferAdd: the indentation goes in only when the buffer is at the start of a line. */
  add(text: string): this {
    if (this.#out === '' || this.#out.endsWith('\n')) this.#out += ' '.repeat(this.#indent);
    this.#out += text;
    return this;
  }

  indent(delta: number): this {
    this.#indent = Math.max(0, this.#indent + delta);
    return this;
  }

  toString(): string {
    return this.#out;
  }
}

/**
 * vshTreePrint: the item `root` and, indented below it with `+- ` and `|`
 * rails, every item whose parent it is, recursively.
 */
export function treeLines(names: readonly string[], parents: readonly (string | null)[], root: number): string {
  let out = '';
  const walk = (devid: number, lastdev: number, isRoot: boolean, indent: string): void => {
    const dev = names[devid]!;
    out += `${indent}${isRoot ? '' : '+- '}${dev}\n`;
    if (!isRoot) indent += `${devid === lastdev ? ' ' : '|'} `;
    let nextlast = -1;
    for (let i = 0; i < names.length; i++) if (parents[i] === dev) nextlast = i;
    if (nextlast !== -1) out += `${indent}  |\n`;
    for (let i = 0; i < names.length; i++) if (parents[i] === dev) walk(i, nextlast, false, `${indent}  `);
    if (nextlast === -1 && devid === lastdev) out += `${indent}\n`;
  };
  walk(root, root, true, '');
  return out;
}
