import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  formatURI, formatURIParams, getURIParam, parseURI, parseURIParams, splitURIScheme,
} from './parse-uri.js';
import type { ParsedURI, URIParam } from './types.js';

/**
 * One case of libvirt's tests/viruritest.c: what virURIParse must produce,
 * and what virURIFormat prints after the query is rebuilt from the params
 * (testURIParse does `uri->query = virURIFormatParams(uri)` first).
 */
interface Case {
  uri: string;
  out?: string;
  scheme: string;
  server: string;
  port: number;
  path: string | null;
  query: string | null;
  fragment: string | null;
  user: string | null;
  params: URIParam[];
}

function check(c: Case): void {
  const uri = parseURI(c.uri);
  assert.equal(uri.scheme, c.scheme);
  assert.equal(uri.server, c.server);
  assert.equal(uri.port, c.port);
  assert.equal(uri.path, c.path);
  assert.equal(uri.query, c.query);
  assert.equal(uri.fragment, c.fragment);
  assert.equal(uri.user, c.user);
  assert.deepEqual(uri.params, c.params);
  assert.equal(formatURI({ ...uri, query: formatURIParams(uri) }), c.out ?? c.uri);
}

const p = (name: string, value: string): URIParam => ({ name, value });

// TEST_PARSE(uri, scheme, server, port, path, query, fragment, user, params)
const parseCases: Case[] = [
  { uri: 'test://example.com', scheme: 'test', server: 'example.com', port: 0,
    path: null, query: null, fragment: null, user: null, params: [] },
  { uri: 'test://foo@example.com', scheme: 'test', server: 'example.com', port: 0,
    path: null, query: null, fragment: null, user: 'foo', params: [] },
  { uri: 'test://foo:pass@example.com', scheme: 'test', server: 'example.com', port: 0,
    path: null, query: null, fragment: null, user: 'foo:pass', params: [] },
  { uri: 'test://example.com:123', scheme: 'test', server: 'example.com', port: 123,
    path: null, query: null, fragment: null, user: null, params: [] },
  { uri: 'test://example.com:123/system?name=value#foo', scheme: 'test', server: 'example.com', port: 123,
    path: '/system', query: 'name=value', fragment: 'foo', user: null, params: [p('name', 'value')] },
  { uri: 'test://127.0.0.1:123/system', scheme: 'test', server: '127.0.0.1', port: 123,
    path: '/system', query: null, fragment: null, user: null, params: [] },
  { uri: 'test://[::1]:123/system', scheme: 'test', server: '::1', port: 123,
    path: '/system', query: null, fragment: null, user: null, params: [] },
  { uri: 'test://[2001:41c8:1:4fd4::2]:123/system', scheme: 'test', server: '2001:41c8:1:4fd4::2', port: 123,
    path: '/system', query: null, fragment: null, user: null, params: [] },
  { uri: 'gluster+rdma://example.com:1234/gv0/vol.img', scheme: 'gluster+rdma', server: 'example.com',
    port: 1234, path: '/gv0/vol.img', query: null, fragment: null, user: null, params: [] },
  // TEST_FULL: the value is re-escaped on output.
  { uri: 'spice://[3ffe::104]:5900/?tlsSubject=C=XX,L=Testtown,O=Test%20Company,CN=tester.test',
    out: 'spice://[3ffe::104]:5900/?tlsSubject=C%3DXX%2CL%3DTesttown%2CO%3DTest%20Company%2CCN%3Dtester.test',
    scheme: 'spice', server: '3ffe::104', port: 5900, path: '/',
    query: 'tlsSubject=C=XX,L=Testtown,O=Test%20Company,CN=tester.test', fragment: null, user: null,
    params: [p('tlsSubject', 'C=XX,L=Testtown,O=Test Company,CN=tester.test')] },
];

// TEST_PARAMS(query_in, query_out, params): "" for query_out means "same as input".
const paramCases: Array<[string, string, URIParam[]]> = [
  ['foo=one&bar=two', '', [p('foo', 'one'), p('bar', 'two')]],
  ['foo=one&foo=two', '', [p('foo', 'one'), p('foo', 'two')]],
  ['foo=one&&foo=two', 'foo=one&foo=two', [p('foo', 'one'), p('foo', 'two')]],
  ['foo=one;foo=two', 'foo=one&foo=two', [p('foo', 'one'), p('foo', 'two')]],
  ['foo=%26one&bar=%26two', '', [p('foo', '&one'), p('bar', '&two')]],
  ['foo', 'foo=', [p('foo', '')]],
  ['foo=', '', [p('foo', '')]],
  ['foo=&', 'foo=', [p('foo', '')]],
  ['foo=&&', 'foo=', [p('foo', '')]],
  ['foo=one%20two', '', [p('foo', 'one two')]],
  ['=bogus&foo=one', 'foo=one', [p('foo', 'one')]],
];

