/**
 * A small element tree over fast-xml-parser, and a writer that formats XML
 * the way libvirt does (virBuffer/virXMLFormatElement): two-space indent,
 * single-quoted attributes, empty elements as `<x/>`.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element. */
  readonly text: string;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // Also decodes numeric character references (&#9; &#x41;), which libxml2
  // resolves and fast-xml-parser leaves alone without this.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
});

function build(node: OrderedNode): XmlElement | null {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name === '#text' || name === '#comment') return null;
  const raw = (node[name] as OrderedNode[]) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  for (const c of raw) {
    if ('#text' in c) text += String(c['#text']);
    else {
      const el = build(c);
      if (el) children.push(el);
    }
  }
  return { name, attrs: { ...(node[':@'] ?? {}) }, children, text };
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
  const wf = wellFormednessError(text);
  if (wf) throw VirtError.report(ErrorCode.XML_DETAIL, domain, formatParseError(what, text, wf));
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, msg } = valid.err;
    throw VirtError.report(ErrorCode.XML_DETAIL, domain, `${what}:${line}: ${msg}`);
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (e) {
    // fast-xml-parser rejects some documents its validator passed.
    throw VirtError.report(ErrorCode.XML_DETAIL, domain, `${what}:1: ${(e as Error).message}`, { cause: e });
  }
  for (const n of nodes) {
    const el = build(n);
    if (el) return el;
  }
  throw VirtError.report(ErrorCode.XML_DETAIL, domain, formatParseError(what, text, { pos: 0, message: 'Document is empty' }));
}

// ---------------------------------------------------------------------------
// libxml2's well-formedness errors.

/**
 * A fatal parse error: libxml2's message (without its final newline), the
 * parser's position (a UTF-16 index) and, when libxml2's line counter ran
 * ahead of that position (its fast text scanner), the line it reports.
 */
export interface XmlParseError { pos: number; message: string; line?: number }

/** Thrown inside the checker: an error found, or `null` for "not sure what libxml2 says here". */
class Stop {
  constructor(readonly error: XmlParseError | null) {}
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const NAME_START = /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uD800-\uDBFF]/;
const NAME_CHAR = /[-.0-9\u00B7\u0300-\u036F\u203F\u2040\uDC00-\uDFFF]/;
const PREDEFINED_ENTITIES = new Set(['lt', 'gt', 'amp', 'apos', 'quot']);

/** IS_CHAR of libxml2 for a code point. */
function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)
    || (c >= 0x10000 && c <= 0x10ffff);
}

/**
 * The first fatal error libxml2 (2.9, as libvirt 9.0 uses it) reports for
 * `text`, following xmlParseDocument closely enough to give the same message
 * at the same position for the common mistakes: an empty document, text
 * before the root, unclosed or mismatched tags, bad attributes, undefined
 * entities and bad character references, `]]>` or control characters in
 * text, unterminated comments, CDATA sections and PIs, content after the
 * root. Returns null for a well-formed document and for what it does not
 * follow (a DOCTYPE, a malformed XML declaration, a byte order mark), where
 * the caller falls back to its own wording.
 */
