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
 * libvirt's VIR_ERR_XML_DETAIL error from the XML domain.
 */
export function parseXml(text: string, what = '(string)'): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, msg } = valid.err;
    throw new VirtError(ErrorCode.XML_DETAIL, `${what}:${line}: ${msg}`, ErrorDomain.XML);
  }
  const nodes = parser.parse(text) as OrderedNode[];
  for (const n of nodes) {
    const el = build(n);
    if (el) return el;
  }
  throw new VirtError(ErrorCode.XML_DETAIL, `${what}:1: Document is empty`, ErrorDomain.XML);
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