describe('libvirt tests/viruritest.c', () => {
  for (const c of parseCases) {
    test(`Test URI ${c.uri}`, () => check(c));
  }
  for (const [input, output, params] of paramCases) {
    const uri = `test://example.com/?${input}`;
    test(`Test URI ${uri}`, () => check({
      uri, out: output ? `test://example.com/?${output}` : uri,
      scheme: 'test', server: 'example.com', port: 0, path: '/', query: input,
      fragment: null, user: null, params,
    }));
  }
});

describe('parseURI', () => {
  test('local driver URIs have no server and port 0', () => {
    const uri = parseURI('qemu:///system');
    assert.deepEqual(uri, {
      scheme: 'qemu', server: null, user: null, port: 0, path: '/system', query: null,
      fragment: null, params: [], driver: 'qemu', transport: null,
    });
  });

  test('driver+transport is split and the transport lower-cased', () => {
    const uri = parseURI('qemu+SSH://root@host.example.com:2222/system?keyfile=/k&no_verify=1');
    assert.equal(uri.scheme, 'qemu+SSH');
    assert.equal(uri.driver, 'qemu');
    assert.equal(uri.transport, 'ssh');
    assert.equal(uri.user, 'root');
    assert.equal(uri.server, 'host.example.com');
    assert.equal(uri.port, 2222);
    assert.deepEqual(uri.params, [p('keyfile', '/k'), p('no_verify', '1')]);
  });

  test('a missing path is null, an empty query is ""', () => {
    assert.equal(parseURI('qemu://system').path, null);
    assert.equal(parseURI('test:///default?').query, '');
    assert.deepEqual(parseURI('test:///default?').params, []);
  });

  test('path, user and fragment are %-decoded; the query is kept raw', () => {
    const uri = parseURI('test://a%20b@h/x%2Fy?k=v%20w#f%21');
    assert.equal(uri.user, 'a b');
    assert.equal(uri.path, '/x/y');
    assert.equal(uri.query, 'k=v%20w');
    assert.equal(uri.fragment, 'f!');
    assert.deepEqual(uri.params, [p('k', 'v w')]);
  });

  test('an IPv6 literal without a port', () => {
    const uri = parseURI('qemu+ssh://[fe80::1]/system');
    assert.equal(uri.server, 'fe80::1');
    assert.equal(uri.port, 0);
    assert.equal(formatURI(uri), 'qemu+ssh://[fe80::1]/system');
  });

  test('a bracketed name without a colon keeps its brackets', () => {
    assert.equal(parseURI('test://[v1.x]/').server, '[v1.x]');
  });

  test('scheme-less strings parse as relative references', () => {
    assert.deepEqual(
      [parseURI('hail').scheme, parseURI('hail').path],
      [null, 'hail']);
    const xend = parseURI('///var/run/xend/xend-socket');
    assert.equal(xend.scheme, null);
    assert.equal(xend.server, null);
    assert.equal(xend.path, '/var/run/xend/xend-socket');
  });

  test('opaque-looking forms are paths (test:/file, remote:unix:/x)', () => {
    assert.equal(parseURI('test:/tmp/node.xml').path, '/tmp/node.xml');
    assert.equal(parseURI('remote:unix:/var/run/sock').path, 'unix:/var/run/sock');
  });

  test('the empty string is a valid, empty reference', () => {
    const uri = parseURI('');
    assert.equal(uri.scheme, null);
    assert.equal(uri.path, null);
  });

  for (const bad of [
    'test:///path with space', 'test://host:/x', 'test://host:abc/', 'test://[::1/x',
    'test://host:99999999999/', 'qemu:///système', 'test:///a#b#c', 'test:///a\\b', 'xen://x y',
  ]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseURI(bad), (err: unknown) => {
        assert.ok(err instanceof VirtError);
        assert.equal(err.code, ErrorCode.INTERNAL_ERROR);
        assert.equal(err.domain, ErrorDomain.URI);
        assert.equal(err.message, `internal error: Unable to parse URI ${bad}`);
        return true;
      });
    });
  }

  test('ports above 65535 are accepted, as libxml2 does', () => {
    assert.equal(parseURI('test://h:70000/').port, 70000);
  });

  test('a %00 ends a decoded component, as a C string would', () => {
    assert.equal(parseURI('test:///ab%00cd').path, '/ab');
  });
});

describe('parseURIParams (virURIParseParams)', () => {
  test("';' only separates when no '&' follows", () => {
    assert.deepEqual(parseURIParams('a=1;b=2&c=3'), [p('a', '1;b=2'), p('c', '3')]);
    assert.deepEqual(parseURIParams('a=1&b=2;c=3'), [p('a', '1'), p('b', '2'), p('c', '3')]);
  });

  test("'+' is not a space and bad escapes stay as they are", () => {
    assert.deepEqual(parseURIParams('q=a+b%2x%'), [p('q', 'a+b%2x%')]);
  });

  test('names are decoded too; only the first = splits', () => {
    assert.deepEqual(parseURIParams('na%6De=x=y'), [p('name', 'x=y')]);
  });

  test('a lone "=" section is dropped', () => {
    assert.deepEqual(parseURIParams('=&foo=one'), [p('foo', 'one')]);
  });

  test('UTF-8 escapes decode to characters', () => {
    assert.deepEqual(parseURIParams('n=caf%C3%A9'), [p('n', 'café')]);
  });

  test('null and empty give no parameters', () => {
    assert.deepEqual(parseURIParams(null), []);
    assert.deepEqual(parseURIParams(''), []);
  });
});