export function wellFormednessError(text: string): XmlParseError | null {
  const s = text;
  const n = s.length;
  let i = 0;
  const fail = (message: string, at = i, line?: number): never => {
    throw new Stop(line === undefined ? { pos: at, message } : { pos: at, message, line });
  };
  /** `%.50s` of a buffer: its first 50 bytes. */
  const first50 = (buf: string): string => {
    const b = Buffer.from(buf, 'utf8');
    if (b.length > 50 && (b[50]! & 0xc0) === 0x80) unsure();
    return b.subarray(0, 50).toString('utf8');
  };
  /** ASCII that libxml2's fast scanners take in bulk (tab, newline, 0x20-0x7F). */
  const fastAscii = (c: string | undefined): boolean => c !== undefined && ((c >= ' ' && c <= '\x7f') || c === '\t' || c === '\n');
  const unsure = (): never => {
    throw new Stop(null);
  };
  const skipBlanks = (): number => {
    const from = i;
    while (isBlank(s[i])) i++;
    return i - from;
  };
  const parseName = (): string | null => {
    if (i >= n || !NAME_START.test(s[i]!)) return null;
    const from = i++;
    while (i < n && (NAME_START.test(s[i]!) || NAME_CHAR.test(s[i]!))) i++;
    return s.slice(from, i);
  };
  /** A Name split as xmlParseQName does (the local part is what messages show). */
  const splitQName = (name: string): { prefix: string | null; local: string } => {
    const c = name.indexOf(':');
    return c > 0 && c < name.length - 1 ? { prefix: name.slice(0, c), local: name.slice(c + 1) } : { prefix: null, local: name };
  };
  /**
   * xmlParseComment at '<!--': a fast scan over ASCII, then (from the first
   * other character) xmlParseCommentComplex, which words an unterminated
   * comment differently.
   */
  const parseComment = (): void => {
    i += 4;
    let buf = '';
    for (;;) {
      const c = s[i];
      if (c === '-') {
        if (s[i + 1] === '-') {
          if (s[i + 2] === '>') {
            i += 3;
            return;
          }
          fail(buf === '' ? 'Double hyphen within comment' : `Double hyphen within comment: <!--${first50(buf)}`);
        }
        buf += c;
        i++;
      } else if (fastAscii(c)) {
        buf += c;
        i++;
      } else if (c === '\r' && s[i + 1] === '\n') {
        i++;
      } else {
        break;
      }
    }
    // xmlParseCommentComplex: two characters (q, r) before it looks for '-->';
    // it copies each character once two more follow it.
    const char = (): number => {
      if (i >= n) fail('Comment not terminated');
      const c = s.codePointAt(i)!;
      if (!isXmlChar(c)) fail(`xmlParseComment: invalid xmlChar value ${c}`);
      return c;
    };
    let q = char();
    i += q > 0xffff ? 2 : 1;
    let r = char();
    i += r > 0xffff ? 2 : 1;
    if (i >= n) fail('Comment not terminated');
    for (;;) {
      if (i >= n) fail(`Comment not terminated \n<!--${first50(buf)}`);
      const c = s.codePointAt(i)!;
      if (!isXmlChar(c)) fail(`xmlParseComment: invalid xmlChar value ${c}`);
      if (c === 0x3e && q === 0x2d && r === 0x2d) {
        i++;
        return;
      }
      if (q === 0x2d && r === 0x2d) fail("Comment must not contain '--' (double-hyphen)");
      buf += String.fromCodePoint(q);
      q = r;
      r = c;
      i += c > 0xffff ? 2 : 1;
    }
  };
  const parsePI = (): void => {
    // at '<?'
    i += 2;
    const target = parseName();
    if (target === null) fail('xmlParsePI : no target name');
    if (target === 'xml') fail('XML declaration allowed only at the start of the document');
    if (target!.toLowerCase() === 'xml') unsure();
    if (s.startsWith('?>', i)) {
      i += 2;
      return;
    }
    if (!isBlank(s[i])) fail(`ParsePI: PI ${target!} space expected`);
    skipBlanks();
    for (;;) {
      if (s.startsWith('?>', i)) {
        i += 2;
        return;
      }
      const c = s.codePointAt(i);
      if (c === undefined || !isXmlChar(c)) fail(`ParsePI: PI ${target!} never end ...`);
      i += c! > 0xffff ? 2 : 1;
    }
  };
  const parseMisc = (): void => {
    for (;;) {
      skipBlanks();
      if (s.startsWith('<?', i)) parsePI();
      else if (s.startsWith('<!--', i)) parseComment();
      else return;
    }
  };
  /** xmlParseCharRef at '&#'. */
  const parseCharRef = (): void => {
    let val = 0;
    const hex = s[i + 2] === 'x';
    i += hex ? 3 : 2;
    while (s[i] !== ';') {
      const c = s[i];
      const d = c === undefined ? -1 : hex ? '0123456789abcdef'.indexOf(c.toLowerCase()) : '0123456789'.indexOf(c);
      if (d < 0) {
        fail(hex ? 'CharRef: invalid hexadecimal value' : 'CharRef: invalid decimal value');
      }
      val = Math.min(val * (hex ? 16 : 10) + d, 0x110000);
      i++;
    }
    i++;
    if (val >= 0x110000) fail('xmlParseCharRef: character reference out of bounds');
    if (!isXmlChar(val)) fail(`xmlParseCharRef: invalid xmlChar value ${val}`);
  };
  /** xmlParseEntityRef (or a character reference) at '&'. */
  const parseReference = (): void => {
    if (s[i + 1] === '#') {
      parseCharRef();
      return;
    }
    i++;
    const name = parseName();
    if (name === null) fail('xmlParseEntityRef: no name');
    if (s[i] !== ';') fail("EntityRef: expecting ';'");
    i++;
    if (!PREDEFINED_ENTITIES.has(name!)) fail(`Entity '${name!}' not defined`);
  };
  const parseAttValue = (): void => {
    const q = s[i];
    if (q !== '"' && q !== "'") fail('AttValue: " or \' expected');
    i++;
    for (;;) {
      const c = s[i];
      if (c === undefined) fail("AttValue: ' expected");
      if (c === q) break;
      if (c === '<') fail("Unescaped '<' not allowed in attributes values");
      if (c === '&') {
        parseReference();
        continue;
      }
      const cp = s.codePointAt(i)!;
      if (!isXmlChar(cp)) fail('invalid character in attribute value');
      i += cp > 0xffff ? 2 : 1;
    }
    i++;
  };
  /**
   * xmlParseCharData up to the next markup. Its fast scanner (ASCII) only
   * moves the parser's position when it stops, so a `]]>` it finds is
   * reported where the scan began, with the line it reached; past the
   * first other character the slow scanner reports where it is.
   */
  const parseCharData = (): void => {
    let runStart = i;
    let fast = true;
    while (i < n && s[i] !== '<' && s[i] !== '&') {
      const c = s[i]!;
      if (fast) {
        if (c === ']' && s.startsWith(']]>', i)) fail("Sequence ']]>' not allowed in content", runStart, lineAt(i));
        if (fastAscii(c)) {
          i++;
          continue;
        }
        if (c === '\r' && s[i + 1] === '\n') {
          runStart = i + 1;
          i += 2;
          continue;
        }
        fast = false;
      }
      if (s.startsWith(']]>', i)) fail("Sequence ']]>' not allowed in content");
      const cp = s.codePointAt(i)!;
      if (!isXmlChar(cp)) fail(`PCDATA invalid Char value ${cp}`);
      i += cp > 0xffff ? 2 : 1;
    }
  };
  /** xmlParseCDSect at '<![CDATA[': it keeps all but the last two characters read in its buffer. */
  const parseCDSect = (): void => {
    i += 9;
    const start = i;
    const marks: number[] = [];
    for (;;) {
      const c = s.codePointAt(i);
      if (c === undefined || !isXmlChar(c)) {
        if (marks.length < 2) fail('Unregistered error message');
        fail(`CData section not finished\n${first50(s.slice(start, marks[marks.length - 2]))}`);
      }
      if (c === 0x3e && marks.length >= 2 && s[i - 1] === ']' && s[i - 2] === ']') {
        i++;
        return;
      }
      marks.push(i);
      i += c! > 0xffff ? 2 : 1;
    }
  };
  const stack: Array<{ name: string; prefix: string | null; local: string; line: number }> = [];
  // Start tags come in document order: count newlines from the last one.
  let linePos = 0;
  let lineNo = 1;
  const lineAt = (pos: number): number => {
    for (; linePos < pos; linePos++) if (s.charCodeAt(linePos) === 10) lineNo++;
    return lineNo;
  };
  /** xmlParseElementStart at '<': true when the element was empty (`/>`). */
  const parseStartTag = (): boolean => {
    const line = lineAt(i);
    i++;
    const name = parseName();
    if (name === null) fail('StartTag: invalid element name');
    const { prefix, local } = splitQName(name!);
    skipBlanks();
    // xmlParseStartTag2 reports the first repeated name once the tag is read;
    // a Set keeps that linear in the number of attributes.
    const seen = new Set<string>();
    let redefined: string | null = null;
    const byteChar = (c: string | undefined) => c !== undefined && (c >= ' ' || c === '\t' || c === '\n' || c === '\r');
    while (s[i] !== '>' && !(s[i] === '/' && s[i + 1] === '>') && byteChar(s[i])) {
      const attr = parseName();
      if (attr === null) fail('error parsing attribute name');
      skipBlanks();
      if (s[i] !== '=') fail(`Specification mandates value for attribute ${splitQName(attr!).local}`);
      i++;
      skipBlanks();
      parseAttValue();
      if (seen.has(attr!)) {
        // A repeated namespace declaration is caught as it is read.
        if (attr === 'xmlns' || attr!.startsWith('xmlns:')) fail(`Attribute ${attr!} redefined`);
        redefined ??= attr!;
      } else {
        seen.add(attr!);
      }
      if (s[i] === '>' || (s[i] === '/' && s[i + 1] === '>')) break;
      if (skipBlanks() === 0) fail('attributes construct error');
    }
    if (redefined !== null) fail(`Attribute ${redefined} redefined`);
    if (s.startsWith('/>', i)) {
      i += 2;
      return true;
    }
    if (s[i] !== '>') fail(`Couldn't find end of Start Tag ${local} line ${line}`);
    i++;
    stack.push({ name: name!, prefix, local, line });
    return false;
  };
  /** xmlParseEndTag2 at '</' for the innermost open element. */
  const parseEndTag = (): void => {
    const top = stack[stack.length - 1]!;
    i += 2;
    let matched: boolean;
    let got: string | null;
    const after = s[i + top.name.length];
    if (s.startsWith(top.name, i) && (after === '>' || isBlank(after))) {
      i += top.name.length;
      matched = true;
      got = top.local;
    } else {
      got = parseName();
      if (got !== null && top.prefix !== null) {
        const q = splitQName(got);
        matched = q.prefix === top.prefix && q.local === top.local;
        got = q.local;
      } else {
        matched = got === top.name;
      }
    }
    skipBlanks();
    if (s[i] !== '>') fail("expected '>'");
    i++;
    if (!matched) fail(`Opening and ending tag mismatch: ${top.local} line ${top.line} and ${got ?? 'unparsable'}`);
    stack.pop();
  };

  try {
    if (n === 0) fail('Document is empty');
    if (s[0] === '\uFEFF') unsure();
    if (s.startsWith('<?xml') && isBlank(s[5])) {
      const m = /^<\?xml\s+version\s*=\s*("[^"]*"|'[^']*')(\s+encoding\s*=\s*("[^"]*"|'[^']*'))?(\s+standalone\s*=\s*("(yes|no)"|'(yes|no)'))?\s*\?>/.exec(s);
      if (!m) unsure();
      i = m![0].length;
    }
    parseMisc();
    if (s.startsWith('<!DOCTYPE', i)) unsure();
    if (s[i] !== '<') fail("Start tag expected, '<' not found");
    if (!parseStartTag()) {
      while (stack.length > 0) {
        if (i >= n) {
          const top = stack[stack.length - 1]!;
          fail(`Premature end of data in tag ${top.local} line ${top.line}`);
        }
        if (s.startsWith('<?', i)) parsePI();
        else if (s.startsWith('<![CDATA[', i)) parseCDSect();
        else if (s.startsWith('<!--', i)) parseComment();
        else if (s[i] === '<') {
          if (s[i + 1] === '/') parseEndTag();
          else parseStartTag();
        } else if (s[i] === '&') parseReference();
        else parseCharData();
      }
    }
    parseMisc();
    if (i < n) fail('Extra content at the end of the document');
    return null;
  } catch (e) {
    if (e instanceof Stop) return e.error;
    throw e;
  }
}

