import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  formatConf, getBool, getInt, getString, getStringList, getUInt, getValue, parseConf, type Conf,
} from './conf.js';

const FILE = '/etc/libvirt/libvirt.conf';

/** The libvirt.conf libvirt ships, verbatim. */
const SHIPPED = `#
# This can be used to setup URI aliases for frequently
# used connection URIs. Aliases may contain only the
# characters  a-Z, 0-9, _, -.
#
# Following the '=' may be any valid libvirt connection
# URI, including arbitrary parameters

#uri_aliases = [
#  "hail=qemu+ssh://root@hail.cloud.example.com/system",
#  "sleet=qemu+ssh://root@sleet.cloud.example.com/system",
#]

#
# These can be used in cases when no URI is supplied by the application
# (@uri_default also prevents probing of the hypervisor driver).
#
#uri_default = "qemu:///system"
`;

/** Asserts that parsing fails with libvirt's message for `line: info`. */
function syntaxError(text: string, line: number, info: string): void {
  assert.throws(() => parseConf(text, FILE), (err: unknown) => {
    assert.ok(err instanceof VirtError);
    assert.equal(err.code, ErrorCode.CONF_SYNTAX);
    assert.equal(err.domain, ErrorDomain.CONF);
    assert.equal(err.message, `configuration file syntax error: ${FILE}:${line}: ${info}`);
    return true;
  });
}

