// The QEMU driver with many defined domains: tsvirtd and a private stock
// libvirtd 9.0 side by side, same client (tsvirt's library over each
// daemon's unix socket), same run.
//
//   node bench/qemu-domains.mjs [--domains N] [--rounds R] [--boots B] [--guests G]
//
// Then G guests (default 10) started at once: each daemon's RSS once all
// run (5 s after the last start), and after they are destroyed.
//
// First, B times (default 3) per daemon: `virsh start` of the test guest,
// then `virsh console` until its shell prompt (wall time from the start
// command to the prompt, median).
//
// Defines N inactive domains (the test guest's XML, default 1000) in each
// daemon, then times listAllDomains (median of R calls, default 15) and
// reads each daemon's RSS before and after defining. Needs root and a
// built tree; both daemons run in their own mount+PID namespaces (the
// interop harnesses), so nothing on the host is touched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const { open } = await import(join(dist, 'src/index.js'));
const { startQemuLibvirtd, guestXml, ensureTestGuest, openConsole } = await import(join(dist, 'test/interop/qemu-harness.js'));
const { startQemuTsvirtd } = await import(join(dist, 'test/interop/qemu-tsvirtd.js'));

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const N = opt('domains', 1000);
const ROUNDS = opt('rounds', 15);
const BOOTS = opt('boots', 3);
const GUESTS = opt('guests', 10);

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
// The files need not exist to define a domain; nothing is started.
const xml = (i) => guestXml(`bench-${String(i).padStart(5, '0')}`, { kernel: '/nonexistent/vmlinuz', initrd: '/nonexistent/initrd.gz' });

const results = {};
const guest = await ensureTestGuest();
const { writeFileSync, mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const guestFile = join(mkdtempSync(join(tmpdir(), 'tsvirt-bench-qemu-')), 'guest.xml');

/** `virsh start` to the guest's prompt on its console, BOOTS times: the median in ms. */
async function boots(daemon) {
  const check = (r, what) => {
    if (r.status !== 0) throw new Error(`virsh ${what}: ${r.stderr}`);
  };
  writeFileSync(guestFile, guestXml('bench-boot', { guest }));
  check(await daemon.virsh('define', guestFile), 'define');
  const times = [];
  for (let b = 0; b < BOOTS; b++) {
    const t0 = performance.now();
    check(await daemon.virsh('start', 'bench-boot'), 'start');
    const con = await openConsole(daemon.uri, 'bench-boot');
    try {
      await con.waitPrompt({ timeoutMs: 120_000 });
      times.push(performance.now() - t0);
    } finally {
      await con.kill();
    }
    check(await daemon.virsh('destroy', 'bench-boot'), 'destroy');
  }
  check(await daemon.virsh('undefine', 'bench-boot'), 'undefine');
  return median(times);
}

/** Daemon RSS (KiB) with GUESTS running guests. */
async function running(daemon, pid) {
  const names = Array.from({ length: GUESTS }, (_, i) => `bench-run-${i}`);
  const check = (r, what) => {
    if (r.status !== 0) throw new Error(`virsh ${what}: ${r.stderr}`);
  };
  for (const n of names) {
    writeFileSync(guestFile, guestXml(n, { guest }));
    check(await daemon.virsh('define', guestFile), 'define');
  }
  const before = rssKiB(pid());
  for (const n of names) check(await daemon.virsh('start', n), `start ${n}`);
  await new Promise((r) => setTimeout(r, 5000));
  const during = rssKiB(pid());
  for (const n of names) {
    check(await daemon.virsh('destroy', n), `destroy ${n}`);
    check(await daemon.virsh('undefine', n), `undefine ${n}`);
  }
  return { before, during };
}

async function measure(label, daemon, pid) {
  const bootMs = await boots(daemon);
  const guests = await running(daemon, pid);
  const conn = await open(daemon.uri);
  try {
    const rss0 = rssKiB(pid());
    const t0 = performance.now();
    for (let i = 0; i < N; i++) (await conn.domainDefineXML(xml(i))).free?.();
    const defineMs = performance.now() - t0;
    const times = [];
    let count = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      const doms = await conn.listAllDomains(0);
      times.push(performance.now() - t);
      count = doms.length;
      for (const d of doms) d.free?.();
    }
    results[label] = { bootMs, guests, rss0, rss1: rssKiB(pid()), defineMs, listMs: median(times), count };
  } finally {
    await conn.close();
  }
}

{
  const lv = await startQemuLibvirtd();
  try {
    await measure('libvirtd', lv, () => lv.libvirtdPid);
  } finally {
    await lv[Symbol.asyncDispose]();
  }
}
{
  const td = await startQemuTsvirtd();
  try {
    await measure('tsvirtd', td, () => td.tsvirtdPid());
  } finally {
    await td[Symbol.asyncDispose]();
  }
}

console.log(`QEMU driver: virsh start to the guest's prompt, median of ${BOOTS}`);
for (const [k, r] of Object.entries(results)) console.log(`${k.padEnd(10)} ${(r.bootMs / 1000).toFixed(2)} s`);
console.log(`tsvirtd/libvirtd: ${(results.tsvirtd.bootMs / results.libvirtd.bootMs).toFixed(2)}x`);
console.log(`daemon RSS with ${GUESTS} running guests (MiB): before starting → while running`);
for (const [k, r] of Object.entries(results)) {
  console.log(`${k.padEnd(10)} ${(r.guests.before / 1024).toFixed(1)} → ${(r.guests.during / 1024).toFixed(1)}`);
}
console.log(`tsvirtd/libvirtd while running: ${(results.tsvirtd.guests.during / results.libvirtd.guests.during).toFixed(2)}x`);
console.log(`QEMU driver, ${N} defined domains, listAllDomains median of ${ROUNDS}`);
console.log('daemon     define all (s)  listAllDomains (ms)  domains  RSS before → after (MiB)');
for (const [k, r] of Object.entries(results)) {
  console.log(`${k.padEnd(10)} ${(r.defineMs / 1000).toFixed(2).padStart(14)}  ${r.listMs.toFixed(1).padStart(19)}  ${String(r.count).padStart(7)}  `
    + `${(r.rss0 / 1024).toFixed(1)} → ${(r.rss1 / 1024).toFixed(1)}`);
}
const a = results.tsvirtd;
const b = results.libvirtd;
console.log(`tsvirtd/libvirtd: listAllDomains ${(a.listMs / b.listMs).toFixed(2)}x time, define ${(a.defineMs / b.defineMs).toFixed(2)}x time, `
  + `RSS after ${(a.rss1 / b.rss1).toFixed(2)}x`);
