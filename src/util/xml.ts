/**
 * The element tree of an XML document (parsed in one pass by xml-parse.ts,
 * with libxml2's errors and limits), and a writer that formats XML the way
 * libvirt does (virBuffer/virXMLFormatElement): two-space indent,
 * single-quoted attributes, empty elements as `<x/>`.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { parseXmlDocument, parseXmlDocumentSliced, type XmlParseError } from './xml-parse.js';

export type { XmlParseError } from './xml-parse.js';
export { attrEntries } from './xml-parse.js';

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /**
   * Concatenated character data directly inside this element: text, CDATA
   * sections, character references and the text of entity references (whose
   * elements, as libvirt's XPath sees them, are not children).
   */
  readonly text: string;
}

/**
 * Parses an XML document and returns its root element. Malformed XML is
 * libvirt's VIR_ERR_XML_DETAIL error, reported from `domain` (the
 * VIR_FROM_THIS of the libvirt code that parses that kind of document, e.g.
 * VIR_FROM_DOMAIN for a domain definition) and worded as libvirt words
 * libxml2's first fatal error: `what:LINE: MESSAGE`, the offending line and
 * a caret under the parser's position (see wellFormednessError).
 */
export function parseXml(text: string, what = '(string)', domain: number = ErrorDomain.XML): XmlElement {
  const r = parseXmlDocument(text);
  if ('error' in r) throw VirtError.report(ErrorCode.XML_DETAIL, domain, formatParseError(what, text, r.error));
  return r.root;
}

/** Documents at least this long are parsed in slices by parseXmlAsync. */
const SLICED_FROM = 256 * 1024;

/**
 * parseXml for a daemon's request handlers: the same result and errors,
 * but a big document is parsed in slices with the event loop running
 * between them, so other clients are not kept waiting for it.
 */
export async function parseXmlAsync(text: string, what = '(string)', domain: number = ErrorDomain.XML): Promise<XmlElement> {
  if (text.length < SLICED_FROM) return parseXml(text, what, domain);
  const r = await parseXmlDocumentSliced(text);
  if ('error' in r) throw VirtError.report(ErrorCode.XML_DETAIL, domain, formatParseError(what, text, r.error));
  return r.root;
}

/**
 * The first fatal error libxml2 (2.9, as libvirt 9.0 uses it) reports for
 * `text`, or null for a well-formed document.
 */
export function wellFormednessError(text: string): XmlParseError | null {
  const r = parseXmlDocument(text);
  return 'error' in r ? r.error : null;
}

/**
 * libvirt's catchXMLError: `what:LINE: MESSAGE`, then the line the parser
 * stopped in and a caret under its position (counted in bytes, a tab kept
 * as a tab; an empty line shows as "(null)"). The whole line, however long:
 * catchXMLError walks to the line's ends with no limit. An error in an
 * entity's replacement text has no file name: `at line LINE: MESSAGE`, with
 * that text's line.
 */
export function formatParseError(what: string, text: string, err: XmlParseError): string {
  const input = err.input ?? text;
  const buf = Buffer.from(input, 'utf8');
  const curByte = Buffer.byteLength(input.slice(0, err.pos), 'utf8');
  const at = (k: number): number => (k < buf.length ? buf[k]! : 0);
  const eol = (b: number): boolean => b === 0x0a || b === 0x0d;
  let line = err.line ?? 1;
  if (err.line === undefined) for (let k = buf.indexOf(0x0a); k !== -1 && k < curByte; k = buf.indexOf(0x0a, k + 1)) line++;
  let cur = curByte;
  while (cur > 0 && eol(at(cur))) cur--;
  while (cur > 0 && !eol(at(cur))) cur--;
  if (eol(at(cur))) cur++;
  const col = curByte - cur;
  let end = cur;
  while (at(end) !== 0 && !eol(at(end))) end++;
  const context = buf.subarray(cur, end);
  // col is unsigned in C: a negative one runs to the end of the line.
  const under = context.subarray(0, col < 0 ? context.length : Math.min(col, context.length));
  const pointer = under.includes(0x09) ? Array.from(under, (b) => (b === 0x09 ? '\t' : '-')).join('') : '-'.repeat(under.length);
  const where = err.input === undefined ? `${what}:${line}` : `at line ${line}`;
  return `${where}: ${err.message}\n${context.length ? context.toString('utf8') : '(null)'}\n${pointer}^`;
}

