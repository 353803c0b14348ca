import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { parseURI } from '../uri/parse-uri.js';
import { findAuthConfigPath, loadAuthConfig, lookupCredential, parseAuthConfig } from './auth-conf.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-authconf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// The data of libvirt's tests/virauthconfigtest.c.
const TEST_DATA = [
  '[credentials-test]', 'username=fred', 'password=123456', '',
  '[credentials-prod]', 'username=bar', 'password=letmein', '',
  '[auth-libvirt-test1.example.com]', 'credentials=test', '',
  '[auth-libvirt-test2.example.com]', 'credentials=test', '',
  '[auth-libvirt-demo3.example.com]', 'credentials=test', '',
  '[auth-libvirt-prod1.example.com]', 'credentials=prod', '',
].join('\n');

// The example of docs/auth.rst.
const DOCS_EXAMPLE = `[credentials-test]
authname=fred
password=123456

[credentials-prod]
authname=bar
password=letmein

[credentials-dev]
username=joe
password=hello

[credentials-defgrp]
username=defuser
password=defpw

[auth-libvirt-test1.example.com]
credentials=test

[auth-libvirt-test2.example.com]
credentials=test

[auth-libvirt-demo3.example.com]
credentials=test

[auth-libvirt-prod1.example.com]
credentials=prod

[auth-libvirt-default]
credentials=defgrp

[auth-esx-dev1.example.com]
credentials=dev

[auth-esx-default]
credentials=defgrp
`;

describe('lookupCredential: libvirt tests/virauthconfigtest.c', () => {
  const cfg = parseAuthConfig(TEST_DATA, 'auth.conf');
  const cases: Array<[string, string, string, string | null]> = [
    ['test1.example.com', 'libvirt', 'username', 'fred'],
    ['test1.example.com', 'vnc', 'username', null],
    ['test1.example.com', 'libvirt', 'realm', null],
    ['test66.example.com', 'libvirt', 'username', null],
    ['prod1.example.com', 'libvirt', 'username', 'bar'],
    ['prod1.example.com', 'libvirt', 'password', 'letmein'],
  ];
  for (const [host, service, cred, expect] of cases) {
    test(`Test Lookup ${host}-${service}-${cred}`, () => {
      assert.equal(lookupCredential(cfg, service, host, cred), expect);
    });
  }
});

describe('lookupCredential: docs/auth.rst example', () => {
  const cfg = parseAuthConfig(DOCS_EXAMPLE, '/home/u/.config/libvirt/auth.conf');

  test('host-specific groups', () => {
    assert.equal(lookupCredential(cfg, 'libvirt', 'test2.example.com', 'authname'), 'fred');
    assert.equal(lookupCredential(cfg, 'libvirt', 'prod1.example.com', 'password'), 'letmein');
    assert.equal(lookupCredential(cfg, 'esx', 'dev1.example.com', 'username'), 'joe');
  });

  test('[auth-SERVICE-default] covers other hosts', () => {
    assert.equal(lookupCredential(cfg, 'libvirt', 'other.example.com', 'username'), 'defuser');
    assert.equal(lookupCredential(cfg, 'esx', 'vc.example.com', 'password'), 'defpw');
  });

  test('a null hostname means localhost', () => {
    assert.equal(lookupCredential(cfg, 'libvirt', null, 'password'), 'defpw');
    const local = parseAuthConfig('[auth-ssh-localhost]\ncredentials=c\n[credentials-c]\nusername=me\n', 'a');
    assert.equal(lookupCredential(local, 'ssh', null, 'username'), 'me');
  });

  test('no group for the service gives null', () => {
    assert.equal(lookupCredential(cfg, 'hyperv', 'h', 'username'), null);
  });
});

describe('lookupCredential: errors like virAuthConfigLookup', () => {
  test('an auth group without credentials=', () => {
    const cfg = parseAuthConfig('[auth-libvirt-h]\nfoo=bar\n', '/p/auth.conf');
    assert.throws(() => lookupCredential(cfg, 'libvirt', 'h', 'username'), (err: unknown) => {
      assert.ok(err instanceof VirtError);
      assert.equal(err.code, ErrorCode.CONF_SYNTAX);
      assert.equal(err.domain, ErrorDomain.NONE);
      assert.equal(err.message,
        "configuration file syntax error: Missing item 'credentials' in group 'auth-libvirt-h' in '/p/auth.conf'");
      return true;
    });
  });

  test('credentials= naming a group that does not exist', () => {
    const cfg = parseAuthConfig('[auth-libvirt-default]\ncredentials=gone\n', '/p/auth.conf');
    assert.throws(() => lookupCredential(cfg, 'libvirt', 'h', 'username'), {
      code: ErrorCode.CONF_SYNTAX,
      message: "configuration file syntax error: Missing group 'credentials-gone' referenced from group " +
        "'auth-libvirt-default' in '/p/auth.conf'",
    });
  });
});

