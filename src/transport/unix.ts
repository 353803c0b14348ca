/**
 * UNIX sockets, with session daemon autostart (virNetSocketNewConnectUNIX
 * and virNetSocketForkDaemon in src/rpc/virnetsocket.c).
 *
 * With autostart, a refused or missing socket starts the daemon once
 * (`<daemon> --timeout=120`, detached) and the connect is retried every
 * 10 ms, 500 attempts in all, as libvirt does.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { userRuntimeDirectory } from '../driver/remote/plan.js';
import { commandEnv } from './command.js';
import { abortError, errno, errnoCode, rpcSystemError } from './errors.js';
import { connectSocket } from './tcp.js';
import { daemonEnv } from '../util/daemon-launch.js';

/** sizeof(sun_path) on Linux. */
const SUN_PATH_MAX = 108;
const RETRIES = 500;
const RETRY_DELAY_MS = 10;

export interface UnixConnectOptions {
  /** Spawn the daemon when the socket is missing or refuses. */
  autostart: boolean;
  /** The daemon argv (`--timeout=120` is appended). */
  daemonCommand: readonly string[];
  /** Names the lock file, `<runtime dir>/<daemonName>.lock`. */
  daemonName: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** virNetSocketForkDaemon: started detached, with libvirt's short environment. */
function forkDaemon(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Error | null> {
  const childEnv = commandEnv(env, ['XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR']);
  // Our own knobs (test harnesses point the daemon at fixtures with them).
  for (const [k, v] of Object.entries(env)) if (k.startsWith('TSVIRT')) childEnv[k] = v;
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, [...argv.slice(1), '--timeout=120'], {
      detached: true, stdio: 'ignore', env: daemonEnv(childEnv),
    });
    child.once('error', (err) => resolve(err));
    child.once('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}

/**
 * virNetSocketNewConnectUNIX. A leading '@' names an abstract socket.
 *
 * @throws VirtError SYSTEM_ERROR (domain RPC) `Failed to connect socket to
 *   '<path>': <strerror>`; OPERATION_ABORTED when `signal` fires.
 */
export async function connectUnix(path: string, opts: UnixConnectOptions): Promise<Socket> {
  const { signal } = opts;
  const env = opts.env ?? process.env;
  if (signal?.aborted) throw abortError(signal);
  if (Buffer.byteLength(path) >= SUN_PATH_MAX) {
    throw rpcSystemError(`Path ${path} too long for unix socket`, errno('ENOMEM'));
  }
  const address = path.startsWith('@') ? `\0${path.slice(1)}` : path;

  let lockPath: string | null = null;
  if (opts.autostart) {
    const rundir = userRuntimeDirectory(env);
    try {
      mkdirSync(rundir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw rpcSystemError(`Cannot create user runtime directory '${rundir}'`, err);
    }
    // libvirt also takes an fcntl lock on this file so that two clients do
    // not both spawn a daemon; Node has no fcntl locks, so we only create
    // and remove it.
    lockPath = `${rundir}/${opts.daemonName}.lock`;
    try {
      closeSync(openSync(lockPath, 'a', 0o600));
    } catch (err) {
      throw rpcSystemError(`Unable to create lock '${lockPath}'`, err);
    }
  }

  try {
    let retries = RETRIES;
    let launched = false;
    let spawnError: Error | null = null;
    for (;;) {
      try {
        return await connectSocket({ path: address }, signal);
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        retries--;
        const code = errnoCode(err);
        if (!opts.autostart || retries === 0 || spawnError !== null ||
            (code !== 'ENOENT' && code !== 'ECONNREFUSED')) {
          throw rpcSystemError(`Failed to connect socket to '${path}'`, err);
        }
        if (!launched) {
          launched = true;
          spawnError = await forkDaemon(opts.daemonCommand, env);
        }
        await sleep(RETRY_DELAY_MS, undefined, signal ? { signal } : undefined)
          .catch(() => { throw abortError(signal!); });
      }
    }
  } finally {
    if (lockPath !== null) {
      try {
        unlinkSync(lockPath);
      } catch { /* gone already */ }
    }
  }
}
