import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckpointRef, DomainRef, DriverConnection } from '../driver.js';
import { ErrorCode, ErrorDomain, isVirtError } from '../../errors.js';
import { TestHost } from './host.js';
import { CheckpointDeleteFlags as D, CheckpointListFlags as L, CheckpointXMLFlags as X } from './checkpoint.js';

const DOMAIN = "<domain type='test'><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>"
  + '<memory>8388608</memory><vcpu>2</vcpu><os><type>hvm</type></os><devices>'
  + "<disk type='file' device='disk'><source file='/guest/diskimage1'/><target dev='vda' bus='virtio'/></disk>"
  + "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>"
  + '</devices></domain>';

type M = Required<Pick<DriverConnection, keyof DriverConnection>>;

async function env(): Promise<{ m: M; dom: DomainRef }> {
  const m = TestHost.fromXml(`<node>${DOMAIN}</node>`, '(test driver)', '/').methods() as M;
  return { m, dom: (await m.domainLookupByName({ name: 'test' })).dom };
}

async function create(m: M, dom: DomainRef, name: string, flags = 0, body = ''): Promise<CheckpointRef> {
  const xml = `<domaincheckpoint><name>${name}</name>${body}</domaincheckpoint>`;
  return (await m.domainCheckpointCreateXML({ dom, xml_desc: xml, flags })).checkpoint;
}

async function names(p: Promise<{ checkpoints: CheckpointRef[] }>): Promise<string[]> {
  return (await p).checkpoints.map((c) => c.name);
}

async function rejects(p: Promise<unknown>, code: number, domain: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVirtError(e), String(e));
    assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
    return true;
  });
}

test('a new checkpoint gets a bitmap on each writable disk and the current checkpoint as parent', async () => {
  const { m, dom } = await env();
  await create(m, dom, 'c1');
  const c2 = await create(m, dom, 'c2', 0, '<description>d</description>');
  const { xml } = await m.domainCheckpointGetXMLDesc({ checkpoint: c2, flags: X.NO_DOMAIN });
  assert.equal(xml.replace(/\d{6,}/, 'T'), '<domaincheckpoint>\n  <name>c2</name>\n  <description>d</description>\n'
    + '  <parent>\n    <name>c1</name>\n  </parent>\n  <creationTime>T</creationTime>\n  <disks>\n'
    + "    <disk name='vda' checkpoint='bitmap' bitmap='c2'/>\n    <disk name='hdc' checkpoint='no'/>\n  </disks>\n"
    + '</domaincheckpoint>\n');
  const full = (await m.domainCheckpointGetXMLDesc({ checkpoint: c2, flags: 0 })).xml;
  assert.match(full, /^  <domain type='test'>$/m);
  assert.equal((await m.domainCheckpointGetParent({ checkpoint: c2, flags: 0 })).parent.name, 'c1');
});

test('listing flags: roots, leaves, descendants, topological order', async () => {
  const { m, dom } = await env();
  for (const n of ['c1', 'c2', 'c3']) await create(m, dom, n);
  const c1 = (await m.domainCheckpointLookupByName({ dom, name: 'c1', flags: 0 })).checkpoint;
  const all = (flags: number) => names(m.domainListAllCheckpoints({ dom, need_results: 1, flags }));
  const kids = (flags: number) => names(m.domainCheckpointListAllChildren({ checkpoint: c1, need_results: 1, flags }));
  assert.deepEqual(await all(L.TOPOLOGICAL), ['c1', 'c2', 'c3']);
  assert.deepEqual(await all(L.ROOTS), ['c1']);
  assert.deepEqual(await all(L.LEAVES), ['c3']);
  assert.deepEqual(await all(L.LEAVES | L.NO_LEAVES), []);
  assert.deepEqual(await kids(0), ['c2']);
  assert.deepEqual(await kids(L.DESCENDANTS | L.TOPOLOGICAL), ['c2', 'c3']);
  assert.equal((await m.domainListAllCheckpoints({ dom, need_results: 0, flags: 0 })).ret, 3);
  await rejects(m.domainListAllCheckpoints({ dom, need_results: 0, flags: 16 }), ErrorCode.INVALID_ARG, ErrorDomain.TEST,
    'unsupported flags (0x10) in function testDomainListAllCheckpoints');
});

