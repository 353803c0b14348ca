import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseClientConfig } from '../config/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  ConnectFlags, findURIAlias, isAliasName, resolveConnectName, resolveURIAlias,
} from './resolve-connect-name.js';

const ALIASES = `
uri_aliases = [
  "hail=qemu+ssh://root@hail.cloud.example.com/system",
  "sleet=qemu+ssh://root@sleet.cloud.example.com/system",
  "old=remote:ssh:legacy.example.com name=qemu:///system",
  "web-01_b=test:///default",
]
uri_default = "test:///default"
`;
const config = parseClientConfig(ALIASES, '/home/u/.config/libvirt/libvirt.conf');
const none = parseClientConfig('', 'empty.conf');

/** Resolves with an isolated environment; returns the final name. */
function resolve(name: string | null | undefined, opts: Partial<Parameters<typeof resolveConnectName>[1]> = {}) {
  return resolveConnectName(name, { flags: 0, env: {}, config: null, ...opts });
}

describe('resolveConnectName: defaults (virConnectGetDefaultURI)', () => {
  test('no name, no env, no config: probe', () => {
    assert.deepEqual(resolve(null), { name: null, uri: null });
    assert.deepEqual(resolve(undefined, { config: none }), { name: null, uri: null });
  });

  test('"" is the same as no name', () => {
    assert.deepEqual(resolve(''), { name: null, uri: null });
    assert.equal(resolve('', { env: { LIBVIRT_DEFAULT_URI: 'qemu:///session' } }).name, 'qemu:///session');
  });

  test('LIBVIRT_DEFAULT_URI wins over uri_default', () => {
    const r = resolve(null, { env: { LIBVIRT_DEFAULT_URI: 'qemu:///session' }, config });
    assert.equal(r.name, 'qemu:///session');
    assert.equal(r.uri?.path, '/session');
  });

  test('an empty LIBVIRT_DEFAULT_URI is ignored', () => {
    assert.equal(resolve(null, { env: { LIBVIRT_DEFAULT_URI: '' }, config }).name, 'test:///default');
  });

  test('uri_default from the config', () => {
    const r = resolve(null, { config });
    assert.equal(r.name, 'test:///default');
    assert.equal(r.uri?.scheme, 'test');
  });

  test('the default is not used when a name is given', () => {
    assert.equal(resolve('qemu:///system', { env: { LIBVIRT_DEFAULT_URI: 'test:///default' } }).name,
      'qemu:///system');
  });

  test('uri_default must be a string', () => {
    const bad = parseClientConfig('uri_default = 1\n', '/etc/libvirt/libvirt.conf');
    assert.throws(() => resolve(null, { config: bad }), {
      code: ErrorCode.INTERNAL_ERROR, domain: ErrorDomain.CONF,
      message: "internal error: /etc/libvirt/libvirt.conf: expected a string for 'uri_default' parameter",
    });
    // ...but only matters when the default is needed.
    assert.equal(resolve('test:///default', { config: bad }).name, 'test:///default');
  });

  test('the config is loaded from XDG_CONFIG_HOME when not given', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-resolve-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'libvirt'));
    writeFileSync(join(dir, 'libvirt', 'libvirt.conf'), 'uri_default = "test:///default"\n');
    const env = { XDG_CONFIG_HOME: dir };
    assert.equal(resolveConnectName(null, { flags: 0, env, uid: 1000 }).name, 'test:///default');
  });
});

