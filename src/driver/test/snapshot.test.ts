import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DomainRef, DriverConnection, DriverEvent, SnapshotRef } from '../driver.js';
import { isVirtError } from '../../errors.js';
import { TestHost } from './host.js';
import { DomainEventType as Ev, SnapshotListFlags as SL } from '../../conf/domain-constants.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/test-driver/', import.meta.url));

const DEFAULT_DOMAIN = "<domain type='test'><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>"
  + '<memory>8388608</memory><currentMemory>2097152</currentMemory><vcpu>2</vcpu><os><type>hvm</type></os><devices>'
  + "<disk type='file' device='disk'><source file='/guest/diskimage1'/><target dev='vda' bus='virtio'/>"
  + "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></disk>"
  + "<interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/><source network='default' bridge='virbr0'/>"
  + "<address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/></interface>"
  + "<memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/></memballoon>"
  + '</devices></domain>';

type M = Required<Pick<DriverConnection, keyof DriverConnection>>;

async function env(): Promise<{ m: M; dom: DomainRef; events: Array<[number, number, number]> }> {
  const host = TestHost.fromXml(`<node>${DEFAULT_DOMAIN}</node>`, '(test driver)', '/');
  const m = host.methods() as M;
  const events: Array<[number, number, number]> = [];
  host.events.subscribe((ev: DriverEvent) => {
    if (ev.kind === 'domain-lifecycle') events.push([ev.dom.id, ev.event, ev.detail]);
  });
  const { dom } = await m.domainLookupByName({ name: 'test' });
  return { m, dom, events };
}

/** The XML `virsh snapshot-create-as DOM NAME [--description D]` sends. */
function createAs(name: string, description?: string): string {
  let x = `<domainsnapshot>\n  <name>${name}</name>\n`;
  if (description !== undefined) x += `  <description>${description}</description>\n`;
  return x + '</domainsnapshot>\n';
}

async function rejects(p: Promise<unknown>, code: number, domain: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVirtError(e), String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    assert.equal(e.domain, domain);
    return true;
  });
}

const mask = (s: string) => s.replace(/<creationTime>\d+<\/creationTime>/g, '<creationTime>T</creationTime>')
  .replace(/52:54:00(:[0-9a-f]{2}){3}/g, 'MAC');

async function snap(m: M, dom: DomainRef, name: string, flags = 0): Promise<SnapshotRef> {
  return (await m.domainSnapshotCreateXML({ dom, xml_desc: createAs(name), flags })).snap;
}

test('snapshot XML matches virsh snapshot-dumpxml (running domain, with parent)', async () => {
  const { m, dom } = await env();
  const before = Math.floor(Date.now() / 1000);
  await m.domainSnapshotCreateXML({ dom, xml_desc: createAs('s1', 'first one'), flags: 0 });
  const s2 = await snap(m, dom, 's2');
  const { xml } = await m.domainSnapshotGetXMLDesc({ snap: s2, flags: 0 });
  assert.equal(mask(xml), mask(readFileSync(FIXTURES + 'snapshot-test-s2.xml', 'utf8')));
  const t = Number(/<creationTime>(\d+)</.exec(xml)![1]);
  assert.ok(t >= before && t <= Math.floor(Date.now() / 1000));
  await rejects(m.domainSnapshotGetXMLDesc({ snap: s2, flags: 2 }), 8, 12,
    'unsupported flags (0x2) in function testDomainSnapshotGetXMLDesc');
});

