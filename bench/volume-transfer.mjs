#!/usr/bin/env node
// Volume upload/download throughput through tsvirt's client and through
// libvirt's C client (libvirt-python, /usr/bin/python3, and stock virsh),
// against the same private stock libvirtd (its storage driver, a dir pool in
// a temp dir), in one run, interleaved; medians in MB/s and tsvirt/python
// ratios. Then, when the QEMU test guest can run, console round-trip latency
// (one key typed, its echo read) through tsvirt's library and libvirt-python.
//
//   node bench/volume-transfer.mjs [--mib N] [--rounds R] [--no-console] [--echoes K]
//
// Defaults: --mib 256 --rounds 3 --echoes 40. Needs root (the harness runs
// libvirtd in private namespaces) and a built tree (`npm run build`).
//
// What is measured, per direction and client:
// - tsvirt: Node streams end to end, as an application would write it:
//   upload    pipeline(fs.createReadStream(file), stream.toWritable())
//   download  pipeline(stream.toReadable(), fs.createWriteStream(file))
// - python: the usual libvirt-python loops, st.sendAll(handler) reading the
//   file / st.recvAll(handler) writing it (libvirt's 64 KiB chunks);
// - virsh: `virsh vol-upload` / `vol-download` (process start included).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const { open } = await import(join(dist, 'src/index.js'));
const { startLibvirtd, run } = await import(join(dist, 'test/interop/harness.js'));

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const MIB = opt('mib', 256);
const ROUNDS = opt('rounds', 3);
const ECHOES = opt('echoes', 40);
const CONSOLE = !argv.includes('--no-console');
const PYTHON = '/usr/bin/python3';
const bytes = MIB * 1048576;

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const mbps = (ms) => bytes / 1e6 / (ms / 1000);

const dir = mkdtempSync(join(tmpdir(), 'tsvirt-bench-vol-'));
chmodSync(dir, 0o755);
const src = join(dir, 'src.img');
{
  // Incompressible, fully allocated data (1 MiB of random bytes, repeated).
  const block = randomBytes(1048576);
  const fd = openSync(src, 'w');
  for (let i = 0; i < MIB; i++) writeSync(fd, block);
  closeSync(fd);
}

const d = await startLibvirtd({ tcp: false });
const uri = d.unixURI('/system', 'qemu');
const virsh = (...a) => run('virsh', ['-c', uri, ...a], { timeoutMs: 600_000 });
try {
  for (const a of [['pool-create-as', 'p', 'dir', '--target', join(dir, 'pool'), '--build'],
    ['vol-create-as', 'p', 'v', `${MIB}M`, '--format', 'raw']]) {
    const r = await virsh(...a);
    if (r.status !== 0) throw new Error(`virsh ${a.join(' ')}: ${r.stderr}`);
  }
  const conn = await open(uri);
  const vol = await (await conn.storagePoolLookupByName('p')).storageVolLookupByName('v');
  const out = join(dir, 'out.img');

  const clients = {
    tsvirt: {
      async upload() {
        const st = conn.newStream(0);
        await vol.upload(st, 0, 0, 0);
        await pipeline(createReadStream(src, { highWaterMark: 262120 }), st.toWritable());
        st.free();
      },
      async download() {
        const st = conn.newStream(0);
        await vol.download(st, 0, 0, 0);
        await pipeline(st.toReadable(), createWriteStream(out));
        st.free();
      },
    },
    python: {
      upload: () => py('up'),
      download: () => py('down'),
    },
    virsh: {
      upload: async () => check(await virsh('vol-upload', 'v', src, '--pool', 'p')),
      download: async () => check(await virsh('vol-download', 'v', out, '--pool', 'p')),
    },
  };
  const pyScript = `
import sys, libvirt
c = libvirt.open(sys.argv[1])
v = c.storagePoolLookupByName('p').storageVolLookupByName('v')
st = c.newStream(0)
if sys.argv[2] == 'up':
    f = open(sys.argv[3], 'rb')
    v.upload(st, 0, 0, 0)
    st.sendAll(lambda s, n, o: f.read(n), None)
else:
    f = open(sys.argv[4], 'wb')
    v.download(st, 0, 0, 0)
    st.recvAll(lambda s, b, o: f.write(b), None)
st.finish()
f.close()
`;
  async function py(dirn) {
    check(await run(PYTHON, ['-c', pyScript, uri, dirn, src, out], { timeoutMs: 600_000 }));
  }
  function check(r) {
    if (r.status !== 0) throw new Error(r.stderr);
  }

  const times = {};
  for (const c of Object.keys(clients)) times[c] = { upload: [], download: [] };
  // Warm-up: page cache, libvirtd's threads, python's imports.
  for (const c of Object.keys(clients)) {
    await clients[c].upload();
    await clients[c].download();
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = Object.keys(clients);
    if (r % 2) order.reverse();
    for (const dirn of ['upload', 'download']) {
      for (const c of order) {
        const t0 = performance.now();
        await clients[c][dirn]();
        times[c][dirn].push(performance.now() - t0);
      }
    }
  }
  console.log(`volume transfer, ${MIB} MiB, ${ROUNDS} rounds (median MB/s; client CPU not separated)`);
  console.log('client     upload    download');
  for (const c of Object.keys(clients)) {
    console.log(`${c.padEnd(8)} ${mbps(median(times[c].upload)).toFixed(1).padStart(8)} ${mbps(median(times[c].download)).toFixed(1).padStart(10)}`);
  }
  const ratio = (dirn) => (mbps(median(times.tsvirt[dirn])) / mbps(median(times.python[dirn]))).toFixed(2);
  console.log(`tsvirt/python: upload ${ratio('upload')}x, download ${ratio('download')}x (goal >= 1.2)`);
  const ratioV = (dirn) => (mbps(median(times.tsvirt[dirn])) / mbps(median(times.virsh[dirn]))).toFixed(2);
  console.log(`tsvirt/virsh:  upload ${ratioV('upload')}x, download ${ratioV('download')}x`);
  vol.free();
  await conn.close();
} finally {
  await d.stop();
}

