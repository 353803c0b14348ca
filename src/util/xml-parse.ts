/**
 * A one-pass XML parser that follows libxml2 2.9 (as libvirt 9.0 uses it:
 * xmlCtxtReadDoc with XML_PARSE_NONET, no XML_PARSE_NOENT, no
 * XML_PARSE_HUGE): it builds the element tree while it checks
 * well-formedness, stops at the first fatal error with libxml2's message and
 * position, and keeps libxml2's safety limits (element depth, name length,
 * entity amplification). Linear in its input: every character is looked at
 * a bounded number of times, and entity expansions are counted and capped.
 */
import type { XmlElement } from './xml.js';

/**
 * A fatal parse error: libxml2's message (without its final newline), the
 * parser's position (a UTF-16 index) and, when libxml2's line counter ran
 * ahead of that position (its fast text scanner), the line it reports.
 * `input` is set when the error lies in an entity's replacement text, which
 * libxml2 parses in a context of its own (no file name: libvirt then says
 * "at line N"); `pos` and `line` are then within that text.
 */
export interface XmlParseError { pos: number; message: string; line?: number; input?: string }

/** Thrown inside the parser: the first fatal error. */
class Stop {
  constructor(readonly error: XmlParseError) {}
}

/** xmlParserMaxDepth: elements open at once before "Excessive depth". */
const MAX_DEPTH = 256;
/** XML_MAX_NAME_LENGTH. */
const MAX_NAME_LENGTH = 50000;
/** XML_MAX_TEXT_LENGTH: the most entity-expanded text an element may hold here. */
const MAX_TEXT_LENGTH = 10_000_000;
/** XML_PARSER_NON_LINEAR of xmlParserEntityCheck. */
const NON_LINEAR = 10;
const LOOP = 'Detected an entity reference loop';

const NAME_START = /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uD800-\uDBFF]/;
const NAME_CHAR = /[-.0-9\u00B7\u0300-\u036F\u203F\u2040\uDC00-\uDFFF]/;
const PREDEFINED: ReadonlyMap<string, string> = new Map([['lt', '<'], ['gt', '>'], ['amp', '&'], ['apos', "'"], ['quot', '"']]);

/** ASCII name characters by code: 1 may start a name, 2 may follow. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ASCII_NAME[c] = /[A-Za-z_:]/.test(ch) ? 1 : /[-.0-9]/.test(ch) ? 2 : 0;
}
/** Text characters libxml2's fast scanner takes in bulk (tab, newline, 0x20-0x7F but '<', '&', ']'). */
const FAST_TEXT = new Uint8Array(128);
for (let c = 0x20; c < 0x80; c++) FAST_TEXT[c] = 1;
FAST_TEXT[9] = FAST_TEXT[10] = 1;
FAST_TEXT[0x3c] = FAST_TEXT[0x26] = FAST_TEXT[0x5d] = 0;

const isBlank = (c: number): boolean => c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;

/** IS_CHAR of libxml2 for a code point. */
function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)
    || (c >= 0x10000 && c <= 0x10ffff);
}

/** Line ends as XML reads them (2.11): CR LF and a lone CR are LF. */
const normalizeEol = (t: string): string => (t.includes('\r') ? t.replace(/\r\n?/g, '\n') : t);

/**
 * Attribute-value normalization (XML 3.3.3) of literal white space: each
 * tab, line end (CR LF counting once) is a space; character references
 * (`&#9;`) are not normalized, and neither, as libvirt reads attributes,
 * is an entity's replacement text.
 */
const normalizeAttr = (t: string): string => (/[\t\n\r]/.test(t) ? t.replace(/\r\n|[\t\n\r]/g, ' ') : t);

/** A general entity of the internal subset. */
interface Entity {
  readonly name: string;
  /** Replacement text, char and parameter references already decoded (null: external). */
  readonly content: string | null;
  readonly isUnparsed: boolean;
  /** libxml2's ent->checked: 0 until first expanded, then 2 × (references it expands to) | has '<'. */
  checked: number;
  /** Character data of the expansion, once parsed in content. */
  text?: string;
  /** The expansion as an attribute value holds it, once computed. */
  attrText?: string;
}

/** What the parses of one document share. */
interface Doc {
  readonly entities: Map<string, Entity>;
  readonly params: Map<string, string | null>;
  hasExternalSubset: boolean;
  hasPErefs: boolean;
  /** Characters of entity text handed out so far: capped at MAX_TEXT_LENGTH. */
  expanded: number;
}

/**
 * What elements without attributes or children share: a tree of 200k small
 * elements is then 200k objects, not 600k, which is most of its cost (V8's
 * young-generation collector copies every object that survives).
 */
const NO_ATTRS: Readonly<Record<string, string>> = Object.freeze({});
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);

/**
 * An open element: the tree's own object, filled in while it is open (no
 * separate frame to allocate). Its start line and its text pieces after the
 * first (joined once, when it closes) are kept beside the stack.
 */
interface Frame {
  name: string;
  attrs: Readonly<Record<string, string>>;
  children: readonly XmlElement[];
  text: string;
}

/**
 * One libxml2 parser context over one input: the document, or an entity's
 * replacement text (xmlParseBalancedChunkMemoryInternal), which has its own
 * positions, line numbers, entity count and depth.
 */
/** A start tag being read: its name, line and the attributes so far. */
interface OpenTag {
  name: string;
  line: number;
  pairs: string[] | null;
  seen: Set<string> | null;
  redefined: string | null;
}

/** Names and values in turn, kept on an element with many attributes (Ctx.manyAttrs). */
const ATTR_PAIRS = Symbol('attribute pairs');

/**
 * An element's attributes as [name, value] pairs in document order, without
 * building the record of an element that has many.
 */