test('snapshot XML of a shut-off domain; HALT stops a running one', async () => {
  const { m, events } = await env();
  const bigXml = readFileSync(FIXTURES + 'domains/big.xml', 'utf8');
  const { dom } = await m.domainDefineXML({ xml: bigXml });
  const a = await snap(m, dom, 'a');
  assert.equal(mask((await m.domainSnapshotGetXMLDesc({ snap: a, flags: 0 })).xml),
    mask(readFileSync(FIXTURES + 'snapshot-big-a.xml', 'utf8')));

  const host2 = await env();
  const { dom: big } = await host2.m.domainDefineXML({ xml: bigXml });
  await host2.m.domainCreate({ dom: big });
  const b = (await host2.m.domainSnapshotCreateXML({ dom: big, xml_desc: createAs('b', 'x&lt;y'), flags: 8 })).snap;
  assert.equal(mask((await host2.m.domainSnapshotGetXMLDesc({ snap: b, flags: 0 })).xml),
    mask(readFileSync(FIXTURES + 'snapshot-big-b-halt.xml', 'utf8')));
  assert.deepEqual(await host2.m.domainGetState({ dom: big, flags: 0 }), { state: 5, reason: 7 });
  assert.deepEqual(host2.events.slice(-1), [[-1, Ev.STOPPED, 6]]);
  assert.deepEqual(events.map((e) => e[1]), [Ev.DEFINED]);
  // Transient domains cannot be halted by a snapshot.
  const { dom: t } = await host2.m.domainCreateXML({
    xml_desc: "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os></domain>", flags: 0,
  });
  await rejects(host2.m.domainSnapshotCreateXML({ dom: t, xml_desc: createAs('x'), flags: 8 }), 55, 12,
    'Requested operation is not valid: cannot halt after transient domain snapshot');
});

test('an unnamed snapshot is named after its creation time', async () => {
  const { m, dom } = await env();
  const s = (await m.domainSnapshotCreateXML({ dom, xml_desc: '<domainsnapshot/>', flags: 0 })).snap;
  assert.match(s.name, /^\d+$/);
  assert.ok(Math.abs(Number(s.name) - Date.now() / 1000) < 5);
});

test('snapshot creation errors as libvirt reports them', async () => {
  const { m, dom } = await env();
  await snap(m, dom, 's1');
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: createAs('s1'), flags: 0 }), 9, 20,
    'operation failed: domain moment s1 already exists');
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: '<snap/>', flags: 0 }), 27, 5,
    "XML error: expecting root element of 'domainsnapshot', not 'snap'");
  const x = (body: string) => `<domainsnapshot><name>e</name>${body}</domainsnapshot>`;
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: x("<disks><disk name='vda' snapshot='external'/></disks>"), flags: 0 }),
    67, 35, "unsupported configuration: disk 'vda' must use snapshot mode 'internal'");
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: x("<disks><disk name='vdz'/></disks>"), flags: 0 }),
    67, 35, "unsupported configuration: no disk named 'vdz'");
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: x('<disks><disk/></disks>'), flags: 0 }),
    1, 35, 'internal error: missing name from disk snapshot element');
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: x("<memory snapshot='external'/>"), flags: 0 }),
    27, 35, 'XML error: external memory snapshots require a filename');
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: createAs('d'), flags: 16 }), 8, 12,
    'unsupported flags (0x10) in function testDomainSnapshotCreateXML');
  assert.deepEqual(await m.domainSnapshotNum({ dom, flags: 0 }), { num: 1 });
});

