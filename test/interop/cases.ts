/**
 * The CLI cases of test/e2e/cli-cases.ts, moved onto a daemon: every
 * `test://PATH` URI in a case (in `-c`, inside a command string such as
 * `connect test:///default`, or in an environment variable) becomes the
 * same PATH on a remote transport, e.g. `test+tcp://127.0.0.1:PORT/default`
 * or `test+unix:///default?socket=RW`. A host file keeps its absolute path:
 * the daemon opens it for that connection alone, as the embedded driver
 * would.
 *
 * What the client prints back about the URI (`uri`, `connect` errors) is
 * mapped back to the local spelling by {@link normalizeRemote}, so one
 * reference serves every transport (masking would hide a wrong path). Where libvirt itself behaves differently over a
 * daemon than in-process (the reason is given for each), the reference is
 * stock virsh against a private stock libvirtd instead: see
 * {@link REMOTE_REFERENCE}.
 */
import { CASES, normalize, runProgram, type Case, type RunResult } from '../e2e/cli-cases.js';
import type { Daemon } from './harness.js';

export {
  caseEnv, CASES, normalize, pool, runProgram, TSVIRSH, FIXTURES, type Case, type RunResult,
} from '../e2e/cli-cases.js';

/** A `test://` URI: `test:///default`, `test:///abs/host.xml`. Stops at a separator or quote. */
const LOCAL_URI = /\btest:\/\/(\/[^\s;'"\\]*)/g;

/** How a case reaches a daemon. */
export interface RemoteTarget {
  /** `tcp`, `unix`, `ssh`… (for test names). */
  readonly name: string;
  /** The remote URI for a test-driver path (`/default`, `/abs/host.xml`). */
  uri(path: string): string;
  /** Environment a client needs for this transport (added over the case's). */
  readonly env?: Record<string, string>;
}

/** The unix-socket target of a daemon (read-write socket). */
export function unixTarget(d: Daemon): RemoteTarget {
  return { name: 'unix', uri: (p) => d.unixURI(p) };
}

/** The TCP target of a daemon. */
export function tcpTarget(d: Daemon): RemoteTarget {
  return { name: 'tcp', uri: (p) => d.tcpURI(p) };
}

/** The read-only unix socket of a daemon. */
export function unixRoTarget(d: Daemon): RemoteTarget {
  return { name: 'unix-ro', uri: (p) => d.unixURI(p, 'test', { readonly: true }) };
}

const READONLY_FLAGS = new Set(['-r', '--readonly', '--read']);

/** Whether a case asks for a read-only connection up front (`-r`, `--readonly`, `--read` before `-c`). */
export function isReadonly(c: Case): boolean {
  const i = c.args.indexOf('-c');
  return c.args.slice(0, i < 0 ? c.args.length : i).some((a) => READONLY_FLAGS.has(a));
}

/**
 * The transports a case runs on: TCP and the read-write unix socket, plus
 * the read-only socket for cases that are read-only anyway.
 */
export function transportsOf(c: Case): string[] {
  return isReadonly(c) ? ['tcp', 'unix', 'unix-ro'] : ['tcp', 'unix'];
}

/** A daemon's targets by transport name (see {@link transportsOf}). */
export function targetsOf(d: Daemon): Record<string, RemoteTarget> {
  return { tcp: tcpTarget(d), unix: unixTarget(d), 'unix-ro': unixRoTarget(d) };
}

/** Whether a case opens a `test://` connection at all (the others never reach a daemon). */
export function connects(c: Case): boolean {
  const has = (s: string) => new RegExp(LOCAL_URI.source).test(s);
  return c.args.some(has) || Object.values(c.env ?? {}).some(has);
}

/** Rewrites every `test://PATH` in a string to `target.uri(PATH)`. */
export function mapURIs(s: string, target: RemoteTarget): string {
  return s.replace(LOCAL_URI, (_m, path: string) => target.uri(path));
}

/**
 * The case with its URIs moved onto `target`. Arguments are rewritten in
 * place (a `-c` value or a word inside a command string); so are
 * environment values, and the target's own environment is added over them.
 */
export function remoteCase(c: Case, target: RemoteTarget): Case {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.env ?? {})) env[k] = mapURIs(v, target);
  Object.assign(env, target.env ?? {});
  const out: Case = { ...c, args: c.args.map((a) => mapURIs(a, target)) };
  if (Object.keys(env).length > 0) out.env = env;
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Maps what a client printed about `target`'s URIs back to the local
 * spelling (`test+tcp://127.0.0.1:PORT/default` → `test:///default`), then
 * applies cli-cases' normalize(). `paths` are the test-driver paths the case
 * used.
 */
export function normalizeRemote(s: string, c: Case, target: RemoteTarget, paths: string[]): string {
  let r = s;
  // Longest first: a host-file URI must not be cut at a shorter one.
  for (const p of [...paths].sort((a, b) => b.length - a.length)) {
    r = r.replace(new RegExp(escapeRe(target.uri(p)), 'g'), `test://${p}`);
  }
  return normalize(r, c);
}

/** The test-driver paths a (local) case names. */
export function casePaths(c: Case): string[] {
  const paths = new Set<string>();
  for (const s of [...c.args, ...Object.values(c.env ?? {})]) {
    for (const m of s.matchAll(new RegExp(LOCAL_URI.source, 'g'))) paths.add(m[1]!);
  }
  return [...paths];
}

/**
 * Cases whose reference is stock virsh against a stock libvirtd (same
 * transport, URIs mapped back) rather than the in-process `virsh -c
 * test:///…`: libvirt itself answers differently through a daemon, and the
 * reason is given. Everything else must equal the local run.
 */
const KEEPALIVE = 'the remote driver supports keepalive, so virsh does not print "Failed to setup keepalive on connection" (the embedded test driver has no virConnectSetKeepAlive)';
const AUTH = 'test-driver <auth> runs in the daemon, which has no credential callback: virsh prompts for nothing and gets "Missing authentication credentials"';
export const REMOTE_REFERENCE: Record<string, string> = {
  'keepalive-forced': 'the remote driver supports keepalive, so `-k 5` connects instead of failing with "Cannot setup keepalive on connection as requested"',
  'bad-uri-file': "libxml2's \"I/O warning : failed to load external entity\" is printed by the daemon, not the client",
  'debug-levels': KEEPALIVE,
  'debug-info': KEEPALIVE,
  'debug-env': KEEPALIVE,
  'auth-password': AUTH,
  'auth-no-password': AUTH,
  'auth-wrong': AUTH,
  'auth-eof': AUTH,
  'auth-lazy-connect': AUTH,
};

/** The cases that reach a daemon, in CASES order. */
export const REMOTE_CASES: Case[] = CASES.filter(connects);

/** A result with both output streams normalized for `target`. */
export function normalized(r: RunResult, c: Case, target: RemoteTarget | null, paths: string[]): RunResult {
  const f = (s: string) => (target ? normalizeRemote(s, c, target, paths) : normalize(s, c));
  return { status: r.status, stdout: f(r.stdout), stderr: f(r.stderr) };
}

/** `exit N / stdout / stderr`, for assertion messages. */
export function show(r: RunResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** Runs a program on a case moved onto `target`. */
export function runRemote(cmd: string, argv0: string[], c: Case, target: RemoteTarget): Promise<RunResult> {
  const rc = remoteCase(c, target);
  return runProgram(cmd, [...argv0, ...rc.args], rc);
}

/**
 * Runs `fn` over `items` on `n` workers, each with a daemon of its own that
 * serves its cases one after the other (so no two clients of a daemon ever
 * overlap: libvirtd frees test:///default when its last client closes, so
 * each case starts from the built-in host). A daemon found dead (its
 * socket refuses) is replaced before the next case; one that fails to
 * start is reported to `fn` as `startError`.
 */
export async function daemonPool<T>(
  start: () => Promise<Daemon>, items: readonly T[], n: number,
  fn: (d: Daemon | { startError: unknown }, item: T) => Promise<void>,
): Promise<void> {
  const { canConnect } = await import('./harness.js');
  let next = 0;
  const worker = async () => {
    let d: Daemon | null = null;
    try {
      while (next < items.length) {
        const item = items[next++]!;
        if (d !== null && !(await canConnect(d.rwSocket))) {
          await d.stop();
          d = null;
        }
        if (d === null) {
          try {
            d = await start();
          } catch (startError) {
            await fn({ startError }, item);
            continue;
          }
        }
        await fn(d, item);
      }
    } finally {
      await d?.stop();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/**
 * A line diff of `expected` → `actual` for assertion messages: `-` lines
 * only in expected, `+` only in actual, `context` lines around each change,
 * at most `limit` lines. (node's own diff truncates long strings.)
 */
export function lineDiff(expected: string, actual: string, context = 2, limit = 120): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  // LCS table, from the end.
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { k: ' ' | '-' | '+'; line: string; at: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ k: ' ', line: a[i]!, at: i + 1 }); i++; j++; }
    else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) { ops.push({ k: '+', line: b[j]!, at: i + 1 }); j++; }
    else { ops.push({ k: '-', line: a[i]!, at: i + 1 }); i++; }
  }
  const keep = new Set<number>();
  ops.forEach((o, x) => {
    if (o.k !== ' ') for (let y = Math.max(0, x - context); y <= Math.min(ops.length - 1, x + context); y++) keep.add(y);
  });
  const out: string[] = [];
  let last = -1;
  for (const x of [...keep].sort((p, q) => p - q)) {
    if (x !== last + 1) out.push(`@@ expected line ${ops[x]!.at}`);
    out.push(`${ops[x]!.k} ${ops[x]!.line}`);
    last = x;
  }
  if (out.length > limit) return `${out.slice(0, limit).join('\n')}\n… ${out.length - limit} more diff lines`;
  return out.join('\n');
}
