/**
 * The test driver's statistics and guest calls (domain-monitor.ts): what
 * the virsh differential cases cannot compare exactly (statistics made
 * from the wall clock), the keycode tables, and the errors of each call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainRef } from '../driver.js';
import { ErrorCode, ErrorDomain, isVirtError } from '../../errors.js';
import { isKeycodeInSet, keycodeFromName, keycodeSetFromName } from '../../util/keycodes.js';
import { parseMacAddr } from '../../util/mac.js';
import { openTest } from './node-test-util.js';

const TEST_DOM: DomainRef = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };

async function rejects(p: Promise<unknown>, code: number, domain: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVirtError(e));
    assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
    return true;
  });
}

const nowMicros = () => BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));

test('block and interface statistics are fractions of one clock reading, as testDomainBlockStats makes them', async () => {
  const conn = await openTest();
  const before = nowMicros();
  const b = await conn.domainBlockStats({ dom: TEST_DOM, path: 'vda' });
  const i = await conn.domainInterfaceStats({ dom: TEST_DOM, device: 'testnet0' });
  const after = nowMicros();
  const within = (v: number, div: bigint) => BigInt(v) >= before / div && BigInt(v) <= after / div;
  assert.ok(within(b.rd_req, 10n) && within(b.rd_bytes, 20n) && within(b.wr_req, 30n) && within(b.wr_bytes, 40n));
  assert.ok(within(b.errs, 2000000n));
  assert.ok(within(i.rx_bytes, 10n) && within(i.rx_packets, 100n) && within(i.rx_errs, 1000000n));
  assert.ok(within(i.rx_drop, 2000000n) && within(i.tx_bytes, 20n) && within(i.tx_packets, 110n));
  assert.ok(within(i.tx_errs, 3000000n) && within(i.tx_drop, 4000000n));
});

test('the statistics calls refuse what libvirt refuses', async () => {
  const conn = await openTest();
  await rejects(conn.domainBlockStats({ dom: TEST_DOM, path: '' }), ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.TEST,
    'Operation not supported: summary statistics are not supported yet');
  await rejects(conn.domainBlockStats({ dom: TEST_DOM, path: 'vdz' }), ErrorCode.INVALID_ARG, ErrorDomain.TEST,
    'invalid argument: invalid path: vdz');
  await rejects(conn.domainInterfaceStats({ dom: TEST_DOM, device: 'vnet0' }), ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
    "invalid argument: 'vnet0' is not a known interface");
  await conn.domainDestroy({ dom: TEST_DOM });
  await rejects(conn.domainInterfaceStats({ dom: TEST_DOM, device: 'testnet0' }), ErrorCode.OPERATION_INVALID,
    ErrorDomain.DOMAIN, 'Requested operation is not valid: domain is not running');
});

test('disk errors: the count alone, then one error per disk', async () => {
  const conn = await openTest();
  assert.deepEqual(await conn.domainGetDiskErrors({ dom: TEST_DOM, maxerrors: 0, flags: 0 }), { errors: [], nerrors: 1 });
  assert.deepEqual(await conn.domainGetDiskErrors({ dom: TEST_DOM, maxerrors: 1, flags: 0 }),
    { errors: [{ disk: 'vda', error: 1 }], nerrors: 1 });
});

test('filesystems freeze and thaw by mount point, and the counts say what changed', async () => {
  const conn = await openTest();
  const freeze = async (mountpoints: string[]) =>
    (await conn.domainFSFreeze({ dom: TEST_DOM, mountpoints, flags: 0 })).filesystems;
  const thaw = async (mountpoints: string[]) =>
    (await conn.domainFSThaw({ dom: TEST_DOM, mountpoints, flags: 0 })).filesystems;
  assert.equal(await freeze(['/']), 1);
  assert.equal(await freeze([]), 1);
  assert.equal(await thaw(['/boot', '/boot']), 1);
  await rejects(freeze(['/', '/x']), ErrorCode.OPERATION_INVALID, ErrorDomain.TEST,
    'Requested operation is not valid: mount point not found: /x');
  // The failed call changed nothing: only "/" is still frozen.
  assert.equal(await thaw([]), 1);
  const info = await conn.domainGetFSInfo({ dom: TEST_DOM, flags: 0 });
  assert.deepEqual(info.info.map((f) => [f.mountpoint, f.name, f.fstype, f.dev_aliases]),
    [['/', 'vda1', 'ext4', ['vda']], ['/boot', 'vda2', 'ext4', ['vda']]]);
});

test('control state follows the guest clock, as testDomainGetControlInfo reads it', async () => {
  const conn = await openTest();
  const at = async (seconds: number) => {
    await conn.domainSetTime({ dom: TEST_DOM, seconds, nseconds: 0, flags: 0 });
    return conn.domainGetControlInfo({ dom: TEST_DOM, flags: 0 });
  };
  assert.deepEqual(await at(5000), { state: 1, details: 0, stateTime: 5000 });
  assert.deepEqual(await at(12000), { state: 2, details: 0, stateTime: 2000 });
  assert.deepEqual(await at(30006), { state: 3, details: 2, stateTime: 6 });
  assert.deepEqual(await at(0), { state: 0, details: 0, stateTime: 0 });
});

test('interface addresses come from the network the interface is on, offset per domain and interface', async () => {
  const conn = await openTest();
  const r = await conn.domainInterfaceAddresses({ dom: TEST_DOM, source: 0, flags: 0 });
  assert.deepEqual(r.ifaces, [{ name: 'testnet0', hwaddr: 'aa:bb:cc:dd:ee:ff', addrs: [{ type: 0, addr: '192.168.122.3', prefix: 24 }] }]);
  await rejects(conn.domainInterfaceAddresses({ dom: TEST_DOM, source: 3, flags: 0 }), ErrorCode.ARGUMENT_UNSUPPORTED,
    ErrorDomain.TEST, 'argument unsupported: Unknown IP address data source 3');
});

test('keys: codesets, names and the keycodes each codeset knows', async () => {
  assert.equal(keycodeSetFromName('linux'), 0);
  assert.equal(keycodeSetFromName('qnum'), 9);
  assert.equal(keycodeSetFromName('rfb'), -1);
  assert.equal(keycodeFromName(0, 'KEY_A'), 30);
  assert.equal(keycodeFromName(8, 'VK_A'), 0x41);
  assert.equal(keycodeFromName(5, 'ANSI_A'), 0);
  assert.equal(keycodeFromName(1, 'KEY_A'), -1);
  assert.ok(isKeycodeInSet(0, 0x2ff) === false && isKeycodeInSet(0, 30));
  const conn = await openTest();
  await conn.domainSendKey({ dom: TEST_DOM, codeset: 7, holdtime: 0, keycodes: [4, 0xe7], flags: 0 });
  await rejects(conn.domainSendKey({ dom: TEST_DOM, codeset: 0, holdtime: 0, keycodes: [30, 767], flags: 0 }),
    ErrorCode.INTERNAL_ERROR, ErrorDomain.TEST, 'internal error: invalid keycode 767 of linux codeset');
});

test('MAC addresses parse as virMacAddrParse parses them', () => {
  assert.deepEqual(parseMacAddr('aa:BB:c:dd:ee:ff'), [0xaa, 0xbb, 0xc, 0xdd, 0xee, 0xff]);
  assert.deepEqual(parseMacAddr('aa:bb:cc:dd:ee:ff trailing'), [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
  for (const bad of ['aa:bb:cc:dd:ee', 'aa-bb-cc-dd-ee-ff', 'aaa:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ffx', ' aa:bb:cc:dd:ee:ff']) {
    assert.equal(parseMacAddr(bad), null, bad);
  }
});