test('snapshot tree: listings, children newest first, parents, current', async () => {
  const { m, dom } = await env();
  const s1 = await snap(m, dom, 's1');
  const s2 = await snap(m, dom, 's2');
  await snap(m, dom, 's3');
  await m.domainRevertToSnapshot({ snap: s1, flags: 0 });
  const s4 = await snap(m, dom, 's4');
  await snap(m, dom, 's5');
  await m.domainRevertToSnapshot({ snap: s1, flags: 0 });
  await snap(m, dom, 's6');
  const names = (r: { snapshots: SnapshotRef[] }) => r.snapshots.map((s) => s.name);
  const children = (s: SnapshotRef, flags: number) =>
    m.domainSnapshotListAllChildren({ snapshot: s, need_results: 1, flags }).then(names);
  const all = (flags: number) => m.domainListAllSnapshots({ dom, need_results: 1, flags }).then(names);
  // Orders checked against libvirt 9.0 with the Python binding.
  assert.deepEqual(await children(s1, 0), ['s6', 's4', 's2']);
  assert.deepEqual(await children(s1, SL.DESCENDANTS), ['s6', 's4', 's5', 's2', 's3']);
  assert.deepEqual(await children(s1, SL.DESCENDANTS | SL.TOPOLOGICAL), ['s6', 's4', 's5', 's2', 's3']);
  assert.deepEqual(await all(SL.ROOTS), ['s1']);
  assert.deepEqual(await all(SL.TOPOLOGICAL), ['s1', 's6', 's4', 's5', 's2', 's3']);
  assert.deepEqual((await all(SL.LEAVES)).sort(), ['s3', 's5', 's6']);
  assert.deepEqual((await all(SL.NO_LEAVES)).sort(), ['s1', 's2', 's4']);
  assert.deepEqual((await all(0)).sort(), ['s1', 's2', 's3', 's4', 's5', 's6']);
  assert.deepEqual(await all(SL.NO_METADATA), []);
  assert.deepEqual((await all(SL.METADATA)).length, 6);
  assert.deepEqual(await all(SL.INACTIVE), []);
  assert.deepEqual((await all(SL.ACTIVE)).length, 6);
  assert.deepEqual((await all(SL.INTERNAL | SL.EXTERNAL)).length, 6);
  assert.deepEqual(await all(SL.EXTERNAL), []);
  assert.deepEqual(await m.domainListAllSnapshots({ dom, need_results: 0, flags: 0 }), { snapshots: [], ret: 6 });
  assert.deepEqual(await m.domainSnapshotNum({ dom, flags: SL.ROOTS }), { num: 1 });
  assert.deepEqual((await m.domainSnapshotListNames({ dom, maxnames: 2, flags: 0 })).names.length, 2);
  assert.equal((await m.domainSnapshotCurrent({ dom, flags: 0 })).snap.name, 's6');
  assert.deepEqual(await m.domainSnapshotIsCurrent({ snap: s1, flags: 0 }), { current: 0 });
  assert.deepEqual(await m.domainHasCurrentSnapshot({ dom, flags: 0 }), { result: 1 });
  assert.deepEqual(await m.domainSnapshotHasMetadata({ snap: s4, flags: 0 }), { metadata: 1 });
  assert.equal((await m.domainSnapshotGetParent({ snap: s2, flags: 0 })).snap.name, 's1');
  await rejects(m.domainSnapshotGetParent({ snap: s1, flags: 0 }), 72, 12,
    "Domain snapshot not found: snapshot 's1' does not have a parent");
  await rejects(m.domainSnapshotLookupByName({ dom, name: 'zz', flags: 0 }), 72, 12,
    "Domain snapshot not found: no domain snapshot with matching name 'zz'");
  // Snapshot references carry the caller's domain reference (virGetDomainSnapshot).
  assert.deepEqual((await m.domainSnapshotLookupByName({ dom, name: 's5', flags: 0 })).snap, { name: 's5', dom });
});

