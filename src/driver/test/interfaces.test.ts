import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, openTest } from './node-test-util.js';

test('iface-dumpxml eth1 is byte-identical to virsh', async () => {
  const c = await openTest();
  const { iface } = await c.interfaceLookupByName({ name: 'eth1' });
  assert.deepEqual(iface, { name: 'eth1', mac: 'aa:bb:cc:dd:ee:ff' });
  assert.equal((await c.interfaceGetXMLDesc({ iface, flags: 0 })).xml + '\n', fixture('virsh-iface-dumpxml-eth1.out'));
  assert.deepEqual(await c.interfaceIsActive({ iface }), { active: 1 });
});

test('interface listing and MAC lookup', async () => {
  const c = await openTest();
  assert.deepEqual(await c.connectListAllInterfaces({ need_results: 1, flags: 2 }),
    { ifaces: [{ name: 'eth1', mac: 'aa:bb:cc:dd:ee:ff' }], ret: 1 });
  assert.deepEqual(await c.connectListAllInterfaces({ need_results: 1, flags: 1 }), { ifaces: [], ret: 0 });
  await assert.rejects(c.connectListAllInterfaces({ need_results: 1, flags: 4 }), {
    message: 'unsupported flags (0x4) in function testConnectListAllInterfaces',
  });
  // The MAC given is echoed back as given.
  assert.deepEqual(await c.interfaceLookupByMACString({ mac: 'AA:BB:CC:DD:EE:FF' }),
    { iface: { name: 'eth1', mac: 'AA:BB:CC:DD:EE:FF' } });
  await assert.rejects(c.interfaceLookupByMACString({ mac: '00:00:00:00:00:00' }), {
    code: 57, domain: 12, message: "Interface not found: no interface with matching mac '00:00:00:00:00:00'",
  });
});
