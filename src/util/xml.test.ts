import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorDomain, isVirtError } from '../errors.js';
import { formatParseError, parseXml, wellFormednessError } from './xml.js';

/**
 * What libvirt 9.0 (over libxml2 2.9.14) said for each document given to
 * virDomainCreateXML on test:///default: VIR_ERR_XML_DETAIL from
 * VIR_FROM_DOMAIN, "(domain_definition)" followed by the rest shown here.
 */
const LIBVIRT: Array<[string, string]> = [
  ["", ":1: Document is empty\n(null)\n^"],
  [" ", ":1: Start tag expected, '<' not found\n \n-^"],
  ["   \n", ":2: Start tag expected, '<' not found\n(null)\n^"],
  ["\n", ":2: Start tag expected, '<' not found\n(null)\n^"],
  ["hello", ":1: Start tag expected, '<' not found\nhello\n^"],
  ["  hello", ":1: Start tag expected, '<' not found\n  hello\n--^"],
  ["\nhello", ":2: Start tag expected, '<' not found\nhello\n^"],
  ["<domain>", ":1: Premature end of data in tag domain line 1\n<domain>\n--------^"],
  ["<domain", ":1: Couldn't find end of Start Tag domain line 1\n<domain\n-------^"],
  ["<domain\n", ":2: Couldn't find end of Start Tag domain line 1\n(null)\n^"],
  ["<domain ", ":1: Couldn't find end of Start Tag domain line 1\n<domain \n--------^"],
  ["<domain a", ":1: Specification mandates value for attribute a\n<domain a\n---------^"],
  ["<domain a=", ":1: AttValue: \" or ' expected\n<domain a=\n----------^"],
  ["<domain a='1'", ":1: attributes construct error\n<domain a='1'\n-------------^"],
  ["<domain a='1'/", ":1: attributes construct error\n<domain a='1'/\n-------------^"],
  ["<domain/>junk", ":1: Extra content at the end of the document\n<domain/>junk\n---------^"],
  ["<domain/><x/>", ":1: Extra content at the end of the document\n<domain/><x/>\n---------^"],
  ["<domain/>\n<!-- c -->\nx", ":3: Extra content at the end of the document\nx\n^"],
  ["<domain><name>x</nam></domain>", ":1: Opening and ending tag mismatch: name line 1 and nam\n<domain><name>x</nam></domain>\n---------------------^"],
  ["<domain><name>x</name >", ":1: Premature end of data in tag domain line 1\n<domain><name>x</name >\n-----------------------^"],
  ["<domain><name>x</name", ":1: expected '>'\n<domain><name>x</name\n---------------------^"],
  ["<domain><name>x</", ":1: expected '>'\n<domain><name>x</\n-----------------^"],
  ["<domain><name>x<", ":1: StartTag: invalid element name\n<domain><name>x<\n----------------^"],
  ["<domain><name>x", ":1: Premature end of data in tag name line 1\n<domain><name>x\n---------------^"],
  ["<a><b></a>", ":1: Opening and ending tag mismatch: b line 1 and a\n<a><b></a>\n----------^"],
  ["<a><b/></b>", ":1: Opening and ending tag mismatch: a line 1 and b\n<a><b/></b>\n-----------^"],
  ["<a></ a>", ":1: expected '>'\n<a></ a>\n------^"],
  ["<a></>", ":1: Opening and ending tag mismatch: a line 1 and unparsable\n<a></>\n------^"],
  ["<a></1>", ":1: expected '>'\n<a></1>\n-----^"],
  ["<a></a x>", ":1: expected '>'\n<a></a x>\n-------^"],
  ["<a></ax>", ":1: Opening and ending tag mismatch: a line 1 and ax\n<a></ax>\n--------^"],
  ["<a>\n</a\nb>", ":3: expected '>'\nb>\n^"],
  ["<a x=\"1\" x=\"2\"/>", ":1: Attribute x redefined\n<a x=\"1\" x=\"2\"/>\n--------------^"],
  ["<a x=\"1\" x=\"2\"  />", ":1: Attribute x redefined\n<a x=\"1\" x=\"2\"  />\n----------------^"],
  ["<a x=\"1\" x=\"2\" y>", ":1: Specification mandates value for attribute y\n<a x=\"1\" x=\"2\" y>\n----------------^"],
  ["<a x=\"1\"y=\"2\"/>", ":1: attributes construct error\n<a x=\"1\"y=\"2\"/>\n--------^"],
  ["<a x/>", ":1: Specification mandates value for attribute x\n<a x/>\n----^"],
  ["<a x />", ":1: Specification mandates value for attribute x\n<a x />\n-----^"],
  ["<a x= />", ":1: AttValue: \" or ' expected\n<a x= />\n------^"],
  ["<a x='1' =2/>", ":1: error parsing attribute name\n<a x='1' =2/>\n---------^"],
  ["<a =1/>", ":1: error parsing attribute name\n<a =1/>\n---^"],
  ["<a b=\"1>", ":1: AttValue: ' expected\n<a b=\"1>\n--------^"],
  ["<a b=\"1<c/>\">", ":1: Unescaped '<' not allowed in attributes values\n<a b=\"1<c/>\">\n-------^"],
  ["<a b='x&foo;y'/>", ":1: Entity 'foo' not defined\n<a b='x&foo;y'/>\n------------^"],
  ["<a b='x&y'/>", ":1: EntityRef: expecting ';'\n<a b='x&y'/>\n---------^"],
  ["<a b='&#xZZ;'/>", ":1: CharRef: invalid hexadecimal value\n<a b='&#xZZ;'/>\n---------^"],
  ["<a>&foo;</a>", ":1: Entity 'foo' not defined\n<a>&foo;</a>\n--------^"],
  ["<a>& b</a>", ":1: xmlParseEntityRef: no name\n<a>& b</a>\n----^"],
  ["<a>&b c;</a>", ":1: EntityRef: expecting ';'\n<a>&b c;</a>\n-----^"],
  ["<a>&#;</a>", ":1: xmlParseCharRef: invalid xmlChar value 0\n<a>&#;</a>\n------^"],
  ["<a>&#xZ;</a>", ":1: CharRef: invalid hexadecimal value\n<a>&#xZ;</a>\n------^"],
  ["<a>&#0;</a>", ":1: xmlParseCharRef: invalid xmlChar value 0\n<a>&#0;</a>\n-------^"],
  ["<a>]]></a>", ":1: Sequence ']]>' not allowed in content\n<a>]]></a>\n---^"],
  ["<a><![CDATA[x</a>", ":1: CData section not finished\nx</\n<a><![CDATA[x</a>\n-----------------^"],
  ["<a><!-- c </a>", ":1: Comment not terminated\n<a><!-- c </a>\n--------------^"],
  ["<a><!-- c -- d --></a>", ":1: Double hyphen within comment: <!-- c \n<a><!-- c -- d --></a>\n----------^"],
  ["<a><? p ?></a>", ":1: xmlParsePI : no target name\n<a><? p ?></a>\n-----^"],
  ["<?xml version=\"1.0\"?>\n<domain", ":2: Couldn't find end of Start Tag domain line 2\n<domain\n-------^"],
  ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\n", ":3: Premature end of data in tag a line 2\n(null)\n^"],
  ["<1a/>", ":1: StartTag: invalid element name\n<1a/>\n-^"],
  ["< a/>", ":1: StartTag: invalid element name\n< a/>\n-^"],
  ["<a><1b/></a>", ":1: StartTag: invalid element name\n<a><1b/></a>\n----^"],
  ["<a><!x/></a>", ":1: StartTag: invalid element name\n<a><!x/></a>\n----^"],
  ["<a>\n\t<b>\n</a>", ":3: Opening and ending tag mismatch: b line 2 and a\n</a>\n----^"],
  ["<a>\n<b>\ttext</c>\n</a>", ":2: Opening and ending tag mismatch: b line 2 and c\n<b>\ttext</c>\n---\t--------^"],
  ["<a></a>\n\n  x", ":3: Extra content at the end of the document\n  x\n--^"],
  ["<a>\n  <b>\n    <c>\n", ":4: Premature end of data in tag c line 3\n(null)\n^"],
  ["<a>\n  <b>\n    <c>", ":3: Premature end of data in tag c line 3\n    <c>\n-------^"],
  ["<a>\n  <b>\n    <c>\n  </b>\n</a>\n", ":4: Opening and ending tag mismatch: c line 3 and b\n  </b>\n------^"],
  ["<café>x</cafe>", ":1: Opening and ending tag mismatch: café line 1 and cafe\n<café>x</cafe>\n---------------^"],
  ["<a>é<b></a>", ":1: Opening and ending tag mismatch: b line 1 and a\n<a>é<b></a>\n------------^"],
  ["<a>\n  é<b>\n</a>", ":3: Opening and ending tag mismatch: b line 2 and a\n</a>\n----^"],
  ["<x:a></x:b>", ":1: Opening and ending tag mismatch: a line 1 and b\n<x:a></x:b>\n-----------^"],
  ["<x:a></y:a>", ":1: Opening and ending tag mismatch: a line 1 and a\n<x:a></y:a>\n-----------^"],
  ["<a></x:a>", ":1: Opening and ending tag mismatch: a line 1 and x:a\n<a></x:a>\n---------^"],
  ["<x:a>", ":1: Premature end of data in tag a line 1\n<x:a>\n-----^"],
  ["<a>\x01</a>", ":1: PCDATA invalid Char value 1\n<a>\x01</a>\n---^"],
  ["<a>\r\n<b></a>", ":2: Opening and ending tag mismatch: b line 2 and a\n<b></a>\n-------^"],
  ["<domain type='test'><name>x</name><memory>1024", ":1: Premature end of data in tag memory line 1\n<domain type='test'><name>x</name><memory>1024\n----------------------------------------------^"],
  ["<a/>\n<b/>", ":2: Extra content at the end of the document\n<b/>\n^"],
  ["<a/> <!-- x", ":1: Comment not terminated\n<a/> <!-- x\n-----------^"],
  ["<a/><?pi", ":1: ParsePI: PI pi space expected\n<a/><?pi\n--------^"],
  ["<a>\n", ":2: Premature end of data in tag a line 1\n(null)\n^"],
  ["<a b=\"c\"\n", ":2: Couldn't find end of Start Tag a line 1\n(null)\n^"],
  ["<a\n  b=\"c\"\n  d", ":3: Specification mandates value for attribute d\n  d\n---^"],
  ["<a><!-- é x", ":1: Comment not terminated \n<!-- é\n<a><!-- é x\n------------^"],
  ["<a><!-- é -- x --></a>", ":1: Comment must not contain '--' (double-hyphen)\n<a><!-- é -- x --></a>\n-------------^"],
  ["<a><!---- x --></a>", ":1: Double hyphen within comment\n<a><!---- x --></a>\n-------^"],
  ["<a><![CDATA[", ":1: Unregistered error message\n<a><![CDATA[\n------------^"],
  ["<a><![CDATA[ ", ":1: Unregistered error message\n<a><![CDATA[ \n-------------^"],
  ["<a><![CDATA[abc", ":1: CData section not finished\na\n<a><![CDATA[abc\n---------------^"],
  ["<a><![CDATA[x]]></a>\n<b/>", ":2: Extra content at the end of the document\n<b/>\n^"],
  ["<a>x\ny ]]></a>", ":2: Sequence ']]>' not allowed in content\n<a>x\n---^"],
  ["<a>é\n ]]></a>", ":2: Sequence ']]>' not allowed in content\n ]]></a>\n-^"],
  ["<a><?pi x", ":1: ParsePI: PI pi never end ...\n<a><?pi x\n---------^"],
  ["<a><?pi x?></a><?xml version=\"1.0\"?>", ":1: XML declaration allowed only at the start of the document\n<a><?pi x?></a><?xml version=\"1.0\"?>\n--------------------^"],
  ["<a>\r\nz ]]></a>", ":2: Sequence ']]>' not allowed in content\n<a>\n---^"],
  ["<a b=\"\x01\"/>", ":1: invalid character in attribute value\n<a b=\"\x01\"/>\n------^"],
  ["<a>&#x110000;</a>", ":1: xmlParseCharRef: character reference out of bounds\n<a>&#x110000;</a>\n-------------^"],
  ["<a>&#12</a>", ":1: CharRef: invalid decimal value\n<a>&#12</a>\n-------^"],
  ["<a/", ":1: error parsing attribute name\n<a/\n--^"],
  ["<a:b></a:c>", ":1: Opening and ending tag mismatch: b line 1 and c\n<a:b></a:c>\n-----------^"],
  // Repeated attributes: namespace declarations are caught as they are read,
  // other names once the whole tag is read; the message names the QName.
  ["<domain type='test' xmlns:a='u' xmlns:a='v'   b='1'><name>x</name></domain>", ":1: Attribute xmlns:a redefined\n<domain type='test' xmlns:a='u' xmlns:a='v'   b='1'><name>x</name></domain>\n-------------------------------------------^"],
  ["<domain type='test' xmlns:a='u' xmlns:a='v' b><name>x</name></domain>", ":1: Attribute xmlns:a redefined\n<domain type='test' xmlns:a='u' xmlns:a='v' b><name>x</name></domain>\n-------------------------------------------^"],
  ["<domain type='test' xmlns='u' xmlns='v'   b='1'><name>x</name></domain>", ":1: Attribute xmlns redefined\n<domain type='test' xmlns='u' xmlns='v'   b='1'><name>x</name></domain>\n---------------------------------------^"],
  ["<domain type='test' c='1' c='2' xmlns:a='u' xmlns:a='v'   b='1'><name>x</name></domain>", ":1: Attribute xmlns:a redefined\n<domain type='test' c='1' c='2' xmlns:a='u' xmlns:a='v'   b='1'><name>x</name></domain>\n-------------------------------------------------------^"],
  ["<domain type='test' xmlns:a='u' a:x='1' a:x='2'><name>x</name></domain>", ":1: Attribute a:x redefined\n<domain type='test' xmlns:a='u' a:x='1' a:x='2'><name>x</name></domain>\n-----------------------------------------------^"],
];