describe('formatURI (virURIFormat)', () => {
  const base: ParsedURI = {
    scheme: 'qemu', server: null, user: null, port: 0, path: '/system', query: null,
    fragment: null, params: [], driver: 'qemu', transport: null,
  };

  test('a URI without server keeps the three slashes', () => {
    assert.equal(formatURI(base), 'qemu:///system');
    assert.equal(formatURI(parseURI('test:/tmp/x.xml')), 'test:///tmp/x.xml');
  });

  test('IPv6 servers get their brackets back', () => {
    assert.equal(formatURI({ ...base, scheme: 'qemu+tls', server: '::1', port: 16514 }),
      'qemu+tls://[::1]:16514/system');
  });

  test('escapes path, user and fragment the way xmlSaveUri does', () => {
    assert.equal(formatURI({ ...base, user: 'a b@c', server: 'h', path: '/a b:c;d', fragment: 'x y[1]' }),
      'qemu://a%20b%40c@h/a%20b%3Ac;d#x%20y[1]');
  });

  test('non-ASCII text is escaped as UTF-8 bytes', () => {
    assert.equal(formatURI({ ...base, path: '/café' }), 'qemu:///caf%C3%A9');
  });

  test('the raw query is written verbatim', () => {
    assert.equal(formatURI({ ...base, query: 'a=b c' }), 'qemu:///system?a=b c');
  });

  test('a file:///d: drive letter keeps its colon', () => {
    assert.equal(formatURI({ ...base, scheme: 'file', path: '/c:/x:y' }), 'file:///c:/x%3Ay');
  });

  test('getURI-style round trips of common URIs', () => {
    for (const text of [
      'test:///default', 'qemu+ssh://root@example.com/system?keyfile=/root/.ssh/id',
      'qemu+tcp://h:16509/session', 'esx://vc.example.com/?no_verify=1', 'xen:///system',
    ]) {
      assert.equal(formatURI(parseURI(text)), text);
    }
  });
});

describe('formatURIParams (virURIFormatParams)', () => {
  test('skips ignored parameters and escapes values only', () => {
    assert.equal(formatURIParams({ params: [
      { name: 'socket', value: '/run/x sock', ignore: true },
      { name: 'name', value: 'qemu:///system' },
      { name: 'x', value: 'a~b.c-d_e' },
    ] }), 'name=qemu%3A%2F%2F%2Fsystem&x=a~b.c-d_e');
  });

  test('returns null when nothing is left', () => {
    assert.equal(formatURIParams({ params: [] }), null);
    assert.equal(formatURIParams({ params: [{ name: 'a', value: 'b', ignore: true }] }), null);
  });
});

describe('getURIParam (virURIGetParam)', () => {
  test('finds the first match case-insensitively', () => {
    assert.equal(getURIParam(parseURI('qemu:///embed?ROOT=/a&root=/b'), 'root'), '/a');
  });

  test('reports a missing parameter', () => {
    assert.throws(() => getURIParam(parseURI('qemu:///embed'), 'root'), {
      code: ErrorCode.INVALID_ARG, domain: ErrorDomain.URI,
      message: "invalid argument: Missing URI parameter 'root'",
    });
  });
});

describe('splitURIScheme (remoteSplitURIScheme)', () => {
  test('defaults to tls with a server and unix without', () => {
    assert.deepEqual(splitURIScheme(parseURI('qemu://host/system')), { driver: 'qemu', transport: 'tls' });
    assert.deepEqual(splitURIScheme(parseURI('qemu:///system')), { driver: 'qemu', transport: 'unix' });
  });

  test('takes the explicit transport, any case', () => {
    assert.deepEqual(splitURIScheme(parseURI('test+LibSSH://h/default')), { driver: 'test', transport: 'libssh' });
  });

  test('rejects unknown transports', () => {
    assert.throws(() => splitURIScheme(parseURI('qemu+ftp://h/system')), {
      code: ErrorCode.INVALID_ARG, domain: ErrorDomain.REMOTE,
      message: 'invalid argument: remote_open: transport in URL not recognised ' +
        '(should be tls|unix|ssh|ext|tcp|libssh2|libssh)',
    });
  });

  test('rejects unix with a server', () => {
    assert.throws(() => splitURIScheme(parseURI('qemu+unix://h/system')), {
      message: "invalid argument: using unix socket and remote server 'h' is not supported.",
    });
  });
});
