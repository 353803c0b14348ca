/**
 * Volume streams against a private stock libvirtd (its storage driver, a
 * `dir` pool in a temp dir), judged by stock virsh and libvirt-python:
 *
 * - vol-upload --sparse of a sparse file through virsh, tsvirsh and the
 *   library: the three volumes are byte-identical to the source and have
 *   the same allocated blocks (the holes were kept);
 * - vol-download (sparse and not, with --offset/--length) through virsh,
 *   tsvirsh and the library: same bytes, same allocation;
 * - the errors virsh prints (an upload past --length, a missing file);
 * - the daemon forwarding streams: stock virsh and libvirt-python talk to
 *   tsvirtd's server, whose driver is our remote driver to the libvirtd,
 *   so every byte crosses our daemon's stream code both ways.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { open, openDriver, type Connection } from '../../src/api/index.js';
import { DaemonServer } from '../../src/daemon/server.js';
import type { Driver } from '../../src/driver/driver.js';
import { DriverRegistry } from '../../src/driver/registry.js';
import { RemoteDriver } from '../../src/driver/remote/remote-driver.js';
import { ROOT, run, startLibvirtd, type Daemon, type RunResult } from './harness.js';
import { canUnshare, hasLibvirtd, hasPythonLibvirt, hasVirsh, PYTHON, requireOracles } from './oracle.js';

const TSVIRSH = join(ROOT, 'bin/tsvirsh.cjs');
const MiB = 1 << 20;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const ready = (): boolean => hasVirsh() && hasLibvirtd() && canUnshare() && hasPythonLibvirt();

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** What decides "same file": content, apparent size, allocated 512-byte blocks. */
function shape(path: string): { sha: string; size: number; blocks: number } {
  const st = statSync(path);
  return { sha: sha(path), size: st.size, blocks: st.blocks };
}

/**
 * 8 MiB + 1000 bytes: 64 KiB of data at 0, 64 KiB at 4 MiB, 1000 bytes
 * (half a block) at the very end, holes between.
 */
function makeSparseSource(path: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, 0);
  writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, 4 * MiB);
  writeSync(fd, randomBytes(1000), 0, 1000, 8 * MiB);
  ftruncateSync(fd, 8 * MiB + 1000);
  closeSync(fd);
}

