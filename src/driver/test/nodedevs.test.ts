import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, openTest } from './node-test-util.js';

test('nodedev-dumpxml of every default device is byte-identical to virsh', async () => {
  const c = await openTest();
  for (const name of ['computer', 'scsi_host1', 'scsi_host2', 'scsi_host11']) {
    assert.deepEqual(await c.nodeDeviceLookupByName({ name }), { dev: { name } });
    const { xml } = await c.nodeDeviceGetXMLDesc({ name, flags: 0 });
    assert.equal(xml + '\n', fixture(`virsh-nodedev-dumpxml-${name}.out`), name);
  }
});

test('virsh nodedev-list fails against the 9.0 test driver, as on the wire', async () => {
  const c = await openTest();
  for (const flags of [0x80000000, 0xc0000000]) {
    await assert.rejects(c.connectListAllNodeDevices({ need_results: 1, flags }), {
      code: 8, domain: 12, level: 2,
      message: `unsupported flags (0x${(flags >>> 0).toString(16)}) in function testConnectListAllNodeDevices`,
      str1: 'testConnectListAllNodeDevices', str2: 'flags', str3: null, int1: 0, int2: 0,
    });
  }
  assert.match(fixture('virsh-nodedev-list.err'), /unsupported flags \(0x80000000\) in function testConnectListAllNodeDevices/);
});

test('capability filters, including the nested fc_host and vports', async () => {
  const c = await openTest();
  const list = async (flags: number): Promise<string[]> =>
    (await c.connectListAllNodeDevices({ need_results: 1, flags })).devices.map((d) => d.name).sort();
  assert.deepEqual(await list(0), ['computer', 'scsi_host1', 'scsi_host11', 'scsi_host2']);
  assert.deepEqual(await list(1 << 0), ['computer']);
  assert.deepEqual(await list(1 << 9), ['scsi_host1', 'scsi_host11', 'scsi_host2']);
  assert.deepEqual(await list(1 << 10), ['scsi_host1', 'scsi_host2']);
  assert.deepEqual(await c.nodeNumOfDevices({ cap: 'vports', flags: 0 }), { num: 2 });
  assert.deepEqual((await c.nodeListDevices({ cap: 'scsi_host', maxnames: 2, flags: 0 })).names.length, 2);
  await assert.rejects(c.nodeNumOfDevices({ cap: null, flags: 1 }), {
    message: 'unsupported flags (0x1) in function testNodeNumOfDevices',
  });
});

test('getParent: the parent name, or the test driver\'s error for a root device', async () => {
  const c = await openTest();
  assert.deepEqual(await c.nodeDeviceGetParent({ name: 'scsi_host11' }), { parentName: 'scsi_host1' });
  await assert.rejects(c.nodeDeviceGetParent({ name: 'computer' }), {
    code: 1, domain: 12, message: 'internal error: no parent for this device',
  });
  await assert.rejects(c.nodeDeviceLookupByName({ name: 'nope' }), {
    code: 53, domain: 12, message: "Node device not found: no node device with matching name 'nope'",
  });
});
