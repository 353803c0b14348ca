/**
 * The `--xpath` filter of the dumpxml commands (virshDumpXML): a subset of
 * XPath 1.0 that selects nodes, and libxml2's way of printing them
 * (xmlNodeDump with formatting, after parsing without blank text).
 *
 * Supported: absolute and relative location paths with `/` and `//`,
 * name tests, `*`, `@name`, `@*`, `text()`, `node()`, `.`, `..`, unions
 * with `|`, and predicates `[n]`, `[last()]`, `[@a]`, `[@a='v']`,
 * `[name]`, `[name='v']`.
 */
import { VirtError, ErrorCode, ErrorDomain } from '../errors.js';
import { parseXml, type XmlElement } from '../util/xml.js';

/** A selected node: an element (with its parent), an attribute or a text node. */
type XNode =
  | { kind: 'element'; el: XmlElement; parent: XNode | null }
  | { kind: 'attr'; name: string; value: string; parent: XNode }
  | { kind: 'text'; text: string; parent: XNode };

type Pred = { kind: 'index'; n: number | 'last' } | { kind: 'has'; attr: boolean; name: string; value: string | null };
interface Step { axis: 'child' | 'descendant' | 'attr' | 'self' | 'parent'; test: string; preds: Pred[] }
interface Path { absolute: boolean; steps: Step[] }

/** Why an expression cannot be evaluated here. */
export class XPathUnsupported extends Error {}

/** libvirt's error for an expression whose value is not a node set. */
function notNodeSet(expr: string): VirtError {
  return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.XML, `Incorrect xpath '${expr}'`);
}

