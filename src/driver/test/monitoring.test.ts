/**
 * The test driver's monitoring calls (vCPUs, memory stats, block info,
 * guest time, domain stats, the host CPU map) and the name-list calls of
 * networks, pools and volumes. Expected values are what stock libvirt 9.0
 * printed for the same host (virsh vcpuinfo/domblkinfo/dommemstat/domtime/
 * domstats/nodecpumap and libvirt-python).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DomainRef } from '../driver.js';
import { isVirtError } from '../../errors.js';
import { openTest } from './node-test-util.js';

const TEST_DOM: DomainRef = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };

/** Asserts that `p` rejects with libvirt's code, domain and message. */
async function rejects(p: Promise<unknown>, code: number, domain: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVirtError(e));
    assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
    return true;
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tsvirt-monitoring-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A host with pinned and sparse vCPUs, disks of every source kind, no balloon, paused and shut-off domains. */
const HOST = join(dir, 'host.xml');
writeFileSync(HOST, `<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>2</threads></cpu>
  <domain type='test'>
    <name>pinned</name>
    <uuid>11111111-1111-1111-1111-111111111111</uuid>
    <memory>4194304</memory>
    <currentMemory>1000001</currentMemory>
    <vcpu placement='static' cpuset='1-2' current='3'>4</vcpu>
    <cputune><vcpupin vcpu='1' cpuset='0,3'/></cputune>
    <os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'><source file='/img/a.img'/><target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
      <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vdb' bus='virtio'/></disk>
      <disk type='file' device='disk'><source file='/img/a.img'/><target dev='vdc' bus='virtio'/></disk>
      <disk type='network' device='disk'><source protocol='nbd' name='vol1'><host name='h'/></source><target dev='vdd' bus='virtio'/></disk>
      <disk type='dir' device='disk'><source dir='/srv/dir'/><target dev='hdd' bus='ide'/></disk>
      <memballoon model='virtio'/>
    </devices>
  </domain>
  <domain type='test'>
    <name>noballoon</name>
    <uuid>22222222-1111-1111-1111-111111111111</uuid>
    <memory>1024</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices><memballoon model='none'/></devices>
  </domain>
  <domain type='test'>
    <name>sparse</name>
    <uuid>33333333-1111-1111-1111-111111111111</uuid>
    <memory>1024</memory>
    <vcpu current='2'>4</vcpu>
    <vcpus>
      <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>
      <vcpu id='1' enabled='no' hotpluggable='yes'/>
      <vcpu id='2' enabled='yes' hotpluggable='yes' order='2'/>
      <vcpu id='3' enabled='no' hotpluggable='yes'/>
    </vcpus>
    <os><type>hvm</type></os>
  </domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>paused</name>
    <uuid>44444444-1111-1111-1111-111111111111</uuid>
    <memory>1024</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <test:runstate>3</test:runstate>
  </domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>off</name>
    <uuid>55555555-1111-1111-1111-111111111111</uuid>
    <memory>1024</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
  <network><name>n1</name><uuid>aaaaaaaa-1111-1111-1111-111111111111</uuid><bridge name='br1'/></network>
  <pool type='dir'><name>p1</name><uuid>bbbbbbbb-1111-1111-1111-111111111111</uuid><target><path>/p1</path></target>
    <volume><name>v2</name><capacity>10</capacity></volume><volume><name>v1</name><capacity>10</capacity></volume></pool>
</node>
`);

const TEB = 1099511627776;
const BLOCK_INFO = { allocation: TEB, capacity: TEB - 5177344, physical: TEB };

