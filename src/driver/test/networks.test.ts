import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectEvents, fixture, openTest } from './node-test-util.js';

const DEFAULT = { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df' };

test('net-dumpxml default is byte-identical to virsh', async () => {
  const c = await openTest();
  const { net } = await c.networkLookupByName({ name: 'default' });
  assert.deepEqual(net, DEFAULT);
  assert.equal((await c.networkGetXMLDesc({ net, flags: 0 })).xml + '\n', fixture('virsh-net-dumpxml-default.out'));
  assert.deepEqual(await c.networkGetBridgeName({ net }), { name: 'virbr0' });
  assert.deepEqual(await c.networkIsActive({ net }), { active: 1 });
  assert.deepEqual(await c.networkIsPersistent({ net }), { persistent: 1 });
  assert.deepEqual(await c.networkGetAutostart({ net }), { autostart: 0 });
});

test('network lookups fail as the test driver reports them', async () => {
  const c = await openTest();
  await assert.rejects(c.networkLookupByName({ name: 'nosuchnet' }), {
    code: 43, domain: 12, message: "Network not found: no network with matching name 'nosuchnet'",
    str1: 'Network not found: %s', str2: "no network with matching name 'nosuchnet'",
  });
  await assert.rejects(c.networkGetXMLDesc({ net: DEFAULT, flags: 1 }), {
    code: 8, domain: 12, message: 'unsupported flags (0x1) in function testNetworkGetXMLDesc',
  });
});

test('network define/start/destroy/undefine emit lifecycle events', async () => {
  const c = await openTest();
  const events = collectEvents(c);
  const { net } = await c.networkDefineXML({ xml: "<network><name>n1</name><uuid>11111111-2222-3333-4444-000000000011</uuid></network>" });
  await c.networkCreate({ net });
  await c.networkDestroy({ net });
  // testNetworkDestroy does not check the state: a second destroy succeeds too.
  await c.networkDestroy({ net });
  await c.networkUndefine({ net });
  const t = await c.networkCreateXML({ xml: "<network><name>t</name><uuid>11111111-2222-3333-4444-000000000012</uuid></network>" });
  await c.networkDestroy({ net: t.net });
  await assert.rejects(c.networkLookupByName({ name: 't' }), { code: 43 });
  const seen = events.map((e) => e.kind === 'network-lifecycle' ? [e.net.name, e.event, e.detail] : e.kind);
  assert.deepEqual(seen, [['n1', 0, 0], ['n1', 2, 0], ['n1', 3, 0], ['n1', 3, 0], ['n1', 1, 0], ['t', 2, 0], ['t', 3, 0]]);
});

test('listAll filters networks by state, persistence and autostart', async () => {
  const c = await openTest();
  const { net } = await c.networkDefineXML({ xml: '<network><name>off</name></network>' });
  await c.networkSetAutostart({ net, autostart: 1 });
  const names = async (flags: number): Promise<string[]> =>
    (await c.connectListAllNetworks({ need_results: 1, flags })).nets.map((n) => n.name).sort();
  assert.deepEqual(await names(0), ['default', 'off']);
  assert.deepEqual(await names(1), ['off']);
  assert.deepEqual(await names(2), ['default']);
  assert.deepEqual(await names(16), ['off']);
  assert.deepEqual(await names(32), ['default']);
  assert.deepEqual(await names(8), []);
  assert.deepEqual(await c.connectListAllNetworks({ need_results: 0, flags: 0 }), { nets: [], ret: 2 });
  await assert.rejects(c.connectListAllNetworks({ need_results: 1, flags: 64 }), {
    message: 'unsupported flags (0x40) in function testConnectListAllNetworks',
  });
});

test('a defined network gets a random v4 UUID and libvirt defaults', async () => {
  const c = await openTest();
  const { net } = await c.networkDefineXML({ xml: '<network><name>n1</name></network>' });
  assert.match(net.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal((await c.networkGetXMLDesc({ net, flags: 0 })).xml,
    `<network>\n  <name>n1</name>\n  <uuid>${net.uuid}</uuid>\n  <bridge stp='on' delay='0'/>\n</network>\n`);
  await assert.rejects(c.networkGetBridgeName({ net }), {
    code: 1, domain: 12, message: "internal error: network 'n1' does not have a bridge name.",
  });
});