test('snapshot delete: reparenting, CHILDREN, CHILDREN_ONLY and the current snapshot', async () => {
  const { m, dom } = await env();
  const s1 = await snap(m, dom, 's1');
  const s2 = await snap(m, dom, 's2');
  await snap(m, dom, 's3');
  await m.domainRevertToSnapshot({ snap: s1, flags: 0 });
  const s4 = await snap(m, dom, 's4');
  await snap(m, dom, 's5');
  await m.domainRevertToSnapshot({ snap: s1, flags: 0 });
  const s6 = await snap(m, dom, 's6');
  const topo = async () => (await m.domainListAllSnapshots({ dom, need_results: 1, flags: SL.TOPOLOGICAL }))
    .snapshots.map((s) => s.name);
  await rejects(m.domainSnapshotDelete({ snap: s1, flags: 2 }), 8, 12,
    'unsupported flags (0x2) in function testDomainSnapshotDelete');
  await m.domainSnapshotDelete({ snap: s1, flags: 0 });
  assert.deepEqual((await m.domainListAllSnapshots({ dom, need_results: 1, flags: SL.ROOTS })).snapshots.map((s) => s.name),
    ['s6', 's4', 's2']);
  await rejects(m.domainSnapshotGetParent({ snap: s2, flags: 0 }), 72, 12,
    "Domain snapshot not found: snapshot 's2' does not have a parent");
  assert.equal((await m.domainSnapshotCurrent({ dom, flags: 0 })).snap.name, 's6');
  await m.domainSnapshotDelete({ snap: s4, flags: 1 });
  assert.deepEqual(await topo(), ['s6', 's2', 's3']);
  await m.domainRevertToSnapshot({ snap: s2, flags: 0 });
  await m.domainSnapshotDelete({ snap: s2, flags: 4 });
  assert.deepEqual(await topo(), ['s6', 's2']);
  assert.equal((await m.domainSnapshotCurrent({ dom, flags: 0 })).snap.name, 's2');
  await m.domainSnapshotDelete({ snap: s2, flags: 0 });
  await rejects(m.domainSnapshotCurrent({ dom, flags: 0 }), 72, 12,
    'Domain snapshot not found: the domain does not have a current snapshot');
  assert.deepEqual(await m.domainHasCurrentSnapshot({ dom, flags: 0 }), { result: 0 });
  // Deleting the current snapshot makes its parent current.
  const s7 = await snap(m, dom, 's7');
  await m.domainSnapshotDelete({ snap: s7, flags: 0 });
  assert.deepEqual(await m.domainHasCurrentSnapshot({ dom, flags: 0 }), { result: 0 });
  await m.domainRevertToSnapshot({ snap: s6, flags: 0 });
  const s8 = await snap(m, dom, 's8');
  await m.domainSnapshotDelete({ snap: s8, flags: 0 });
  assert.equal((await m.domainSnapshotCurrent({ dom, flags: 0 })).snap.name, 's6');
});

test('revert: the transitions and events libvirt 9.0 produces', async () => {
  const { m, dom, events } = await env();
  const run = await snap(m, dom, 'run');
  const state = async () => m.domainGetState({ dom, flags: 0 });
  // running -> running snapshot: stopped, then started again with a new id.
  await m.domainRevertToSnapshot({ snap: run, flags: 0 });
  assert.deepEqual(await state(), { state: 1, reason: 4 });
  assert.deepEqual(events.splice(0), [[-1, Ev.STOPPED, 6], [2, Ev.STARTED, 3]]);
  await m.domainSuspend({ dom });
  events.splice(0);
  await m.domainRevertToSnapshot({ snap: run, flags: 0 });
  assert.deepEqual(await state(), { state: 1, reason: 4 });
  assert.deepEqual(events.splice(0), [[-1, Ev.STOPPED, 6], [3, Ev.STARTED, 3]]);
  await m.domainRevertToSnapshot({ snap: run, flags: 2 });
  assert.deepEqual(await state(), { state: 3, reason: 7 });
  assert.deepEqual(events.splice(0), [[-1, Ev.STOPPED, 6], [4, Ev.STARTED, 3], [4, Ev.SUSPENDED, 5]]);
  await m.domainDestroy({ dom });
  events.splice(0);
  await m.domainRevertToSnapshot({ snap: run, flags: 0 });
  assert.deepEqual(await state(), { state: 1, reason: 4 });
  assert.deepEqual(events.splice(0), [[5, Ev.STARTED, 3]]);
  await m.domainDestroy({ dom });
  events.splice(0);
  await m.domainRevertToSnapshot({ snap: run, flags: 2 });
  assert.deepEqual(await state(), { state: 3, reason: 7 });
  assert.deepEqual(events.splice(0), [[6, Ev.STARTED, 3], [6, Ev.SUSPENDED, 5]]);
  await rejects(m.domainRevertToSnapshot({ snap: run, flags: 8 }), 8, 12,
    'unsupported flags (0x8) in function testDomainRevertToSnapshot');

  // An inactive snapshot.
  const { dom: x } = await m.domainDefineXML({
    xml: "<domain type='test'><name>x</name><memory>1024</memory><os><type>hvm</type></os></domain>",
  });
  const off = await snap(m, x, 'off');
  assert.match((await m.domainSnapshotGetXMLDesc({ snap: off, flags: 0 })).xml, /<state>shutoff<\/state>\n  <creationTime>\d+<\/creationTime>\n  <memory snapshot='no'\/>\n  <domain type='test'>/);
  events.splice(0);
  // With RUNNING the test driver reports a start but leaves the domain off.
  await m.domainRevertToSnapshot({ snap: off, flags: 1 });
  assert.deepEqual(await m.domainGetState({ dom: x, flags: 0 }), { state: 5, reason: 0 });
  assert.deepEqual(events.splice(0), [[-1, Ev.STARTED, 3]]);
  await m.domainCreate({ dom: x });
  events.splice(0);
  await m.domainRevertToSnapshot({ snap: off, flags: 0 });
  assert.deepEqual(await m.domainGetState({ dom: x, flags: 0 }), { state: 5, reason: 7 });
  assert.deepEqual(events.splice(0), [[-1, Ev.STOPPED, 6]]);
  // Running with RUNNING: stopped, then a start is reported but not done.
  await m.domainCreate({ dom: x });
  events.splice(0);
  await m.domainRevertToSnapshot({ snap: off, flags: 1 });
  assert.deepEqual(await m.domainGetState({ dom: x, flags: 0 }), { state: 5, reason: 7 });
  assert.deepEqual(events.splice(0), [[-1, Ev.STOPPED, 6], [-1, Ev.STARTED, 3]]);
  assert.deepEqual(await m.domainSnapshotIsCurrent({ snap: off, flags: 0 }), { current: 1 });
});

