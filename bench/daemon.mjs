#!/usr/bin/env node
// Daemon throughput and memory: the same client load against a private stock
// libvirtd 9.0 and against tsvirtd, in one run, interleaved (each round runs
// every phase on both daemons, alternating which goes first), medians and the
// tsvirtd/libvirtd ratio per metric.
//
//   node bench/daemon.mjs [--seconds N] [--rounds R] [--conns C] [--concurrency K]
//                         [--launcher auto|bin|inline] [--no-gc] [--node-options='Node/V8 flags for tsvirtd']
//
// Defaults: --seconds 2 --rounds 3 --conns 1000 --concurrency 16 (≈ 1.5 min).
// Needs root (the harness runs libvirtd in a private mount namespace) and a
// built tree (`npx tsc -p tsconfig.json`). Both daemons listen on 127.0.0.1
// TCP with auth none, keepalive defaults (5 s / 5), max_clients = 5000.
//
// Load (the client is our RpcClient in this process, the same code for both
// daemons, so the ratio compares daemons; its CPU use is printed because on a
// 2-core machine it can be the bottleneck):
//   serial     one connection (AUTH_LIST, SUPPORTS_FEATURE 10, CONNECT_OPEN
//              test:///default), then back-to-back CONNECT_GET_VERSION → calls/s;
//              and DOMAIN_LOOKUP_BY_NAME("test") + DOMAIN_GET_INFO → pairs/s
//   concurrent K connections, each issuing sequential CONNECT_GET_VERSION → calls/s
//   connect    TCP connect + handshake + CONNECT_OPEN + CONNECT_GET_VERSION +
//              CONNECT_CLOSE + socket close, sequentially (and 4 in parallel) → /s
//   memory     daemon VmRSS before and 1 s after opening C idle connections
//              (each did CONNECT_OPEN test:///default) → KiB per connection.
//              Measured once, first, on fresh daemons (after load, the allocators
//              hold freed memory and new connections reuse it unseen).
//              For tsvirtd, unless --no-gc, also "after a full GC": the daemon
//              is started with NODE_OPTIONS=--inspect-port=127.0.0.1:P and sent
//              SIGUSR1 (Node's own inspector activation; no code in tsvirtd),
//              and HeapProfiler.collectGarbage is sent over the inspector.
//
// Goals (issue): tsvirtd ≥ 1.2× libvirtd serial, ≥ 1.5× concurrent and connect
// rate, ≤ 1.0× libvirtd's memory per connection.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { comm, dist, interleave, loop, median, openCallClose, pct, remote, rpcOpen, rpcShut, rssKiB, serialPhase, sleep, timed } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    conns: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    launcher: { type: 'string', default: 'auto' },
    'no-gc': { type: 'boolean', default: false },
    'node-options': { type: 'string', default: '' },
  },
});
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);
const CONNS = Number(opt.conns);
const CONC = Number(opt.concurrency);
const WANT_GC = !opt['no-gc'];

const harness = await import(dist('test/interop/harness.js'));

// ---------------------------------------------------------------- daemons

const CONF = { max_clients: 5000 };

/** Fallback while bin/tsvirtd.cjs does not exist: DaemonServer on a TCP port in a child process. */
const INLINE = `
import { createServer } from 'node:net';
const { DaemonServer } = await import(process.argv[1]);
const quiet = { debug() {}, info() {}, warn() {}, error(m) { console.error(m); } };
const d = new DaemonServer({ keepaliveInterval: 5, keepaliveCount: 5, maxClientRequests: 5, log: quiet });
const srv = createServer((s) => d.accept(s, { readonly: false, transport: 'tcp', peer: s.remoteAddress + ';' + s.remotePort }));
srv.listen({ port: Number(process.argv[2]), host: '127.0.0.1', backlog: 1000 });
process.on('SIGTERM', () => { srv.close(); d.close().then(() => process.exit(0)); });
`;