/**
 * libvirt's catchXMLError: `what:LINE: MESSAGE`, then the line the parser
 * stopped in and a caret under its position (counted in bytes, a tab kept
 * as a tab; an empty line shows as "(null)").
 */
export function formatParseError(what: string, text: string, err: XmlParseError): string {
  const buf = Buffer.from(text, 'utf8');
  const curByte = Buffer.byteLength(text.slice(0, err.pos), 'utf8');
  const at = (k: number): number => (k < buf.length ? buf[k]! : 0);
  const eol = (b: number): boolean => b === 0x0a || b === 0x0d;
  let line = 1;
  for (let k = 0; k < curByte; k++) if (buf[k] === 0x0a) line++;
  if (err.line !== undefined) line = err.line;
  let cur = curByte;
  while (cur > 0 && eol(at(cur))) cur--;
  while (cur > 0 && !eol(at(cur))) cur--;
  if (eol(at(cur))) cur++;
  const col = curByte - cur;
  let end = cur;
  while (at(end) !== 0 && !eol(at(end))) end++;
  const context = buf.subarray(cur, end);
  let pointer = '';
  // col is unsigned in C: a negative one runs to the end of the line.
  for (let k = 0; (col < 0 || k < col) && k < context.length; k++) pointer += context[k] === 0x09 ? '\t' : '-';
  return `${what}:${line}: ${err.message}\n${context.length ? context.toString('utf8') : '(null)'}\n${pointer}^`;
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

/** Escapes text for attributes and content as virBufferEscapeString does. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;');
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
