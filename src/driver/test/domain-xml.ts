/**
 * A mutable XML node for the domain model, and the two ways libvirt writes
 * XML back: its own virBuffer style (single-quoted attributes, every special
 * character escaped) and libxml's xmlNodeDump style, which libvirt uses for
 * opaque subtrees such as `<metadata>`.
 */
import type { XmlElement } from '../../util/xml.js';

/** An element: ordered attributes, child elements and (for leaves) text. */
export interface XNode {
  name: string;
  attrs: Array<[string, string]>;
  children: XNode[];
  /** Character data; only meaningful for elements without children. */
  text: string;
}

/** Converts a parsed element into a mutable node (deep copy). */
export function toXNode(el: XmlElement): XNode {
  return {
    name: el.name,
    attrs: Object.entries(el.attrs),
    children: el.children.map(toXNode),
    text: el.text,
  };
}

/** Builds a node; attributes whose value is undefined or null are left out. */
export function node(name: string, attrs: Array<[string, string | number | undefined | null]> = [],
  children: XNode[] = [], text = ''): XNode {
  const a: Array<[string, string]> = [];
  for (const [k, v] of attrs) if (v !== undefined && v !== null) a.push([k, String(v)]);
  return { name, attrs: a, children, text };
}

/** A deep copy. */
export function cloneNode(n: XNode): XNode {
  return { name: n.name, attrs: n.attrs.map(([k, v]) => [k, v]), children: n.children.map(cloneNode), text: n.text };
}

/** An attribute's value, or undefined. */
export function getAttr(n: XNode | undefined, name: string): string | undefined {
  if (!n) return undefined;
  for (const [k, v] of n.attrs) if (k === name) return v;
  return undefined;
}

/** Sets (in place, or appended) or, with undefined/null, removes an attribute. */
export function setAttr(n: XNode, name: string, value: string | number | undefined | null): void {
  const i = n.attrs.findIndex(([k]) => k === name);
  if (value === undefined || value === null) {
    if (i >= 0) n.attrs.splice(i, 1);
    return;
  }
  if (i >= 0) n.attrs[i] = [name, String(value)];
  else n.attrs.push([name, String(value)]);
}

/** Whether the attribute is present. */
export function hasAttr(n: XNode | undefined, name: string): boolean {
  return getAttr(n, name) !== undefined;
}

/** First child element called `name`. */
export function kid(n: XNode | undefined, name: string): XNode | undefined {
  return n?.children.find((c) => c.name === name);
}

/** All child elements called `name`. */
export function kids(n: XNode | undefined, name: string): XNode[] {
  return n ? n.children.filter((c) => c.name === name) : [];
}

/** Drops every child element called `name`. */
export function removeKids(n: XNode, name: string): void {
  n.children = n.children.filter((c) => c.name !== name);
}

/** Text of the first child called `name`, trimmed; undefined when absent. */
export function kidText(n: XNode | undefined, name: string): string | undefined {
  const c = kid(n, name);
  return c ? c.text.trim() : undefined;
}

/** virBufferEscapeString: all five XML specials become entities. */
export function escapeLibvirt(s: string): string {
  return s.replace(/[<>&'"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;');
}

/**
 * Formats a node the way libvirt's formatters do: two-space indent,
 * single-quoted attributes, `<x/>` when empty, `<x>text</x>` for leaves.
 */
export function formatNode(n: XNode, depth: number, out: string[] = []): string[] {
  const pad = '  '.repeat(depth);
  const attrs = n.attrs.map(([k, v]) => ` ${k}='${escapeLibvirt(v)}'`).join('');
  if (n.children.length === 0) {
    if (n.text.trim() === '') out.push(`${pad}<${n.name}${attrs}/>\n`);
    else out.push(`${pad}<${n.name}${attrs}>${escapeLibvirt(n.text)}</${n.name}>\n`);
    return out;
  }
  out.push(`${pad}<${n.name}${attrs}>\n`);
  for (const c of n.children) formatNode(c, depth + 1, out);
  out.push(`${pad}</${n.name}>\n`);
  return out;
}

function escapeLibxmlAttr(s: string): string {
  return s.replace(/[<>&"\n\r\t]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;'
      : c === '\n' ? '&#10;' : c === '\r' ? '&#13;' : '&#9;');
}

function escapeLibxmlText(s: string): string {
  return s.replace(/[<>&\r]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&#13;'));
}

/**
 * xmlNodeDump with formatting on, as libvirt uses for `<metadata>`: double
 * quotes, libxml's escaping, children indented by two spaces relative to
 * `depth`, and no leading indentation on the first line (libvirt supplies it).
 */
export function formatLibxml(n: XNode, depth: number): string {
  const pad = '  '.repeat(depth);
  const attrs = n.attrs.map(([k, v]) => ` ${k}="${escapeLibxmlAttr(v)}"`).join('');
  if (n.children.length === 0) {
    if (n.text === '') return `<${n.name}${attrs}/>`;
    return `<${n.name}${attrs}>${escapeLibxmlText(n.text)}</${n.name}>`;
  }
  let s = `<${n.name}${attrs}>\n`;
  for (const c of n.children) s += `${pad}  ${formatLibxml(c, depth + 1)}\n`;
  return s + `${pad}</${n.name}>`;
}

/**
 * A formatting recipe for one element: libvirt's attribute order and child
 * order. Attributes and children not listed keep their relative order after
 * the listed ones, so elements we don't model still round-trip.
 */
export interface Spec {
  attrs?: readonly string[];
  kids?: ReadonlyArray<string | readonly [string, Spec]>;
}

/** Reorders `n` (recursively, as far as `spec` reaches) into libvirt's order. */
export function canon(n: XNode, spec: Spec | undefined): XNode {
  if (!spec) return n;
  if (spec.attrs) {
    const order = spec.attrs;
    const known: Array<[string, string]> = [];
    for (const a of order) {
      const v = getAttr(n, a);
      if (v !== undefined) known.push([a, v]);
    }
    const rest = n.attrs.filter(([k]) => !order.includes(k));
    n.attrs = [...known, ...rest];
  }
  if (spec.kids) {
    const names: string[] = [];
    const specs = new Map<string, Spec>();
    for (const k of spec.kids) {
      if (typeof k === 'string') names.push(k);
      else { names.push(k[0]); specs.set(k[0], k[1]); }
    }
    const sorted: XNode[] = [];
    for (const name of names) {
      for (const c of n.children) if (c.name === name) sorted.push(canon(c, specs.get(name)));
    }
    for (const c of n.children) if (!names.includes(c.name)) sorted.push(c);
    n.children = sorted;
  }
  return n;
}