describe('volume streams against a stock libvirtd', () => {
  let d: Daemon;
  let dir: string;
  let poolDir: string;
  let uri: string;
  let src: string;
  let conn: Connection;
  // tsvirtd in this process, forwarding to the libvirtd through our remote driver
  let fwdServer: Server;
  let fwdDaemon: DaemonServer;
  let fwdURI: string;

  const virsh = (args: string[], u = uri): Promise<RunResult> => run('virsh', ['-c', u, ...args]);
  const tsvirsh = (args: string[], u = uri): Promise<RunResult> => run(process.execPath, [TSVIRSH, '-c', u, ...args]);
  const vol = (name: string): string => join(poolDir, name);
  const createVol = async (name: string, size = '9M'): Promise<void> => {
    const r = await virsh(['vol-create-as', 'p', name, size, '--allocation', '0', '--format', 'raw']);
    assert.equal(r.status, 0, r.stderr);
  };

  before(async () => {
    if (!ready()) return;
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-streams-'));
    chmodSync(dir, 0o755);
    poolDir = join(dir, 'pool');
    src = join(dir, 'src.img');
    makeSparseSource(src);
    d = await startLibvirtd({ tcp: false });
    uri = d.unixURI('/system', 'qemu');
    const r = await virsh(['pool-create-as', 'p', 'dir', '--target', poolDir, '--build']);
    assert.equal(r.status, 0, r.stderr);
    conn = await open(uri);

    const remote = new RemoteDriver();
    const forward: Driver = {
      name: 'forward',
      accepts: (u) => u?.scheme === 'qemu',
      open: async (_u, o) => (await openDriver(uri, null, o.flags, { drivers: new DriverRegistry([remote]) })).drv,
    };
    fwdDaemon = new DaemonServer({
      keepaliveInterval: 5, keepaliveCount: 5, maxClientRequests: 5, log: quiet,
      drivers: new DriverRegistry([forward]),
    });
    const sock = join(dir, 'tsvirtd-sock');
    fwdServer = createServer((s) => fwdDaemon.accept(s, { readonly: false, transport: 'unix', peer: 'test' }));
    await new Promise<void>((res) => fwdServer.listen(sock, res));
    fwdURI = `qemu+unix:///system?socket=${sock}`;
  });

  after(async () => {
    await conn?.close();
    await fwdDaemon?.close();
    fwdServer?.close();
    await d?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('vol-upload --sparse: virsh, tsvirsh and the library leave identical volumes, holes kept', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'python')) return;
    for (const n of ['up-virsh', 'up-tsvirsh', 'up-lib']) await createVol(n);
    const a = await virsh(['vol-upload', 'up-virsh', src, '--pool', 'p', '--sparse']);
    const b = await tsvirsh(['vol-upload', 'up-tsvirsh', src, '--pool', 'p', '--sparse']);
    assert.deepEqual(b, a);
    const v = await (await conn.storagePoolLookupByName('p')).storageVolLookupByName('up-lib');
    const st = conn.newStream(0);
    await v.upload(st, 0, 0, 1);
    const whole = readFileSync(src);
    try {
      // The library's sparseSendAll with the source's sections known (data, hole, data, hole, data).
      const sections = [[true, 65536], [false, 4 * MiB - 65536], [true, 65536], [false, 4 * MiB - 65536], [true, 1000], [false, 0]];
      let pos = 0;
      await st.sparseSendAll((_s, n) => {
        const got = whole.subarray(pos, pos + n);
        pos += got.length;
        return got.length === 0 ? null : got;
      }, () => {
        const [inData, length] = sections.shift() as [boolean, number];
        return { inData, length };
      }, (_s, n) => { pos += n; });
      await st.finish();
    } finally {
      st.free();
      v.free();
    }
    const want = shape(src);
    const got = ['up-virsh', 'up-tsvirsh', 'up-lib'].map((n) => shape(vol(n)));
    assert.deepEqual(got[1], got[0], 'tsvirsh vs virsh');
    assert.deepEqual(got[2], got[0], 'library vs virsh');
    assert.equal(got[0]!.sha, want.sha);
    assert.ok(got[0]!.blocks * 512 < 1 * MiB, `the holes were kept (${got[0]!.blocks} blocks)`);
  });

  it('vol-download, sparse and not, and --offset/--length: tsvirsh and the library equal virsh', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'python')) return;
    await createVol('down');
    assert.equal((await virsh(['vol-upload', 'down', src, '--pool', 'p', '--sparse'])).status, 0);
    for (const extra of [['--sparse'], [], ['--offset', '4194304', '--length', '70000'], ['--sparse', '--offset', '65000']]) {
      const fa = join(dir, 'dl-virsh');
      const fb = join(dir, 'dl-tsvirsh');
      rmSync(fa, { force: true });
      rmSync(fb, { force: true });
      const a = await virsh(['vol-download', 'down', fa, '--pool', 'p', ...extra]);
      const b = await tsvirsh(['vol-download', 'down', fb, '--pool', 'p', ...extra]);
      assert.deepEqual(b, a, extra.join(' '));
      assert.deepEqual(shape(fb), shape(fa), `tsvirsh vs virsh ${extra.join(' ')}`);
    }
    // The library, sparse: data and holes as the volume has them.
    const v = await (await conn.storagePoolLookupByName('p')).storageVolLookupByName('down');
    const st = conn.newStream(0);
    await v.download(st, 0, 0, 1);
    const items: (number | { hole: number })[] = [];
    const bytes: Buffer[] = [];
    for await (const c of st.chunks()) {
      if (c instanceof Uint8Array) {
        items.push(c.length);
        bytes.push(Buffer.from(c));
      } else {
        items.push(c);
        bytes.push(Buffer.alloc(c.hole));
      }
    }
    await st.finish();
    st.free();
    v.free();
    assert.equal(createHash('sha256').update(Buffer.concat(bytes)).digest('hex'), sha(src));
    assert.ok(items.some((i) => typeof i === 'object' && i.hole >= MiB), JSON.stringify(items));
  });

  it('errors as virsh prints them: an upload past --length, a file that cannot be read, a volume that is missing', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'python')) return;
    await createVol('small', '1M');
    for (const args of [
      ['vol-upload', 'small', src, '--pool', 'p', '--offset', '1048576', '--length', '4096'],
      ['vol-upload', 'small', join(dir, 'nonexistent'), '--pool', 'p'],
      ['vol-download', 'nosuch', join(dir, 'x'), '--pool', 'p'],
      ['vol-download', 'small', join(dir, 'no', 'such', 'dir'), '--pool', 'p'],
    ]) {
      const a = await virsh(args);
      const b = await tsvirsh(args);
      assert.deepEqual(b, a, args.join(' '));
      assert.notEqual(a.status, 0);
    }
  });

  it('through tsvirtd: stock virsh uploads and downloads via our daemon and remote driver', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'python')) return;
    await createVol('fwd');
    const up = await virsh(['vol-upload', 'fwd', src, '--pool', 'p', '--sparse'], fwdURI);
    assert.equal(up.status, 0, up.stderr);
    await createVol('fwd-direct');
    assert.equal((await virsh(['vol-upload', 'fwd-direct', src, '--pool', 'p', '--sparse'])).status, 0);
    assert.deepEqual(shape(vol('fwd')), shape(vol('fwd-direct')));
    const fa = join(dir, 'fwd-dl');
    const fb = join(dir, 'direct-dl');
    const a = await virsh(['vol-download', 'fwd', fa, '--pool', 'p', '--sparse'], fwdURI);
    const b = await virsh(['vol-download', 'fwd', fb, '--pool', 'p', '--sparse']);
    assert.deepEqual(a, b);
    assert.deepEqual(shape(fa), shape(fb));
    // An error raised in libvirtd crosses both hops with its text.
    await createVol('fwd-small', '1M');
    const args = ['vol-upload', 'fwd-small', src, '--pool', 'p', '--offset', '1048576', '--length', '4096'];
    assert.deepEqual(await virsh(args, fwdURI), await virsh(args));
  });

  it('through tsvirtd: libvirt-python downloads (recvAll) and uploads (sendAll) the same bytes', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'python')) return;
    await createVol('py');
    const script = `
import hashlib, sys, libvirt
c = libvirt.open(sys.argv[1])
v = c.storagePoolLookupByName('p').storageVolLookupByName('py')
data = open(sys.argv[2], 'rb').read()
st = c.newStream(0)
v.upload(st, 0, 0, 0)
chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)]
st.sendAll(lambda s, n, o: chunks.pop(0) if chunks else b'', None)
st.finish()
st = c.newStream(0)
v.download(st, 0, len(data), 0)
h = hashlib.sha256()
st.recvAll(lambda s, b, o: h.update(b), None)
st.finish()
print(h.hexdigest())
`;
    const r = await run(PYTHON, ['-c', script, fwdURI, src]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), sha(src));
  });
});
