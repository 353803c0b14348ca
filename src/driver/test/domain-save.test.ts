import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainRef, DriverConnection, DriverEvent } from '../driver.js';
import { ErrorCode, ErrorDomain, isVirtError } from '../../errors.js';
import { DomainEventType as Ev, EventStartedDetail, EventStoppedDetail, ShutoffReason } from '../../conf/domain-constants.js';
import { TestHost } from './host.js';

const GUEST = "<domain type='test'><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>"
  + "<memory>8388608</memory><vcpu>2</vcpu><os><type>hvm</type></os><devices><interface type='network'>"
  + "<source network='default'/></interface></devices></domain>";

const DIR = mkdtempSync(join(tmpdir(), 'tsvirt-save-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));

async function env() {
  const host = TestHost.fromXml(`<node>${GUEST}</node>`, '(test driver)', '/');
  const m = host.methods() as Required<Pick<DriverConnection, keyof DriverConnection>>;
  const events: Array<[number, number]> = [];
  host.events.subscribe((ev: DriverEvent) => {
    if (ev.kind === 'domain-lifecycle') events.push([ev.event, ev.detail]);
  });
  const dom: DomainRef = (await m.domainLookupByName({ name: 'test' })).dom;
  const dir = mkdtempSync(join(DIR, 'case-'));
  return { m, events, dom, dir };
}

async function rejects(p: Promise<unknown>, code: number, domain: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVirtError(e), String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    assert.equal(e.domain, domain);
    return true;
  });
}

test('save writes the test driver image format and stops the domain; restore starts it again', async () => {
  const { m, events, dom, dir } = await env();
  const img = join(dir, 'a.img');
  await m.domainSave({ dom, to: img });
  const bytes = readFileSync(img);
  assert.equal(bytes.subarray(0, 15).toString('latin1'), 'TestGuestMagic\0');
  const len = bytes.readInt32LE(15);
  assert.equal(len, bytes.length - 19);
  assert.match(bytes.subarray(19).toString(), /^<domain type='test' id='1'>/);
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 5, reason: ShutoffReason.SAVED });
  await m.domainRestore({ from: img });
  const after = (await m.domainLookupByName({ name: 'test' })).dom;
  assert.equal(after.id, 2);
  assert.deepEqual(await m.domainGetState({ dom: after, flags: 0 }), { state: 1, reason: 3 });
  assert.deepEqual(events, [[Ev.STOPPED, EventStoppedDetail.SAVED], [Ev.STARTED, EventStartedDetail.RESTORED]]);
});

test('save image errors are test_driver.c\'s', async () => {
  const { m, dom, dir } = await env();
  const img = (name: string, data: Buffer | string) => {
    writeFileSync(join(dir, name), data);
    return join(dir, name);
  };
  const T = ErrorDomain.TEST;
  await rejects(m.domainSaveImageGetXMLDesc({ file: join(dir, 'none'), flags: 0 }), ErrorCode.SYSTEM_ERROR, T,
    `cannot read domain image '${join(dir, 'none')}': No such file or directory`);
  await rejects(m.domainSaveImageGetXMLDesc({ file: img('m', 'NotTheMagic....xxxx'), flags: 0 }), ErrorCode.INTERNAL_ERROR, T,
    'internal error: mismatched header magic');
  const big = Buffer.concat([Buffer.from('TestGuestMagic\0', 'latin1'), Buffer.from([0x01, 0x20, 0, 0])]);
  await rejects(m.domainRestoreFlags({ from: img('b', big), dxml: null, flags: 0 }), ErrorCode.INTERNAL_ERROR, T,
    'internal error: length of metadata out of range');
  await rejects(m.domainSaveFlags({ dom, to: join(dir, 'x'), dxml: '<domain/>', flags: 0 }), ErrorCode.ARGUMENT_UNSUPPORTED,
    T, 'argument unsupported: xml modification unsupported');
  await rejects(m.domainSave({ dom, to: join(dir, 'no', 'x') }), ErrorCode.SYSTEM_ERROR, T,
    `saving domain 'test' to '${join(dir, 'no', 'x')}': open failed: No such file or directory`);
  await rejects(m.domainRestoreFlags({ from: join(dir, 'x'), dxml: null, flags: 2 }), ErrorCode.INVALID_ARG, T,
    'unsupported flags (0x2) in function testDomainRestoreFlags');
});

test('save-image define replaces the stored definition', async () => {
  const { m, dom, dir } = await env();
  const img = join(dir, 'd.img');
  await m.domainSave({ dom, to: img });
  await m.domainSaveImageDefineXML({ file: img, dxml: GUEST.replace('8388608', '4194304'), flags: 0 });
  const xml = (await m.domainSaveImageGetXMLDesc({ file: img, flags: 0 })).xml;
  assert.match(xml, /<memory unit='KiB'>4194304<\/memory>/);
  assert.doesNotMatch(xml, / id='/);
});

test('managed save marks the domain, start and removal clear the mark', async () => {
  const { m, events, dom } = await env();
  await m.domainManagedSave({ dom, flags: 0 });
  assert.equal((await m.domainHasManagedSaveImage({ dom, flags: 0 })).result, 1);
  await m.domainCreate({ dom });
  assert.equal((await m.domainHasManagedSaveImage({ dom, flags: 0 })).result, 0);
  await m.domainManagedSave({ dom, flags: 0 });
  await m.domainManagedSaveRemove({ dom, flags: 0 });
  assert.equal((await m.domainHasManagedSaveImage({ dom, flags: 0 })).result, 0);
  await rejects(m.domainManagedSave({ dom, flags: 0 }), ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
    'Requested operation is not valid: domain is not running');
  assert.deepEqual(events.map((e) => e[0]), [Ev.STOPPED, Ev.STARTED, Ev.STOPPED]);
});

test('core dump writes the magic only, and --crash stops the domain', async () => {
  const { m, dom, dir } = await env();
  const core = join(dir, 'core');
  await m.domainCoreDump({ dom, to: core, flags: 0 });
  assert.equal(readFileSync(core).toString('latin1'), 'TestGuestMagic\0');
  await rejects(m.domainCoreDumpWithFormat({ dom, to: join(dir, 'k'), dumpformat: 1, flags: 0 }),
    ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.TEST, 'Operation not supported: kdump-compressed format is not supported here');
  assert.ok(existsSync(join(dir, 'k')), 'the file is written before the format is refused');
  await m.domainCoreDump({ dom, to: core, flags: 1 });
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 5, reason: ShutoffReason.CRASHED });
});
