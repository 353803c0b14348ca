/**
 * The daemon's pidfile (src/util/virpidfile.c) and the run-time directories
 * it lives in.
 *
 * libvirt holds an fcntl() lock on the open pidfile for the daemon's whole
 * life, so a crashed daemon's file is simply re-locked by the next one.
 * Node has no fcntl locks, so ownership is the file's existence plus its
 * content: the pid is written to a private temp file which is then
 * hard-linked to the pidfile name (atomic, and it fails if the name
 * exists, so a reader never sees a half-written file). A pidfile naming a
 * process that no longer exists is stale and replaced. The weakness against
 * libvirt's lock: a stale file whose pid has been reused by an unrelated
 * process blocks start-up until it is removed.
 */
import {
  chmodSync, closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { strerror, systemError } from './log.js';

/**
 * RUNSTATEDIR. libvirtd 9.0 on Debian prints /run; libvirt's client (and
 * ours, src/driver/remote/plan.ts) build the system socket path from
 * /var/run, which is a link to /run.
 */
export const RUNSTATEDIR = '/var/run';

/**
 * virGetUserRuntimeDirectory: `$XDG_RUNTIME_DIR/libvirt`; without
 * XDG_RUNTIME_DIR, GLib falls back to the cache dir (`~/.cache/libvirt`).
 */
export function userRuntimeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_RUNTIME_DIR || env.XDG_CACHE_HOME || `${env.HOME || homedir()}/.cache`;
  return `${base}/libvirt`;
}

/**
 * virPidFileConstructPath for tsvirtd: `/var/run/tsvirtd.pid` for root,
 * `$XDG_RUNTIME_DIR/libvirt/tsvirtd.pid` otherwise.
 */
export function pidFilePath(privileged: boolean, env: NodeJS.ProcessEnv = process.env): string {
  return privileged ? `${RUNSTATEDIR}/tsvirtd.pid` : `${userRuntimeDirectory(env)}/tsvirtd.pid`;
}

/**
 * Whether `pid` is a running process. kill(pid, 0) succeeds for a zombie
 * too (a daemon killed with -9 whose parent has not reaped it yet), which
 * holds no lock and serves nothing: libvirt's fcntl lock is gone with it, so
 * /proc's state decides (Z zombie, X dead). EPERM still means it exists.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return true; // no /proc: kill's answer stands
  }
  // "pid (comm) S …": comm may hold spaces and parentheses, the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/** The pid a pidfile records, or null when it is empty or not a number. */
export function readPidFile(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const m = /^\s*([0-9]+)\s*$/.exec(text);
  if (!m) return null;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/** An acquired pidfile. */
export class PidFile {
  readonly path: string;
  readonly pid: number;
  #released = false;

  private constructor(path: string, pid: number) {
    this.path = path;
    this.pid = pid;
  }

  /**
   * virPidFileAcquirePath: records `pid` (no newline, as libvirt writes
   * it) in `path`, unless a live process other than `pid` holds it. The
   * directory must exist.
   *
   * @throws VirtError SYSTEM_ERROR with libvirt's texts:
   *   `Failed to acquire pid file '<path>': Resource temporarily unavailable`
   *   (int1 is the holder's pid) or `Failed to open pid file '<path>': <reason>`.
   */
  static acquire(path: string, pid: number = process.pid): PidFile {
    const tmp = join(dirname(path), `.${basename(path)}.${pid}.tmp`);
    let fd: number;
    try {
      fd = openSync(tmp, 'w', 0o644);
    } catch (err) {
      throw systemError(`Failed to open pid file '${path}'`, err);
    }
    try {
      writeSync(fd, String(pid));
    } catch (err) {
      closeSync(fd);
      try { unlinkSync(tmp); } catch { /* ignore */ }
      throw systemError(`Failed to write to pid file '${path}'`, err);
    }
    closeSync(fd);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(tmp, path);
          return new PidFile(path, pid);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST') {
            if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return PidFile.#acquireNoLink(path, pid);
            throw systemError(`Failed to open pid file '${path}'`, err);
          }
        }
        const holder = readPidFile(path);
        if (holder !== null && holder !== pid && isProcessAlive(holder)) throw held(path, holder);
        // Stale (or being replaced by someone else right now): remove it and
        // try again; the link above is what decides who wins.
        if (attempt >= 5) throw held(path, holder ?? 0);
        try {
          unlinkSync(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
            throw systemError(`Failed to open pid file '${path}'`, err);
          }
        }
      }
    } finally {
      try { unlinkSync(tmp); } catch { /* ignore */ }
    }
  }

  /** For file systems without hard links: O_CREAT|O_EXCL, then write. */
  static #acquireNoLink(path: string, pid: number): PidFile {
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o644);
        try {
          writeSync(fd, String(pid));
        } finally {
          closeSync(fd);
        }
        return new PidFile(path, pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw systemError(`Failed to open pid file '${path}'`, err);
        }
      }
      const holder = readPidFile(path);
      if (holder !== null && holder !== pid && isProcessAlive(holder)) throw held(path, holder);
      if (attempt >= 5) throw held(path, holder ?? 0);
      try { unlinkSync(path); } catch { /* raced: retry */ }
    }
  }

  /** virPidFileReleasePath: removes the file if it still records our pid. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (readPidFile(this.path) !== this.pid) return;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

function held(path: string, holder: number): VirtError {
  return new VirtError(ErrorCode.SYSTEM_ERROR,
    `Failed to acquire pid file '${path}': ${strerror({ code: 'EAGAIN' })}`, ErrorDomain.NONE, { int1: holder });
}

/**
 * Creates `dir` (and its parents) if missing, like g_mkdir_with_parents
 * under the umask libvirtd sets: 0755 for root, 0700 for a session daemon.
 * Existing directories are left as they are.
 */
export function ensureDirectory(dir: string, mode: number): void {
  const first = mkdirSync(dir, { recursive: true, mode });
  if (first === undefined) return;
  // mkdir's mode went through our umask; libvirtd sets the umask instead.
  for (let d = resolve(dir); ; d = dirname(d)) {
    chmodSync(d, mode);
    if (d === resolve(first) || d === dirname(d)) break;
  }
}
