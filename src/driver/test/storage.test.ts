import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectEvents, fixture, openTest } from './node-test-util.js';

const POOL = { name: 'default-pool', uuid: 'dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566' };
const GiB100 = 107374182400;

test('pool-dumpxml default-pool is byte-identical to virsh', async () => {
  const c = await openTest();
  const { pool } = await c.storagePoolLookupByName({ name: 'default-pool' });
  assert.deepEqual(pool, POOL);
  assert.equal((await c.storagePoolGetXMLDesc({ pool, flags: 0 })).xml + '\n', fixture('virsh-pool-dumpxml-default-pool.out'));
  assert.deepEqual(await c.storagePoolGetInfo({ pool }), { state: 2, capacity: GiB100, allocation: 0, available: GiB100 });
});

test('vol-create-as bookkeeps allocation on the pool and vol-delete gives it back', async () => {
  const c = await openTest();
  const xml = '<volume>\n  <name>vol1.img</name>\n  <capacity>1048576</capacity>\n</volume>\n';
  const { vol } = await c.storageVolCreateXML({ pool: POOL, xml, flags: 0 });
  assert.deepEqual(vol, { pool: 'default-pool', name: 'vol1.img', key: '/default-pool/vol1.img' });
  assert.deepEqual(await c.storageVolGetPath({ vol }), { name: '/default-pool/vol1.img' });
  assert.deepEqual(await c.storageVolGetInfo({ vol }), { type: 0, capacity: 1048576, allocation: 1048576 });
  assert.equal((await c.storageVolGetXMLDesc({ vol, flags: 0 })).xml,
    "<volume type='file'>\n  <name>vol1.img</name>\n  <key>/default-pool/vol1.img</key>\n" +
    "  <capacity unit='bytes'>1048576</capacity>\n  <allocation unit='bytes'>1048576</allocation>\n" +
    "  <target>\n    <path>/default-pool/vol1.img</path>\n    <format type='raw'/>\n  </target>\n</volume>\n");
  assert.deepEqual(await c.storagePoolGetInfo({ pool: POOL }),
    { state: 2, capacity: GiB100, allocation: 1048576, available: GiB100 - 1048576 });
  assert.deepEqual(await c.storageVolLookupByKey({ key: '/default-pool/vol1.img' }), { vol });
  assert.deepEqual(await c.storageVolLookupByPath({ path: '/default-pool/vol1.img' }), { vol });
  assert.deepEqual(await c.storagePoolLookupByVolume({ vol }), { pool: POOL });
  await assert.rejects(c.storageVolCreateXML({ pool: POOL, xml, flags: 0 }), {
    code: 9, domain: 12, message: 'operation failed: storage vol already exists',
  });
  await c.storageVolDelete({ vol, flags: 0 });
  assert.deepEqual(await c.storagePoolGetInfo({ pool: POOL }), { state: 2, capacity: GiB100, allocation: 0, available: GiB100 });
  await assert.rejects(c.storageVolGetInfo({ vol }), {
    code: 50, domain: 12, message: "Storage volume not found: no storage vol with matching name 'vol1.img'",
  });
});

test('the test driver leaves upload/download/wipe/resize unsupported', async () => {
  const c = await openTest();
  for (const m of ['storageVolUpload', 'storageVolDownload', 'storageVolWipe', 'storageVolResize']) {
    assert.equal((c as Record<string, unknown>)[m], undefined, m);
  }
});

test('pool lifecycle emits the test driver\'s events', async () => {
  const c = await openTest();
  const events = collectEvents(c);
  const xml = "<pool type='dir'>\n  <name>p1</name>\n  <target>\n    <path>/x</path>\n  </target>\n</pool>\n";
  const { pool } = await c.storagePoolDefineXML({ xml, flags: 0 });
  assert.deepEqual(await c.storagePoolIsActive({ pool }), { active: 0 });
  assert.deepEqual(await c.storagePoolIsPersistent({ pool }), { persistent: 1 });
  await c.storagePoolBuild({ pool, flags: 0 });
  await c.storagePoolCreate({ pool, flags: 0 });
  await c.storagePoolRefresh({ pool, flags: 0 });
  await c.storagePoolDestroy({ pool });
  await c.storagePoolDelete({ pool, flags: 0 });
  await c.storagePoolUndefine({ pool });
  const t = await c.storagePoolCreateXML({ xml: "<pool type='dir'><name>t</name><target><path>/t</path></target></pool>", flags: 0 });
  assert.deepEqual(await c.storagePoolIsPersistent({ pool: t.pool }), { persistent: 0 });
  await assert.rejects(c.storagePoolSetAutostart({ pool: t.pool, autostart: 1 }), {
    code: 8, domain: 12, message: 'invalid argument: pool has no config file',
  });
  await c.storagePoolDestroy({ pool: t.pool });
  await assert.rejects(c.storagePoolLookupByName({ name: 't' }), { code: 49, domain: 12 });
  const seen = events.map((e) => e.kind === 'storage-pool-lifecycle' ? [e.pool.name, e.event] : e.kind);
  assert.deepEqual(seen, [['p1', 0], ['p1', 4], ['p1', 2], 'storage-pool-refresh', ['p1', 3], ['p1', 5], ['p1', 1], ['t', 2], ['t', 3]]);
});

test('inactive pools refuse volume operations like the test driver', async () => {
  const c = await openTest();
  await c.storagePoolDestroy({ pool: POOL });
  await assert.rejects(c.storagePoolListAllVolumes({ pool: POOL, need_results: 1, flags: 0 }), {
    code: 55, domain: 12, message: 'Requested operation is not valid: storage pool is not active',
  });
  await assert.rejects(c.storagePoolNumOfVolumes({ pool: POOL }), {
    message: "Requested operation is not valid: storage pool 'default-pool' is not active",
  });
  await assert.rejects(c.storagePoolDestroy({ pool: POOL }), { code: 55 });
  assert.deepEqual(await c.storagePoolGetInfo({ pool: POOL }), { state: 0, capacity: GiB100, allocation: 0, available: GiB100 });
});
