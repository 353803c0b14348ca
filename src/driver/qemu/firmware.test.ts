import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { firmwareDescriptorFiles, firmwareDirs, firmwareSupport } from './firmware.js';

function dirs(t: TestContext) {
  const root = mkdtempSync(join(tmpdir(), 'tsvirt-fw-test-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const data = join(root, 'share');
  const conf = join(root, 'etc');
  mkdirSync(data);
  mkdirSync(conf);
  return { root, data, conf };
}

// Descriptors in QEMU's docs/interop/firmware.json format (test inputs).
const ovmf = (code: string, vars: string, machines: string[], features: string[] = []) => JSON.stringify({
  'interface-types': ['uefi'],
  mapping: { device: 'flash', executable: { filename: code, format: 'raw' }, 'nvram-template': { filename: vars, format: 'raw' } },
  targets: [{ architecture: 'x86_64', machines }],
  features,
});

it('reads descriptors by file name, lets /etc override and an empty file mask, and matches machine globs', (t) => {
  const { data, conf } = dirs(t);
  writeFileSync(join(data, '40-edk2-x86_64-secure.json'), ovmf('/fw/OVMF_CODE.secboot.fd', '/fw/VARS.ms.fd', ['pc-q35-*'], ['requires-smm', 'secure-boot']));
  writeFileSync(join(data, '50-edk2-x86_64.json'), ovmf('/fw/OVMF_CODE.fd', '/fw/OVMF_VARS.fd', ['pc-i440fx-*', 'pc-q35-*']));
  writeFileSync(join(data, '60-seabios.json'), JSON.stringify({
    'interface-types': ['bios'], mapping: { device: 'memory', filename: '/fw/bios-256k.bin' },
    targets: [{ architecture: 'i386', machines: ['pc-*'] }, { architecture: 'x86_64', machines: ['pc-*'] }], features: [],
  }));
  writeFileSync(join(data, '70-broken.json'), '{');
  writeFileSync(join(data, '.hidden.json'), ovmf('/fw/hidden', '/fw/x', ['*']));
  assert.deepEqual(firmwareDescriptorFiles([data, conf]).map((p) => p.slice(data.length + 1)),
    ['40-edk2-x86_64-secure.json', '50-edk2-x86_64.json', '60-seabios.json', '70-broken.json']);

  assert.deepEqual(firmwareSupport('pc-q35-7.2', 'x86_64', [data, conf]), {
    auto: ['bios', 'efi'], loaders: ['/fw/OVMF_CODE.secboot.fd', '/fw/OVMF_CODE.fd', '/fw/bios-256k.bin'], secure: true,
  });
  assert.deepEqual(firmwareSupport('pc-i440fx-7.2', 'x86_64', [data, conf]), {
    auto: ['bios', 'efi'], loaders: ['/fw/OVMF_CODE.fd', '/fw/bios-256k.bin'], secure: false,
  });
  assert.deepEqual(firmwareSupport('pc-i440fx-7.2', 'i686', [data, conf]), { auto: ['bios'], loaders: ['/fw/bios-256k.bin'], secure: false });
  assert.deepEqual(firmwareSupport('microvm', 'x86_64', [data, conf]), { auto: [], loaders: [], secure: false });

  // An empty file in /etc masks the packaged one; a non-empty one replaces it.
  writeFileSync(join(conf, '40-edk2-x86_64-secure.json'), '');
  writeFileSync(join(conf, '60-seabios.json'), JSON.stringify({
    'interface-types': ['bios'], mapping: { device: 'memory', filename: '/etc-fw/bios.bin' },
    targets: [{ architecture: 'x86_64', machines: ['pc-q35-?.?'] }],
  }));
  assert.deepEqual(firmwareSupport('pc-q35-7.2', 'x86_64', [data, conf]), {
    auto: ['bios', 'efi'], loaders: ['/fw/OVMF_CODE.fd', '/etc-fw/bios.bin'], secure: false,
  });
});

it('searches the user config dir only for session daemons', () => {
  assert.deepEqual(firmwareDirs(true), ['/usr/share/qemu/firmware', '/etc/qemu/firmware']);
  assert.deepEqual(firmwareDirs(false, { XDG_CONFIG_HOME: '/home/u/.cfg' }),
    ['/usr/share/qemu/firmware', '/etc/qemu/firmware', '/home/u/.cfg/qemu/firmware']);
});