export function attrEntries(el: XmlElement): Array<[string, string]> {
  const flat = (el as { [ATTR_PAIRS]?: readonly string[] })[ATTR_PAIRS];
  if (flat === undefined) return Object.entries(el.attrs);
  const out = new Array<[string, string]>(flat.length / 2);
  for (let k = 0; k < flat.length; k += 2) out[k / 2] = [flat[k]!, flat[k + 1]!];
  return out;
}

class Ctx {
  i = 0;
  /**
   * performance.now() past which parseContent returns early (at an element
   * or text boundary) so the caller can let the event loop run; Infinity
   * parses in one go.
   */
  deadline = Infinity;
  #tick = 0;
  /** ctxt->nbentities. */
  nb = 0;
  /** All character data (entity contexts: the expansion's text content). */
  allText = '';
  readonly n: number;
  /** Start lines of the open elements. */
  #lines: number[] = [];
  /** Text pieces of the open elements after their first. */
  #more: Array<string[] | undefined> = [];
  #linePos = 0;
  #lineNo = 1;
  #bytePos = 0;
  #bytes = 0;

  constructor(readonly s: string, readonly doc: Doc, readonly depth: number, readonly isEntity: boolean) {
    this.n = s.length;
  }

  fail(message: string, at = this.i, line?: number): never {
    const e: XmlParseError = { pos: at, message };
    if (line !== undefined) e.line = line;
    if (this.isEntity) e.input = this.s;
    throw new Stop(e);
  }

  /** Line of a position; positions asked for only grow (start tags come in order). */
  lineAt(pos: number): number {
    if (pos < this.#linePos) {
      this.#linePos = 0;
      this.#lineNo = 1;
      this.#nextNl = -2;
    }
    const s = this.s;
    // The next newline is remembered, so a document without any is not rescanned.
    let k = this.#nextNl === -2 || this.#nextNl < this.#linePos ? s.indexOf('\n', this.#linePos) : this.#nextNl;
    while (k !== -1 && k < pos) {
      this.#lineNo++;
      k = s.indexOf('\n', k + 1);
    }
    this.#nextNl = k === -1 ? Number.MAX_SAFE_INTEGER : k;
    this.#linePos = pos;
    return this.#lineNo;
  }

  #nextNl = -2;

  /** Bytes (UTF-8) before a position: libxml2's `cur - base`. */
  bytesAt(pos: number): number {
    if (pos < this.#bytePos) {
      this.#bytePos = 0;
      this.#bytes = 0;
    }
    const s = this.s;
    let b = this.#bytes;
    for (let k = this.#bytePos; k < pos; k++) {
      const c = s.charCodeAt(k);
      b += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 2 : 3; // a surrogate pair is 2 + 2
    }
    this.#bytePos = pos;
    this.#bytes = b;
    return b;
  }

  skipBlanks(): number {
    const from = this.i;
    while (isBlank(this.s.charCodeAt(this.i))) this.i++;
    return this.i - from;
  }

