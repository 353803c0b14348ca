/**
 * A mutable XML node for the domain model, and the two ways libvirt writes
 * XML back: its own virBuffer style (single-quoted attributes, every special
 * character escaped) and libxml's xmlNodeDump style, which libvirt uses for
 * opaque subtrees such as `<metadata>`.
 */
import { attrEntries, type XmlElement } from '../util/xml.js';

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
    attrs: attrEntries(el),
    children: el.children.map(toXNode),
    text: el.text,
  };
}

/**
 * Time slices for work written as a generator (`function*` that yields
 * between units of work): `due()`, checked every `every` calls, says
 * whether the slice's `ms` are spent. A run to completion uses a Slicer
 * that is never due; a run in slices restarts it before each resumption.
 */
export class Slicer {
  #deadline = Infinity;
  #count = 0;

  constructor(readonly ms = Infinity, readonly every = 32) {}

  /** Begins a slice. */
  start(): void {
    if (this.ms !== Infinity) this.#deadline = performance.now() + this.ms;
  }

  /** Whether the work should pause (yield) now. */
  due(): boolean {
    return this.#deadline !== Infinity && ++this.#count % this.every === 0 && performance.now() > this.#deadline;
  }
}

/** The result of work written as a generator, without pausing. */
export function runSteps<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Milliseconds of work between two turns of the event loop (sliced daemon paths). */
export const SLICE_MS = 20;

/**
 * The result of work written as a generator, run a slice of `ms` at a
 * time with the event loop turning between slices (setImmediate), so a
 * daemon's other clients are served meanwhile.
 */
export async function runStepsAsync<T>(make: (s: Slicer) => Generator<void, T, void>, ms = SLICE_MS): Promise<T> {
  const slicer = new Slicer(ms);
  slicer.start();
  const steps = make(slicer);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
    slicer.start();
  }
}

/**
 * toXNode a node at a time (iterative, pausing when `s` is due). With
 * `opaque`, an element with children keeps no text (libvirt's copy of an
 * opaque subtree drops the blanks between elements).
 */
export function* toXNodeSteps(el: XmlElement, s: Slicer, opaque = false): Generator<void, XNode, void> {
  const make = (e: XmlElement): XNode => ({
    name: e.name,
    attrs: attrEntries(e),
    children: new Array<XNode>(e.children.length),
    text: opaque && e.children.length > 0 ? '' : e.text,
  });
  const root = make(el);
  const stack: Array<{ from: XmlElement; to: XNode; next: number }> = [{ from: el, to: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.from.children.length) {
      stack.pop();
      continue;
    }
    const i = top.next++;
    const c = top.from.children[i]!;
    const n = make(c);
    top.to.children[i] = n;
    if (c.children.length > 0) stack.push({ from: c, to: n, next: 0 });
    if (s.due()) yield;
  }
  return root;
}