function parse(expr: string): Path[] {
  let i = 0;
  const s = expr.trim();
  const peek = (t: string) => s.startsWith(t, i);
  const ws = () => { while (s[i] === ' ') i++; };
  const name = (): string => {
    const m = /^[A-Za-z_][\w.:-]*|^\*/.exec(s.slice(i));
    if (!m) throw new XPathUnsupported(expr);
    i += m[0].length;
    return m[0];
  };
  const literal = (): string => {
    const q = s[i];
    if (q !== '"' && q !== "'") throw new XPathUnsupported(expr);
    const end = s.indexOf(q, i + 1);
    if (end < 0) throw new XPathUnsupported(expr);
    const v = s.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  const predicate = (): Pred => {
    i++; // [
    ws();
    let p: Pred;
    const num = /^\d+/.exec(s.slice(i));
    if (num) {
      i += num[0].length;
      p = { kind: 'index', n: Number(num[0]) };
    } else if (peek('last()')) {
      i += 6;
      p = { kind: 'index', n: 'last' };
    } else {
      const attr = s[i] === '@';
      if (attr) i++;
      const n = name();
      ws();
      let value: string | null = null;
      if (s[i] === '=') {
        i++;
        ws();
        value = literal();
      }
      p = { kind: 'has', attr, name: n, value };
    }
    ws();
    if (s[i] !== ']') throw new XPathUnsupported(expr);
    i++;
    return p;
  };
  const paths: Path[] = [];
  for (;;) {
    const path: Path = { absolute: false, steps: [] };
    let axis: Step['axis'] = 'child';
    if (peek('//')) {
      path.absolute = true;
      axis = 'descendant';
      i += 2;
    } else if (peek('/')) {
      path.absolute = true;
      i += 1;
    }
    for (;;) {
      ws();
      let step: Step;
      if (peek('..')) {
        i += 2;
        step = { axis: 'parent', test: 'node()', preds: [] };
      } else if (peek('.')) {
        i += 1;
        step = { axis: axis === 'descendant' ? 'descendant' : 'self', test: 'node()', preds: [] };
      } else if (s[i] === '@') {
        i++;
        step = { axis: 'attr', test: name(), preds: [] };
        if (axis === 'descendant') path.steps.push({ axis: 'descendant', test: 'node()', preds: [] });
      } else if (peek('text()') || peek('node()')) {
        step = { axis, test: s.slice(i, i + 6), preds: [] };
        i += 6;
      } else {
        step = { axis, test: name(), preds: [] };
      }
      while (s[i] === '[') step.preds.push(predicate());
      path.steps.push(step);
      ws();
      if (peek('//')) {
        axis = 'descendant';
        i += 2;
      } else if (peek('/')) {
        axis = 'child';
        i += 1;
      } else {
        break;
      }
    }
    paths.push(path);
    ws();
    if (s[i] === '|') {
      i++;
      ws();
      continue;
    }
    break;
  }
  if (i !== s.length) throw new XPathUnsupported(expr);
  return paths;
}

function kids(n: XNode): XNode[] {
  if (n.kind !== 'element') return [];
  const out: XNode[] = n.el.children.map((el) => ({ kind: 'element' as const, el, parent: n }));
  // (blanks count as text only in an element with no children: see dumpElement)
  if (n.el.text.trim() !== '' || (n.el.children.length === 0 && n.el.text !== '')) {
    out.unshift({ kind: 'text', text: n.el.text, parent: n });
  }
  return out;
}

function matches(n: XNode, test: string): boolean {
  if (test === 'node()') return true;
  if (test === 'text()') return n.kind === 'text';
  return n.kind === 'element' && (test === '*' || n.el.name === test);
}

function applyPreds(nodes: XNode[], preds: Pred[]): XNode[] {
  for (const p of preds) {
    if (p.kind === 'index') {
      const k = p.n === 'last' ? nodes.length : p.n;
      nodes = k >= 1 && k <= nodes.length ? [nodes[k - 1]!] : [];
    } else {
      nodes = nodes.filter((n) => {
        if (n.kind !== 'element') return false;
        if (p.attr) {
          const v = p.name === '*' ? Object.values(n.el.attrs)[0] : n.el.attrs[p.name];
          return v !== undefined && (p.value === null || v === p.value);
        }
        return n.el.children.some((c) => (p.name === '*' || c.name === p.name)
          && (p.value === null || allText(c) === p.value));
      });
    }
  }
  return nodes;
}

function allText(e: XmlElement): string {
  return e.text + e.children.map(allText).join('');
}

function descendantsOrSelf(n: XNode): XNode[] {
  const out: XNode[] = [n];
  for (const k of kids(n)) out.push(...descendantsOrSelf(k));
  return out;
}

function evaluate(paths: Path[], root: XmlElement): XNode[] {
  const doc: XNode = { kind: 'element', el: { name: '#document', attrs: {}, children: [root], text: '' }, parent: null };
  const rootNode = kids(doc).find((k) => k.kind === 'element')!;
  const result: XNode[] = [];
  for (const path of paths) {
    let cur: XNode[] = [path.absolute ? doc : rootNode];
    for (const step of path.steps) {
      const next: XNode[] = [];
      for (const n of cur) {
        let cand: XNode[];
        switch (step.axis) {
          case 'child': cand = kids(n).filter((k) => matches(k, step.test)); break;
          case 'descendant':
            cand = descendantsOrSelf(n).slice(step.test === 'node()' ? 0 : 1).filter((k) => matches(k, step.test));
            break;
          case 'self': cand = [n]; break;
          case 'parent': cand = n.parent && n.parent.kind === 'element' && n.parent.el.name !== '#document' ? [n.parent] : []; break;
          case 'attr':
            cand = n.kind === 'element'
              ? Object.entries(n.el.attrs).filter(([k]) => step.test === '*' || k === step.test)
                .map(([name, value]) => ({ kind: 'attr' as const, name, value, parent: n }))
              : [];
            break;
        }
        for (const c of applyPreds(cand, step.preds)) if (!next.includes(c)) next.push(c);
      }
      cur = next;
    }
    for (const n of cur) if (!result.includes(n)) result.push(n);
  }
  return result;
}

function escText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escAttr(s: string): string {
  return escText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/** xmlNodeDump(format=1) of an element parsed without blank text nodes. */
function dumpElement(e: XmlElement, level: number): string {
  const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escAttr(v)}"`).join('');
  // libxml2's blank-text heuristic (areBlanks) keeps the blanks of an
  // element that has nothing else inside: `<a>\n  </a>` stays as it is.
  const text = e.text.trim() === '' && e.children.length > 0 ? '' : e.text;
  if (e.children.length === 0 && text === '') return `<${e.name}${attrs}/>`;
  if (text !== '') {
    // Mixed content is printed as it is, without indentation.
    return `<${e.name}${attrs}>${escText(text)}${e.children.map((c) => dumpElement(c, 0)).join('')}</${e.name}>`;
  }
  const pad = '  '.repeat(level + 1);
  const inner = e.children.map((c) => `${pad}${dumpElement(c, level + 1)}\n`).join('');
  return `<${e.name}${attrs}>\n${inner}${'  '.repeat(level)}</${e.name}>`;
}

/** xmlNodeDump without formatting. */
function dumpRaw(n: XNode): string {
  if (n.kind !== 'element') return dumpNode(n, 0);
  const e = n.el;
  const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escAttr(v)}"`).join('');
  const text = e.text.trim() === '' && e.children.length > 0 ? '' : e.text;
  const inner = escText(text) + e.children.map((c) => dumpRaw({ kind: 'element', el: c, parent: n })).join('');
  return inner === '' ? `<${e.name}${attrs}/>` : `<${e.name}${attrs}>${inner}</${e.name}>`;
}

function dumpNode(n: XNode, level: number): string {
  switch (n.kind) {
    case 'element': return dumpElement(n.el, level);
    case 'attr': return ` ${n.name}="${escAttr(n.value)}"`;
    case 'text': return escText(n.text);
  }
}

/**
 * The lines virsh prints for `--xpath expr` (with `--wrap`, the nodes in a
 * <nodes> element). Throws libvirt's error for expressions that are not
 * node sets, and XPathUnsupported for syntax beyond the subset.
 */
export function xpathDump(xml: string, expr: string, wrap: boolean): string {
  if (/^\s*(string|count|number|boolean|concat|name|local-name|sum|not|contains|starts-with)\s*\(/.test(expr)) {
    throw notNodeSet(expr);
  }
  const root = parseXml(xml);
  const nodes = evaluate(parse(expr), root);
  if (wrap) {
    if (nodes.length === 0) return '<nodes/>\n';
    // xmlNodeDump stops formatting inside an element that has text children.
    if (nodes.some((n) => n.kind === 'text')) return `<nodes>${nodes.map(dumpRaw).join('')}</nodes>\n`;
    return `<nodes>\n${nodes.map((n) => `  ${dumpNode(n, 1)}\n`).join('')}</nodes>\n`;
  }
  return nodes.map((n) => `${dumpNode(n, 0)}\n`).join('');
}
