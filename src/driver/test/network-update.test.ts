import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTest } from './node-test-util.js';
import { UpdateCommand as C, UpdateFlags as F, UpdateSection as S } from './network-update.js';

const HOST = "<host mac='52:54:00:00:00:10' name='h' ip='192.168.122.10'/>";

test('networkUpdate changes the live definition of a running network', async () => {
  const c = await openTest();
  const { net } = await c.networkLookupByName({ name: 'default' });
  await c.networkUpdate({ net, command: C.ADD_LAST, section: S.IP_DHCP_HOST, parentIndex: -1, xml: HOST, flags: F.AFFECT_CURRENT });
  assert.match((await c.networkGetXMLDesc({ net, flags: 0 })).xml, /<host mac='52:54:00:00:00:10' name='h' ip='192.168.122.10'\/>/);
  await assert.rejects(c.networkUpdate({ net, command: C.ADD_FIRST, section: S.IP_DHCP_HOST, parentIndex: -1, xml: HOST, flags: 0 }), {
    message: "Requested operation is not valid: there is an existing dhcp host entry in network 'default' that matches \"<host mac='52:54:00:00:00:10' name='h' ip='192.168.122.10'/>\"",
  });
  await c.networkUpdate({ net, command: C.DELETE, section: S.IP_DHCP_HOST, parentIndex: -1, xml: "<host name='h'/>", flags: 0 });
  assert.doesNotMatch((await c.networkGetXMLDesc({ net, flags: 0 })).xml, /<host /);
});

test('networkUpdate --config keeps the persistent definition apart', async () => {
  const c = await openTest();
  const { net } = await c.networkLookupByName({ name: 'default' });
  await c.networkUpdate({ net, command: C.ADD_LAST, section: S.DNS_TXT, parentIndex: -1, xml: "<txt name='t' value='v'/>", flags: F.AFFECT_CONFIG });
  // The live XML is unchanged; a second add to the config sees the first.
  assert.doesNotMatch((await c.networkGetXMLDesc({ net, flags: 0 })).xml, /<txt/);
  await assert.rejects(c.networkUpdate({ net, command: C.ADD_LAST, section: S.DNS_TXT, parentIndex: -1, xml: "<txt name='t' value='w'/>", flags: F.AFFECT_CONFIG }), {
    message: "Requested operation is not valid: there is already a DNS TXT record with name 't' in network default",
  });
});

test('networkUpdate checks the result with a format/parse cycle and keeps the old definition on failure', async () => {
  const c = await openTest();
  const { net } = await c.networkLookupByName({ name: 'default' });
  const before = (await c.networkGetXMLDesc({ net, flags: 0 })).xml;
  await c.networkUpdate({ net, command: C.ADD_LAST, section: S.FORWARD_INTERFACE, parentIndex: -1, xml: "<interface dev='eth0'/>", flags: 0 });
  // A NAT network takes one forward interface only; the re-parse says so.
  await assert.rejects(c.networkUpdate({ net, command: C.ADD_LAST, section: S.FORWARD_INTERFACE, parentIndex: -1, xml: "<interface dev='eth1'/>", flags: 0 }), {
    message: "XML error: multiple forwarding interfaces specified for network 'default', only one is supported",
  });
  await c.networkUpdate({ net, command: C.DELETE, section: S.FORWARD_INTERFACE, parentIndex: -1, xml: "<interface dev='eth0'/>", flags: 0 });
  assert.equal((await c.networkGetXMLDesc({ net, flags: 0 })).xml, before);
  await assert.rejects(c.networkUpdate({ net, command: C.MODIFY, section: S.BRIDGE, parentIndex: -1, xml: '<bridge/>', flags: 4 }), {
    message: 'unsupported flags (0x4) in function testNetworkUpdate',
  });
  await assert.rejects(c.networkUpdate({ net, command: C.MODIFY, section: 99, parentIndex: -1, xml: '<bridge/>', flags: 0 }), {
    message: "Operation not supported: can't update unrecognized section of network",
  });
});