/** Builds a node; attributes whose value is undefined or null are left out. */
export function node(name: string, attrs: Array<[string, string | number | undefined | null]> = [],
  children: XNode[] = [], text = ''): XNode {
  let n = 0;
  for (const [, v] of attrs) if (v !== undefined && v !== null) n++;
  // Arrays of their exact size: one grown by push from empty keeps room
  // for 17 entries, which with thousands of devices is most of the heap.
  const a = new Array<[string, string]>(n);
  let i = 0;
  for (const [k, v] of attrs) if (v !== undefined && v !== null) a[i++] = [k, String(v)];
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
  else n.attrs = [...n.attrs, [name, String(value)]]; // exact size (see node())
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

/** virBufferEscapeString (util/xml.ts). */
export { escapeXml as escapeLibvirt } from '../util/xml.js';
import { escapeXml as escapeLibvirt } from '../util/xml.js';

/**
 * Formats a node the way libvirt's formatters do: two-space indent,
 * single-quoted attributes, `<x/>` when empty, `<x>text</x>` for leaves.
 */
export function formatNode(n: XNode, depth: number, out: string[] = []): string[] {
  // A nameless child only keeps its parent open: `<x>` and `</x>` on their own lines.
  if (n.name === '') return out;
  const pad = indent(depth);
  let attrs = '';
  for (const [k, v] of n.attrs) attrs += ` ${k}='${escapeLibvirt(v)}'`;
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

const PADS: string[] = [];

/** Two spaces per level, made once per depth. */
function indent(depth: number): string {
  return PADS[depth] ??= '  '.repeat(depth);
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
  return runSteps(formatLibxmlSteps(n, depth, new Slicer()));
}

/**
 * formatLibxml a node at a time, pausing when `s` is due, so a caller can
 * format a million-element `<metadata>` a slice at a time. Iterative:
 * nesting depth costs no stack.
 */
export function* formatLibxmlSteps(root: XNode, depth: number, s: Slicer): Generator<void, string, void> {
  const out: string[] = [];
  const leaf = (n: XNode, attrs: string): string => (n.text === ''
    ? `<${n.name}${attrs}/>` : `<${n.name}${attrs}>${escapeLibxmlText(n.text)}</${n.name}>`);
  const attrsOf = (n: XNode): string => {
    let a = '';
    for (const [k, v] of n.attrs) a += ` ${k}="${escapeLibxmlAttr(v)}"`;
    return a;
  };
  const stack: Array<{ n: XNode; depth: number; next: number }> = [];
  const enter = (n: XNode, d: number): void => {
    const attrs = attrsOf(n);
    if (n.children.length === 0) {
      out.push(leaf(n, attrs));
      return;
    }
    out.push(`<${n.name}${attrs}>\n`);
    stack.push({ n, depth: d, next: 0 });
  };
  enter(root, depth);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const pad = indent(top.depth);
    if (top.next < top.n.children.length) {
      if (top.next > 0) out.push('\n');
      out.push(`${pad}  `);
      enter(top.n.children[top.next++]!, top.depth + 1);
    } else {
      if (top.next > 0) out.push('\n');
      out.push(`${pad}</${top.n.name}>`);
      stack.pop();
    }
    if (s.due()) yield;
  }
  return out.join('');
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

/** A Spec made ready for canon: the position of each listed name. */
interface CompiledSpec {
  attrRank?: Map<string, number>;
  kidRank?: Map<string, number>;
  kidSpecs: Array<Spec | undefined>;
}

const compiledSpecs = new WeakMap<Spec, CompiledSpec>();

function compileSpec(spec: Spec): CompiledSpec {
  let c = compiledSpecs.get(spec);
  if (c) return c;
  c = { kidSpecs: [] };
  if (spec.attrs) {
    c.attrRank = new Map();
    for (const a of spec.attrs) if (!c.attrRank.has(a)) c.attrRank.set(a, c.attrRank.size);
  }
  if (spec.kids) {
    c.kidRank = new Map();
    for (const k of spec.kids) {
      const name = typeof k === 'string' ? k : k[0];
      let r = c.kidRank.get(name);
      if (r === undefined) {
        r = c.kidRank.size;
        c.kidRank.set(name, r);
      }
      // A later entry for the same name wins, as it did in a name → spec map.
      if (typeof k !== 'string') c.kidSpecs[r] = k[1];
    }
  }
  compiledSpecs.set(spec, c);
  return c;
}

/**
 * Reorders `n` (recursively, as far as `spec` reaches) into libvirt's
 * order, in time linear in its attributes and children (one bucket per
 * listed name; a name listed twice counts once).
 */
export function canon(n: XNode, spec: Spec | undefined): XNode {
  if (!spec) return n;
  const c = compileSpec(spec);
  // The results are arrays of their exact size (see node()).
  const attrs = n.attrs;
  if (c.attrRank && attrs.length > 0) {
    const rank = c.attrRank;
    const known: Array<[string, string] | undefined> = new Array(rank.size);
    let nKnown = 0;
    let nRest = 0;
    for (const a of attrs) {
      const r = rank.get(a[0]);
      if (r === undefined) nRest++;
      else if (known[r] === undefined) { known[r] = a; nKnown++; } // the first, as getAttr reads it
    }
    const out = new Array<[string, string]>(nKnown + nRest);
    let i = 0;
    for (const a of known) if (a !== undefined) out[i++] = a;
    if (nRest > 0) for (const a of attrs) if (!rank.has(a[0])) out[i++] = a;
    n.attrs = out;
  }
  const children = n.children;
  if (c.kidRank && children.length > 0) {
    const rank = c.kidRank;
    const ranks = new Array<number>(children.length);
    let sorted = true;
    let last = -1;
    for (let j = 0; j < children.length; j++) {
      const r = rank.get(children[j]!.name) ?? rank.size; // unlisted ones go last, in order
      ranks[j] = r;
      if (r < last) sorted = false;
      last = r;
    }
    const out = new Array<XNode>(children.length);
    if (sorted) {
      for (let j = 0; j < children.length; j++) out[j] = children[j]!;
    } else {
      // A counting sort by rank: stable, linear.
      const start = new Array<number>(rank.size + 2).fill(0);
      for (const r of ranks) start[r + 1]!++;
      for (let r = 1; r < start.length; r++) start[r]! += start[r - 1]!;
      for (let j = 0; j < children.length; j++) out[start[ranks[j]!]!++] = children[j]!;
    }
    for (let j = 0; j < out.length; j++) {
      const ks = c.kidSpecs[rank.get(out[j]!.name) ?? -1];
      if (ks) canon(out[j]!, ks);
    }
    n.children = out;
  }
  return n;
}