describe('malformed XML is worded as libvirt words libxml2\'s first fatal error', () => {
  for (const [xml, rest] of LIBVIRT) {
    test(JSON.stringify(xml), () => {
      assert.throws(() => parseXml(xml, '(domain_definition)', ErrorDomain.DOMAIN), (e: unknown) => {
        assert.ok(isVirtError(e));
        assert.equal(e.code, 35);
        assert.equal(e.domain, ErrorDomain.DOMAIN);
        assert.equal(e.message, `(domain_definition)${rest}`);
        return true;
      });
    });
  }
});

test('well-formed documents pass, whatever libvirt thinks of their content', () => {
  for (const xml of ['<a/>', '  <a/>  ', '<?xml version="1.0"?>\n<a>\n</a>\n', '<!-- c --><a x="1" y=\'2\'/><!-- d -->',
    '<a>&amp;&lt;&gt;&apos;&quot;&#65;&#x42;</a>', '<a><![CDATA[ <b> ]]></a>', '<a><?pi data?></a>', '<x:a></x:a>',
    '<café>é\ttext</café>', '<a>\r\n<b/>\r\n</a>', '<a b="&#x10000;x"/>', '<a>x\u{10000}y</a>', '<a>]]</a>', '<a>]></a>']) {
    assert.equal(wellFormednessError(xml), null, xml);
    assert.equal(parseXml(xml).name.length > 0, true);
  }
});