test('revert restores the configuration saved in the snapshot', async () => {
  const { m, dom } = await env();
  const run = await snap(m, dom, 'run');
  const inactive = (await m.domainGetXMLDesc({ dom, flags: 2 })).xml;
  await m.domainDefineXML({ xml: inactive.replace('8388608', '9000000') });
  assert.match((await m.domainGetXMLDesc({ dom, flags: 2 })).xml, /9000000/);
  await m.domainRevertToSnapshot({ snap: run, flags: 0 });
  assert.match((await m.domainGetXMLDesc({ dom, flags: 2 })).xml, /<memory unit='KiB'>8388608</);
  assert.match((await m.domainGetXMLDesc({ dom, flags: 0 })).xml, /<memory unit='KiB'>8388608</);
});

test('redefining snapshots (REDEFINE, CURRENT)', async () => {
  const { m, dom } = await env();
  const s1 = await snap(m, dom, 's1');
  const xml = (await m.domainSnapshotGetXMLDesc({ snap: s1, flags: 0 })).xml;
  await m.domainSnapshotDelete({ snap: s1, flags: 0 });
  const again = (await m.domainSnapshotCreateXML({ dom, xml_desc: xml, flags: 1 })).snap;
  assert.equal((await m.domainSnapshotGetXMLDesc({ snap: again, flags: 0 })).xml, xml);
  assert.deepEqual(await m.domainHasCurrentSnapshot({ dom, flags: 0 }), { result: 0 });
  await m.domainSnapshotCreateXML({ dom, xml_desc: xml, flags: 1 | 2 });
  assert.deepEqual(await m.domainSnapshotIsCurrent({ snap: again, flags: 0 }), { current: 1 });
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: '<domainsnapshot/>', flags: 1 }), 27, 35,
    'XML error: a redefined snapshot must have a name');
  const offline = xml.replace('<state>running</state>', '<state>shutoff</state>')
    .replace("<memory snapshot='internal'/>", "<memory snapshot='no'/>");
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: offline, flags: 1 }),
    8, 35, 'invalid argument: cannot change between online and offline snapshot state in snapshot s1');
  const bare = (extra: string) =>
    `<domainsnapshot><name>c</name><state>running</state><creationTime>1</creationTime>${extra}</domainsnapshot>`;
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: bare('<parent><name>zz</name></parent>'), flags: 1 }),
    8, 20, 'invalid argument: parent zz for moment c not found');
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: bare('<parent><name>c</name></parent>'), flags: 1 }),
    8, 20, 'invalid argument: cannot set moment c as its own parent');
  await rejects(m.domainSnapshotCreateXML({ dom, xml_desc: bare(''), flags: 1 }),
    1, 35, 'internal error: missing domain in snapshot');
  await rejects(m.domainSnapshotCreateXML({
    dom, xml_desc: xml.replace('<name>s1</name>', '<name>w</name>').replace('6695eb01', '6695eb02'), flags: 1,
  }), 8, 35, 'invalid argument: definition for snapshot w must use uuid 6695eb01-f6a4-8304-79aa-97f2502e193f');
});