/** First child element called `name`. */
export function child(el: XmlElement | null | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All child elements called `name`. */
export function children(el: XmlElement | null | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Follows a path of child names (`path(dom, 'os', 'type')`). */
export function path(el: XmlElement | null | undefined, ...names: string[]): XmlElement | undefined {
  let cur = el ?? undefined;
  for (const n of names) cur = child(cur, n);
  return cur;
}

/** Trimmed text of the child at `names`, or undefined. */
export function textAt(el: XmlElement | null | undefined, ...names: string[]): string | undefined {
  const e = path(el, ...names);
  return e ? e.text.trim() : undefined;
}

// The five XML specials and the control characters virBufferEscapeString drops.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[<>&'"\x00-\x08\x0b\x0c\x0e-\x1f]/;

/**
 * virBufferEscapeString, the one XML escape of libvirt's formatters (and so
 * of ours): the five specials become entities, control characters other
 * than tab, newline and carriage return are dropped. (The test driver's
 * libxml2-serialised output has its own rules, in domain-xml.ts.)
 */
export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '&') out += '&amp;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    else if (ch < ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') continue; // dropped, as virBufferEscapeString does
    else out += ch;
  }
  return out;
}

/**
 * An indenting XML writer. `open`/`close` nest, `empty` writes `<x a='b'/>`,
 * `leaf` writes `<x>text</x>`. Attributes whose value is undefined or null
 * are skipped, which matches libvirt's "format only what is set".
 */
export class XmlWriter {
  #out: string[] = [];
  #depth: number;
  #stack: string[] = [];

  constructor(baseIndent = 0) {
    this.#depth = baseIndent;
  }

  static attrs(a: Record<string, string | number | undefined | null> = {}): string {
    let s = '';
    for (const [k, v] of Object.entries(a)) {
      if (v === undefined || v === null) continue;
      s += ` ${k}='${escapeXml(String(v))}'`;
    }
    return s;
  }

  #pad(): string {
    return '  '.repeat(this.#depth);
  }

  open(name: string, a?: Record<string, string | number | undefined | null>): this {
    this.#out.push(`${this.#pad()}<${name}${XmlWriter.attrs(a)}>\n`);
    this.#stack.push(name);
    this.#depth++;
    return this;
  }

  close(): this {
    const name = this.#stack.pop();
    if (name === undefined) throw new Error('XmlWriter.close without open');
    this.#depth--;
    this.#out.push(`${this.#pad()}</${name}>\n`);
    return this;
  }

  empty(name: string, a?: Record<string, string | number | undefined | null>): this {
    this.#out.push(`${this.#pad()}<${name}${XmlWriter.attrs(a)}/>\n`);
    return this;
  }

  leaf(name: string, text: string | number, a?: Record<string, string | number | undefined | null>): this {
    this.#out.push(`${this.#pad()}<${name}${XmlWriter.attrs(a)}>${escapeXml(String(text))}</${name}>\n`);
    return this;
  }

  /** Appends preformatted lines, re-indented to the current depth. */
  raw(text: string): this {
    for (const line of text.replace(/\n$/, '').split('\n')) this.#out.push(`${this.#pad()}${line}\n`);
    return this;
  }

  toString(): string {
    if (this.#stack.length) throw new Error(`XmlWriter: unclosed <${this.#stack.at(-1)}>`);
    return this.#out.join('');
  }
}
