/**
 * The test driver's host, CPU and node device calls in their RPC shape,
 * including the layouts virsh never asks for. Expected values are libvirt
 * 9.0's, as libvirt-python reports them on test:///default.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTest } from './node-test-util.js';

const TEST_DOM = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };
const POOL = { name: 'default-pool', uuid: 'dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566' };
const ULLONG = 4;

test('domainGetCPUStats: counts, per-CPU pairs in CPU order, totals', async () => {
  const c = await openTest();
  const call = (nparams: number, start_cpu: number, ncpus: number) =>
    c.domainGetCPUStats({ dom: TEST_DOM, nparams, start_cpu, ncpus, flags: 0 });
  assert.deepEqual(await call(0, 0, 0), { params: [], nparams: 2 }); // CPUs: the node's cores
  assert.deepEqual(await call(0, 0, 1), { params: [], nparams: 2 }); // values per CPU
  assert.deepEqual(await call(0, -1, 1), { params: [], nparams: 3 });
  const per = await call(2, 0, 2);
  assert.equal(per.nparams, 2);
  assert.deepEqual(per.params.map((p) => [p.field, p.type, p.value]), [
    ['cpu_time', ULLONG, 24386308517], ['vcpu_time', ULLONG, 23151740627],
    ['cpu_time', ULLONG, 24386308518], ['vcpu_time', ULLONG, 23151740628],
  ]);
  assert.deepEqual((await call(1, 1, 5)).params.map((p) => p.value), [24386308518]);
  assert.deepEqual((await call(3, -1, 1)).params.map((p) => [p.field, p.value]),
    [['cpu_time', 48772617035], ['user_time', 5540000000], ['system_time', 6460000000]]);
  await assert.rejects(call(2, 2, 1), { code: 8, message: 'invalid argument: start_cpu 2 larger than maximum of 1' });
  await c.domainDestroy({ dom: TEST_DOM });
  await assert.rejects(call(0, -1, 1), { code: 55, message: 'Requested operation is not valid: domain is not running' });
});

test('nodeGetCPUStats and nodeGetFreePages: the fixed counters and made-up counts', async () => {
  const c = await openTest();
  assert.deepEqual(await c.nodeGetCPUStats({ cpuNum: 5, nparams: 0, flags: 0 }), { params: [], nparams: 4 });
  assert.deepEqual(await c.nodeGetCPUStats({ cpuNum: -1, nparams: 2, flags: 0 }), {
    params: [{ field: 'user', value: 9797400000n }, { field: 'kernel', value: 34678723400000n }], nparams: 2,
  });
  assert.deepEqual(await c.nodeGetFreePages({ pages: [4, 8], startCell: 0, cellCount: 2, flags: 0 }),
    { counts: [19, 45, 97, 201] });
  // virNodeGetFreePages's own checks (measured with libvirt-python on test:///default); without them
  // no pages and 2^31 cells looped 2^31 times.
  await assert.rejects(c.nodeGetFreePages({ pages: [], startCell: 0, cellCount: 2851005326, flags: 0 }),
    { code: 8, domain: 20, message: 'npages in virNodeGetFreePages must not be zero' });
  await assert.rejects(c.nodeGetFreePages({ pages: [4], startCell: 0, cellCount: 0, flags: 0 }),
    { code: 8, domain: 20, message: 'cellCount in virNodeGetFreePages must not be zero' });
  await assert.rejects(c.nodeGetCPUStats({ cpuNum: -1, nparams: 0, flags: 1 }),
    { message: 'unsupported flags (0x1) in function testNodeGetCPUStats' });
});

test('connectGetCPUModelNames and connectBaselineCPU by architecture', async () => {
  const c = await openTest();
  assert.deepEqual(await c.connectGetCPUModelNames({ arch: 'aarch64', need_results: 1, flags: 0 }), { models: [], ret: 0 });
  assert.equal((await c.connectGetCPUModelNames({ arch: 'x86_64', need_results: 0, flags: 0 })).ret, 58);
  await assert.rejects(c.connectGetCPUModelNames({ arch: 'arm', need_results: 1, flags: 0 }),
    { code: 8, domain: 12, message: 'invalid argument: cannot find architecture arm' });
  await assert.rejects(c.connectGetCPUModelNames({ arch: 'alpha', need_results: 1, flags: 0 }),
    { code: 3, domain: 31, message: "this function is not supported by the connection driver: 'alpha' architecture is not supported by CPU driver" });
  assert.equal((await c.connectBaselineCPU({ xmlCPUs: ['<cpu><arch>aarch64</arch><model>a</model></cpu>'], flags: 0 })).cpu,
    "<cpu mode='custom' match='exact'>\n  <model fallback='allow'>a</model>\n</cpu>\n");
  await assert.rejects(c.connectBaselineCPU({ xmlCPUs: [], flags: 0 }),
    { code: 8, domain: 31, message: 'invalid argument: no CPUs given' });
  await assert.rejects(c.connectBaselineCPU({ xmlCPUs: ['<cpu><arch>s390x</arch><model>a</model></cpu>'], flags: 0 }),
    { code: 3, domain: 31, message: 'this function is not supported by the connection driver: cannot compute baseline CPU of s390x architecture' });
});

test('nodeDeviceDestroy leaves devices that are no FC HBA; nodeDeviceCreateXML mocks scsi_host12', async () => {
  const c = await openTest();
  await c.nodeDeviceDestroy({ name: 'computer' });
  assert.deepEqual(await c.nodeDeviceLookupByName({ name: 'computer' }), { dev: { name: 'computer' } });
  const xml = "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability type='fc_host'>"
    + '<wwnn>2000000012341299</wwnn><wwpn>1000000012341299</wwpn></capability></capability></device>';
  assert.deepEqual(await c.nodeDeviceCreateXML({ xml_desc: xml, flags: 0 }), { dev: { name: 'scsi_host12' } });
  assert.equal((await c.nodeDeviceGetParent({ name: 'scsi_host12' })).parentName, 'scsi_host1');
  await c.nodeDeviceDestroy({ name: 'scsi_host12' });
  await assert.rejects(c.nodeDeviceLookupByName({ name: 'scsi_host12' }), { code: 53 }); // VIR_ERR_NO_NODE_DEVICE
});

test('storageVolCreateXMLFrom and connectFindStoragePoolSources errors', async () => {
  const c = await openTest();
  const { vol } = await c.storageVolCreateXML({ pool: POOL, xml: '<volume><name>a</name><capacity>10</capacity></volume>', flags: 0 });
  const from = (xml: string, flags = 0) => c.storageVolCreateXMLFrom({ pool: POOL, xml, clonevol: vol, flags });
  assert.deepEqual(await from('<volume><name>b</name><capacity>10</capacity></volume>'),
    { vol: { pool: 'default-pool', name: 'b', key: '/default-pool/b' } });
  await assert.rejects(from('<volume><name>c</name><capacity>10</capacity></volume>', 1),
    { message: 'unsupported flags (0x1) in function testStorageVolCreateXMLFrom' });
  await assert.rejects(c.storageVolCreateXMLFrom({ pool: POOL, xml: '<volume><name>c</name><capacity>1</capacity></volume>',
    clonevol: { ...vol, name: 'gone' }, flags: 0 }), { code: 50, message: "Storage volume not found: no storage vol with matching name 'gone'" });
  await assert.rejects(c.connectFindStoragePoolSources({ type: 'dir', srcSpec: null, flags: 0 }),
    { code: 1, domain: 12, message: 'internal error: unknown storage pool type dir' });
});