test('vcpuinfo test: both vCPUs running on CPU 15, pinned to all 16 host CPUs, time from the clock', async () => {
  const c = await openTest();
  const before = BigInt(Date.now()) * 100n;
  const { info, cpumaps } = await c.domainGetVcpus({ dom: TEST_DOM, maxinfo: 2, maplen: 1 });
  assert.deepEqual(info.map((v) => [v.number, v.state, v.cpu]), [[0, 1, 15], [1, 1, 15]]);
  // g_get_real_time() / 10: microseconds since the epoch, tenths.
  for (const v of info) assert.ok(v.cpu_time >= before && v.cpu_time <= BigInt(Date.now()) * 100n + 100n);
  assert.deepEqual([...cpumaps], [0xff, 0xff]);
  // maplen 2 shows all 16 CPUs; maxinfo beyond the vCPUs keeps the daemon's buffer size.
  const wide = await c.domainGetVcpus({ dom: TEST_DOM, maxinfo: 4, maplen: 2 });
  assert.equal(wide.info.length, 2);
  assert.deepEqual([...wide.cpumaps], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  assert.deepEqual((await c.domainGetVcpus({ dom: TEST_DOM, maxinfo: 1, maplen: 0 })).cpumaps, new Uint8Array(0));
  await c.domainDestroy({ dom: TEST_DOM });
  await rejects(c.domainGetVcpus({ dom: TEST_DOM, maxinfo: 2, maplen: 1 }), 55, 12,
    'Requested operation is not valid: cannot list vcpus for an inactive domain');
});

test('vCPUs follow <vcpupin>, the <vcpu> cpuset and <vcpus> (offline ones are left zeroed)', async () => {
  const c = await openTest(HOST);
  const pinned = (await c.domainLookupByName({ name: 'pinned' })).dom;
  const p = await c.domainGetVcpus({ dom: pinned, maxinfo: 3, maplen: 1 });
  assert.deepEqual(p.info.map((v) => [v.number, v.state, v.cpu]), [[0, 1, 2], [1, 1, 3], [2, 1, 2]]);
  assert.deepEqual([...p.cpumaps], [0b0110, 0b1001, 0b0110]);
  const nb = (await c.domainLookupByName({ name: 'noballoon' })).dom;
  // 1 node × 1 socket × 2 cores × 2 threads: CPUs 0-3.
  assert.deepEqual((await c.domainGetVcpus({ dom: nb, maxinfo: 1, maplen: 1 })).info[0]!.cpu, 3);
  const sparse = (await c.domainLookupByName({ name: 'sparse' })).dom;
  const s = await c.domainGetVcpus({ dom: sparse, maxinfo: 2, maplen: 1 });
  assert.deepEqual(s.info, [s.info[0], { number: 0, state: 0, cpu_time: 0n, cpu: 0 }]);
  assert.deepEqual([s.info[0]!.number, s.info[0]!.cpu], [0, 3]);
  assert.deepEqual([...s.cpumaps], [0x0f, 0]);
});

test('dommemstat test: the balloon-derived stats in libvirt\'s order; none without a balloon', async () => {
  const c = await openTest();
  const { stats } = await c.domainMemoryStats({ dom: TEST_DOM, maxStats: 13, flags: 0 });
  assert.deepEqual(stats.map((s) => [s.tag, s.val]), [
    [6, 2097152], [0, 0], [1, 0], [2, 0], [3, 0], [4, 1048576], [5, 2097152], [8, 1048576], [9, 627319920],
    [10, 262144], [11, 0], [12, 0], [7, 1048576],
  ]);
  assert.deepEqual((await c.domainMemoryStats({ dom: TEST_DOM, maxStats: 2, flags: 0 })).stats,
    [{ tag: 6, val: 2097152 }, { tag: 0, val: 0 }]);
  assert.equal((await c.domainMemoryStats({ dom: TEST_DOM, maxStats: 64, flags: 0 })).stats.length, 13);
  assert.deepEqual((await c.domainMemoryStats({ dom: TEST_DOM, maxStats: 0, flags: 7 })).stats, []);
  await rejects(c.domainMemoryStats({ dom: TEST_DOM, maxStats: 13, flags: 1 }), 8, 12,
    'unsupported flags (0x1) in function testDomainMemoryStats');

  const h = await openTest(HOST);
  const pinned = (await h.domainLookupByName({ name: 'pinned' })).dom;
  const odd = (await h.domainMemoryStats({ dom: pinned, maxStats: 13, flags: 0 })).stats;
  assert.deepEqual(odd.filter((s) => [4, 7, 8, 10].includes(s.tag)).map((s) => s.val), [500000, 500000, 125000, 500000]);
  const nb = (await h.domainLookupByName({ name: 'noballoon' })).dom;
  assert.deepEqual((await h.domainMemoryStats({ dom: nb, maxStats: 13, flags: 0 })).stats, []);
  await h.domainDestroy({ dom: nb });
  await rejects(h.domainMemoryStats({ dom: nb, maxStats: 13, flags: 0 }), 55, 20,
    'Requested operation is not valid: domain is not running');
});

test('domblkinfo: fixed sizes for a disk by target or unique source path, libvirt\'s errors otherwise', async () => {
  const c = await openTest();
  assert.deepEqual(await c.domainGetBlockInfo({ dom: TEST_DOM, path: 'vda', flags: 0 }), BLOCK_INFO);
  assert.deepEqual(await c.domainGetBlockInfo({ dom: TEST_DOM, path: '/guest/diskimage1', flags: 0 }), BLOCK_INFO);
  await rejects(c.domainGetBlockInfo({ dom: TEST_DOM, path: 'vdb', flags: 0 }), 8, 12,
    'invalid argument: invalid path vdb not assigned to domain');
  await rejects(c.domainGetBlockInfo({ dom: TEST_DOM, path: 'vda', flags: 1 }), 8, 12,
    'unsupported flags (0x1) in function testDomainGetBlockInfo');
  // An inactive domain answers too.
  await c.domainDestroy({ dom: TEST_DOM });
  assert.deepEqual(await c.domainGetBlockInfo({ dom: TEST_DOM, path: 'vda', flags: 0 }), BLOCK_INFO);

  const h = await openTest(HOST);
  const dom = (await h.domainLookupByName({ name: 'pinned' })).dom;
  for (const path of ['vda', 'vdb', '/dev/sdb', 'vdd', '/srv/dir', 'hdd']) {
    assert.deepEqual(await h.domainGetBlockInfo({ dom, path, flags: 0 }), BLOCK_INFO, path);
  }
  await rejects(h.domainGetBlockInfo({ dom, path: 'hdc', flags: 0 }), 8, 12,
    "invalid argument: disk 'hdc' does not currently have a source assigned");
  // Two disks share it: ambiguous. A network disk's name is not a path.
  for (const path of ['/img/a.img', 'vol1', '/nope']) {
    await rejects(h.domainGetBlockInfo({ dom, path, flags: 0 }), 8, 12, `invalid argument: invalid path ${path} not assigned to domain`);
  }
});

test('domtime: 627319920 s (1989-11-17 15:32:00) while running, an error otherwise', async () => {
  const c = await openTest();
  assert.deepEqual(await c.domainGetTime({ dom: TEST_DOM, flags: 0 }), { seconds: 627319920, nseconds: 0 });
  await rejects(c.domainGetTime({ dom: TEST_DOM, flags: 1 }), 8, 12, 'unsupported flags (0x1) in function testDomainGetTime');
  await c.domainSuspend({ dom: TEST_DOM });
  await rejects(c.domainGetTime({ dom: TEST_DOM, flags: 0 }), 55, 12, 'Requested operation is not valid: domain is not running');
});

test('domstats: the state group for every domain, filtered by the list flags', async () => {
  const c = await openTest();
  const state = (state: number, reason: number) => [
    { field: 'state.state', type: 1, value: state }, { field: 'state.reason', type: 1, value: reason },
  ];
  assert.deepEqual(await c.connectGetAllDomainStats({ doms: [], stats: 0, flags: 0 }),
    { retStats: [{ dom: TEST_DOM, params: state(1, 0) }] });
  // Groups the test driver lacks give nothing, unless enforced; IOTHREAD is known but empty.
  assert.deepEqual((await c.connectGetAllDomainStats({ doms: [], stats: 2, flags: 0 })).retStats[0]!.params, []);
  assert.deepEqual((await c.connectGetAllDomainStats({ doms: [], stats: 128, flags: 0x80000000 })).retStats[0]!.params, []);
  await rejects(c.connectGetAllDomainStats({ doms: [], stats: 0x802, flags: 0x80000000 }), 74, 12,
    'argument unsupported: Stats types bits 0x802 are not supported by this daemon');
  await rejects(c.connectGetAllDomainStats({ doms: [], stats: 0, flags: 0x1000 }), 8, 12,
    'unsupported flags (0x1000) in function testConnectGetAllDomainStats');

  const h = await openTest(HOST);
  const names = async (flags: number) => (await h.connectGetAllDomainStats({ doms: [], stats: 1, flags })).retStats
    .map((r) => `${r.dom.name}:${String(r.params[0]!.value)}`);
  assert.deepEqual(await names(0), ['pinned:1', 'noballoon:1', 'sparse:1', 'paused:3', 'off:5']);
  assert.deepEqual(await names(2), ['off:5']);
  assert.deepEqual(await names(32), ['paused:3']);
  assert.deepEqual(await names(16 | 64), ['pinned:1', 'noballoon:1', 'sparse:1', 'off:5']);
  // virDomainListGetStats: the given domains in their order, missing ones skipped, then filtered.
  const off = (await h.domainLookupByName({ name: 'off' })).dom;
  const pinned = (await h.domainLookupByName({ name: 'pinned' })).dom;
  const gone = { name: 'gone', uuid: '66666666-1111-1111-1111-111111111111', id: -1 };
  const listed = await h.connectGetAllDomainStats({ doms: [off, gone, pinned], stats: 1, flags: 0 });
  assert.deepEqual(listed.retStats.map((r) => r.dom), [off, pinned]);
  assert.deepEqual((await h.connectGetAllDomainStats({ doms: [off, pinned], stats: 0, flags: 1 })).retStats.map((r) => r.dom.name),
    ['pinned']);
});

test('nodecpumap: 8 CPUs, map y-y-y--- and 3 online, each part only when asked', async () => {
  const c = await openTest();
  assert.deepEqual(await c.nodeGetCPUMap({ need_map: 1, need_online: 1, flags: 0 }),
    { cpumap: Uint8Array.of(0x15), online: 3, ret: 8 });
  assert.deepEqual(await c.nodeGetCPUMap({ need_map: 0, need_online: 0, flags: 0 }),
    { cpumap: new Uint8Array(0), online: 0, ret: 8 });
  await rejects(c.nodeGetCPUMap({ need_map: 0, need_online: 0, flags: 2 }), 8, 12,
    'unsupported flags (0x2) in function testNodeGetCPUMap');
});

test('network, pool and volume name lists: active and inactive ones, up to maxnames', async () => {
  const c = await openTest(HOST);
  const nets = async () => [(await c.connectNumOfNetworks()).num, (await c.connectListNetworks({ maxnames: 10 })).names,
    (await c.connectNumOfDefinedNetworks()).num, (await c.connectListDefinedNetworks({ maxnames: 10 })).names];
  const pools = async () => [(await c.connectNumOfStoragePools()).num, (await c.connectListStoragePools({ maxnames: 10 })).names,
    (await c.connectNumOfDefinedStoragePools()).num, (await c.connectListDefinedStoragePools({ maxnames: 10 })).names];
  const pool = { name: 'p1', uuid: 'bbbbbbbb-1111-1111-1111-111111111111' };
  assert.deepEqual(await nets(), [1, ['n1'], 0, []]);
  assert.deepEqual(await pools(), [1, ['p1'], 0, []]);
  assert.deepEqual((await c.storagePoolListVolumes({ pool, maxnames: 10 })).names.sort(), ['v1', 'v2']);
  assert.equal((await c.storagePoolListVolumes({ pool, maxnames: 1 })).names.length, 1);
  assert.deepEqual((await c.connectListNetworks({ maxnames: 0 })).names, []);
  await c.networkDestroy({ net: { name: 'n1', uuid: 'aaaaaaaa-1111-1111-1111-111111111111' } });
  await c.storagePoolDestroy({ pool });
  assert.deepEqual(await nets(), [0, [], 1, ['n1']]);
  assert.deepEqual(await pools(), [0, [], 1, ['p1']]);
  await rejects(c.storagePoolListVolumes({ pool, maxnames: 10 }), 55, 12,
    "Requested operation is not valid: storage pool 'p1' is not active");

  const d = await openTest();
  assert.deepEqual([(await d.connectListNetworks({ maxnames: 10 })).names, (await d.connectListStoragePools({ maxnames: 10 })).names],
    [['default'], ['default-pool']]);
});
