import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { getHostname } from './node-hostname.js';
import { fixture, FIXTURES, openTest } from './node-test-util.js';

test('capabilities of test:///default are byte-identical to virsh capabilities', async () => {
  const c = await openTest();
  const { capabilities } = await c.connectGetCapabilities();
  // `virsh capabilities` prints the document and then two newlines of its own.
  assert.equal(capabilities + '\n\n', fixture('virsh-capabilities.out'));
});

test('nodeinfo and free memory are testOpenDefault\'s', async () => {
  const c = await openTest();
  assert.deepEqual(await c.nodeGetInfo(), {
    model: 'i686', memory: 3145728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2,
  });
  assert.deepEqual(await c.nodeGetFreeMemory(), { freeMem: 3145728 });
  // testNodeGetCellsFreeMemory reports each cell's total memory, not its free memory.
  assert.deepEqual(await c.nodeGetCellsFreeMemory({ startCell: 0, maxcells: 5 }), { cells: [2097152, 4194304] });
  assert.deepEqual(await c.nodeGetCellsFreeMemory({ startCell: 1, maxcells: 1 }), { cells: [4194304] });
  await assert.rejects(c.nodeGetCellsFreeMemory({ startCell: 2, maxcells: 1 }), {
    code: 8, domain: 12, message: 'invalid argument: Range exceeds available cells',
  });
  assert.deepEqual(await c.nodeGetSecurityModel(), { model: 'testSecurity', doi: '' });
});

test('a host file overrides <cpu>/<memory> and has no NUMA cells', async () => {
  const c = await openTest(join(FIXTURES, 'host-basic.xml'));
  assert.deepEqual(await c.nodeGetInfo(), {
    model: 'x86_64', memory: 8192000, cpus: 6, mhz: 2000, nodes: 1, sockets: 1, cores: 4, threads: 2,
  });
  assert.deepEqual(await c.nodeGetFreeMemory(), { freeMem: 0 });
  await assert.rejects(c.nodeGetCellsFreeMemory({ startCell: 0, maxcells: 1 }), { code: 8, domain: 12 });
  assert.match((await c.connectGetCapabilities()).capabilities, /<cells num='0'>\n {6}<\/cells>\n/);
});

test('connectGetDomainCapabilities stays unsupported (no method)', async () => {
  const c = await openTest();
  assert.equal((c as Record<string, unknown>)['connectGetDomainCapabilities'], undefined);
});

test('hostname follows virGetHostname: canonical name unless localhost or dotted', async () => {
  const name = (await import('node:os')).hostname();
  const canon = await getHostname(async () => 'box.example.org');
  if (name.startsWith('localhost') || name.includes('.')) assert.equal(canon, name);
  else assert.equal(canon, 'box.example.org');
  assert.equal(await getHostname(async () => null), name);
  assert.equal(await getHostname(async () => 'localhost.localdomain'), name);
});

test('connectGetHostname matches virsh hostname on this machine', async () => {
  const c = await openTest();
  const { hostname } = await c.connectGetHostname();
  assert.equal(hostname, await getHostname());
  assert.ok(hostname.length > 0);
});
