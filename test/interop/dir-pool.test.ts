/**
 * The dir pool backend (src/driver/storage) against a private stock
 * libvirtd's storage driver: the same sequence through the library against
 * each — pool define/build/start/autostart, raw and qcow2 volumes (sparse,
 * fully allocated, backing file, compat 1.1), info and XML, resize (with the
 * shrink error), sparse upload and download (holes both ways, offset and
 * length), wipe, clone, delete (and the error of a second delete), pool
 * refresh (every volume probed from its header), info, XML, destroy and
 * undefine — and the same files left on disk: `qemu-img info` of the
 * qcow2s, size and allocated blocks of the raws, the config and state
 * files, the autostart link. Normalised: the pool path, times, the host
 * filesystem's numbers.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync, closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync,
  statSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { open, type Connection, type StoragePool } from '../../src/api/index.js';
import { DaemonServer } from '../../src/daemon/server.js';
import type { Driver } from '../../src/driver/driver.js';
import { DriverRegistry } from '../../src/driver/registry.js';
import { StoragePoolDir, storageConnection } from '../../src/driver/storage/index.js';
import { run } from './harness.js';
import { requireOracles } from './oracle.js';
import { startQemuLibvirtd, type QemuLibvirtd } from './qemu-harness.js';

const MiB = 1 << 20;
const UUID = '6f1ad6b4-3f0e-4d5e-9a57-0d2c1b6e8a11';
const ready = ['virsh', 'libvirtd', 'pidns', 'qemu'] as const;

/** What one side did: each step's result, or its error as code/domain/message. */
type Outcome = unknown;

interface Side {
  conn: Connection;
  poolPath: string;
  /** Host paths of its config file, state file and autostart link. */
  configFile: string;
  stateFile: string;
  autostartLink: string;
  /** Where the config file says it is (for the autostart link's target). */
  configFileAsSeen: string;
  work: string;
}

/** 8 MiB + 1000 bytes: 64 KiB of data at 0 and at 4 MiB, 1000 bytes at the end, holes between. */
function makeSparseSource(path: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, 0);
  writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, 4 * MiB);
  writeSync(fd, randomBytes(1000), 0, 1000, 8 * MiB);
  ftruncateSync(fd, 8 * MiB + 1000);
  closeSync(fd);
}

