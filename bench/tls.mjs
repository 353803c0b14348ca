#!/usr/bin/env node
// TLS throughput: the same client load against a private stock libvirtd 9.0
// and against tsvirtd, both with listen_tls (auth_tls none, client
// certificates required), in one run, interleaved (bench/lib.mjs), medians
// and the tsvirtd/libvirtd ratio per metric.
//
//   node bench/tls.mjs [--seconds N] [--rounds R] [--no-virsh]
//
// Defaults: --seconds 2 --rounds 3 (≈ 1 min). Needs root (libvirtd runs in a
// private mount namespace, test/interop/harness.ts), openssl, virsh, and a
// built tree (`npm run build`). Certificates are made for this run
// (test/interop/tls-pki.ts: RSA 2048, CA + server cert for 127.0.0.1 +
// client cert) and removed at the end.
//
// Load. The client is our library's TLS transport (src/transport/tls.ts:
// credentials loaded and checked, TCP, handshake, peer check, confirmation
// byte) and RpcClient in this process, the same code for both daemons:
//   serial     one TLS connection (AUTH_LIST, SUPPORTS_FEATURE 10, CONNECT_OPEN
//              test:///default), then back-to-back CONNECT_GET_LIB_VERSION → calls/s
//   connect    TLS connect + handshake + confirmation + CONNECT_OPEN +
//              CONNECT_GET_LIB_VERSION + CONNECT_CLOSE + close, sequentially
//              (and 4 in parallel) → /s
//   virsh      stock `virsh -c test+tls://127.0.0.1:PORT/default?pkipath=DIR version`
//              run to completion, one after another → runs/s (client CPU
//              counts the virsh processes)
import os from 'node:os';
import { parseArgs } from 'node:util';
import { childrenCpuMs, comm, dist, interleave, loop, median, openCallClose, pct, remote, rpcOpen, serialPhase, timed } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    'no-virsh': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);

const harness = await import(dist('test/interop/harness.js'));
const { makePki, startTls } = await import(dist('test/interop/tls-pki.js'));
const { connectTLS } = await import(dist('src/transport/tls.js'));

// The fields of a RemotePlan that connectTLS reads.
const plan = (pki, port) => ({ host: '127.0.0.1', port, pkipath: pki.allowed, noVerify: false, noSanity: false, tlsPriority: null });

async function open(d) {
  const t = await connectTLS(d.plan);
  return rpcOpen(t.stream);
}

const PHASES = {
  serialLibVersion: (d, secs) => serialPhase(d.pid, secs, () => open(d), (conn) => conn.c.call(remote.connectGetLibVersion, undefined)),
  connectSerial: (d, secs) => timed(d.pid, secs, 1, connectLoop(d)),
  connectPar4: (d, secs) => timed(d.pid, secs, 4, connectLoop(d)),
};

const connectLoop = (d) => loop(openCallClose(() => open(d), remote.connectGetLibVersion));

async function virsh(d) {
  const r = await harness.run('virsh', ['-c', d.uri, 'version'], { timeoutMs: 30_000 });
  if (r.status !== 0) throw new Error(`virsh against ${d.name} failed: ${r.stderr}`);
}

if (!opt['no-virsh']) {
  PHASES.virshVersion = (d, secs) => timed(d.pid, secs, 1, loop(() => virsh(d)), childrenCpuMs);
}

// ---------------------------------------------------------------- run

const cmdline = `node bench/tls.mjs ${process.argv.slice(2).join(' ')}`.trim();
console.log(`command: ${cmdline}`);
console.log(`seconds=${SECONDS} rounds=${ROUNDS}; node ${process.version}; ` +
  `${os.availableParallelism()} CPUs; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

const pki = makePki();
const CONF = { max_clients: 5000 };
const started = await Promise.allSettled([startTls(harness.startLibvirtd, pki, CONF), startTls(harness.startTsvirtd, pki, CONF)]);
const daemons = {};
try {
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  for (const [name, { value: { d, port } }] of [['libvirtd', started[0]], ['tsvirtd', started[1]]]) {
    daemons[name] = {
      name, pid: d.pid, port, stop: () => d.stop(), plan: plan(pki, port),
      uri: `test+tls://127.0.0.1:${port}/default?pkipath=${pki.allowed}`,
    };
  }
  const lv = daemons.libvirtd;
  if (comm(lv.pid) !== 'libvirtd') throw new Error(`pid ${lv.pid} is ${comm(lv.pid)}, not libvirtd`);
  for (const d of Object.values(daemons)) {
    const t = await connectTLS(d.plan);
    const s = t.stream;
    console.log(`${d.name} pid ${d.pid} (comm ${comm(d.pid)}), TLS port ${d.port}: ${s.getProtocol()} ${s.getCipher().name}`);
    t.close();
  }

  const res = await interleave(daemons, PHASES, { rounds: ROUNDS, seconds: SECONDS });

  // ---- report
  const rows = [
    ['serialLibVersion', 'serial getLibVersion over one TLS connection (calls/s)'],
    ['connectSerial', 'TLS open+call+close, sequential (/s)'],
    ['connectPar4', 'TLS open+call+close, 4 in parallel (/s)'],
    ['virshVersion', 'stock `virsh … version` over TLS, sequential (runs/s)'],
  ].filter(([p]) => p in PHASES);
  const med = (k, p, f) => median(res[k][p].map((x) => x[f]));
  console.log('\n| metric | libvirtd | tsvirtd | ratio ts/lv | daemon CPU µs/op lv / ts (ratio lv/ts) | CPU client / lv / ts / other |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [p, label] of rows) {
    const L = med('libvirtd', p, 'rate');
    const T = med('tsvirtd', p, 'rate');
    const uL = med('libvirtd', p, 'daemonUsPerOp');
    const uT = med('tsvirtd', p, 'daemonUsPerOp');
    const client = (med('libvirtd', p, 'clientCpu') + med('tsvirtd', p, 'clientCpu')) / 2;
    const other = (med('libvirtd', p, 'otherCpu') + med('tsvirtd', p, 'otherCpu')) / 2;
    console.log(`| ${label} | ${L.toFixed(0)} | ${T.toFixed(0)} | ${(T / L).toFixed(2)}× |` +
      ` ${uL.toFixed(0)} / ${uT.toFixed(0)} (${(uL / uT).toFixed(2)}×) |` +
      ` ${pct(client)} / ${pct(med('libvirtd', p, 'daemonCpu'))} / ${pct(med('tsvirtd', p, 'daemonCpu'))} / ${pct(other)} |`);
  }
  console.log(`\nRates and CPU are medians over ${ROUNDS} rounds of ${SECONDS} s. CPU: 100% = one core (the machine has ` +
    `${os.availableParallelism()}); client = this process (our TLS transport + RpcClient) and its virsh children, ` +
    'other = the rest of the machine meanwhile.');
  console.log(`Load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`);
} finally {
  await Promise.all(started.filter((s) => s.status === 'fulfilled').map((s) => s.value.d.stop()));
  pki.remove();
}
