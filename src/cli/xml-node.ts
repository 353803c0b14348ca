/**
 * A small XML tree that keeps text between elements, for the commands that
 * pick a device out of a domain's XML and print or edit it the way virsh
 * does with libxml (virshFindDisk + virXMLNodeToString: the element as
 * xmlNodeDump writes it unformatted, the document's own indentation kept).
 * It reads documents libvirt wrote (no DTD, no processing instructions).
 */

export interface XElem {
  kind: 'elem';
  name: string;
  attrs: Array<[string, string]>;
  children: XChild[];
}
/** Text, or markup kept verbatim (comments, CDATA). */
export type XChild = XElem | { kind: 'text'; text: string } | { kind: 'raw'; text: string };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function unescape(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|apos|quot);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e]!;
  });
}

/** Parses a well-formed document; returns its root element. */
export function parseTree(xml: string): XElem {
  const root: XElem = { kind: 'elem', name: '#document', attrs: [], children: [] };
  const stack: XElem[] = [root];
  let i = 0;
  const top = () => stack[stack.length - 1]!;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      top().children.push({ kind: 'text', text: unescape(xml.slice(i)) });
      break;
    }
    if (lt > i) top().children.push({ kind: 'text', text: unescape(xml.slice(i, lt)) });
    if (xml.startsWith('<!--', lt) || xml.startsWith('<![CDATA[', lt)) {
      const endMark = xml.startsWith('<!--', lt) ? '-->' : ']]>';
      const end = xml.indexOf(endMark, lt) + endMark.length;
      top().children.push({ kind: 'raw', text: xml.slice(lt, end) });
      i = end;
      continue;
    }
    if (xml.startsWith('<?', lt)) {
      i = xml.indexOf('?>', lt) + 2;
      continue;
    }
    const gt = findTagEnd(xml, lt);
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([^\s/>]+)/.exec(body)!;
    const el: XElem = { kind: 'elem', name: m[1]!, attrs: [], children: [] };
    const re = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g;
    let a: RegExpExecArray | null;
    while ((a = re.exec(body.slice(m[0].length))) !== null) el.attrs.push([a[1]!, unescape(a[3] ?? a[4] ?? '')]);
    top().children.push(el);
    if (!selfClosing) stack.push(el);
  }
  return root.children.find((c): c is XElem => c.kind === 'elem') ?? root;
}

/** The '>' that ends the tag starting at `lt`, skipping quoted attribute values. */
function findTagEnd(xml: string, lt: number): number {
  let quote = '';
  for (let k = lt + 1; k < xml.length; k++) {
    const c = xml[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return k;
    }
  }
  return xml.length - 1;
}

export function elems(e: XElem | undefined, name?: string): XElem[] {
  if (!e) return [];
  return e.children.filter((c): c is XElem => c.kind === 'elem' && (name === undefined || c.name === name));
}

export function attr(e: XElem | undefined, name: string): string | undefined {
  return e?.attrs.find(([k]) => k === name)?.[1];
}

/** xmlSetProp: replaces the value in place, or appends the attribute. */
export function setAttr(e: XElem, name: string, value: string): void {
  const a = e.attrs.find(([k]) => k === name);
  if (a) a[1] = value;
  else e.attrs.push([name, value]);
}

function escAttr(s: string): string {
  return s.replace(/[<>&"\n\r\t]/g, (c) => (
    { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' }[c]!));
}

function escText(s: string): string {
  return s.replace(/[<>&\r]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '\r': '&#13;' }[c]!));
}

/** xmlNodeDump without formatting (virXMLNodeToString). */
export function nodeToString(e: XElem): string {
  let s = `<${e.name}`;
  for (const [k, v] of e.attrs) s += ` ${k}="${escAttr(v)}"`;
  if (e.children.length === 0) return `${s}/>`;
  s += '>';
  for (const c of e.children) {
    if (c.kind === 'elem') s += nodeToString(c);
    else if (c.kind === 'text') s += escText(c.text);
    else s += c.text;
  }
  return `${s}</${e.name}>`;
}