describe('resolveConnectName: legacy forms', () => {
  for (const xen of ['xen', 'XEN', 'Xen', 'xen://']) {
    test(`${JSON.stringify(xen)} means xen:///system`, () => {
      const r = resolve(xen);
      assert.equal(r.name, 'xen:///system');
      assert.equal(r.uri?.scheme, 'xen');
      assert.equal(r.uri?.path, '/system');
    });
  }

  test('xen://host is left alone', () => {
    assert.equal(resolve('xen://localhost').name, 'xen://localhost');
  });

  test('a xend socket path has no driver name', () => {
    assert.throws(() => resolve('///var/run/xend/xend-socket'), (err: unknown) => {
      assert.ok(err instanceof VirtError);
      assert.equal(err.code, ErrorCode.NO_CONNECT);
      assert.equal(err.domain, ErrorDomain.NONE);
      assert.equal(err.message,
        "no connection driver available for URI '///var/run/xend/xend-socket' does not include a driver name");
      return true;
    });
  });

  test('legacy xend HTTP URIs are refused clearly', () => {
    for (const text of ['http://oirase/', 'http://oirase:8000/', 'HTTP://oirase/']) {
      assert.throws(() => resolve(text), {
        code: ErrorCode.NO_SUPPORT, domain: ErrorDomain.NONE,
        message: `this function is not supported by the connection driver: legacy xend HTTP URI '${text}' ` +
          "is not supported, use a remote URI such as 'xen+ssh://oirase/system'",
      });
    }
  });

  test('old remote: names open as their modern form', () => {
    const warnings: string[] = [];
    const r = resolve('remote:ssh:myserver name=qemu:///system junk=1', { warn: (m) => warnings.push(m) });
    assert.equal(r.name, 'remote+ssh://myserver/?name=qemu:///system');
    assert.equal(r.uri?.driver, 'remote');
    assert.equal(r.uri?.transport, 'ssh');
    assert.deepEqual(r.uri?.params, [{ name: 'name', value: 'qemu:///system' }]);
    assert.equal(warnings.length, 1);
  });

  test('remote:/path opens the unix socket', () => {
    const r = resolve('remote:/var/run/libvirtd/socket');
    assert.equal(r.uri?.transport, 'unix');
    assert.deepEqual(r.uri?.params, [{ name: 'socket', value: '/var/run/libvirtd/socket' }]);
  });
});

describe('resolveConnectName: checks after parsing', () => {
  for (const [text, hint] of [
    ['qemu://system', 'qemu:///system'], ['qemu://session', 'qemu:///session'],
    ['vbox://session', 'vbox:///session'], ['vz://system/', 'vz:///system'],
  ] as const) {
    test(`${text} is rejected with a hint`, () => {
      assert.throws(() => resolve(text), {
        code: ErrorCode.INTERNAL_ERROR, domain: ErrorDomain.NONE,
        message: `internal error: invalid URI ${text} (maybe you want ${hint})`,
      });
    });
  }

  test('other drivers and other servers pass the slash check', () => {
    assert.equal(resolve('test://system').uri?.server, 'system');
    assert.equal(resolve('qemu://systemhost/system').uri?.server, 'systemhost');
    assert.equal(resolve('QEMU://system').uri?.server, 'system');
  });

  test('a missing path becomes ""', () => {
    assert.equal(resolve('esx://vcenter').uri?.path, '');
  });

  test('missing scheme', () => {
    assert.throws(() => resolve('nosuchalias'), {
      code: ErrorCode.NO_CONNECT,
      message: "no connection driver available for URI 'nosuchalias' does not include a driver name",
    });
  });

  test('unparsable text', () => {
    assert.throws(() => resolve('qemu:///sys tem'), {
      code: ErrorCode.INTERNAL_ERROR, domain: ErrorDomain.URI,
      message: 'internal error: Unable to parse URI qemu:///sys tem',
    });
  });
});