test('external memory snapshots name external disk images after the snapshot', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-snap-'));
  try {
    const img = join(dir, 'disk.qcow2');
    writeFileSync(img, '');
    const { m } = await env();
    const { dom } = await m.domainDefineXML({
      xml: "<domain type='test'><name>e</name><memory>1024</memory><os><type>hvm</type></os><devices>"
        + `<disk type='file' device='disk'><source file='${img}'/><target dev='vda'/></disk>`
        + "<disk type='file' device='disk'><source file='/nonexistent/b.img'/><target dev='vdb'/></disk></devices></domain>",
    });
    await m.domainCreate({ dom });
    const s = (await m.domainSnapshotCreateXML({
      dom, flags: 0,
      xml_desc: "<domainsnapshot><name>m1</name><memory snapshot='external' file='/tmp/mem'/><disks><disk name='vdb' snapshot='no'/></disks></domainsnapshot>",
    })).snap;
    const xml = (await m.domainSnapshotGetXMLDesc({ snap: s, flags: 0 })).xml;
    assert.ok(xml.includes(`  <memory snapshot='external' file='/tmp/mem'/>\n  <disks>\n    <disk name='vda' snapshot='external' type='file'>\n      <source file='${join(dir, 'disk.m1')}'/>\n    </disk>\n    <disk name='vdb' snapshot='no'/>\n  </disks>\n`), xml);
    assert.deepEqual((await m.domainListAllSnapshots({ dom, need_results: 1, flags: SL.EXTERNAL })).snapshots.map((x) => x.name), ['m1']);
    assert.deepEqual((await m.domainListAllSnapshots({ dom, need_results: 1, flags: SL.INTERNAL })).snapshots, []);
    await rejects(m.domainSnapshotCreateXML({ dom, flags: 0, xml_desc: "<domainsnapshot><name>m2</name><memory snapshot='external' file='/tmp/mem'/></domainsnapshot>" }),
      67, 35, "unsupported configuration: source for disk 'vdb' is not a regular file; refusing to generate external snapshot name");
    await rejects(m.domainSnapshotCreateXML({ dom, flags: 0, xml_desc: "<domainsnapshot><name>m4</name><disks><disk name='vda'><source file='rel.qcow2'/></disk></disks></domainsnapshot>" }),
      27, 35, "XML error: disk snapshot image path 'rel.qcow2' must be absolute");
    await rejects(m.domainSnapshotCreateXML({ dom, flags: 0, xml_desc: "<domainsnapshot><name>m5</name><disks><disk name='vda' snapshot='internal'><source file='/x'/></disk></disks></domainsnapshot>" }),
      67, 35, "unsupported configuration: file '/x' for disk 'vda' requires use of external snapshot mode");
    await rejects(m.domainSnapshotCreateXML({ dom, flags: 0, xml_desc: `<domainsnapshot><name>m8</name><disks><disk name='vda'/><disk name='${img}'/></disks></domainsnapshot>` }),
      67, 35, `unsupported configuration: disk '${img}' specified twice`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
