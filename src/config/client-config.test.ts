import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { ErrorCode, ErrorDomain } from '../errors.js';
import { ClientConfig, clientConfigPath, loadClientConfig, parseClientConfig } from './client-config.js';
import { userConfigDirectory } from './read-file.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-clientconf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('clientConfigPath (virConfLoadConfigPath)', () => {
  test('root reads /etc/libvirt', () => {
    assert.equal(clientConfigPath('libvirt.conf', { XDG_CONFIG_HOME: '/x' }, 0), '/etc/libvirt/libvirt.conf');
    assert.equal(clientConfigPath('libvirt-admin.conf', {}, 0, '/usr/local/etc'),
      '/usr/local/etc/libvirt/libvirt-admin.conf');
  });

  test('other users read $XDG_CONFIG_HOME/libvirt', () => {
    assert.equal(clientConfigPath('libvirt.conf', { XDG_CONFIG_HOME: '/cfg' }, 1000), '/cfg/libvirt/libvirt.conf');
  });

  test('without XDG_CONFIG_HOME (or with it empty), ~/.config', () => {
    assert.equal(clientConfigPath('libvirt.conf', { HOME: '/home/u' }, 1000), '/home/u/.config/libvirt/libvirt.conf');
    assert.equal(clientConfigPath('libvirt.conf', { HOME: '/home/u', XDG_CONFIG_HOME: '' }, 1000),
      '/home/u/.config/libvirt/libvirt.conf');
    assert.equal(userConfigDirectory({ HOME: '/h' }), '/h/.config/libvirt');
  });
});

describe('loadClientConfig', () => {
  test('reads the per-user file for a non-root uid', (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'libvirt'));
    writeFileSync(join(dir, 'libvirt', 'libvirt.conf'), [
      'uri_aliases = [ "hail=qemu+ssh://root@hail.cloud.example.com/system" ]',
      'uri_default = "qemu:///system"',
      'remote_mode = "direct"',
      'remote_proxy = "native"',
      'tls_priority = "NORMAL:-VERS-SSL3.0"',
    ].join('\n'));
    const cfg = loadClientConfig({ XDG_CONFIG_HOME: dir }, 1000);
    assert.equal(cfg.path, join(dir, 'libvirt', 'libvirt.conf'));
    assert.deepEqual(cfg.uriAliases(), ['hail=qemu+ssh://root@hail.cloud.example.com/system']);
    assert.equal(cfg.uriDefault(), 'qemu:///system');
    assert.equal(cfg.remoteMode(), 'direct');
    assert.equal(cfg.remoteProxy(), 'native');
    assert.equal(cfg.tlsPriority(), 'NORMAL:-VERS-SSL3.0');
  });

  test('root reads <sysconfdir>/libvirt/libvirt.conf', (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'libvirt'));
    writeFileSync(join(dir, 'libvirt', 'libvirt.conf'), 'uri_default = "test:///default"\n');
    const cfg = loadClientConfig({ XDG_CONFIG_HOME: '/nonexistent' }, 0, { sysconfDir: dir });
    assert.equal(cfg.uriDefault(), 'test:///default');
  });

  test('a missing file is an empty configuration', (t) => {
    const dir = tempDir(t);
    const cfg = loadClientConfig({ XDG_CONFIG_HOME: dir }, 1000);
    assert.ok(cfg instanceof ClientConfig);
    assert.equal(cfg.conf, null);
    assert.equal(cfg.path, join(dir, 'libvirt', 'libvirt.conf'));
    assert.equal(cfg.uriAliases(), null);
    assert.equal(cfg.uriDefault(), null);
    assert.equal(cfg.remoteMode(), null);
    assert.equal(cfg.remoteProxy(), null);
    assert.equal(cfg.tlsPriority(), null);
  });

  test('an explicit path overrides the lookup', (t) => {
    const file = join(tempDir(t), 'custom.conf');
    writeFileSync(file, "uri_default = 'test:///default'\n");
    assert.equal(loadClientConfig({}, 1000, { path: file }).uriDefault(), 'test:///default');
  });

  test('syntax errors name the file and line', (t) => {
    const file = join(tempDir(t), 'libvirt.conf');
    writeFileSync(file, 'uri_default = "test:///default"\nuri_aliases = [\n  "a=b"\n  "c=d"\n]\n');
    assert.throws(() => loadClientConfig({}, 1000, { path: file }), {
      code: ErrorCode.CONF_SYNTAX, domain: ErrorDomain.CONF,
      message: `configuration file syntax error: ${file}:4: expecting a separator in list`,
    });
  });

  test('type errors surface only when the setting is read', () => {
    const cfg = parseClientConfig('uri_default = [ "x" ]\nremote_mode = 1\nuri_aliases = "a=b"\n', 'c.conf');
    assert.throws(() => cfg.uriDefault(), {
      code: ErrorCode.INTERNAL_ERROR, domain: ErrorDomain.CONF,
      message: "internal error: c.conf: expected a string for 'uri_default' parameter",
    });
    assert.throws(() => cfg.remoteMode(), { message: "internal error: c.conf: expected a string for 'remote_mode' parameter" });
    assert.throws(() => cfg.uriAliases(), {
      message: "internal error: c.conf: expected a string list for 'uri_aliases' parameter",
    });
    assert.equal(cfg.tlsPriority(), null);
  });

  test('an unreadable file is a system error', (t) => {
    if (process.getuid?.() === 0) {
      // root can read anything; use a directory to make the read fail.
      const dir = tempDir(t);
      assert.throws(() => loadClientConfig({}, 1000, { path: dir }), {
        code: ErrorCode.SYSTEM_ERROR,
        message: `Failed to read file '${dir}': Is a directory`,
      });
      return;
    }
    const file = join(tempDir(t), 'libvirt.conf');
    writeFileSync(file, 'a = 1\n');
    chmodSync(file, 0o000);
    assert.throws(() => loadClientConfig({}, 1000, { path: file }), {
      code: ErrorCode.SYSTEM_ERROR,
      message: `Failed to open file '${file}': Permission denied`,
    });
  });
});