describe('parseAuthConfig: GKeyFile syntax', () => {
  test('blanks around = and leading blanks are ignored; comments and CRLF', () => {
    const cfg = parseAuthConfig('# top\r\n  [credentials-a]  \r\n  username =  joe \r\n\t# x\r\n', 'f');
    assert.deepEqual([...cfg.groups.get('credentials-a')!], [['username', 'joe ']]);
  });

  test('later keys win and repeated groups merge', () => {
    const cfg = parseAuthConfig('[g]\na=1\nb=2\n[h]\n[g]\na=3\n', 'f');
    assert.deepEqual([...cfg.groups.get('g')!], [['a', '3'], ['b', '2']]);
    assert.ok(cfg.groups.has('h'));
  });

  test('values may contain = and #, and are unescaped on lookup', () => {
    const cfg = parseAuthConfig([
      '[auth-libvirt-h]', 'credentials=c',
      '[credentials-c]', 'password=a=b#c', 'username=\\sjoe\\tx\\\\y', 'realm=bad\\q', 'authname=',
    ].join('\n'), 'f');
    assert.equal(lookupCredential(cfg, 'libvirt', 'h', 'password'), 'a=b#c');
    assert.equal(lookupCredential(cfg, 'libvirt', 'h', 'username'), ' joe\tx\\y');
    assert.equal(lookupCredential(cfg, 'libvirt', 'h', 'realm'), null);
    assert.equal(lookupCredential(cfg, 'libvirt', 'h', 'authname'), '');
  });

  for (const [text, line, detail] of [
    ['username=x\n', 1, 'key file does not start with a group'],
    ['[g]\njunk\n', 2, "line 'junk' is not a key-value pair, group, or comment"],
    ['[g]\n; ini comment\n', 2, "line '; ini comment' is not a key-value pair, group, or comment"],
    ['[g]\n=v\n', 2, "line '=v' is not a key-value pair, group, or comment"],
    ['[]\n', 1, "invalid group name ''"],
    ['[g]\n[a]b\n', 2, "line '[a]b' is not a key-value pair, group, or comment"],
    ['[g]\nk[x=1\n', 2, "invalid key name 'k[x'"],
  ] as const) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseAuthConfig(text, '/p/auth.conf'), {
        code: ErrorCode.CONF_SYNTAX, domain: ErrorDomain.CONF,
        message: `configuration file syntax error: /p/auth.conf:${line}: ${detail}`,
      });
    });
  }

  test('locale-suffixed keys are plain keys', () => {
    const cfg = parseAuthConfig('[g]\nname[de]=x\n', 'f');
    assert.equal(cfg.groups.get('g')!.get('name[de]'), 'x');
  });
});

describe('loadAuthConfig', () => {
  test('reads a file', (t) => {
    const file = join(tempDir(t), 'auth.conf');
    writeFileSync(file, TEST_DATA);
    const cfg = loadAuthConfig(file);
    assert.equal(cfg.path, file);
    assert.equal(lookupCredential(cfg, 'libvirt', 'test1.example.com', 'password'), '123456');
  });

  test('a missing file is a system error', (t) => {
    const file = join(tempDir(t), 'nope.conf');
    assert.throws(() => loadAuthConfig(file), {
      code: ErrorCode.SYSTEM_ERROR,
      message: `Failed to open file '${file}': No such file or directory`,
    });
  });
});

describe('findAuthConfigPath (virAuthGetConfigFilePathURI)', () => {
  function layout(t: TestContext): { xdg: string; etc: string } {
    const root = tempDir(t);
    const xdg = join(root, 'xdg');
    const etc = join(root, 'etc');
    mkdirSync(join(xdg, 'libvirt'), { recursive: true });
    mkdirSync(join(etc, 'libvirt'), { recursive: true });
    return { xdg, etc };
  }

  test('LIBVIRT_AUTH_FILE comes first, taken as is', (t) => {
    const { xdg, etc } = layout(t);
    writeFileSync(join(xdg, 'libvirt', 'auth.conf'), '');
    const uri = parseURI('qemu+ssh://h/system?authfile=/from/uri');
    assert.equal(findAuthConfigPath(uri, { LIBVIRT_AUTH_FILE: '/from/env', XDG_CONFIG_HOME: xdg }, { sysconfDir: etc }),
      '/from/env');
  });

  test('then the first authfile= of the URI (case-sensitive name)', (t) => {
    const { xdg, etc } = layout(t);
    writeFileSync(join(xdg, 'libvirt', 'auth.conf'), '');
    const env = { XDG_CONFIG_HOME: xdg };
    assert.equal(findAuthConfigPath(parseURI('qemu+ssh://h/system?authfile=/a&authfile=/b'), env,
      { sysconfDir: etc }), '/a');
    assert.equal(findAuthConfigPath(parseURI('qemu+ssh://h/system?AUTHFILE=/a'), env, { sysconfDir: etc }),
      join(xdg, 'libvirt', 'auth.conf'));
  });

  test('then $XDG_CONFIG_HOME/libvirt/auth.conf, then /etc/libvirt/auth.conf, if readable', (t) => {
    const { xdg, etc } = layout(t);
    const env = { XDG_CONFIG_HOME: xdg };
    assert.equal(findAuthConfigPath(null, env, { sysconfDir: etc }), null);
    writeFileSync(join(etc, 'libvirt', 'auth.conf'), '');
    assert.equal(findAuthConfigPath(null, env, { sysconfDir: etc }), join(etc, 'libvirt', 'auth.conf'));
    writeFileSync(join(xdg, 'libvirt', 'auth.conf'), '');
    assert.equal(findAuthConfigPath(null, env, { sysconfDir: etc }), join(xdg, 'libvirt', 'auth.conf'));
  });

  test('HOME/.config when XDG_CONFIG_HOME is unset', (t) => {
    const home = tempDir(t);
    mkdirSync(join(home, '.config', 'libvirt'), { recursive: true });
    writeFileSync(join(home, '.config', 'libvirt', 'auth.conf'), '');
    assert.equal(findAuthConfigPath(null, { HOME: home }, { sysconfDir: join(home, 'none') }),
      join(home, '.config', 'libvirt', 'auth.conf'));
  });
});