test('the error domain is the caller\'s: XML by default', () => {
  assert.throws(() => parseXml('<a>'), (e: unknown) => isVirtError(e) && e.domain === ErrorDomain.XML
    && e.message === '(string):1: Premature end of data in tag a line 1\n<a>\n---^');
  assert.throws(() => parseXml('<a>', '/h.xml', ErrorDomain.TEST), (e: unknown) => isVirtError(e) && e.domain === ErrorDomain.TEST);
});

test('a DOCTYPE is left to the fallback parser', () => {
  assert.equal(wellFormednessError('<!DOCTYPE a><a>'), null);
  assert.throws(() => parseXml('<!DOCTYPE a><a>'), (e: unknown) => isVirtError(e) && e.code === 35);
});

test('the caret counts bytes and keeps tabs; an empty line is "(null)"', () => {
  assert.equal(formatParseError('f', '\té<b>', { pos: 4, message: 'm' }), 'f:1: m\n\té<b>\n\t----^');
  assert.equal(formatParseError('f', 'a\n', { pos: 2, message: 'm' }), 'f:2: m\n(null)\n^');
  assert.equal(formatParseError('f', 'ab\ncd', { pos: 1, message: 'm', line: 2 }), 'f:2: m\nab\n-^');
});

test('a syntax error in a 1 MiB line quotes the whole line, as libvirt\'s catchXMLError does for a string', () => {
  // virsh -c test:///default define of these documents (libvirt 9.0, libxml2
  // 2.9.14) printed the whole line and a caret line as long as the column:
  // catchXMLError walks from the error back to the line start and forward to
  // the line end with no limit (the ~80 characters of xmllint's context come
  // from libxml2's own xmlParserPrintFileContext, which libvirt replaces).
  const pad = 'x'.repeat(512 * 1024);
  const head = "<domain type='test'><name>t</name><description>";
  const mid = `${head}${pad}<1bad/>${pad}</description></domain>`;
  assert.throws(() => parseXml(mid, '(domain_definition)', ErrorDomain.DOMAIN), (e: unknown) => isVirtError(e)
    && e.message === `(domain_definition):1: StartTag: invalid element name\n${mid}\n${'-'.repeat(head.length + pad.length + 1)}^`);
  const end = `${head}${'x'.repeat(1024 * 1024)}</description></domain`;
  assert.throws(() => parseXml(end, '(domain_definition)', ErrorDomain.DOMAIN), (e: unknown) => isVirtError(e)
    && e.message === `(domain_definition):1: expected '>'\n${end}\n${'-'.repeat(end.length)}^`);
});

/** Median time of `runs` parses of `xml`, in ms. */
function timeParse(xml: string, runs = 5): number {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    try {
      parseXml(xml);
    } catch {
      // errors are timed too
    }
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Parse time grows linearly: 4× the input takes well under 16× (quadratic) the time. */
function assertLinear(make: (n: number) => string, n: number): void {
  timeParse(make(n), 2); // warm up
  const small = timeParse(make(n));
  const large = timeParse(make(4 * n));
  assert.ok(large / Math.max(small, 0.5) < 8, `×4 input took ${(large / small).toFixed(1)}× the time (${small.toFixed(1)} → ${large.toFixed(1)} ms)`);
}

test('many attributes on one element parse in linear time (duplicate check by Set)', () => {
  assertLinear((n) => `<a ${Array.from({ length: n }, (_, k) => `a${k}='v'`).join(' ')}/>`, 10_000);
  assertLinear((n) => `<a ${Array.from({ length: n }, (_, k) => `a${k}='v'`).join(' ')} a0='w'/>`, 10_000);
});