  /** xmlParseName / xmlParseNCName: null when no name starts here. */
  parseName(what = 'NCName'): string | null {
    const s = this.s;
    const from = this.i;
    let i = from;
    const c0 = s.charCodeAt(i);
    if (c0 < 128 ? ASCII_NAME[c0] !== 1 : !(i < this.n && NAME_START.test(s[i]!))) return null;
    i++;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c < 128) {
        if (ASCII_NAME[c] === 0) break;
      } else if (!(i < this.n && (NAME_START.test(s[i]!) || NAME_CHAR.test(s[i]!)))) {
        break;
      }
      i++;
    }
    this.i = i;
    const name = s.slice(from, i);
    if (name.length > MAX_NAME_LENGTH) this.#tooLong(name, from, what);
    return name;
  }

  /** "Name too long" at the start of the part of a QName that is too long. */
  #tooLong(name: string, from: number, what: string): void {
    const c = what === 'NCName' ? name.indexOf(':') : -1;
    if (c > 0 && c <= MAX_NAME_LENGTH && c < name.length - 1) this.fail(`Name too long: ${what}`, from + c + 1);
    this.fail(`Name too long: ${what}`, from);
  }

  /** `%.50s` of a buffer: its first 50 bytes. */
  static first50(buf: string): string {
    const b = Buffer.from(buf.slice(0, 50), 'utf8');
    let end = Math.min(50, b.length);
    while (end > 0 && end < b.length && (b[end]! & 0xc0) === 0x80) end--;
    return b.subarray(0, end).toString('utf8');
  }

  /** xmlParseComment at '<!--': a fast ASCII scan, then xmlParseCommentComplex. */
  parseComment(): void {
    const s = this.s;
    const n = this.n;
    this.i += 4;
    const start = this.i;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x2d) {
        if (s.charCodeAt(i + 1) === 0x2d) {
          if (s.charCodeAt(i + 2) === 0x3e) {
            this.i = i + 3;
            return;
          }
          this.i = i;
          const buf = s.slice(start, i).replace(/\r\n/g, '\n');
          this.fail(buf === '' ? 'Double hyphen within comment' : `Double hyphen within comment: <!--${Ctx.first50(buf)}`);
        }
        i++;
      } else if ((c >= 0x20 && c <= 0x7f) || c === 0x9 || c === 0xa) {
        i++;
      } else if (c === 0xd && s.charCodeAt(i + 1) === 0xa) {
        i++;
      } else {
        break;
      }
    }
    this.i = i;
    // xmlParseCommentComplex: two characters (q, r) before it looks for '-->';
    // it copies each character once two more follow it.
    let buf = s.slice(start, i).replace(/\r\n/g, '\n');
    const char = (): number => {
      if (this.i >= n) this.fail('Comment not terminated');
      const c = s.codePointAt(this.i)!;
      if (!isXmlChar(c)) this.fail(`xmlParseComment: invalid xmlChar value ${c}`);
      return c;
    };
    let q = char();
    this.i += q > 0xffff ? 2 : 1;
    let r = char();
    this.i += r > 0xffff ? 2 : 1;
    if (this.i >= n) this.fail('Comment not terminated');
    for (;;) {
      if (this.i >= n) this.fail(`Comment not terminated \n<!--${Ctx.first50(buf)}`);
      const c = s.codePointAt(this.i)!;
      if (!isXmlChar(c)) this.fail(`xmlParseComment: invalid xmlChar value ${c}`);
      if (c === 0x3e && q === 0x2d && r === 0x2d) {
        this.i++;
        return;
      }
      if (q === 0x2d && r === 0x2d) this.fail("Comment must not contain '--' (double-hyphen)");
      if (buf.length < 64) buf += String.fromCodePoint(q);
      q = r;
      r = c;
      this.i += c > 0xffff ? 2 : 1;
    }
  }

  /** xmlParsePI at '<?'. */
  parsePI(): void {
    const s = this.s;
    this.i += 2;
    const target = this.parseName('Name');
    if (target === null) this.fail('xmlParsePI : no target name');
    if (target === 'xml') this.fail('XML declaration allowed only at the start of the document');
    if (target!.toLowerCase() === 'xml') this.fail('Invalid PI name');
    if (s.startsWith('?>', this.i)) {
      this.i += 2;
      return;
    }
    if (!isBlank(s.charCodeAt(this.i))) this.fail(`ParsePI: PI ${target!} space expected`);
    this.skipBlanks();
    const end = s.indexOf('?>', this.i);
    const stop = end === -1 ? this.n : end;
    for (let k = this.i; k < stop;) {
      const c = s.codePointAt(k)!;
      if (!isXmlChar(c)) {
        this.i = k;
        this.fail(`ParsePI: PI ${target!} never end ...`);
      }
      k += c > 0xffff ? 2 : 1;
    }
    if (end === -1) {
      this.i = this.n;
      this.fail(`ParsePI: PI ${target!} never end ...`);
    }
    this.i = end + 2;
  }

  parseMisc(): void {
    for (;;) {
      this.skipBlanks();
      if (this.s.startsWith('<?', this.i)) this.parsePI();
      else if (this.s.startsWith('<!--', this.i)) this.parseComment();
      else return;
    }
  }

  /** xmlParseCharRef at '&#': the character. */
  parseCharRef(): string {
    const s = this.s;
    let val = 0;
    const hex = s.charCodeAt(this.i + 2) === 0x78;
    this.i += hex ? 3 : 2;
    while (s.charCodeAt(this.i) !== 0x3b) {
      const c = s.charCodeAt(this.i);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (hex && c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (hex && c >= 0x41 && c <= 0x46) d = c - 0x37;
      if (d < 0) this.fail(hex ? 'CharRef: invalid hexadecimal value' : 'CharRef: invalid decimal value');
      val = Math.min(val * (hex ? 16 : 10) + d, 0x110000);
      this.i++;
    }
    this.i++;
    if (val >= 0x110000) this.fail('xmlParseCharRef: character reference out of bounds');
    if (!isXmlChar(val)) this.fail(`xmlParseCharRef: invalid xmlChar value ${val}`);
    return String.fromCodePoint(val);
  }

  /** xmlParseEntityRef at '&' (not '&#'): the predefined text, the entity, or null when undeclared but tolerated. */
  parseEntityRef(inAttr: boolean): string | Entity | null {
    this.i++;
    const name = this.parseName('Name');
    if (name === null) this.fail('xmlParseEntityRef: no name');
    if (this.s.charCodeAt(this.i) !== 0x3b) this.fail("EntityRef: expecting ';'");
    this.i++;
    const pre = PREDEFINED.get(name!);
    if (pre !== undefined) return pre;
    this.nb++;
    const ent = this.doc.entities.get(name!);
    if (ent === undefined) {
      // Fatal unless an external subset or parameter entity could have declared it.
      if (this.isEntity || (!this.doc.hasExternalSubset && !this.doc.hasPErefs)) this.fail(`Entity '${name!}' not defined`);
      return null;
    }
    if (ent.isUnparsed) this.fail(`Entity reference to unparsed entity ${name!}`);
    if (inAttr && ent.content === null) this.fail(`Attribute references external entity '${name!}'`);
    if (inAttr && ((ent.checked & 1) || ent.checked === 0) && ent.content!.includes('<')) {
      this.fail(`'<' in entity '${name!}' is not allowed in attributes values`);
    }
    return ent;
  }

  /**
   * xmlParserEntityCheck for an entity just expanded: an expansion that
   * references at least a third as many entities as ten times the bytes read
   * so far is an amplification attack.
   */
  checkAmplification(ent: Entity): void {
    if ((ent.checked >>> 1) * 3 >= this.bytesAt(this.i) * NON_LINEAR) this.fail(LOOP);
  }

  /** xmlParseReference in content at '&': the text it stands for. */
  parseReference(): string {
    if (this.s.charCodeAt(this.i + 1) === 0x23) return this.parseCharRef();
    const ent = this.parseEntityRef(false);
    if (ent === null) return '';
    if (typeof ent === 'string') return ent;
    if (ent.content === null) return ''; // external: not loaded without XML_PARSE_NOENT
    if (ent.checked === 0 || ent.text === undefined) {
      const first = ent.checked === 0;
      if (!first) this.nb += ent.checked >>> 1;
      // xmlParseBalancedChunkMemoryInternal refuses beyond depth 40.
      if (this.depth + 1 > 40) this.fail(LOOP);
      const before = this.nb;
      const sub = new Ctx(ent.content, this.doc, this.depth + 2, true);
      sub.parseBalanced();
      this.nb += sub.nb;
      ent.text = sub.allText;
      if (first) {
        ent.checked = Math.min(this.nb - before + 1, 0x3fffffff) * 2 | (ent.content.includes('<') ? 1 : 0);
        this.checkAmplification(ent);
      }
    } else {
      this.nb += ent.checked >>> 1;
    }
    this.#spend(ent.text.length);
    return ent.text;
  }

  /**
   * Entity text handed to the tree, counted over the whole document: what
   * passes libxml2's reference counting can still expand to terabytes of text
   * (libxml2 keeps entity references as nodes; libvirt reads their text).
   */
  #spend(chars: number): void {
    this.doc.expanded += chars;
    if (this.doc.expanded > MAX_TEXT_LENGTH) this.fail(LOOP);
  }

  /**
   * An entity in an attribute value: libxml2 leaves the reference in place
   * (no XML_PARSE_NOENT) and checks the expansion once (xmlStringDecodeEntities
   * at depth + 1); libvirt reads the value with the entity's text in its place.
   */
  expandForAttr(ent: Entity, depth: number): string {
    if (depth > 40) this.fail(LOOP);
    if (ent.attrText !== undefined) {
      this.checkAmplification(ent);
      this.#spend(ent.attrText.length);
      return ent.attrText;
    }
    const content = ent.content!;
    const first = ent.checked === 0;
    const before = this.nb;
    const out = { text: '' };
    for (let k = 0; k < content.length;) {
      const amp = content.indexOf('&', k);
      const end = amp === -1 ? content.length : amp;
      out.text += content.slice(k, end);
      if (amp === -1) break;
      const semi = content.indexOf(';', amp);
      const name = content.slice(amp + 1, semi);
      k = semi + 1;
      const pre = PREDEFINED.get(name);
      if (pre !== undefined) {
        out.text += pre;
        continue;
      }
      this.nb++;
      const inner = this.doc.entities.get(name);
      if (inner === undefined) {
        if (!this.doc.hasExternalSubset && !this.doc.hasPErefs) this.fail(`Entity '${name}' not defined`);
        continue;
      }
      if (inner.content === null) this.fail(`Attribute references external entity '${name}'`);
      if (inner.checked !== 0) this.checkAmplification(inner);
      out.text += this.expandForAttr(inner, depth + 1);
      this.nb += inner.checked >>> 1;
    }
    if (first) ent.checked = Math.min(this.nb - before + 1, 0x3fffffff) * 2 | (content.includes('<') ? 1 : 0);
    this.checkAmplification(ent);
    ent.attrText = out.text;
    return out.text;
  }

  /** xmlParseAttValueComplex at the quote: the normalized value. */
  parseAttValue(): string {
    const s = this.s;
    const q = s.charCodeAt(this.i);
    if (q !== 0x22 && q !== 0x27) this.fail('AttValue: " or \' expected');
    this.i++;
    let value = '';
    let from = this.i;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === q) break;
      if (c < 0x80 && c >= 0x20 && c !== 0x26 && c !== 0x3c) {
        this.i++;
        continue;
      }
      if (Number.isNaN(c)) this.fail("AttValue: ' expected");
      if (c === 0x3c) this.fail("Unescaped '<' not allowed in attributes values");
      if (c === 0x26) {
        value += normalizeAttr(s.slice(from, this.i));
        if (s.charCodeAt(this.i + 1) === 0x23) {
          value += this.parseCharRef();
        } else {
          const ent = this.parseEntityRef(true);
          if (typeof ent === 'string') value += ent;
          else if (ent !== null) value += this.expandForAttr(ent, 1);
        }
        from = this.i;
        continue;
      }
      const cp = s.codePointAt(this.i)!;
      if (!isXmlChar(cp)) this.fail('invalid character in attribute value');
      this.i += cp > 0xffff ? 2 : 1;
    }
    value += normalizeAttr(s.slice(from, this.i));
    this.i++;
    return value;
  }

  /**
   * xmlParseCharData up to the next markup. Its fast scanner (ASCII) only
   * moves the parser's position when it stops, so a `]]>` it finds is
   * reported where the scan began, with the line it reached; past the
   * first other character the slow scanner reports where it is.
   */
  parseCharData(): string {
    const s = this.s;
    const n = this.n;
    const start = this.i;
    let runStart = this.i;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c < 128 && FAST_TEXT[c] === 1) {
        i++;
        continue;
      }
      if (c === 0x5d) {
        if (s.charCodeAt(i + 1) === 0x5d && s.charCodeAt(i + 2) === 0x3e) {
          this.i = runStart;
          this.fail("Sequence ']]>' not allowed in content", runStart, this.lineAt(i));
        }
        i++;
        continue;
      }
      if (c === 0xd && s.charCodeAt(i + 1) === 0xa) {
        runStart = i + 1;
        i += 2;
        continue;
      }
      break;
    }
    // The slow scanner, from the first character the fast one does not take.
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x3c || c === 0x26) break;
      if (c === 0x5d && s.charCodeAt(i + 1) === 0x5d && s.charCodeAt(i + 2) === 0x3e) {
        this.i = i;
        this.fail("Sequence ']]>' not allowed in content");
      }
      if (c >= 0x20 && c < 0xd800) {
        i++;
        continue;
      }
      const cp = s.codePointAt(i)!;
      if (!isXmlChar(cp)) {
        this.i = i;
        this.fail(`PCDATA invalid Char value ${cp}`);
      }
      i += cp > 0xffff ? 2 : 1;
    }
    this.i = i;
    return normalizeEol(s.slice(start, i));
  }

  /** xmlParseCDSect at '<![CDATA[': it keeps all but the last two characters read in its buffer. */
  parseCDSect(): string {
    const s = this.s;
    this.i += 9;
    const start = this.i;
    const end = s.indexOf(']]>', start);
    const stop = end === -1 ? this.n : end + 2;
    // Every character up to the '>' must be a Char.
    let prev = -1;
    let prev2 = -1;
    for (let k = start; k < stop; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x20 && c < 0xd800) {
        prev2 = prev;
        prev = k;
        continue;
      }
      const cp = s.codePointAt(k)!;
      if (!isXmlChar(cp)) {
        this.i = k;
        this.#cdataUnfinished(start, prev2);
      }
      prev2 = prev;
      prev = k;
      if (cp > 0xffff) k++;
    }
    if (end === -1) {
      this.i = this.n;
      this.#cdataUnfinished(start, prev2);
    }
    this.i = end + 3;
    return normalizeEol(s.slice(start, end));
  }

  #cdataUnfinished(start: number, lastKept: number): never {
    if (lastKept < start) this.fail('Unregistered error message');
    return this.fail(`CData section not finished\n${Ctx.first50(this.s.slice(start, lastKept))}`);
  }

  /**
   * The content of an entity's replacement text (xmlParseContent in a
   * context of its own): elements are checked, their text gathered.
   */
  parseBalanced(): void {
    const stack: Frame[] = [];
    this.parseContent(stack);
    if (this.i < this.n) {
      this.fail(this.s.startsWith('</', this.i) ? 'chunk is not well balanced' : 'extra content at the end of well balanced chunk');
    }
    if (stack.length > 0) this.prematureEnd(stack);
  }

  prematureEnd(stack: Frame[]): never {
    const top = stack[stack.length - 1]!;
    return this.fail(`Premature end of data in tag ${Ctx.splitQName(top.name).local} line ${this.#lines[stack.length - 1]!}`);
  }

  /** Adds character data to the innermost element (and, in an entity, to its text). */
  #addText(stack: Frame[], t: string): void {
    if (t === '') return;
    if (this.isEntity) {
      this.allText += t;
      return;
    }
    const top = stack[stack.length - 1]!;
    if (top.text === '') {
      top.text = t;
      return;
    }
    const d = stack.length - 1;
    const more = this.#more[d];
    if (more === undefined) this.#more[d] = [t];
    else more.push(t);
  }

  /**
   * xmlParseContent: in a document, until the root element is closed; in an
   * entity's text, until the input ends or an end tag has no start tag.
   */
  parseContent(stack: Frame[]): void {
    const s = this.s;
    const n = this.n;
    if (this.#pendingTag !== null && this.resumeStartTag(stack)) return;
    while (this.i < n) {
      if (this.deadline !== Infinity && (++this.#tick & 255) === 0 && performance.now() > this.deadline) return;
      const c = s.charCodeAt(this.i);
      if (c === 0x3c) {
        const d = s.charCodeAt(this.i + 1);
        if (d === 0x2f) {
          if (stack.length === 0) return;
          this.parseEndTag(stack);
          if (stack.length === 0 && !this.isEntity) return;
        } else if (d === 0x3f) {
          this.parsePI();
        } else if (d === 0x21 && s.startsWith('<![CDATA[', this.i)) {
          this.#addText(stack, this.parseCDSect());
        } else if (d === 0x21 && s.startsWith('<!--', this.i)) {
          this.parseComment();
        } else {
          if (this.parseStartTag(stack)) return;
        }
      } else if (c === 0x26) {
        this.#addText(stack, this.parseReference());
      } else {
        this.#addText(stack, this.parseCharData());
      }
    }
  }

  /** A Name split as xmlParseQName does (the local part is what messages show). */
  static splitQName(name: string): { prefix: string | null; local: string } {
    const c = name.indexOf(':');
    return c > 0 && c < name.length - 1 ? { prefix: name.slice(0, c), local: name.slice(c + 1) } : { prefix: null, local: name };
  }

  /** xmlParseElementStart at '<'. */
  parseStartTag(stack: Frame[]): boolean {
    if (stack.length > MAX_DEPTH) this.fail(`Excessive depth in document: ${MAX_DEPTH} use XML_PARSE_HUGE option`);
    const line = this.lineAt(this.i);
    this.i++;
    const name = this.parseName();
    if (name === null) this.fail('StartTag: invalid element name');
    this.skipBlanks();
    // Names and values in turn; while there are few, a repeat is found by
    // comparing one by one, past that with a Set: linear either way. The
    // record of many attributes is built only if someone reads it.
    return this.#startTagRest(stack, { name: name!, line, pairs: null, seen: null, redefined: null });
  }

  /** A start tag whose attributes were being read when the slice ran out (see deadline). */
  #pendingTag: OpenTag | null = null;

  /** Whether a start tag is half read, to be finished by resumeStartTag. */
  get hasPendingTag(): boolean {
    return this.#pendingTag !== null;
  }

  /** Goes on with the start tag the last slice stopped in; true if it stops again. */
  resumeStartTag(stack: Frame[]): boolean {
    const t = this.#pendingTag!;
    this.#pendingTag = null;
    return this.#startTagRest(stack, t);
  }

  /**
   * The attributes and the end of a start tag, from the position after the
   * name (or after the last attribute read). Returns true when it stopped
   * between two attributes because the slice ran out.
   */
  #startTagRest(stack: Frame[], t: OpenTag): boolean {
    const s = this.s;
    const { name, line } = t;
    let { pairs, seen, redefined } = t;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 0x3e || (c === 0x2f && s.charCodeAt(this.i + 1) === 0x3e)) break;
      if (!(c >= 0x20 || c === 0x9 || c === 0xa || c === 0xd)) break;
      const attr = this.parseName();
      if (attr === null) this.fail('error parsing attribute name');
      this.skipBlanks();
      if (s.charCodeAt(this.i) !== 0x3d) this.fail(`Specification mandates value for attribute ${Ctx.splitQName(attr!).local}`);
      this.i++;
      this.skipBlanks();
      const value = this.parseAttValue();
      if (seen !== null ? seen.has(attr!) : pairs !== null && Ctx.hasName(pairs, attr!)) {
        // A repeated namespace declaration is caught as it is read.
        if (attr === 'xmlns' || attr!.startsWith('xmlns:')) this.fail(`Attribute ${attr!} redefined`);
        redefined ??= attr!;
      } else if (pairs === null) {
        pairs = [attr!, value];
      } else {
        pairs.push(attr!, value);
        if (seen !== null) {
          seen.add(attr!);
        } else if (pairs.length > 32) {
          seen = new Set();
          for (let k = 0; k < pairs.length; k += 2) seen.add(pairs[k]!);
        }
      }
      const d = s.charCodeAt(this.i);
      if (d === 0x3e || (d === 0x2f && s.charCodeAt(this.i + 1) === 0x3e)) break;
      if (this.skipBlanks() === 0) this.fail('attributes construct error');
      if (this.deadline !== Infinity && (++this.#tick & 255) === 0 && performance.now() > this.deadline) {
        this.#pendingTag = { name, line, pairs, seen, redefined };
        return true;
      }
    }
    if (redefined !== null) this.fail(`Attribute ${redefined} redefined`);
    const el: Frame = seen !== null ? Ctx.manyAttrs(name, pairs!)
      : { name, attrs: Ctx.record(pairs), children: NO_CHILDREN, text: '' };
    if (s.charCodeAt(this.i) === 0x2f && s.charCodeAt(this.i + 1) === 0x3e) {
      this.i += 2;
      this.#attach(stack, el);
      return false;
    }
    if (s.charCodeAt(this.i) !== 0x3e) this.fail(`Couldn't find end of Start Tag ${Ctx.splitQName(name).local} line ${line}`);
    this.i++;
    this.#attach(stack, el);
    this.#lines[stack.length] = line;
    this.#more[stack.length] = undefined;
    stack.push(el);
    return false;
  }

  root: XmlElement | null = null;

  /**
   * An attribute record. Many names go into a null-prototype object first
   * (V8 fills those faster), which then gets the usual prototype.
   */
  static hasName(pairs: string[], name: string): boolean {
    for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === name) return true;
    return false;
  }

  /**
   * An element with many attributes: `attrs` is made on first read (a
   * record of 350,000 names costs V8 most of a second), and the names and
   * values in turn stay under ATTR_PAIRS for attrEntries.
   */
  static manyAttrs(name: string, pairs: string[]): Frame {
    let record: Readonly<Record<string, string>> | null = null;
    const el = { name, children: NO_CHILDREN, text: '' } as Frame & { [ATTR_PAIRS]?: readonly string[] };
    Object.defineProperty(el, 'attrs', { enumerable: true, get: () => (record ??= Ctx.record(pairs)) });
    Object.defineProperty(el, ATTR_PAIRS, { value: pairs });
    return el;
  }

  /** The attribute record of an element (names, values in turn). */
  static record(pairs: string[] | null): Readonly<Record<string, string>> {
    if (pairs === null) return NO_ATTRS;
    const r: Record<string, string> = {};
    for (let k = 0; k < pairs.length; k += 2) {
      const name = pairs[k]!;
      // An own property, not the prototype setter.
      if (name === '__proto__') Object.defineProperty(r, name, { value: pairs[k + 1], enumerable: true, writable: true, configurable: true });
      else r[name] = pairs[k + 1]!;
    }
    return r;
  }

  /** Adds an element to its parent when it opens: children come in document order. */
  #attach(stack: Frame[], el: XmlElement): void {
    if (this.isEntity) return;
    const parent = stack[stack.length - 1];
    if (parent === undefined) this.root = el;
    else if (parent.children === NO_CHILDREN) parent.children = [el];
    else (parent.children as XmlElement[]).push(el);
  }

  /** xmlParseEndTag2 at '</' for the innermost open element. */
  parseEndTag(stack: Frame[]): void {
    const s = this.s;
    const top = stack[stack.length - 1]!;
    this.i += 2;
    let matched: boolean;
    let got: string | null;
    const after = s.charCodeAt(this.i + top.name.length);
    if (s.startsWith(top.name, this.i) && (after === 0x3e || isBlank(after))) {
      this.i += top.name.length;
      matched = true;
      got = null;
    } else {
      got = this.parseName();
      const { prefix, local } = Ctx.splitQName(top.name);
      if (got !== null && prefix !== null) {
        const q = Ctx.splitQName(got);
        matched = q.prefix === prefix && q.local === local;
        got = q.local;
      } else {
        matched = got === top.name;
      }
    }
    this.skipBlanks();
    if (s.charCodeAt(this.i) !== 0x3e) this.fail("expected '>'");
    this.i++;
    if (!matched) {
      const line = this.#lines[stack.length - 1]!;
      this.fail(`Opening and ending tag mismatch: ${Ctx.splitQName(top.name).local} line ${line} and ${got ?? 'unparsable'}`);
    }
    stack.pop();
    const more = this.#more[stack.length];
    if (more !== undefined) {
      top.text += more.join('');
      this.#more[stack.length] = undefined;
    }
  }

  /** xmlParseXMLDecl at '<?xml' and a blank. */
  parseXMLDecl(): void {
    const s = this.s;
    this.i += 5;
    this.skipBlanks();
    const pseudo = (name: string, required: boolean): boolean => {
      if (!s.startsWith(name, this.i)) {
        if (required) this.fail('Malformed declaration expecting version');
        return false;
      }
      this.i += name.length;
      this.skipBlanks();
      if (s.charCodeAt(this.i) !== 0x3d) this.fail("expected '='");
      this.i++;
      this.skipBlanks();
      const q = s.charCodeAt(this.i);
      if (q !== 0x22 && q !== 0x27) this.fail('String not started expecting \' or "');
      const end = s.indexOf(s[this.i]!, this.i + 1);
      if (end === -1) this.fail('String not closed expecting " or \'');
      this.i = end + 1;
      return true;
    };
    pseudo('version', true);
    for (const name of ['encoding', 'standalone']) {
      const at = this.i;
      if (this.skipBlanks() === 0 || !pseudo(name, false)) {
        this.i = at;
        continue;
      }
      if (name === 'standalone') {
        const v = s.slice(at, this.i);
        if (!/(["'])(yes|no)\1$/.test(v)) {
          this.i = s.lastIndexOf(v.at(-1)!, this.i - 2) + 1;
          this.fail("standalone accepts only 'yes' or 'no'");
        }
      }
    }
    this.skipBlanks();
    if (!s.startsWith('?>', this.i)) this.fail("parsing XML declaration: '?>' expected");
    this.i += 2;
  }

  /** A quoted literal (SystemLiteral, PubidLiteral): its text. */
  #literal(missing: string): string {
    const s = this.s;
    const q = s.charCodeAt(this.i);
    if (q !== 0x22 && q !== 0x27) this.fail(missing);
    const end = s.indexOf(s[this.i]!, this.i + 1);
    if (end === -1) {
      this.i = this.n;
      this.fail('Unfinished System or Public ID " or \' expected');
    }
    const v = s.slice(this.i + 1, end);
    this.i = end + 1;
    return v;
  }

  /** xmlParseExternalID: true when one was there. */
  #externalId(): boolean {
    const s = this.s;
    if (s.startsWith('SYSTEM', this.i)) {
      this.i += 6;
      if (this.skipBlanks() === 0) this.fail("Space required after 'SYSTEM'");
      this.#literal('SystemLiteral " or \' expected');
      return true;
    }
    if (s.startsWith('PUBLIC', this.i)) {
      this.i += 6;
      if (this.skipBlanks() === 0) this.fail("Space required after 'PUBLIC'");
      this.#literal('PUBLIC, the Public Identifier is missing');
      this.skipBlanks();
      this.#literal('SystemLiteral " or \' expected');
      return true;
    }
    return false;
  }

  /** xmlParseDocTypeDecl at '<!DOCTYPE'. */
  parseDocTypeDecl(): void {
    const s = this.s;
    this.i += 9;
    this.skipBlanks();
    if (this.parseName('Name') === null) this.fail('xmlParseDocTypeDecl : no DOCTYPE name !');
    this.skipBlanks();
    if (this.#externalId()) this.doc.hasExternalSubset = true;
    this.skipBlanks();
    if (s.charCodeAt(this.i) === 0x5b) {
      this.i++;
      this.#internalSubset(this, false);
      this.i++;
      this.skipBlanks();
    }
    if (s.charCodeAt(this.i) !== 0x3e) this.fail('DOCTYPE improperly terminated');
    this.i++;
  }

  /** xmlParseInternalSubset up to its ']' (or, for a parameter entity's text, its end). */
  #internalSubset(at: Ctx, isPE: boolean): void {
    const s = at.s;
    for (;;) {
      at.skipBlanks();
      const c = s.charCodeAt(at.i);
      if (c === 0x5d && !isPE) return;
      if (Number.isNaN(c) && isPE) return;
      if (c === 0x25) {
        // A parameter entity reference between declarations: its text is more declarations.
        at.i++;
        const name = at.parseName('Name');
        if (name === null || s.charCodeAt(at.i) !== 0x3b) at.fail(name === null ? 'PEReference: no name' : "PEReference: expecting ';'");
        at.i++;
        const text = this.doc.params.get(name!);
        if (text === undefined && !this.doc.hasExternalSubset && !this.doc.hasPErefs) at.fail(`PEReference: %${name!}; not found`);
        this.doc.hasPErefs = true;
        if (text !== undefined && text !== null) {
          if (this.depth > 40) at.fail(LOOP);
          const sub = new Ctx(text, this.doc, this.depth + 2, true);
          sub.#internalSubset(sub, true);
        }
      } else if (s.startsWith('<!ENTITY', at.i)) {
        this.#entityDecl(at);
      } else if (s.startsWith('<!--', at.i)) {
        at.parseComment();
      } else if (s.startsWith('<?', at.i)) {
        at.parsePI();
      } else if (s.startsWith('<!ELEMENT', at.i) || s.startsWith('<!ATTLIST', at.i) || s.startsWith('<!NOTATION', at.i)) {
        // Declarations a non-validating parser without XML_PARSE_DTDATTR does not use.
        let k = at.i + 2;
        for (; k < at.n && s.charCodeAt(k) !== 0x3e; k++) {
          const q = s.charCodeAt(k);
          if (q === 0x22 || q === 0x27) {
            const end = s.indexOf(s[k]!, k + 1);
            if (end === -1) break;
            k = end;
          }
        }
        if (k >= at.n) {
          at.i = at.n;
          at.fail('internal error: xmlParseInternalSubset: error detected in Markup declaration\n');
        }
        at.i = k + 1;
      } else {
        if (!isPE && at.i >= at.n) at.fail('DOCTYPE improperly terminated');
        at.fail('internal error: xmlParseInternalSubset: error detected in Markup declaration\n');
      }
    }
  }

  /** xmlParseEntityDecl at '<!ENTITY'. */
  #entityDecl(at: Ctx): void {
    const s = at.s;
    at.i += 8;
    if (at.skipBlanks() === 0) at.fail("Space required after '<!ENTITY'");
    let isParam = false;
    if (s.charCodeAt(at.i) === 0x25) {
      at.i++;
      if (at.skipBlanks() === 0) at.fail("Space required after '%'");
      isParam = true;
    }
    const name = at.parseName('Name');
    if (name === null) at.fail('xmlParseEntityDecl: no name');
    if (at.skipBlanks() === 0) at.fail('Space required after the entity name');
    let content: string | null = null;
    let isUnparsed = false;
    const q = s.charCodeAt(at.i);
    if (q === 0x22 || q === 0x27) {
      content = this.#entityValue(at);
    } else if (at.#externalId()) {
      const b = at.skipBlanks();
      if (s.startsWith('NDATA', at.i)) {
        if (b === 0) at.fail("Space required before 'NDATA'");
        at.i += 5;
        at.skipBlanks();
        if (at.parseName('Name') === null) at.fail("Space required after 'NDATA'");
        isUnparsed = !isParam;
      }
    } else {
      at.fail('Entity value required');
    }
    at.skipBlanks();
    if (s.charCodeAt(at.i) !== 0x3e) at.fail('xmlParseEntityDecl: entity ' + name! + ' not terminated');
    at.i++;
    // The first declaration binds; predefined entities keep their meaning.
    if (isParam) {
      if (!this.doc.params.has(name!)) this.doc.params.set(name!, content);
    } else if (!this.doc.entities.has(name!) && !PREDEFINED.has(name!)) {
      this.doc.entities.set(name!, { name: name!, content, isUnparsed, checked: 0 });
    }
  }

  /** xmlParseEntityValue: the literal with character and parameter references replaced. */
  #entityValue(at: Ctx): string {
    const s = at.s;
    const quote = s[at.i]!;
    const end = s.indexOf(quote, at.i + 1);
    if (end === -1) {
      at.i = at.n;
      at.fail('EntityValue: " or \' expected');
    }
    let out = '';
    let k = at.i + 1;
    // xmlParseEntityValue reads the whole literal before it checks what is inside.
    const failAfter = (message: string): never => {
      at.i = end + 1;
      return at.fail(message);
    };
    while (k < end) {
      const amp = s.indexOf('&', k);
      const pct = s.indexOf('%', k);
      const next = Math.min(amp === -1 || amp > end ? end : amp, pct === -1 || pct > end ? end : pct);
      out += s.slice(k, next);
      if (next >= end) break;
      at.i = next;
      if (s.charCodeAt(next) === 0x25) {
        if (at === this) failAfter('PEReferences forbidden in internal subset');
        at.i++;
        const pn = at.parseName('Name');
        if (pn === null || s.charCodeAt(at.i) !== 0x3b) failAfter("PEReference: expecting ';'");
        at.i++;
        out += this.doc.params.get(pn!) ?? '';
      } else if (s.charCodeAt(next + 1) === 0x23) {
        out += at.parseCharRef();
      } else {
        // General references stay as written; their names must be well formed.
        at.i++;
        if (at.parseName('Name') === null || s.charCodeAt(at.i) !== 0x3b) failAfter("EntityValue: '&' forbidden except for entities references");
        at.i++;
        out += s.slice(next, at.i);
      }
      k = at.i;
    }
    at.i = end + 1;
    return normalizeEol(out);
  }
}

