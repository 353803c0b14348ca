import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode, VirtError } from '../../errors.js';
import { findQemuBinary } from './capabilities.js';
import { qemuCapsMethods } from './caps-methods.js';
import { formatCpuList, parseCpuList, qemuSecModels } from './host-capabilities.js';

describe('host helpers', () => {
  it('parses and prints kernel CPU lists as virBitmapFormat does', () => {
    assert.deepEqual(parseCpuList('0-2,5,7-8\n'), [0, 1, 2, 5, 7, 8]);
    assert.equal(formatCpuList([8, 0, 1, 2, 5, 7]), '0-2,5,7-8');
    assert.equal(formatCpuList([3]), '3');
  });
  it('lists the primary security model, then DAC with the qemu user for kvm and qemu', () => {
    assert.deepEqual(qemuSecModels({ primary: 'none', uid: 999, gid: 1001 }), [
      { model: 'none', doi: '0' },
      { model: 'dac', doi: '0', baselabels: [{ type: 'kvm', label: '+999:+1001' }, { type: 'qemu', label: '+999:+1001' }] },
    ]);
  });
});

describe('qemuCapsMethods', { timeout: 120_000 }, () => {
  it('answers connectGetCapabilities / connectGetDomainCapabilities and rejects flags', async (t) => {
    if (findQemuBinary('x86_64') === undefined) {
      if (process.env['CI'] === 'true') throw new Error('CI=true but qemu-system-x86_64 is not installed');
      t.skip('qemu-system-x86_64 is not installed; skipped');
      return;
    }
    const cacheDir = mkdtempSync(join(tmpdir(), 'tsvirt-caps-methods-'));
    t.after(() => rmSync(cacheDir, { recursive: true, force: true }));
    const m = qemuCapsMethods({ cacheDir, secModels: qemuSecModels({ uid: 0, gid: 0 }) });
    const { capabilities } = await m.connectGetCapabilities!();
    assert.match(capabilities, /<arch name='x86_64'>\n {6}<wordsize>64<\/wordsize>\n {6}<emulator>[^<]*qemu-system-x86_64<\/emulator>/);
    assert.match(capabilities, /<domain type='qemu'\/>/);
    const dc = await m.connectGetDomainCapabilities!({ emulatorbin: null, arch: null, machine: 'q35', virttype: null, flags: 0 });
    assert.match(dc.capabilities, /<machine>pc-q35-[\d.]+<\/machine>/);
    await assert.rejects(m.connectGetDomainCapabilities!({ emulatorbin: null, arch: null, machine: null, virttype: null, flags: 1 }),
      (e: unknown) => e instanceof VirtError && e.code === ErrorCode.INVALID_ARG &&
        e.message === 'unsupported flags (0x1) in function qemuConnectGetDomainCapabilities');
  });
});