async function startInlineTsvirtd(env) {
  const port = await harness.freePort();
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', process.execPath, '--input-type=module', '-e', INLINE,
    dist('src/daemon/server.js'), String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env });
  child.unref();
  let err = '';
  child.stderr.on('data', (b) => { err = (err + b).slice(-4000); });
  child.stderr.unref?.();
  const deadline = Date.now() + 20_000;
  while (!(await harness.canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`inline tsvirtd did not start:\n${err}`);
    await sleep(50);
  }
  return {
    pid: child.pid, tcpPort: port,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function startTsvirtd() {
  const useBin = opt.launcher === 'bin' || (opt.launcher === 'auto' && existsSync(harness.TSVIRTD));
  const inspectPort = WANT_GC ? await harness.freePort() : 0;
  const saved = process.env.NODE_OPTIONS;
  const env = { ...process.env };
  const extra = [opt['node-options'], WANT_GC ? `--inspect-port=127.0.0.1:${inspectPort}` : ''].join(' ').trim();
  if (extra) env.NODE_OPTIONS = `${saved ?? ''} ${extra}`.trim();
  let d;
  if (useBin) {
    // The harness spawns with process.env: set NODE_OPTIONS only around the start.
    if (extra) process.env.NODE_OPTIONS = env.NODE_OPTIONS;
    try {
      d = await harness.startTsvirtd({ conf: CONF });
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS; else process.env.NODE_OPTIONS = saved;
    }
  } else {
    d = await startInlineTsvirtd(env);
  }
  return { d, launcher: useBin ? 'bin/tsvirtd.cjs' : 'inline DaemonServer (bin/tsvirtd.cjs missing)', inspectPort };
}

// ---------------------------------------------------------------- GC over the inspector

let inspectorOn = false;
async function forceGc(pid, port) {
  if (!inspectorOn) {
    process.kill(pid, 'SIGUSR1'); // Node starts its inspector on --inspect-port
    for (let i = 0; i < 100 && !(await harness.canConnect(port)); i++) await sleep(50);
    inspectorOn = true;
  }
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = list[0].webSocketDebuggerUrl;
  // Node 20 has WebSocket only behind a flag: a short helper process.
  const code = `const w = new WebSocket(process.argv[1]);
w.onopen = () => w.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
w.onmessage = (e) => { if (JSON.parse(e.data).id === 1) { w.close(); process.exit(0); } };
setTimeout(() => process.exit(2), 10000);`;
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', code, ws], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`inspector gc failed: ${r.stderr}`);
  await sleep(300);
}

// ---------------------------------------------------------------- client load

function tcp(port) {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port, host: '127.0.0.1', noDelay: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

const open = async (port) => rpcOpen(await tcp(port));
const shut = rpcShut;

const PHASES = {
  serialVersion: (d, secs) => serialPhase(d.pid, secs, () => open(d.tcpPort), (conn) => conn.c.call(remote.connectGetVersion, undefined)),
  serialLookupInfo: (d, secs) => serialPhase(d.pid, secs, () => open(d.tcpPort), async (conn) => {
    const { dom } = await conn.c.call(remote.domainLookupByName, { name: 'test' });
    await conn.c.call(remote.domainGetInfo, { dom });
  }),
  async concurrent(d, secs) {
    const conns = await Promise.all(Array.from({ length: CONC }, () => open(d.tcpPort)));
    let i = 0;
    try {
      return await timed(d.pid, secs, CONC, (end) => {
        const { c } = conns[i++];
        return loop(() => c.call(remote.connectGetVersion, undefined))(end);
      });
    } finally { await Promise.all(conns.map(shut)); }
  },
  async connectSerial(d, secs) {
    return timed(d.pid, secs, 1, connectLoop(d));
  },
  async connectPar4(d, secs) {
    return timed(d.pid, secs, 4, connectLoop(d));
  },
};

const connectLoop = (d) => loop(openCallClose(() => open(d.tcpPort), remote.connectGetVersion));

async function memory(d, gc) {
  const before = rssKiB(d.pid);
  let beforeGc = NaN;
  if (gc) { await forceGc(d.pid, gc); beforeGc = rssKiB(d.pid); }
  const conns = [];
  for (let i = 0; i < CONNS; i += 50) {
    conns.push(...await Promise.all(Array.from({ length: Math.min(50, CONNS - i) }, () => open(d.tcpPort))));
  }
  await sleep(1000);
  const after = rssKiB(d.pid);
  let afterGc = NaN;
  if (gc) { await forceGc(d.pid, gc); afterGc = rssKiB(d.pid); }
  for (let i = 0; i < conns.length; i += 100) await Promise.all(conns.slice(i, i + 100).map(shut));
  await sleep(1000);
  return { before, after, perConn: (after - before) / CONNS, perConnGc: (afterGc - beforeGc) / CONNS };
}

// ---------------------------------------------------------------- run

const cmdline = `node bench/daemon.mjs ${process.argv.slice(2).join(' ')}`.trim();
console.log(`command: ${cmdline}`);
console.log(`seconds=${SECONDS} rounds=${ROUNDS} conns=${CONNS} concurrency=${CONC}; node ${process.version}; ` +
  `${os.availableParallelism()} CPUs; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

// The client holds CONNS sockets at once; the daemons inherit the limit too.
const nofile = Number(readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+)/m)?.[1] ?? Infinity);
if (nofile < CONNS + 200) {
  console.error(`open-file limit ${nofile} is too low for --conns ${CONNS}: run \`ulimit -n ${CONNS + 1024}\` first`);
  process.exit(1);
}

const lv = await harness.startLibvirtd({ conf: CONF });
const ts = await startTsvirtd();
const daemons = {
  libvirtd: { tcpPort: lv.tcpPort, pid: lv.pid, stop: () => lv.stop() },
  tsvirtd: { tcpPort: ts.d.tcpPort, pid: ts.d.pid, stop: () => ts.d.stop() },
};
try {
  if (comm(lv.pid) !== 'libvirtd') throw new Error(`pid ${lv.pid} is ${comm(lv.pid)}, not libvirtd`);
  console.log(`libvirtd pid ${lv.pid} (comm ${comm(lv.pid)}), port ${lv.tcpPort}; ` +
    `tsvirtd pid ${ts.d.pid} (comm ${comm(ts.d.pid)}), port ${ts.d.tcpPort}, via ${ts.launcher}`);

  // Memory first, on fresh daemons: later, the allocators (glibc's, V8's
  // heap) hold memory freed by earlier load and hide what connections cost.
  const mem = {};
  for (const k of ['libvirtd', 'tsvirtd']) {
    await sleep(500);
    mem[k] = await memory(daemons[k], k === 'tsvirtd' && WANT_GC ? ts.inspectPort : 0);
    const m = mem[k];
    console.log(`memory ${k.padEnd(8)} RSS ${m.before} → ${m.after} KiB: ${m.perConn.toFixed(2)} KiB/conn` +
      (Number.isNaN(m.perConnGc) ? '' : ` (full GC before and after: ${m.perConnGc.toFixed(2)})`));
  }

  // Warm-up (JIT of client and tsvirtd, libvirtd's worker threads), then the rounds.
  const res = await interleave(daemons, PHASES, { rounds: ROUNDS, seconds: SECONDS });

  // ---- report
  const rows = [
    ['serialVersion', 'serial getVersion (calls/s)', 1.2],
    ['serialLookupInfo', 'serial lookupByName+getInfo (pairs/s)', 1.2],
    ['concurrent', `${CONC} concurrent clients, getVersion (calls/s)`, 1.5],
    ['connectSerial', 'open+call+close, sequential (/s)', 1.5],
    ['connectPar4', 'open+call+close, 4 in parallel (/s)', 1.5],
  ];
  const med = (k, p, f) => median(res[k][p].map((x) => x[f]));
  console.log('\n| metric | libvirtd | tsvirtd | ratio ts/lv | goal | met | daemon CPU µs/op lv / ts (ratio lv/ts) | CPU client / lv / ts / other |');
  console.log('|---|---:|---:|---:|---:|:---:|---:|---:|');
  for (const [p, label, goal] of rows) {
    const L = med('libvirtd', p, 'rate');
    const T = med('tsvirtd', p, 'rate');
    const uL = med('libvirtd', p, 'daemonUsPerOp');
    const uT = med('tsvirtd', p, 'daemonUsPerOp');
    const ratio = T / L;
    const client = (med('libvirtd', p, 'clientCpu') + med('tsvirtd', p, 'clientCpu')) / 2;
    const other = (med('libvirtd', p, 'otherCpu') + med('tsvirtd', p, 'otherCpu')) / 2;
    console.log(`| ${label} | ${L.toFixed(0)} | ${T.toFixed(0)} | ${ratio.toFixed(2)}× | ≥ ${goal}× | ${ratio >= goal ? 'yes' : 'NO'} |` +
      ` ${uL.toFixed(0)} / ${uT.toFixed(0)} (${(uL / uT).toFixed(2)}×) |` +
      ` ${pct(client)} / ${pct(med('libvirtd', p, 'daemonCpu'))} / ${pct(med('tsvirtd', p, 'daemonCpu'))} / ${pct(other)} |`);
  }
  const mL = mem.libvirtd.perConn;
  const mT = mem.tsvirtd.perConn;
  const mG = mem.tsvirtd.perConnGc;
  console.log(`| RSS per idle connection, ${CONNS} conns, fresh daemon (KiB) | ${mL.toFixed(1)} | ${mT.toFixed(1)} |` +
    ` ${(mT / mL).toFixed(2)}× | ≤ 1.0× | ${mT <= mL ? 'yes' : 'NO'} | | |`);
  if (!Number.isNaN(mG)) console.log(`| … tsvirtd after a full GC (KiB) | | ${mG.toFixed(1)} | ${(mG / mL).toFixed(2)}× | | | | |`);
  console.log(`\nRates and CPU are medians over ${ROUNDS} rounds of ${SECONDS} s. CPU: 100% = one core (the machine has ` +
    `${os.availableParallelism()}); client = this process (our RpcClient), other = the rest of the machine meanwhile.`);
  console.log(`Load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`);
  console.log(`Idle RSS at start: libvirtd ${mem.libvirtd.before} KiB, tsvirtd ${mem.tsvirtd.before} KiB.`);
} finally {
  await Promise.all([daemons.libvirtd.stop(), daemons.tsvirtd.stop()]);
}
