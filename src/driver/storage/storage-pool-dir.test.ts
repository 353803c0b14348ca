import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { AttachedStream, readAllFrom, type DriverConnection, type DriverEvent } from '../driver.js';
import { Fmt, probeHeader, readHeader } from './image-probe.js';
import { StoragePoolDir } from './storage-pool-dir.js';

const UUID = '0b3c3f0e-54a2-4c1b-8d7e-2f1d9d6b5a01';
const MiB = 1 << 20;

function setup(t: TestContext, autostart = true) {
  const root = mkdtempSync(join(tmpdir(), 'tsvirt-storage-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dirs = {
    configDir: join(root, 'etc', 'storage'),
    autostartDir: join(root, 'etc', 'storage', 'autostart'),
    stateDir: join(root, 'run', 'storage'),
  };
  const make = async (): Promise<{ s: StoragePoolDir; m: DriverConnection }> => {
    const s = new StoragePoolDir({ ...dirs, autostart });
    await s.load();
    return { s, m: s.methods() as DriverConnection };
  };
  return { root, dirs, make, target: join(root, 'pools', 'p') };
}

const poolXml = (path: string) => `<pool type='dir'><name>p</name><uuid>${UUID}</uuid><target><path>${path}</path></target></pool>`;
const ref = { name: 'p', uuid: UUID };

async function started(t: TestContext) {
  const env = setup(t);
  const { s, m } = await env.make();
  await m.storagePoolDefineXML!({ xml: poolXml(env.target), flags: 0 });
  await m.storagePoolBuild!({ pool: ref, flags: 0 });
  await m.storagePoolCreate!({ pool: ref, flags: 0 });
  return { ...env, s, m };
}

async function rejects(p: Promise<unknown>, code: number, message: string): Promise<void> {
  await assert.rejects(p, (e: { code: number; message: string }) => {
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    return true;
  });
}

function hasQemuImg(t: TestContext): boolean {
  if (spawnSync('qemu-img', ['--version']).status === 0) return true;
  if (process.env['CI'] === 'true') throw new Error('CI=true but qemu-img is not available: install qemu-utils');
  t.skip('qemu-img is not available (install qemu-utils); skipped');
  return false;
}

describe('StoragePoolDir', () => {
  it('keeps pool configs, autostart links and state files where libvirt keeps them, and reloads them', async (t) => {
    const env = setup(t);
    let { m } = await env.make();
    await m.storagePoolDefineXML!({ xml: poolXml(env.target), flags: 0 });
    const cfg = join(env.dirs.configDir, 'p.xml');
    const text = readFileSync(cfg, 'utf8');
    assert.match(text, /^<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE\.[^]*virsh pool-edit p\n[^]*-->\n\n<pool type='dir'>\n/);
    assert.equal(statSync(cfg).mode & 0o777, 0o600);
    await m.storagePoolSetAutostart!({ pool: ref, autostart: 1 });
    assert.equal(readlinkSync(join(env.dirs.autostartDir, 'p.xml')), cfg);
    await m.storagePoolBuild!({ pool: ref, flags: 0 });
    assert.equal(statSync(env.target).mode & 0o777, 0o711);

    // A daemon start after a reboot (the run dir is empty): the config is
    // read back, and the pool runs since its directory exists (a dir
    // pool's checkPool), as libvirt's storagePoolUpdateStateCallback decides.
    rmSync(env.dirs.stateDir, { recursive: true, force: true });
    ({ m } = await env.make());
    assert.deepEqual(await m.storagePoolGetAutostart!({ pool: ref }), { autostart: 1 });
    assert.deepEqual(await m.storagePoolIsActive!({ pool: ref }), { active: 1 });
    assert.ok(existsSync(join(env.dirs.stateDir, 'autostarted')));
    await m.storagePoolDestroy!({ pool: ref });
    assert.deepEqual(await m.storagePoolIsActive!({ pool: ref }), { active: 0 });
    await m.storagePoolCreate!({ pool: ref, flags: 0 });
    const state = readFileSync(join(env.dirs.stateDir, 'p.xml'), 'utf8');
    assert.match(state, /-->\n\n<poolstate>\n  <pool type='dir'>\n    <name>p<\/name>\n/);
    await m.storagePoolDestroy!({ pool: ref });
    assert.equal(existsSync(join(env.dirs.stateDir, 'p.xml')), false);
    // Without its directory the pool stays down at the next start.
    rmSync(env.target, { recursive: true });
    ({ m } = await env.make());
    assert.deepEqual(await m.storagePoolIsActive!({ pool: ref }), { active: 0 });
    await m.storagePoolCreate!({ pool: ref, flags: 1 });
    await rejects(m.storagePoolUndefine!({ pool: ref }), 55, "Requested operation is not valid: storage pool 'p' is still active");
    await m.storagePoolDestroy!({ pool: ref });
    await m.storagePoolUndefine!({ pool: ref });
    assert.equal(existsSync(cfg), false);
    assert.equal(existsSync(join(env.dirs.autostartDir, 'p.xml')), false);
    await rejects(m.storagePoolLookupByName!({ name: 'p' }), 49, "Storage pool not found: no storage pool with matching name 'p'");
  });

  it('transient pools go away when destroyed; events tell what happened', async (t) => {
    const env = setup(t);
    const { s, m } = await env.make();
    const seen: string[] = [];
    s.subscribe((ev: DriverEvent) => seen.push(ev.kind === 'storage-pool-lifecycle' ? `${ev.pool.name}:${ev.event}` : `${ev.kind}`));
    await m.storagePoolCreateXML!({ xml: poolXml(env.target), flags: 1 });
    assert.deepEqual(await m.storagePoolIsPersistent!({ pool: ref }), { persistent: 0 });
    await rejects(m.storagePoolSetAutostart!({ pool: ref, autostart: 1 }), 1, 'internal error: pool has no config file');
    await m.storagePoolRefresh!({ pool: ref, flags: 0 });
    await m.storagePoolDestroy!({ pool: ref });
    await rejects(m.storagePoolGetInfo!({ pool: ref }), 49,
      `Storage pool not found: no storage pool with matching uuid '${UUID}' (p)`);
    assert.deepEqual(seen, ['p:2', 'storage-pool-refresh', 'p:3']);
  });

  it('creates raw volumes as libvirt does: fully allocated by default, sparse with allocation 0', async (t) => {
    const { m, target } = await started(t);
    await m.storageVolCreateXML!({ pool: ref, xml: "<volume><name>full</name><capacity unit='M'>4</capacity></volume>", flags: 0 });
    await m.storageVolCreateXML!({ pool: ref, xml: "<volume><name>sparse</name><capacity unit='M'>4</capacity><allocation>0</allocation></volume>", flags: 0 });
    const full = statSync(join(target, 'full'));
    const sparse = statSync(join(target, 'sparse'));
    assert.deepEqual([full.size, full.blocks * 512, full.mode & 0o777], [4 * MiB, 4 * MiB, 0o600]);
    assert.deepEqual([sparse.size, sparse.blocks], [4 * MiB, 0]);
    const info = await m.storageVolGetInfo!({ vol: { pool: 'p', name: 'sparse', key: '' } });
    assert.deepEqual(info, { type: 0, capacity: 4 * MiB, allocation: 0 });
    // A file that appeared behind the pool's back is not overwritten.
    writeFileSync(join(target, 'stray'), 'x');
    await rejects(m.storageVolCreateXML!({ pool: ref, xml: '<volume><name>stray</name><capacity>1</capacity></volume>', flags: 0 }),
      55, `Requested operation is not valid: volume target path '${target}/stray' already exists`);
    await rejects(m.storageVolCreateXML!({ pool: ref, xml: '<volume><name>full</name><capacity>1</capacity></volume>', flags: 0 }),
      90, "storage volume 'full' exists already");
    await m.storagePoolRefresh!({ pool: ref, flags: 0 });
    const names = (await m.storagePoolListVolumes!({ pool: ref, maxnames: 10 })).names.sort();
    assert.deepEqual(names, ['full', 'sparse', 'stray']);
  });

  it('streams: sparse upload makes holes (a trailing one sets the length), download gives them back', async (t) => {
    const { m, target } = await started(t);
    await m.storageVolCreateXML!({ pool: ref, xml: "<volume><name>v</name><capacity unit='M'>8</capacity><allocation>0</allocation></volume>", flags: 0 });
    const vol = { pool: 'p', name: 'v', key: join(target, 'v') };
    const up = new AttachedStream();
    await m.storageVolUpload!({ vol, offset: 0, length: 0, flags: 1 }, up);
    const data = Buffer.alloc(8192, 7);
    await up.driver!.send!(data);
    await up.driver!.sendHole!(MiB);
    await up.driver!.send!(data);
    await up.driver!.sendHole!(MiB);
    await up.driver!.finish();
    const st = statSync(join(target, 'v'));
    assert.equal(st.size, 2 * 8192 + 2 * MiB);
    assert.ok(st.blocks * 512 < 64 * 1024, `holes kept (${st.blocks} blocks)`);

    const down = new AttachedStream();
    await m.storageVolDownload!({ vol, offset: 0, length: 0, flags: 1 }, down);
    const chunks: (number | string)[] = [];
    for (let c = await down.driver!.recv!(); c !== null; c = await down.driver!.recv!()) {
      chunks.push(c instanceof Uint8Array ? c.length : `hole ${c.hole}`);
    }
    await down.driver!.finish();
    assert.deepEqual(chunks, [8192, `hole ${MiB}`, 8192, `hole ${MiB}`]);
    const plain = new AttachedStream();
    await m.storageVolDownload!({ vol, offset: MiB + 8192, length: 100, flags: 0 }, plain);
    assert.deepEqual(await readAllFrom(plain.driver!), Buffer.alloc(100, 7));

    // A hole on a stream that is not sparse, and more data than `length`.
    const noSparse = new AttachedStream();
    await m.storageVolUpload!({ vol, offset: 0, length: 0, flags: 0 }, noSparse);
    await rejects(noSparse.driver!.sendHole!(10), 1, 'internal error: unexpected stream hole');
    await noSparse.driver!.abort();
    const bounded = new AttachedStream();
    await m.storageVolUpload!({ vol, offset: 0, length: 4, flags: 0 }, bounded);
    await bounded.driver!.send!(Buffer.alloc(10));
    await rejects(bounded.driver!.send!(Buffer.alloc(10)), 38, 'cannot write to stream: No space left on device');
    await bounded.driver!.abort();
  });

  it('qcow2 through qemu-img with libvirt defaults, probed back from the header', async (t) => {
    if (!hasQemuImg(t)) return;
    const { m, target } = await started(t);
    await m.storageVolCreateXML!({ pool: ref, xml: "<volume><name>a.qcow2</name><capacity unit='M'>64</capacity><target><format type='qcow2'/></target></volume>", flags: 0 });
    await m.storageVolCreateXML!({
      pool: ref, flags: 0,
      xml: `<volume><name>b.qcow2</name><capacity unit='M'>128</capacity><target><format type='qcow2'/><features><lazy_refcounts/></features></target>`
        + `<backingStore><path>${target}/a.qcow2</path><format type='qcow2'/></backingStore></volume>`,
    });
    const a = probeHeader(readHeader(join(target, 'a.qcow2')));
    assert.deepEqual([a.format, a.capacity, a.clusterSize, a.compat, a.backingRaw], [Fmt.QCOW2, 64n * 1024n * 1024n, 65536n, undefined, undefined]);
    const b = probeHeader(readHeader(join(target, 'b.qcow2')));
    assert.deepEqual([b.format, b.capacity, b.compat, b.features, b.backingRaw, b.backingFormat],
      [Fmt.QCOW2, 128n * 1024n * 1024n, '1.1', ['lazy_refcounts'], `${target}/a.qcow2`, Fmt.QCOW2]);
    await m.storageVolResize!({ vol: { pool: 'p', name: 'a.qcow2', key: '' }, capacity: 100 * MiB, flags: 0 });
    await m.storagePoolRefresh!({ pool: ref, flags: 0 });
    const xml = (await m.storageVolGetXMLDesc!({ vol: { pool: 'p', name: 'b.qcow2', key: '' }, flags: 0 })).xml;
    assert.match(xml, /<compat>1\.1<\/compat>\n    <clusterSize unit='B'>65536<\/clusterSize>\n    <features>\n      <lazy_refcounts\/>\n/);
    assert.match(xml, /<backingStore>\n    <path>[^<]*a\.qcow2<\/path>\n    <format type='qcow2'\/>/);
    const info = await m.storageVolGetInfo!({ vol: { pool: 'p', name: 'a.qcow2', key: '' } });
    assert.equal(info.capacity, 100 * MiB);
  });

  it("libvirt's errors for pools that are not running and volumes that are not there", async (t) => {
    const env = setup(t);
    const { m } = await env.make();
    await m.storagePoolDefineXML!({ xml: poolXml(env.target), flags: 0 });
    const vol = { pool: 'p', name: 'x', key: '' };
    await rejects(m.storageVolGetInfo!({ vol }), 55, "Requested operation is not valid: storage pool 'p' is not active");
    await rejects(m.storagePoolCreate!({ pool: ref, flags: 0 }), 38,
      `cannot open directory '${env.target}': No such file or directory`);
    assert.equal(existsSync(join(env.dirs.stateDir, 'p.xml')), false);
    await m.storagePoolCreate!({ pool: ref, flags: 1 });
    await rejects(m.storageVolGetInfo!({ vol }), 50, "Storage volume not found: no storage vol with matching name 'x'");
    await rejects(m.storageVolLookupByPath!({ path: `${env.target}//x` }), 50,
      `Storage volume not found: no storage vol with matching path '${env.target}//x' (${env.target}/x)`);
    await rejects(m.storagePoolDefineXML!({ xml: poolXml(env.target).replace(UUID, '11111111-2222-3333-4444-555555555555'), flags: 0 }),
      9, `operation failed: pool 'p' already exists with uuid ${UUID}`);
    await rejects(m.storagePoolDefineXML!({
      xml: poolXml(env.target).replace(UUID, '11111111-2222-3333-4444-555555555555').replace('<name>p<', '<name>p2<'), flags: 0,
    }), 9, "operation failed: Storage source conflict with pool: 'p'");
  });
});
