import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  cacheFileFor, findQemuBinary, isCacheValid, isKvmUsable, loadQemuCaps, probeQemuCaps, schemaPathExists,
  type QemuCaps,
} from './capabilities.js';

function tmp(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-caps-test-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function needQemu(t: TestContext): string | undefined {
  const bin = findQemuBinary('x86_64');
  if (bin !== undefined) return bin;
  if (process.env['CI'] === 'true') throw new Error('CI=true but qemu-system-x86_64 is not installed');
  t.skip('qemu-system-x86_64 is not installed; skipped');
  return undefined;
}

describe('findQemuBinary (virQEMUCapsGetDefaultEmulator)', () => {
  it('takes qemu-system-<arch> from PATH, i386 for i686, and the host binary for a native guest', (t) => {
    const d = tmp(t);
    const fake = (n: string) => { writeFileSync(join(d, n), '#!/bin/sh\n'); chmodSync(join(d, n), 0o755); };
    fake('qemu-system-x86_64');
    // The system dirs are always searched after PATH, as libvirtd's PATH has them.
    const sys = findQemuBinary('i686', 'x86_64', '/nonexistent');
    assert.equal(findQemuBinary('x86_64', 'x86_64', d), join(d, 'qemu-system-x86_64'));
    if (sys === undefined) assert.equal(findQemuBinary('i686', 'x86_64', d), join(d, 'qemu-system-x86_64'));
    fake('qemu-system-i386');
    assert.equal(findQemuBinary('i686', 'x86_64', d), join(d, 'qemu-system-i386'));
    fake('qemu-system-arm');
    assert.equal(findQemuBinary('armv7l', 'x86_64', d), join(d, 'qemu-system-arm'));
    writeFileSync(join(d, 'qemu-system-riscv64'), 'not executable');
    const onSys = findQemuBinary('riscv64', 'x86_64', '/nonexistent');
    assert.equal(findQemuBinary('riscv64', 'x86_64', d), onSys);
  });
});

describe('schemaPathExists (virQEMUQAPISchemaPathExists)', () => {
  const entries = [
    { name: 'query-display-options', 'meta-type': 'command', 'arg-type': '0', 'ret-type': 'DisplayOptions' },
    { name: '0', 'meta-type': 'object', members: [] },
    {
      name: 'DisplayOptions', 'meta-type': 'object', tag: 'type',
      members: [{ name: 'type', type: 'DisplayType' }, { name: 'full-screen', type: 'bool', default: null }],
      variants: [{ case: 'sdl', type: 'SdlOpts' }, { case: 'gtk', type: 'GtkOpts' }],
    },
    { name: 'DisplayType', 'meta-type': 'enum', values: ['sdl', 'gtk', 'none'] },
    { name: 'SdlOpts', 'meta-type': 'object', members: [{ name: 'grab-mod', type: 'str' }] },
    { name: 'GtkOpts', 'meta-type': 'object', members: [], features: ['deprecated'] },
    { name: 'str', 'meta-type': 'builtin' },
    { name: 'bool', 'meta-type': 'builtin' },
    { name: 'query-list', 'meta-type': 'command', 'ret-type': '[DisplayOptions]' },
    { name: '[DisplayOptions]', 'meta-type': 'array', 'element-type': 'DisplayOptions' },
  ];
  const schema = new Map(entries.map((e) => [e.name, e]));
  for (const [q, want] of [
    ['query-display-options/ret-type/+sdl', true],
    ['query-display-options/ret-type/+dbus', false],
    ['query-display-options/ret-type/+sdl/grab-mod', true],
    ['query-display-options/ret-type/type/^gtk', true],
    ['query-display-options/ret-type/type/^vnc', false],
    ['query-display-options/ret-type/*full-screen', true],
    ['query-display-options/ret-type/*type', false],
    ['query-display-options/ret-type/+gtk/$deprecated', true],
    ['query-list/ret-type/+sdl', true],
    ['no-such-command/ret-type', false],
  ] as const) {
    it(`${q} → ${want}`, () => assert.equal(schemaPathExists(q, schema), want));
  }
});

describe('probing a real qemu-system-x86_64', { timeout: 120_000 }, () => {
  it('finds machines, CPU models and accelerators as libvirt does', async (t) => {
    const bin = needQemu(t);
    if (bin === undefined) return;
    const caps = await probeQemuCaps(bin);
    assert.equal(caps.emulator, bin);
    assert.equal(caps.arch, 'x86_64');
    assert.ok(caps.version >= 4_002_000, `version ${caps.version}`);
    assert.ok(caps.flags.includes('tcg'));
    // KVM exactly when /dev/kvm is usable.
    assert.equal(caps.flags.includes('kvm'), isKvmUsable());
    assert.equal(caps.accel.kvm !== undefined, isKvmUsable());
    const m = caps.accel.tcg.machines;
    // libvirt's preferred x86 machine (alias pc) comes first; `none` is dropped.
    assert.equal(m[0]!.alias, 'pc');
    assert.ok(!m.some((x) => x.name === 'none'));
    assert.ok(m.some((x) => x.alias === 'q35' && x.name.startsWith('pc-q35-')));
    assert.ok(caps.accel.tcg.cpuModels.some((c) => c.name === 'qemu64' && c.usable === true));
    assert.ok(caps.accel.tcg.hostCpu !== undefined && Object.keys(caps.accel.tcg.hostCpu.props).length > 0);
  });

  it('caches in <sha256 of the path>.json, reuses a valid entry and re-probes a stale one', async (t) => {
    const bin = needQemu(t);
    if (bin === undefined) return;
    const dir = tmp(t);
    const file = cacheFileFor(dir, bin);
    assert.equal(file, join(dir, `${createHash('sha256').update(bin).digest('hex')}.json`));
    const first = await loadQemuCaps(bin, { cacheDir: dir });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as QemuCaps;
    assert.deepEqual(stored, first);
    assert.ok(isCacheValid(stored, bin));
    // A valid entry is returned as stored: mark it and see the mark come back.
    writeFileSync(file, JSON.stringify({ ...stored, package: 'from-cache' }));
    assert.equal((await loadQemuCaps(bin, { cacheDir: dir })).package, 'from-cache');
    // The binary "changed" (another ctime): probed again and rewritten.
    writeFileSync(file, JSON.stringify({ ...stored, package: 'stale', ctime: stored.ctime - 1 }));
    assert.ok(!isCacheValid({ ...stored, ctime: stored.ctime - 1 }, bin));
    const again = await loadQemuCaps(bin, { cacheDir: dir });
    assert.equal(again.package, first.package);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as QemuCaps).package, first.package);
    // Another tsvirt build, or a KVM state that changed, invalidates too.
    assert.ok(!isCacheValid({ ...stored, selfStamp: 'other' }, bin));
    assert.ok(!isCacheValid({ ...stored, flags: stored.flags.includes('kvm') ? stored.flags.filter((f) => f !== 'kvm') : [...stored.flags, 'kvm'] }, bin));
    // A garbage file is ignored.
    writeFileSync(file, '{');
    assert.equal((await loadQemuCaps(bin, { cacheDir: dir })).version, first.version);
  });
});