function shape(path: string): { size: number; blocks: number; sha: string } | string {
  if (!existsSync(path)) return 'missing';
  const st = statSync(path);
  return { size: st.size, blocks: st.blocks, sha: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

async function qemuImgInfo(path: string, poolPath: string): Promise<unknown> {
  const r = await run('qemu-img', ['info', '--output=json', '-U', path]);
  if (r.status !== 0) return { error: r.stderr.trim().split(poolPath).join('POOL') };
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  delete j['dirty-flag'];
  return JSON.parse(JSON.stringify(j).split(poolPath).join('POOL'));
}

describe('dir pool: our storage driver vs a stock libvirtd', () => {
  let lv: QemuLibvirtd | undefined;
  let work: string;
  let ours: Side;
  let theirs: Side;
  let src: string;
  // tsvirtd's server in this process, hosting the same StoragePoolDir for stock virsh.
  let server: Server | undefined;
  let daemon: DaemonServer | undefined;
  let daemonURI: string;

  before(async () => {
    if (!requireOracles(null, ...ready)) return;
    work = mkdtempSync(join(tmpdir(), 'tsvirt-dirpool-'));
    src = join(work, 'src.img');
    makeSparseSource(src);
    lv = await startQemuLibvirtd();
    const theirsConn = await open(lv.uri);
    theirs = {
      conn: theirsConn, poolPath: join(lv.dir, 'pools', 'p'), work: join(work, 'theirs'),
      configFile: join(lv.paths.etc, 'storage', 'p.xml'), stateFile: join(lv.paths.run, 'storage', 'p.xml'),
      autostartLink: join(lv.paths.etc, 'storage', 'autostart', 'p.xml'), configFileAsSeen: '/etc/libvirt/storage/p.xml',
    };
    mkdirSync(join(lv.dir, 'pools'), { recursive: true, mode: 0o711 });
    const etc = join(work, 'etc');
    const storage = new StoragePoolDir({
      configDir: join(etc, 'storage'), autostartDir: join(etc, 'storage', 'autostart'), stateDir: join(work, 'run', 'storage'),
    });
    await storage.load();
    const driver: Driver = {
      name: 'dir-pool-under-test',
      accepts: (u) => u?.scheme === 'qemu',
      open: async () => storageConnection(storage),
    };
    const oursConn = await open('qemu:///system', { drivers: new DriverRegistry([driver]) });
    mkdirSync(join(work, 'pools'), { recursive: true, mode: 0o711 });
    ours = {
      conn: oursConn, poolPath: join(work, 'pools', 'p'), work: join(work, 'ours'),
      configFile: join(etc, 'storage', 'p.xml'), stateFile: join(work, 'run', 'storage', 'p.xml'),
      autostartLink: join(etc, 'storage', 'autostart', 'p.xml'), configFileAsSeen: join(etc, 'storage', 'p.xml'),
    };
    mkdirSync(ours.work);
    mkdirSync(theirs.work);
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    daemon = new DaemonServer({ keepaliveInterval: 5, keepaliveCount: 5, maxClientRequests: 5, log: quiet, drivers: new DriverRegistry([driver]) });
    const sock = join(work, 'tsvirtd-sock');
    server = createServer((c) => daemon!.accept(c, { readonly: false, transport: 'unix', peer: 'test' }));
    await new Promise<void>((res) => server!.listen(sock, res));
    daemonURI = `qemu+unix:///system?socket=${sock}`;
  });

  after(async () => {
    await daemon?.close();
    server?.close();
    await ours?.conn.close().catch(() => undefined);
    await theirs?.conn.close().catch(() => undefined);
    await lv?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Replaces what legitimately differs between the two sides. */
  function norm(side: Side, v: unknown): unknown {
    let s = JSON.stringify(v) ?? 'undefined';
    s = s.split(side.poolPath).join('POOL').split(side.configFileAsSeen).join('CONFIG');
    s = s.replace(/<(atime|mtime|ctime)>[0-9.]+<\/\1>/g, '<$1>T</$1>');
    // A pool's sizes are the host filesystem's (statvfs), which other processes change.
    s = s.replace(/<capacity unit='bytes'>\d+<\/capacity>(\\n\s*)<allocation unit='bytes'>\d+<\/allocation>(\\n\s*)<available unit='bytes'>\d+<\/available>/g,
      "<capacity unit='bytes'>FS</capacity>$1<allocation unit='bytes'>FS</allocation>$2<available unit='bytes'>FS</available>");
    return JSON.parse(s);
  }

  async function attempt(f: () => Promise<unknown>): Promise<Outcome> {
    try {
      return { ok: await f() };
    } catch (e) {
      const err = e as { code?: number; domain?: number; message?: string };
      return { error: { code: err.code, domain: err.domain, message: err.message } };
    }
  }

  /** Runs one step on both sides and compares the normalised outcomes. */
  async function step(name: string, f: (s: Side) => Promise<unknown>): Promise<void> {
    const a = norm(theirs, await attempt(() => f(theirs)));
    const b = norm(ours, await attempt(() => f(ours)));
    if (process.env['TSVIRT_DIRPOOL_TRACE']) appendFileSync(process.env['TSVIRT_DIRPOOL_TRACE'], `== ${name}\n${JSON.stringify(a, null, 1)}\n`);
    assert.deepEqual(b, a, `step '${name}': ours (actual) vs libvirtd (expected)`);
  }

  const pool = (s: Side): Promise<StoragePool> => s.conn.storagePoolLookupByName('p');
  const vol = async (s: Side, n: string) => (await pool(s)).storageVolLookupByName(n);
  const poolInfo = async (s: Side) => {
    const i = await (await pool(s)).getInfo();
    return { state: i.state, fs: i.capacity > 0 ? 'FS' : 0 };
  };
  const volDump = async (s: Side, n: string) => {
    const v = await vol(s, n);
    return { info: await v.getInfo(), xml: await v.getXMLDesc(), path: await v.getPath(), key: v.getKey() };
  };
  const file = (s: Side, n: string) => join(s.poolPath, n);
  const rawShape = async (s: Side, n: string) => shape(file(s, n));
  const fileText = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : 'missing');

  it('runs the same sequence with the same results and files', { timeout: 600_000 }, async (t) => {
    if (!requireOracles(t, ...ready)) return;
    const poolXml = (s: Side) => `<pool type='dir'><name>p</name><uuid>${UUID}</uuid><target><path>${s.poolPath}</path></target></pool>`;
    const events = new Map<Side, string[]>();
    const ids = new Map<Side, number[]>();
    for (const s of [theirs, ours]) {
      const list: string[] = [];
      events.set(s, list);
      ids.set(s, [
        s.conn.storagePoolEventRegisterAny(null, 0, (_c, p: StoragePool, event: number, detail: number) => list.push(`${p.getName()} lifecycle ${event} ${detail}`)),
        s.conn.storagePoolEventRegisterAny(null, 1, (_c, p: StoragePool) => list.push(`${p.getName()} refresh`)),
      ]);
      // The registration reaches a remote daemon asynchronously: wait for it before the first change.
      await s.conn.eventsReady();
    }

    await step('pool-start of a pool whose directory is missing', async (s) => {
      const xml = `<pool type='dir'><name>m</name><target><path>${s.poolPath}-missing</path></target></pool>`;
      const p = await s.conn.storagePoolDefineXML(xml);
      const r = await attempt(() => p.create());
      const state = { active: await p.isActive(), info: await poolInfo(s).catch(() => null) };
      await p.undefine();
      return { r, state };
    });
    await step('transient pool: create --build, list, refresh, destroy', async (s) => {
      const xml = `<pool type='dir'><name>t</name><uuid>${UUID.replace('6f', '7f')}</uuid><target><path>${s.poolPath}-t</path></target></pool>`;
      const p = await s.conn.storagePoolCreateXML(xml, 1);
      const st = statSync(`${s.poolPath}-t`);
      const listed = (await s.conn.listAllStoragePools(2 | 8)).map((x) => x.getName());
      const none = (await s.conn.listAllStoragePools(1 | 4)).map((x) => x.getName());
      await p.refresh();
      const persistent = await p.isPersistent();
      const autostart = await attempt(() => p.setAutostart(true));
      await p.destroy();
      const after = await attempt(() => s.conn.storagePoolLookupByName('t'));
      rmSync(`${s.poolPath}-t`, { recursive: true });
      return { mode: (st.mode & 0o7777).toString(8), listed, none, persistent, autostart, after };
    });

    await step('pool-define', async (s) => {
      const p = await s.conn.storagePoolDefineXML(poolXml(s));
      return { xml: await p.getXMLDesc(), info: await poolInfo(s), persistent: await p.isPersistent(), active: await p.isActive() };
    });
    await step('config file after define', async (s) => fileText(s.configFile));
    await step('pool-build', async (s) => {
      await (await pool(s)).build();
      const st = statSync(s.poolPath);
      return { mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid };
    });
    await step('pool-start', async (s) => {
      const p = await pool(s);
      await p.create();
      return { xml: await p.getXMLDesc(), info: await poolInfo(s), inactiveXml: await p.getXMLDesc(1) };
    });
    await step('state file', async (s) => fileText(s.stateFile).replace(/<(capacity|allocation|available) unit='bytes'>\d+</g, '<$1 unit=\'bytes\'>FS<'));
    await step('pool-start again', async (s) => (await pool(s)).create());
    await step('pool-autostart', async (s) => {
      const p = await pool(s);
      await p.setAutostart(true);
      return { autostart: await p.getAutostart(), link: readlinkSync(s.autostartLink) };
    });

    const vols: [string, string][] = [
      ['raw1.img', "<volume><name>raw1.img</name><capacity>10485760</capacity><target><format type='raw'/></target></volume>"],
      ['sparse.raw', "<volume><name>sparse.raw</name><capacity unit='M'>32</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>"],
      ['q1.qcow2', "<volume><name>q1.qcow2</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target></volume>"],
      ['q3.qcow2', "<volume><name>q3.qcow2</name><capacity unit='M'>64</capacity><target><format type='qcow2'/><compat>1.1</compat></target></volume>"],
      ['q4.qcow2', "<volume><name>q4.qcow2</name><capacity unit='M'>100</capacity><allocation>0</allocation><target><format type='qcow2'/><features><lazy_refcounts/></features></target></volume>"],
      ['dir1', "<volume><name>dir1</name><capacity>0</capacity><target><format type='dir'/></target></volume>"],
    ];
    for (const [name, xml] of vols) {
      await step(`vol-create ${name}`, async (s) => {
        const v = await (await pool(s)).storageVolCreateXML(xml);
        return { name: v.getName(), ...(await volDump(s, name)) };
      });
    }
    await step('vol-create q2.qcow2 with a backing file', async (s) => {
      const xml = `<volume><name>q2.qcow2</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target>`
        + `<backingStore><path>${file(s, 'q1.qcow2')}</path><format type='qcow2'/></backingStore></volume>`;
      await (await pool(s)).storageVolCreateXML(xml);
      return volDump(s, 'q2.qcow2');
    });
    await step('vol-create q5.qcow2 with a backing file, no capacity', async (s) => {
      const xml = `<volume><name>q5.qcow2</name><target><format type='qcow2'/></target>`
        + `<backingStore><path>${file(s, 'q4.qcow2')}</path><format type='qcow2'/></backingStore></volume>`;
      await (await pool(s)).storageVolCreateXML(xml);
      return { dump: await volDump(s, 'q5.qcow2'), img: await qemuImgInfo(file(s, 'q5.qcow2'), s.poolPath) };
    });
    await step('vol-create with a missing backing file', async (s) => {
      const xml = `<volume><name>q6.qcow2</name><capacity>1024</capacity><target><format type='qcow2'/></target>`
        + `<backingStore><path>${file(s, 'nope')}</path><format type='qcow2'/></backingStore></volume>`;
      return (await pool(s)).storageVolCreateXML(xml);
    });
    await step('vol-create raw with a backing file', async (s) => {
      const xml = `<volume><name>r6.img</name><capacity>1024</capacity><target><format type='raw'/></target>`
        + `<backingStore><path>${file(s, 'q4.qcow2')}</path></backingStore></volume>`;
      return (await pool(s)).storageVolCreateXML(xml);
    });
    await step('vol-create of an existing name', async (s) => (await pool(s)).storageVolCreateXML(vols[0]![1]));
    await step('files after creation', async (s) => ({
      raw1: await rawShape(s, 'raw1.img'), sparse: await rawShape(s, 'sparse.raw'),
      q1: await qemuImgInfo(file(s, 'q1.qcow2'), s.poolPath), q2: await qemuImgInfo(file(s, 'q2.qcow2'), s.poolPath),
      q3: await qemuImgInfo(file(s, 'q3.qcow2'), s.poolPath),
      q4: await qemuImgInfo(file(s, 'q4.qcow2'), s.poolPath),
      dir1: (statSync(file(s, 'dir1')).mode & 0o7777).toString(8),
      left: ['q6.qcow2', 'r6.img'].map((n) => existsSync(file(s, n))),
      modes: ['raw1.img', 'sparse.raw', 'q1.qcow2', 'q2.qcow2', 'q3.qcow2', 'q4.qcow2', 'q5.qcow2'].map((n) => (statSync(file(s, n)).mode & 0o7777).toString(8)),
    }));

    await step('vol-resize q1 to 2G', async (s) => {
      await (await vol(s, 'q1.qcow2')).resize(2 * 1024 * MiB);
      return { dump: await volDump(s, 'q1.qcow2'), img: await qemuImgInfo(file(s, 'q1.qcow2'), s.poolPath) };
    });
    await step('vol-resize q1 smaller without shrink', async (s) => (await vol(s, 'q1.qcow2')).resize(1024 * MiB));
    await step('vol-resize q1 --shrink', async (s) => {
      await (await vol(s, 'q1.qcow2')).resize(1024 * MiB, 4);
      return qemuImgInfo(file(s, 'q1.qcow2'), s.poolPath);
    });
    await step('vol-resize raw1 20M, then --delta 1M', async (s) => {
      const v = await vol(s, 'raw1.img');
      await v.resize(20 * MiB);
      const a = await volDump(s, 'raw1.img');
      await v.resize(MiB, 2);
      return { a, b: await volDump(s, 'raw1.img'), shape: await rawShape(s, 'raw1.img') };
    });

    await step('vol-upload --sparse onto sparse.raw', async (s) => {
      const v = await vol(s, 'sparse.raw');
      const st = s.conn.newStream(0);
      await v.upload(st, 0, 0, 1);
      const whole = readFileSync(src);
      const sections: [boolean, number][] = [[true, 65536], [false, 4 * MiB - 65536], [true, 65536], [false, 4 * MiB - 65536], [true, 1000], [false, 0]];
      let pos = 0;
      await st.sparseSendAll((_s, n) => {
        const got = whole.subarray(pos, pos + n);
        pos += got.length;
        return got.length === 0 ? null : got;
      }, () => {
        const [inData, length] = sections.shift()!;
        return { inData, length };
      }, (_s, n) => { pos += n; });
      await st.finish();
      st.free();
      return { shape: await rawShape(s, 'sparse.raw'), dump: await volDump(s, 'sparse.raw') };
    });
    await step('vol-upload past --length', async (s) => {
      const v = await vol(s, 'raw1.img');
      const st = s.conn.newStream(0);
      await v.upload(st, MiB, 4096, 0);
      try {
        await st.send(randomBytes(65536));
        await st.send(randomBytes(65536));
        await st.finish();
      } finally {
        st.free();
      }
    });
    for (const [label, offset, length, flags] of [['--sparse', 0, 0, 1], ['plain', 0, 0, 0], ['--offset 4M --length 70000', 4 * MiB, 70000, 0], ['--sparse --offset 65000', 65000, 0, 1]] as const) {
      await step(`vol-download ${label}`, async (s) => {
        const v = await vol(s, 'sparse.raw');
        const st = s.conn.newStream(0);
        await v.download(st, offset, length, flags);
        const out = join(s.work, 'dl');
        rmSync(out, { force: true });
        const fd = openSync(out, 'w');
        let at = 0;
        for await (const c of st.chunks()) {
          if (c instanceof Uint8Array) {
            writeSync(fd, c, 0, c.length, at);
            at += c.length;
          } else {
            at += c.hole;
            ftruncateSync(fd, at);
          }
        }
        closeSync(fd);
        await st.finish();
        st.free();
        return shape(out);
      });
    }

    await step('vol-wipe raw1.img', async (s) => {
      await (await vol(s, 'raw1.img')).wipe();
      return { dump: await volDump(s, 'raw1.img'), shape: await rawShape(s, 'raw1.img') };
    });
    await step('vol-wipe q3.qcow2', async (s) => {
      await (await vol(s, 'q3.qcow2')).wipe();
      return { dump: await volDump(s, 'q3.qcow2'), shape: await rawShape(s, 'q3.qcow2') };
    });
    for (const [from, to] of [['sparse.raw', 'sparse-clone.raw'], ['q1.qcow2', 'q1-clone.qcow2'], ['raw1.img', 'raw1-clone.img']]) {
      await step(`vol-clone ${from} ${to}`, async (s) => {
        const v = await vol(s, from);
        // As virsh vol-clone: the source's XML with the new name.
        const xml = (await v.getXMLDesc()).replace(/<name>[^<]*<\/name>/, `<name>${to}</name>`);
        await (await pool(s)).storageVolCreateXMLFrom(xml, v);
        return { dump: await volDump(s, to), shape: to.endsWith('qcow2') ? await qemuImgInfo(file(s, to), s.poolPath) : await rawShape(s, to) };
      });
    }
    await step('vol-delete q2.qcow2', async (s) => {
      const v = await vol(s, 'q2.qcow2');
      await v.delete();
      return { exists: existsSync(file(s, 'q2.qcow2')), again: await attempt(() => v.delete()) };
    });
    await step('vol-delete of a missing volume', async (s) => vol(s, 'q2.qcow2'));
    await step('pool-refresh, every volume', async (s) => {
      const p = await pool(s);
      await p.refresh();
      const names = (await p.listVolumes()).sort();
      const out: Record<string, unknown> = {};
      for (const n of names) out[n] = await volDump(s, n);
      return { names, num: await p.numOfVolumes(), vols: out };
    });
    await step('lookups by key and path', async (s) => {
      const k = await s.conn.storageVolLookupByKey(file(s, 'q1.qcow2'));
      const p = await s.conn.storageVolLookupByPath(file(s, 'raw1.img'));
      const missing = await attempt(() => s.conn.storageVolLookupByPath(file(s, 'nope')));
      return { k: k.getName(), p: p.getName(), missing };
    });
    await step('vol-info of a volume removed behind the pool', async (s) => {
      const v = await vol(s, 'sparse-clone.raw');
      rmSync(file(s, 'sparse-clone.raw'));
      return { info: await attempt(() => v.getInfo()), xml: await attempt(() => v.getXMLDesc()) };
    });
    await step('pool-info and pool-dumpxml', async (s) => ({ info: await poolInfo(s), xml: await (await pool(s)).getXMLDesc() }));
    await step('pool-undefine while active', async (s) => (await pool(s)).undefine());
    await step('pool-destroy', async (s) => {
      const p = await pool(s);
      await p.destroy();
      return { info: await poolInfo(s), xml: await p.getXMLDesc(), state: existsSync(s.stateFile), vols: await attempt(() => p.listVolumes()) };
    });
    await step('pool-delete of a pool that is not empty', async (s) => (await pool(s)).delete(0));
    await step('pool-destroy again', async (s) => (await pool(s)).destroy());
    await step('pool-undefine', async (s) => {
      await (await pool(s)).undefine();
      return { config: existsSync(s.configFile), link: existsSync(s.autostartLink), lookup: await attempt(() => pool(s)) };
    });
    // Events come asynchronously from the daemon: wait until both have as many.
    for (let i = 0; i < 100 && events.get(ours)!.length !== events.get(theirs)!.length; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    for (const s of [theirs, ours]) for (const id of ids.get(s)!) s.conn.storagePoolEventDeregisterAny(id);
    assert.deepEqual(events.get(ours), events.get(theirs), 'pool events: ours (actual) vs libvirtd (expected)');
    assert.ok(events.get(theirs)!.length > 10, JSON.stringify(events.get(theirs)));
  });
  it('stock virsh gives the same output through tsvirtd hosting the backend as through libvirtd', { timeout: 600_000 }, async (t) => {
    if (!requireOracles(t, ...ready)) return;
    const sides = [
      { uri: lv!.uri, path: join(lv!.dir, 'pools', 'v'), out: join(work, 'theirs', 'v-dl') },
      { uri: daemonURI, path: join(work, 'pools', 'v'), out: join(work, 'ours', 'v-dl') },
    ];
    const virsh = async (side: typeof sides[number], args: string[]) => {
      const r = await run('virsh', ['-c', side.uri, ...args.map((a) => a.replace('@PATH', side.path).replace('@OUT', side.out))]);
      let out = `${r.status}\n${r.stdout}\n--\n${r.stderr}`.split(side.path).join('POOL').split(side.out).join('OUT');
      out = out.replace(/<(atime|mtime|ctime)>[0-9.]+<\/\1>/g, '<$1>T</$1>');
      out = out.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID');
      // The host filesystem's numbers (pool-info, pool-list --details, pool-dumpxml).
      out = out.replace(/^(Capacity|Allocation|Available):( +).*$/gm, '$1:$2FS');
      if (/^pool-/.test(args[0]!)) {
        // Other processes write to the host filesystem between the two runs: all three move.
        out = out.replace(/<(capacity|allocation|available) unit='bytes'>\d+<\/\1>/g, "<$1 unit='bytes'>FS</$1>");
      }
      out = out.replace(/<available unit='bytes'>\d+<\/available>/g, "<available unit='bytes'>FS</available>");
      // Table columns are as wide as the longest path, which differs with the temp dir.
      if (/-list$/.test(args[0]!)) out = out.replace(/ {2,}/g, '  ').replace(/-{10,}/g, '----------');
      return out;
    };
    const commands: string[][] = [
      ['pool-define-as', 'v', 'dir', '--target', '@PATH'], ['pool-build', 'v'], ['pool-start', 'v'], ['pool-autostart', 'v'],
      ['pool-list', '--all', '--details'],
      ['vol-create-as', 'v', 'a.img', '10M', '--format', 'raw'],
      ['vol-create-as', 'v', 's.raw', '32M', '--allocation', '0', '--format', 'raw'],
      ['vol-create-as', 'v', 'q.qcow2', '1G', '--format', 'qcow2'],
      ['vol-create-as', 'v', 'q2.qcow2', '1G', '--format', 'qcow2', '--backing-vol', 'q.qcow2', '--backing-vol-format', 'qcow2'],
      ['vol-create-as', 'v', 'q.qcow2', '1G', '--format', 'qcow2'],
      ['vol-list', 'v', '--details'], ['vol-info', '--pool', 'v', 'q.qcow2'], ['vol-dumpxml', '--pool', 'v', 'q2.qcow2'],
      // A fully allocated raw (fallocated, never written), see below.
      ['vol-download', '--pool', 'v', 'a.img', '@OUT', '--sparse'],
      ['vol-resize', '--pool', 'v', 'q.qcow2', '2G'], ['vol-resize', '--pool', 'v', 'q.qcow2', '1G'],
      ['vol-resize', '--pool', 'v', 'a.img', '1M', '--delta'],
      ['vol-upload', '--pool', 'v', 's.raw', src, '--sparse'],
      ['vol-download', '--pool', 'v', 's.raw', '@OUT', '--sparse'],
      ['vol-upload', '--pool', 'v', 'a.img', src, '--offset', '1048576', '--length', '4096'],
      ['vol-wipe', '--pool', 'v', 'a.img'], ['vol-info', '--pool', 'v', 'a.img'],
      ['vol-clone', '--pool', 'v', 'q.qcow2', 'qc.qcow2'], ['vol-clone', '--pool', 'v', 's.raw', 'sc.raw'],
      ['vol-dumpxml', '--pool', 'v', 'qc.qcow2'],
      // Raw bytes over a qcow2: after the upload the pool is refreshed and the format re-probed.
      ['vol-upload', '--pool', 'v', 'qc.qcow2', src], ['vol-info', '--pool', 'v', 'qc.qcow2'], ['vol-dumpxml', '--pool', 'v', 'qc.qcow2'],
      ['vol-delete', '--pool', 'v', 'q2.qcow2'], ['vol-delete', '--pool', 'v', 'q2.qcow2'],
      ['pool-refresh', 'v'], ['vol-list', 'v', '--details'], ['vol-dumpxml', '--pool', 'v', 'q.qcow2'],
      ['pool-info', 'v'], ['pool-dumpxml', 'v'], ['pool-destroy', 'v'], ['pool-delete', 'v'], ['pool-undefine', 'v'],
      ['pool-list', '--all'],
    ];
    for (const args of commands) {
      const a = await virsh(sides[0]!, args);
      const b = await virsh(sides[1]!, args);
      assert.equal(b, a, `virsh ${args.join(' ')}: tsvirtd (actual) vs libvirtd (expected)`);
      if (args[0] === 'vol-download' && args[3] === 'a.img') {
        // libvirt finds holes with SEEK_DATA, and ext4 calls an unwritten
        // (fallocated) range data where the page cache holds its pages
        // (libvirt read the header, readahead did the rest): it sends zeroes.
        // Node has no SEEK_DATA; we send zero runs as holes. Same bytes,
        // never more allocated than libvirt's.
        const [a, b] = [shape(sides[0]!.out), shape(sides[1]!.out)] as { size: number; blocks: number; sha: string }[];
        assert.deepEqual([b!.size, b!.sha], [a!.size, a!.sha], 'the downloaded bytes');
        assert.ok(b!.blocks <= a!.blocks, `allocated: ours ${b!.blocks} blocks, libvirt's ${a!.blocks}`);
      } else if (args[0] === 'vol-download') {
        assert.deepEqual(shape(sides[1]!.out), shape(sides[0]!.out), 'the downloaded files');
      }
      if (args[0] === 'vol-upload' && args.includes('--sparse')) {
        assert.deepEqual(shape(join(sides[1]!.path, 's.raw')), shape(join(sides[0]!.path, 's.raw')), 'the uploaded volumes');
      }
    }
  });
});