describe('resolveConnectName: aliases', () => {
  test('an alias resolves to its URI', () => {
    const r = resolve('hail', { config });
    assert.equal(r.name, 'qemu+ssh://root@hail.cloud.example.com/system');
    assert.equal(r.uri?.server, 'hail.cloud.example.com');
    assert.equal(r.uri?.user, 'root');
    assert.equal(resolve('web-01_b', { config }).name, 'test:///default');
  });

  test('alias names are case-sensitive and must match whole', () => {
    assert.throws(() => resolve('Hail', { config }), { code: ErrorCode.NO_CONNECT });
    assert.throws(() => resolve('hai', { config }), { code: ErrorCode.NO_CONNECT });
  });

  test('VIR_CONNECT_NO_ALIASES skips the lookup', () => {
    assert.throws(() => resolve('hail', { config, flags: ConnectFlags.NO_ALIASES }), {
      message: "no connection driver available for URI 'hail' does not include a driver name",
    });
  });

  test('aliases apply to the default URI too', () => {
    assert.equal(resolve(null, { config, env: { LIBVIRT_DEFAULT_URI: 'sleet' } }).name,
      'qemu+ssh://root@sleet.cloud.example.com/system');
  });

  test('an alias may point at an old-style remote name', () => {
    assert.equal(resolve('old', { config, warn: () => {} }).name,
      'remote+ssh://legacy.example.com/?name=qemu:///system');
  });

  test('uri_aliases must be a list', () => {
    const bad = parseClientConfig('uri_aliases = "hail=qemu:///system"\n', 'libvirt.conf');
    assert.throws(() => resolve('hail', { config: bad }), {
      code: ErrorCode.INTERNAL_ERROR, domain: ErrorDomain.CONF,
      message: "internal error: libvirt.conf: expected a string list for 'uri_aliases' parameter",
    });
  });

  test('a malformed entry is reported even for full URIs (libvirt checks every entry it passes)', () => {
    const bad = parseClientConfig('uri_aliases = [ "ok=test:///default", "broken" ]\n', 'libvirt.conf');
    assert.throws(() => resolve('qemu:///system', { config: bad }), {
      code: ErrorCode.CONF_SYNTAX, domain: ErrorDomain.URI,
      message: "configuration file syntax error: Malformed 'uri_aliases' config entry 'broken', " +
        "expected 'alias=uri://host/path'",
    });
    // An earlier match stops the scan before the bad entry.
    assert.equal(resolve('ok', { config: bad }).name, 'test:///default');
  });
});

describe('findURIAlias (virURIFindAliasMatch)', () => {
  test('first match wins, the rest of the entry after the first = is the URI', () => {
    assert.equal(findURIAlias(['a=test:///x?k=v', 'a=test:///y'], 'a'), 'test:///x?k=v');
  });

  test('no match gives null', () => {
    assert.equal(findURIAlias(['a=test:///x'], 'b'), null);
    assert.equal(findURIAlias([], 'b'), null);
  });

  test('an alias name outside the charset is malformed', () => {
    assert.throws(() => findURIAlias(['bad.name=test:///x'], 'bad'), {
      code: ErrorCode.CONF_SYNTAX, domain: ErrorDomain.URI,
      message: "configuration file syntax error: Malformed 'uri_aliases' config entry 'bad.name=test:///x', " +
        "aliases may only contain 'a-Z, 0-9, _, -'",
    });
  });

  test('an alias may map to the empty string', () => {
    assert.equal(findURIAlias(['blank='], 'blank'), '');
  });

  test('resolveURIAlias without a config or without aliases', () => {
    assert.equal(resolveURIAlias(null, 'hail'), null);
    assert.equal(resolveURIAlias(none, 'hail'), null);
    assert.equal(resolveURIAlias(parseClientConfig('uri_aliases = []', 'c'), 'hail'), null);
  });
});

describe('isAliasName', () => {
  test('accepts a-z A-Z 0-9 _ -', () => {
    for (const ok of ['hail', 'HAIL', 'web-01', 'a_b', '0', '-']) assert.equal(isAliasName(ok), true, ok);
  });
  test('rejects anything else', () => {
    for (const bad of ['', 'qemu:///system', 'a.b', 'a b', 'é', 'a/b']) assert.equal(isAliasName(bad), false, bad);
  });
});