describe('parseConf: accepted syntax', () => {
  test('the shipped libvirt.conf is all comments', () => {
    const conf = parseConf(SHIPPED, FILE);
    assert.equal(conf.filename, FILE);
    assert.equal(conf.entries.length, 16);
    assert.ok(conf.entries.every((e) => e.name === null && e.value === null));
    assert.equal(conf.entries[8]!.comment, '  "hail=qemu+ssh://root@hail.cloud.example.com/system",');
    assert.equal(getValue(conf, 'uri_aliases'), null);
  });

  test('the shipped file with its settings enabled', () => {
    const enabled = SHIPPED.replace(/^#(uri_|  "|\])/gm, '$1');
    const conf = parseConf(enabled, FILE);
    assert.deepEqual(getStringList(conf, 'uri_aliases'), [
      'hail=qemu+ssh://root@hail.cloud.example.com/system',
      'sleet=qemu+ssh://root@sleet.cloud.example.com/system',
    ]);
    assert.equal(getString(conf, 'uri_default'), 'qemu:///system');
  });

  test('strings in both quotes, no escapes', () => {
    const conf = parseConf(`a = "it's"\nb = 'say "hi"'\nc = "back\\slash"\nd = ""`, FILE);
    assert.equal(getString(conf, 'a'), "it's");
    assert.equal(getString(conf, 'b'), 'say "hi"');
    assert.equal(getString(conf, 'c'), 'back\\slash');
    assert.equal(getString(conf, 'd'), '');
  });

  test('triple-quoted strings span lines', () => {
    const conf = parseConf('a = """line 1\nline "2"\n"""\nb = 1', FILE);
    assert.equal(getString(conf, 'a'), 'line 1\nline "2"\n');
    assert.equal(getInt(conf, 'b'), 1);
  });

  test('integers keep their sign type', () => {
    const conf = parseConf('a = 42\nb = -7\nc = +3\nd = 0', FILE);
    assert.deepEqual(conf.entries.map((e) => e.value), [
      { type: 'ullong', value: 42n }, { type: 'llong', value: -7n },
      { type: 'ullong', value: 3n }, { type: 'ullong', value: 0n },
    ]);
  });

  test('lists: multi-line, nested, mixed, trailing comma, empty', () => {
    const conf = parseConf('x = [ [ "a" ], 2, -3, ]\ny = [\n\n]\nz = [\n  "a",\n  "b"\n]', FILE);
    assert.deepEqual(getValue(conf, 'x'), { type: 'list', value: [
      { type: 'list', value: [{ type: 'string', value: 'a' }] },
      { type: 'ullong', value: 2n }, { type: 'llong', value: -3n },
    ] });
    assert.deepEqual(getStringList(conf, 'y'), []);
    assert.deepEqual(getStringList(conf, 'z'), ['a', 'b']);
  });

  test('comments, trailing comments, blanks, tabs and ; separators', () => {
    const conf = parseConf('# c\n  # d\n\tx=1 # t\n\n a = 1; b = "2" ;c=3\n', FILE);
    assert.deepEqual(conf.entries, [
      { name: null, value: null, comment: ' c' },
      { name: null, value: null, comment: ' d' },
      { name: 'x', value: { type: 'ullong', value: 1n }, comment: ' t' },
      { name: 'a', value: { type: 'ullong', value: 1n }, comment: null },
      { name: 'b', value: { type: 'string', value: '2' }, comment: null },
      { name: 'c', value: { type: 'ullong', value: 3n }, comment: null },
    ]);
  });

  test('CRLF line ends and a missing final newline', () => {
    const conf = parseConf('a = [\r\n1,\r\n2\r\n]\r\nb = "x"', FILE);
    assert.equal(getValue(conf, 'a')?.type, 'list');
    assert.equal(getString(conf, 'b'), 'x');
  });

  test('names: letters, digits, underscores', () => {
    assert.equal(getInt(parseConf('max_clients_2 = 5', FILE), 'max_clients_2'), 5);
  });

  test('the first of duplicate settings wins', () => {
    assert.equal(getString(parseConf('a = "first"\na = "second"', FILE), 'a'), 'first');
  });

  test('an empty file has no entries', () => {
    assert.deepEqual(parseConf('', FILE).entries, []);
  });

  test('overflowing numbers wrap like a C long long', () => {
    const conf = parseConf('a = 18446744073709551615\nb = 9223372036854775808', FILE);
    assert.deepEqual(getValue(conf, 'a'), { type: 'ullong', value: -1n });
    assert.throws(() => getUInt(conf, 'a'), /must be in range 0:4294967295/);
    assert.deepEqual(getValue(conf, 'b'), { type: 'ullong', value: -9223372036854775808n });
  });
});

// Each message and line number below was checked against libvirt 9.0
// (virsh reading these files as $XDG_CONFIG_HOME/libvirt/libvirt.conf).
describe('parseConf: syntax errors like virConfError', () => {
  test('a file of blank lines only: "expecting a name" on the last line', () => {
    syntaxError('\n\n', 3, 'expecting a name');
    syntaxError('   ', 1, 'expecting a name');
    syntaxError('x = 1\n\n\n   \n\ny', 6, 'expecting an assignment');
  });

  test('missing value', () => {
    syntaxError('a = 1\nb = \nc=2', 2, 'expecting a value');
    syntaxError('a =', 1, 'expecting a value');
    syntaxError('x == 1', 1, 'expecting a value');
  });

  test('unterminated strings', () => {
    syntaxError('a = 1\n\n\nb = "x', 4, 'unterminated string');
    syntaxError("x = 'abc", 1, 'unterminated string');
    syntaxError('x = "abc\ndef"', 1, 'unterminated string');
    // The scan for the closing quotes stops two characters short of the
    // end, so the last newlines are not counted.
    syntaxError('a = """x\n\n\n', 2, 'unterminated string');
    syntaxError('a = """x\n\n', 1, 'expecting a separator');
  });

  test('"""""" at the very end is read as "" followed by junk, as in libvirt', () => {
    syntaxError('a = """"""', 1, 'expecting a separator');
    assert.equal(getString(parseConf('a = """""" ', FILE), 'a'), '');
  });

  test('lists', () => {
    syntaxError('uri_aliases = ["hail=test:///default",', 1, 'expecting a value');
    syntaxError('uri_aliases = ["hail=test:///default" "x"]', 1, 'expecting a separator in list');
    syntaxError('a = [ 1, # c\n ]', 1, 'expecting a value');
    syntaxError('x = [', 1, 'list is not closed with ]');
    syntaxError('x = [ 1', 1, 'list is not closed with ]');
    syntaxError('x = [ 1,\n\n', 3, 'expecting a value');
  });

  test('statements', () => {
    syntaxError('a = 1 b = 2', 1, 'expecting a separator');
    syntaxError('1a = 1', 1, 'expecting a name');
    syntaxError('x 1', 1, 'expecting an assignment');
    syntaxError('a\r= 1', 1, 'expecting an assignment');
    syntaxError('x = 1;\n;', 2, 'expecting a name');
    syntaxError('x = 1\r\r\ny', 2, 'expecting an assignment');
  });

  test('numbers', () => {
    syntaxError('a = -', 1, 'unterminated number');
    syntaxError('x = +', 1, 'unterminated number');
    syntaxError('x = 12abc', 1, 'expecting a separator');
  });

  test('unquoted words are not values', () => {
    syntaxError('x = yes', 1, 'expecting a value');
  });
});

describe('typed getters (virConfGetValue*)', () => {
  const conf = parseConf([
    's = "text"', 'i = 42', 'n = -42', 'big = 3000000000', 'l = [ "a", "b" ]',
    'mixed = [ "a", 1 ]', 'b0 = 0', 'b1 = 1', 'b2 = 2',
  ].join('\n'), FILE);

  /** Asserts an INTERNAL_ERROR from the CONF domain with `<file>: detail`. */
  function typeError(fn: () => unknown, detail: string, code: number = ErrorCode.INTERNAL_ERROR): void {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof VirtError);
      assert.equal(err.code, code);
      assert.equal(err.domain, ErrorDomain.CONF);
      assert.ok(err.message.endsWith(`${FILE}: ${detail}`), err.message);
      return true;
    });
  }

  test('missing settings and a missing file give null', () => {
    assert.equal(getString(conf, 'nope'), null);
    assert.equal(getStringList(conf, 'nope'), null);
    assert.equal(getInt(conf, 'nope'), null);
    assert.equal(getString(null, 's'), null);
    assert.equal(getBool(null, 'b1'), null);
  });

  test('getString', () => {
    assert.equal(getString(conf, 's'), 'text');
    typeError(() => getString(conf, 'i'), "expected a string for 'i' parameter");
    typeError(() => getString(conf, 'l'), "expected a string for 'l' parameter");
  });

  test('getStringList', () => {
    assert.deepEqual(getStringList(conf, 'l'), ['a', 'b']);
    assert.deepEqual(getStringList(conf, 's', true), ['text']);
    typeError(() => getStringList(conf, 's'), "expected a string list for 's' parameter");
    typeError(() => getStringList(conf, 'i', true), "expected a string or string list for 'i' parameter");
    typeError(() => getStringList(conf, 'mixed'), "expected a string list for 'mixed' parameter",
      ErrorCode.CONF_SYNTAX);
  });

  test('getInt', () => {
    assert.equal(getInt(conf, 'i'), 42);
    assert.equal(getInt(conf, 'n'), -42);
    typeError(() => getInt(conf, 'big'),
      "value for 'big' parameter must be in range -2147483648:2147483647");
    typeError(() => getInt(conf, 's'), "expected a signed integer for 's' parameter");
  });

  test('getUInt', () => {
    assert.equal(getUInt(conf, 'big'), 3000000000);
    typeError(() => getUInt(conf, 'n'), "expected an unsigned integer for 'n' parameter");
    typeError(() => getUInt(parseConf('x = 4294967296', FILE), 'x'),
      "value for 'x' parameter must be in range 0:4294967295");
  });

  test('getBool', () => {
    assert.equal(getBool(conf, 'b0'), false);
    assert.equal(getBool(conf, 'b1'), true);
    typeError(() => getBool(conf, 'b2'), "value for 'b2' parameter must be 0 or 1");
    typeError(() => getBool(conf, 'n'), "expected a bool for 'n' parameter");
  });
});

describe('formatConf (virConfWriteMem)', () => {
  test('canonical spacing and quoting', () => {
    const conf: Conf = parseConf([
      '# header', 'a=1 # note', "b='x'", 'c = "it\'s"', "d = 'say \"hi\"'", 'e = [1,-2,[ "z" ]]',
      'f = """two\nlines"""', 'g = 18446744073709551615',
    ].join('\n'), FILE);
    assert.equal(formatConf(conf), [
      '# header', 'a = 1 # note', 'b = "x"', 'c = "it\'s"', "d = 'say \"hi\"'",
      'e = [ 1, -2, [ "z" ] ]', 'f = """two\nlines"""', 'g = 18446744073709551615', '',
    ].join('\n'));
  });

  test('formatting then parsing gives the same entries', () => {
    const conf = parseConf('x = [ "a", \'b"\' ]\ny = -5\n#c\nz = """q"\'"""', FILE);
    assert.deepEqual(parseConf(formatConf(conf), FILE).entries, conf.entries);
  });
});
