/**
 * Runs the tsvirtd fuzzer from the command line, for long local runs and
 * for replaying an input a failure printed:
 *
 * ```sh
 * node dist/test/fuzz/cli.js --seed 42 --seconds 600
 * node dist/test/fuzz/cli.js --seed 42 --index 1234,1240   # replay inputs alone
 * ```
 *
 * Options: --seed N (default: random, printed), --seconds S, --count N,
 * --index I[,J…], --parallel P, --rss-limit-mib M, --settle-ms MS,
 * --reply-timeout-ms MS, --kinds K[,K…] (only these input kinds), --qemu (host the QEMU driver in a namespace
 * and fuzz it too, as CI does), --keep-going (do not stop at the first failure),
 * --json (print the result object), --quiet (no progress lines).
 * Exits 0 when the daemon survived, 1 when it did not, 2 on bad options.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatResult, fuzzDaemon, type FuzzOptions } from './daemon-fuzz.js';

function number(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} needs a non-negative number, got '${v}'\n`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    'seed': { type: 'string' },
    'seconds': { type: 'string' },
    'count': { type: 'string' },
    'index': { type: 'string' },
    'parallel': { type: 'string' },
    'rss-limit-mib': { type: 'string' },
    'settle-ms': { type: 'string' },
    'reply-timeout-ms': { type: 'string' },
    'kinds': { type: 'string' },
    'qemu': { type: 'boolean' },
    'keep-going': { type: 'boolean' },
    'json': { type: 'boolean' },
    'quiet': { type: 'boolean' },
  },
  strict: true,
});

const seed = number('seed', values.seed) ?? randomInt(0, 2 ** 32);
const opts: FuzzOptions = {
  seed,
  seconds: number('seconds', values.seconds),
  count: number('count', values.count),
  indices: values.index?.split(',').map((s) => number('index', s)!),
  parallel: number('parallel', values.parallel),
  rssLimitMiB: number('rss-limit-mib', values['rss-limit-mib']),
  settleMs: number('settle-ms', values['settle-ms']),
  replyTimeoutMs: number('reply-timeout-ms', values['reply-timeout-ms']),
  kinds: values.kinds?.split(','),
  qemu: values.qemu,
  stopOnFailure: !values['keep-going'],
  log: values.quiet ? undefined : (line) => process.stderr.write(`fuzz: ${line}\n`),
};
process.stderr.write(`fuzz: seed ${seed}\n`);
const result = await fuzzDaemon(opts);
process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : formatResult(result) + '\n');
process.exit(result.ok ? 0 : 1);
