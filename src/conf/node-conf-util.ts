/**
 * Small helpers shared by the test driver's host-level parts (node, network,
 * storage, interface, node device): libvirt's XPath-ish value rules, UUID
 * parsing, number parsing and scaling, and a generic element formatter.
 * They mirror the libvirt util functions named in each comment.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { escapeXml, type XmlElement } from '../util/xml.js';

/** XPath string(): the text of an element and all its descendants. */
export function stringValue(el: XmlElement | undefined): string {
  if (!el) return '';
  let s = el.text;
  for (const c of el.children) s += stringValue(c);
  return s;
}

/**
 * virXPathString("string(./a/b[1])"): the string value of the first element
 * along the path, or undefined when it is missing or empty (libvirt turns an
 * empty string result into NULL).
 */
export function xpathString(el: XmlElement | undefined, ...names: string[]): string | undefined {
  let cur = el;
  for (const n of names) cur = cur?.children.find((c) => c.name === n);
  if (!cur) return undefined;
  const s = stringValue(cur);
  return s === '' ? undefined : s;
}

/** virXMLPropString: an attribute, or undefined (an empty attribute stays ''). */
export function prop(el: XmlElement | undefined, name: string): string | undefined {
  if (!el) return undefined;
  return Object.prototype.hasOwnProperty.call(el.attrs, name) ? el.attrs[name] : undefined;
}

/** virXPathString("string(./a/@b)"): like prop() but empty is undefined. */
export function xpathAttr(el: XmlElement | undefined, attr: string, ...names: string[]): string | undefined {
  let cur = el;
  for (const n of names) cur = cur?.children.find((c) => c.name === n);
  const v = prop(cur, attr);
  return v === '' ? undefined : v;
}

/** First child named `name`. */
export function firstChild(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All children named `name`. */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** virUUIDParse and virUUIDGenerate (util/uuid.ts). */
export { generateUUID as generateUuid, parseUUIDText as parseUuid } from '../util/uuid.js';

/**
 * strtoull/strtol-style parse as virStrToLong_* do: optional leading blanks,
 * optional sign, digits in `base` (0 = auto 0x/0 prefixes), and nothing after.
 * Returns null when the string is not entirely a number.
 */
export function parseInteger(s: string, base = 10): bigint | null {
  const m = /^[ \t\n\r\f\v]*([+-]?)(.*)$/s.exec(s);
  if (!m) return null;
  let body = m[2]!;
  let b = base;
  if ((b === 0 || b === 16) && /^0[xX][0-9a-fA-F]/.test(body)) {
    body = body.slice(2);
    b = 16;
  } else if (b === 0) {
    b = body.startsWith('0') && body.length > 1 ? 8 : 10;
  }
  const digits = b === 16 ? /^[0-9a-fA-F]+$/ : b === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(body)) return null;
  let v = 0n;
  for (const c of body) v = v * BigInt(b) + BigInt(parseInt(c, b));
  return m[1] === '-' ? -v : v;
}

/** virStrToLong_ullp: unsigned, no minus sign allowed. */
export function parseULL(s: string, base = 10): bigint | null {
  if (/^\s*-/.test(s)) return null;
  const v = parseInteger(s, base);
  if (v === null || v > 0xffffffffffffffffn) return null;
  return v;
}

/** virStrToLong_ui-ish: a 32-bit unsigned value (strtoul wraps negatives). */
export function parseUInt(s: string, base = 10): number | null {
  const v = parseInteger(s, base);
  if (v === null) return null;
  if (v < 0n) {
    if (-v > 0xffffffffn) return null;
    return Number(0x100000000n + v);
  }
  if (v > 0xffffffffn) return null;
  return Number(v);
}

/** virStrToLong_i: a signed 32-bit value. */
export function parseInt32(s: string, base = 10): number | null {
  const v = parseInteger(s, base);
  if (v === null || v < -0x80000000n || v > 0x7fffffffn) return null;
  return Number(v);
}

/**
 * virScaleInteger: multiplies by the unit (b, bytes, KB, K, KiB, MB, M, MiB,
 * … E); `scale` is the factor for an absent unit. Errors as libvirt words them.
 */
export function scaleInteger(value: bigint, unit: string | undefined, scale: bigint, limit: bigint, domain: number): bigint {
  let mult: bigint;
  if (!unit) {
    mult = scale;
  } else {
    const u = unit.toLowerCase();
    const first = u[0];
    let base = 0n;
    if (u.length === 1 || (u.length === 3 && u.slice(1) === 'ib')) base = 1024n;
    else if (u.length === 2 && u[1] === 'b') base = 1000n;
    if (u === 'b' || u === 'byte' || u === 'bytes') {
      mult = 1n;
    } else if (base === 0n) {
      throw VirtError.report(ErrorCode.INVALID_ARG, domain, `unknown suffix '${unit}'`);
    } else {
      const pow = 'kmgtpe'.indexOf(first ?? '');
      if (pow < 0) throw VirtError.report(ErrorCode.INVALID_ARG, domain, `unknown suffix '${unit}'`);
      mult = base ** BigInt(pow + 1);
    }
  }
  if (value > limit / mult) {
    throw VirtError.report(ErrorCode.OVERFLOW, domain, `value too large: ${value}${unit ?? ''}`);
  }
  return value * mult;
}

/** virFileSanitizePath: collapse `//` runs (keeping a leading `//`) and drop a trailing `/`. */
export function sanitizePath(path: string): string {
  let p = path;
  const lead = p.startsWith('//') && !p.startsWith('///') ? '/' : '';
  p = p.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return lead + p;
}

/** `yes`/`no` tri-state attributes (virTristateBool). */
export function parseTristate(el: XmlElement | undefined, attr: string): 'yes' | 'no' | undefined {
  const v = prop(el, attr);
  if (v === undefined) return undefined;
  if (v === 'yes' || v === 'no') return v;
  throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
    `Invalid value for attribute '${attr}' in element '${el!.name}': '${v}'.`);
}

/**
 * Formats an element the way libvirt re-serialises a copied XML node
 * (metadata, pass-through sub-trees): two-space indent, single quotes.
 */
export function formatElement(el: XmlElement, indent: number): string {
  const pad = '  '.repeat(indent);
  const attrs = Object.entries(el.attrs).map(([k, v]) => ` ${k}='${escapeXml(v)}'`).join('');
  const text = el.text.trim();
  if (el.children.length === 0) {
    if (text === '') return `${pad}<${el.name}${attrs}/>\n`;
    return `${pad}<${el.name}${attrs}>${escapeXml(text)}</${el.name}>\n`;
  }
  let s = `${pad}<${el.name}${attrs}>\n`;
  for (const c of el.children) s += formatElement(c, indent + 1);
  return s + `${pad}</${el.name}>\n`;
}

/** `%llu` of a bigint/number. */
export function u64(v: bigint | number): string {
  return typeof v === 'bigint' ? v.toString() : String(v);
}