/**
 * Parses a whole document as libxml2 does and returns its root element, or
 * throws the first fatal error as an {@link XmlParseError} wrapped in Stop.
 */
function* parseDocument(text: string, sliceMs: number): Generator<void, XmlElement, void> {
  const doc: Doc = { entities: new Map(), params: new Map(), hasExternalSubset: false, hasPErefs: false, expanded: 0 };
  const cx = new Ctx(text, doc, 0, false);
  const s = text;
  if (cx.n === 0) cx.fail('Document is empty');
  // libxml2 takes a UTF-8 byte order mark as the encoding's signature.
  if (s.charCodeAt(0) === 0xfeff) cx.i = 1;
  if (s.startsWith('<?xml', cx.i) && isBlank(s.charCodeAt(cx.i + 5))) cx.parseXMLDecl();
  cx.parseMisc();
  if (s.startsWith('<!DOCTYPE', cx.i)) {
    cx.parseDocTypeDecl();
    cx.parseMisc();
  }
  if (s.charCodeAt(cx.i) !== 0x3c) cx.fail("Start tag expected, '<' not found");
  const stack: Frame[] = [];
  const slice = (): void => {
    cx.deadline = sliceMs === Infinity ? Infinity : performance.now() + sliceMs;
  };
  slice();
  // The root's own start tag may hold hundreds of thousands of attributes.
  for (let paused = cx.parseStartTag(stack); paused; paused = cx.resumeStartTag(stack)) {
    yield;
    slice();
  }
  while (stack.length > 0) {
    cx.parseContent(stack);
    if (stack.length === 0 && !cx.hasPendingTag) break;
    if (cx.i >= cx.n && !cx.hasPendingTag) cx.prematureEnd(stack);
    yield; // out of time: the caller decides when to go on
    slice();
  }
  cx.parseMisc();
  if (cx.i < cx.n) cx.fail('Extra content at the end of the document');
  return cx.root!;
}

/**
 * Parses `text` and returns its root element, or the first fatal error
 * libxml2 (2.9, as libvirt 9.0 uses it) reports for it.
 */
export function parseXmlDocument(text: string): { root: XmlElement } | { error: XmlParseError } {
  try {
    const steps = parseDocument(text, Infinity);
    for (;;) {
      const r = steps.next();
      if (r.done) return { root: r.value };
    }
  } catch (e) {
    if (e instanceof Stop) return { error: e.error };
    throw e;
  }
}

/**
 * parseXmlDocument in slices of about `sliceMs` of work (cut between
 * elements and text runs), letting the event loop run between them: a
 * daemon's other clients wait at most one slice for a 4 MiB document of a
 * million elements. The result is the same as parseXmlDocument's.
 */
export async function parseXmlDocumentSliced(text: string, sliceMs = 20): Promise<{ root: XmlElement } | { error: XmlParseError }> {
  try {
    const steps = parseDocument(text, sliceMs);
    for (;;) {
      const r = steps.next();
      if (r.done) return { root: r.value };
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch (e) {
    if (e instanceof Stop) return { error: e.error };
    throw e;
  }
}