test('delete re-parents children; children-only keeps the checkpoint and makes it current', async () => {
  const { m, dom } = await env();
  const c1 = await create(m, dom, 'c1');
  const c2 = await create(m, dom, 'c2');
  await create(m, dom, 'c3');
  await m.domainCheckpointDelete({ checkpoint: c2, flags: 0 });
  const c3 = (await m.domainCheckpointLookupByName({ dom, name: 'c3', flags: 0 })).checkpoint;
  assert.equal((await m.domainCheckpointGetParent({ checkpoint: c3, flags: 0 })).parent.name, 'c1');
  await m.domainCheckpointDelete({ checkpoint: c1, flags: D.CHILDREN_ONLY });
  const c4 = await create(m, dom, 'c4');
  assert.equal((await m.domainCheckpointGetParent({ checkpoint: c4, flags: 0 })).parent.name, 'c1');
  await m.domainCheckpointDelete({ checkpoint: c1, flags: D.CHILDREN | D.METADATA_ONLY });
  assert.equal((await m.domainListAllCheckpoints({ dom, need_results: 0, flags: 0 })).ret, 0);
  await rejects(m.domainCheckpointGetParent({ checkpoint: c1, flags: 0 }), ErrorCode.NO_DOMAIN_CHECKPOINT,
    ErrorDomain.TEST, "Domain checkpoint not found: no domain checkpoint with matching name 'c1'");
});

test('creation errors: inactive domain, snapshots, schema, disks, redefinition', async () => {
  const { m, dom } = await env();
  await rejects(create(m, dom, 'x', 0, "<disks><disk name='vdb'/></disks>"), ErrorCode.CONFIG_UNSUPPORTED,
    ErrorDomain.DOMAIN_CHECKPOINT, "unsupported configuration: no disk named 'vdb'");
  await rejects(create(m, dom, 'x', 0, "<disks><disk name='hdc'/></disks>"), ErrorCode.CONFIG_UNSUPPORTED,
    ErrorDomain.DOMAIN_CHECKPOINT, "unsupported configuration: disk 'hdc' is empty or readonly");
  await rejects(create(m, dom, 'x', 0, '<bogus/>'), ErrorCode.XML_INVALID_SCHEMA, ErrorDomain.XML,
    'XML document failed to validate against schema: Unable to validate doc against '
    + '/usr/share/libvirt/schemas/domaincheckpoint.rng\nElement domaincheckpoint has extra content: bogus\n');
  await rejects(create(m, dom, 'x', 4), ErrorCode.INVALID_ARG, ErrorDomain.TEST,
    'unsupported flags (0x4) in function testDomainCheckpointCreateXML');
  await rejects(create(m, dom, 'x', 1), ErrorCode.INTERNAL_ERROR, ErrorDomain.DOMAIN_CHECKPOINT,
    'internal error: missing creationTime from existing checkpoint');
  await create(m, dom, 'x', 1, '<creationTime>5</creationTime>');
  await rejects(create(m, dom, 'y', 1, '<creationTime>5</creationTime><parent><name>q</name></parent>'),
    ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, 'invalid argument: parent q for moment y not found');
  await m.domainSnapshotCreateXML({ dom, xml_desc: '<domainsnapshot><name>s</name></domainsnapshot>', flags: 0 })
    .then(() => assert.fail('a snapshot while a checkpoint exists'), (e: unknown) => {
      assert.ok(isVirtError(e) && e.code === ErrorCode.OPERATION_UNSUPPORTED);
    });
  await m.domainDestroy({ dom });
  await rejects(create(m, dom, 'z'), ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.TEST,
    'Operation not supported: cannot create checkpoint for inactive domain');
  const x = (await m.domainCheckpointLookupByName({ dom, name: 'x', flags: 0 })).checkpoint;
  await rejects(m.domainCheckpointGetXMLDesc({ checkpoint: x, flags: X.SIZE }), ErrorCode.OPERATION_INVALID,
    ErrorDomain.DOMAIN, 'Requested operation is not valid: domain is not running');
});
