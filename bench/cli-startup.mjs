#!/usr/bin/env node
// Whole-process time of `tsvirsh -c test:///default list --all` beside stock
// `virsh -c test:///default list --all`, interleaved in the same run so both
// see the same machine load. Prints medians and the tsvirsh/virsh ratio.
// Usage: node bench/cli-startup.mjs [runs]   (goal: ratio <= 2.0)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 30);
const tsvirsh = fileURLToPath(new URL('../bin/tsvirsh.cjs', import.meta.url));
const args = ['-c', 'test:///default', 'list', '--all'];
const cmds = {
  virsh: ['virsh', args],
  tsvirsh: [process.execPath, [tsvirsh, ...args]],
};

function once([cmd, argv]) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr}`);
  return { ms, out: r.stdout };
}

const times = { virsh: [], tsvirsh: [] };
// One warm-up each so both run with a hot page cache.
const outV = once(cmds.virsh).out;
const outT = once(cmds.tsvirsh).out;
if (outV !== outT) console.warn('warning: outputs differ between virsh and tsvirsh');
for (let i = 0; i < runs; i++) {
  for (const k of i % 2 ? ['virsh', 'tsvirsh'] : ['tsvirsh', 'virsh']) times[k].push(once(cmds[k]).ms);
}
const stat = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const v = stat(times.virsh);
const t = stat(times.tsvirsh);
const f = (x) => x.toFixed(1).padStart(7);
console.log(`runs: ${runs} each, interleaved`);
console.log(`            min  median     max  (ms)`);
console.log(`virsh   ${f(v.min)} ${f(v.median)} ${f(v.max)}`);
console.log(`tsvirsh ${f(t.min)} ${f(t.median)} ${f(t.max)}`);
console.log(`ratio tsvirsh/virsh (median): ${(t.median / v.median).toFixed(2)}x  (goal <= 2.00x)`);
