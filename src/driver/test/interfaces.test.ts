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

const ETH2 = "<interface type='ethernet' name='eth2'><mac address='aa:bb:cc:dd:ee:01'/></interface>";

test('interface define, start, destroy and undefine', async () => {
  const c = await openTest();
  const { iface } = await c.interfaceDefineXML({ xml: ETH2, flags: 0 });
  assert.deepEqual(iface, { name: 'eth2', mac: 'aa:bb:cc:dd:ee:01' });
  assert.deepEqual(await c.interfaceIsActive({ iface }), { active: 0 });
  assert.deepEqual(await c.connectListDefinedInterfaces({ maxnames: 10 }), { names: ['eth2'] });
  await c.interfaceCreate({ iface, flags: 0 });
  // A second start is refused with libvirt's bare "operation invalid".
  await assert.rejects(c.interfaceCreate({ iface, flags: 0 }), { message: 'Requested operation is not valid' });
  await c.interfaceDestroy({ iface, flags: 0 });
  await assert.rejects(c.interfaceDestroy({ iface, flags: 0 }), { message: 'Requested operation is not valid' });
  // Undefine removes an interface whatever its state.
  const eth1 = (await c.interfaceLookupByName({ name: 'eth1' })).iface;
  await c.interfaceUndefine({ iface: eth1 });
  await assert.rejects(c.interfaceLookupByName({ name: 'eth1' }), { message: "Interface not found: no interface with matching name 'eth1'" });
  await assert.rejects(c.interfaceDefineXML({ xml: ETH2, flags: 2 }), {
    message: 'unsupported flags (0x2) in function testInterfaceDefineXML',
  });
});

test('interface change transactions', async () => {
  const c = await openTest();
  await assert.rejects(c.interfaceChangeCommit({ flags: 0 }), {
    message: 'Requested operation is not valid: no transaction running, nothing to be committed.',
  });
  await c.interfaceChangeBegin({ flags: 0 });
  await assert.rejects(c.interfaceChangeBegin({ flags: 0 }), {
    message: 'Requested operation is not valid: there is another transaction running.',
  });
  await c.interfaceDefineXML({ xml: ETH2, flags: 0 });
  await c.interfaceChangeRollback({ flags: 0 });
  // The restore point holds copies of the definitions, all inactive (virInterfaceObjListClone).
  assert.deepEqual(await c.connectListAllInterfaces({ need_results: 1, flags: 3 }),
    { ifaces: [{ name: 'eth1', mac: 'aa:bb:cc:dd:ee:ff' }], ret: 1 });
  assert.deepEqual(await c.connectNumOfInterfaces(), { num: 0 });
  await assert.rejects(c.interfaceChangeRollback({ flags: 0 }), {
    message: 'Requested operation is not valid: no transaction running, nothing to rollback.',
  });
});