if (CONSOLE) {
  try {
    await consoleLatency();
  } catch (e) {
    console.log(`console latency: not measured (${String(e.message ?? e).split('\n')[0]})`);
  }
}
rmSync(dir, { recursive: true, force: true });

/** One key typed at the guest's shell prompt, its echo read back: tsvirt's library vs libvirt-python. */
async function consoleLatency() {
  const h = await import(join(dist, 'test/interop/qemu-harness.js'));
  const guest = await h.ensureTestGuest();
  const lv = await h.startQemuLibvirtd();
  try {
    writeFileSync(join(dir, 'g.xml'), h.guestXml('bench', { guest }));
    for (const a of [['define', join(dir, 'g.xml')], ['start', 'bench']]) {
      const r = await lv.virsh(...a);
      if (r.status !== 0) throw new Error(r.stderr);
    }
    const conn = await open(lv.uri);
    const dom = await conn.domainLookupByName('bench');
    // Wait for the shell with the library's console, then measure.
    const st = conn.newStream(0);
    await dom.openConsole(null, st, 0);
    let seen = '';
    let wake = null;
    const reader = (async () => {
      for await (const c of st) {
        seen += Buffer.from(c).toString('latin1');
        wake?.();
      }
    })();
    const t0 = Date.now();
    while (!seen.includes(h.GUEST_PROMPT)) {
      if (Date.now() - t0 > 300_000) throw new Error('no guest prompt');
      await st.send(Buffer.from('\r'));
      await new Promise((r) => setTimeout(r, 2000));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const lat = [];
    for (let i = 0; i < ECHOES; i++) {
      const before = seen.length;
      const s = performance.now();
      await st.send(Buffer.from('x'));
      // Woken by the reader, not polled: a polling loop would compete for the CPU it measures.
      while (seen.length === before) await new Promise((r) => { wake = r; });
      wake = null;
      lat.push(performance.now() - s);
    }
    await st.send(Buffer.from('\x15')); // ^U: clear the line
    await st.finish();
    await reader.catch(() => undefined);
    st.free();
    dom.free();
    await conn.close();
    const pyLat = spawnSync(PYTHON, ['-c', `
import sys, time, libvirt
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
d = c.lookupByName('bench')
st = c.newStream(0)
d.openConsole(None, st, 0)
time.sleep(0.5)
out = []
for i in range(int(sys.argv[2])):
    s = time.perf_counter()
    st.send(b'x')
    st.recv(64)
    out.append((time.perf_counter() - s) * 1000)
st.send(b'\\x15')
st.finish()
out.sort()
print(out[len(out) // 2])
`, lv.uri, String(ECHOES)], { encoding: 'utf8', timeout: 120_000 });
    if (pyLat.status !== 0) throw new Error(pyLat.stderr);
    console.log(`console round trip (key → echo, median of ${ECHOES}): tsvirt ${median(lat).toFixed(2)} ms, python ${Number(pyLat.stdout).toFixed(2)} ms`);
  } finally {
    await lv.stop();
  }
}
