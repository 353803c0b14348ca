// Helpers shared by the daemon benchmarks (daemon.mjs, tls.mjs): the built
// tree, medians, CPU accounting from /proc, and the timed-load runner.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** file: URL of a module in the built tree. */
export const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const TICK = 100; // USER_HZ on Linux

function procStatus(pid, key) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'));
  return m ? Number(m[1]) : NaN;
}
export const rssKiB = (pid) => procStatus(pid, 'VmRSS');

/** utime+stime of the whole process (all threads), in ms. */
export function procCpuMs(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}

/**
 * CPU time the machine's processes used (user + nice + system, all cores),
 * in ms; irq/softirq (loopback TCP is processed there) and steal are not in it.
 */
export function machineBusyMs() {
  const [user, nice, system] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system) * 1000) / TICK;
}

export const comm = (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

/**
 * Runs `worker(deadline)` (resolving to an op count) `n`-fold in parallel
 * for `seconds`. `childCpuMs()`, when given, is CPU used meanwhile by child
 * processes of the client (virsh runs) and counts as client CPU.
 */
export async function timed(pid, seconds, n, worker, childCpuMs = () => 0) {
  const cpu0 = process.cpuUsage();
  const c0 = childCpuMs();
  const d0 = procCpuMs(pid);
  const m0 = machineBusyMs();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const counts = await Promise.all(Array.from({ length: n }, () => worker(deadline)));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const clientMs = (cpu.user + cpu.system) / 1000 + childCpuMs() - c0;
  const daemonMs = procCpuMs(pid) - d0;
  const ops = counts.reduce((a, b) => a + b, 0);
  return {
    rate: (ops * 1000) / wall,
    clientCpu: clientMs / wall,
    daemonCpu: daemonMs / wall,
    /** Daemon CPU per operation (µs): compares the daemons even when the client is the bottleneck. */
    daemonUsPerOp: (daemonMs * 1000) / ops,
    /** CPU used by everything else on the machine meanwhile (other users of the box), in cores. */
    otherCpu: Math.max(0, machineBusyMs() - m0 - clientMs - daemonMs) / wall,
  };
}

/**
 * Runs every phase on both daemons per round, alternating which goes first
 * (after a short warm-up of each), printing each round; returns
 * `{ [daemon]: { [phase]: result[] } }`.
 */
export async function interleave(daemons, phases, { rounds, seconds, warmup = 0.3 }) {
  const names = Object.keys(phases);
  const keys = Object.keys(daemons);
  const res = Object.fromEntries(keys.map((k) => [k, Object.fromEntries(names.map((p) => [p, []]))]));
  for (const p of names) for (const k of keys) await phases[p](daemons[k], warmup);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...keys].reverse() : keys;
    for (const p of names) {
      for (const k of order) res[k][p].push(await phases[p](daemons[k], seconds));
      console.log(`round ${r + 1} ${p.padEnd(16)} ` +
        keys.map((k) => `${k} ${res[k][p].at(-1).rate.toFixed(0).padStart(6)}/s`).join('  '));
    }
  }
  return res;
}

export const pct = (x) => `${Math.round(x * 100)}%`;

const { RpcClient } = await import(dist('src/rpc/index.js'));
export const { remote } = await import(dist('src/protocol/index.js'));

/**
 * Opens a connection over `sock` (a connected Duplex) the way the stock
 * client does: AUTH_LIST, SUPPORTS_FEATURE 10, CONNECT_OPEN test:///default.
 */
export async function rpcOpen(sock) {
  const c = new RpcClient(sock);
  await c.call(remote.authList, undefined);
  await c.call(remote.connectSupportsFeature, { feature: 10 });
  await c.call(remote.connectOpen, { name: 'test:///default', flags: 0 });
  return { c, sock };
}

/** CONNECT_CLOSE, then waits for the socket to close. */
export async function rpcShut({ c, sock }) {
  await c.call(remote.connectClose, undefined);
  const closed = new Promise((r) => (sock.destroyed ? r() : sock.once('close', r)));
  c.close();
  await closed;
}

/** CPU (ms) of this process's waited-for children (cutime + cstime): the virsh runs. */
export function childrenCpuMs() {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / TICK;
}

/** A timed() worker: runs `op()` back to back until the deadline, counting. */
export const loop = (op) => async (end) => {
  let n = 0;
  while (performance.now() < end) { await op(); n++; }
  return n;
};

/** Serial calls: opens one connection, times `op(conn)` back to back on it, closes it. */
export async function serialPhase(pid, secs, open, op) {
  const conn = await open();
  try {
    return await timed(pid, secs, 1, loop(() => op(conn)));
  } finally { await rpcShut(conn); }
}

/** One connection's life: open, one call of `proc` (no args), CONNECT_CLOSE and close. */
export const openCallClose = (open, proc) => async () => {
  const conn = await open();
  await conn.c.call(proc, undefined);
  await rpcShut(conn);
};
