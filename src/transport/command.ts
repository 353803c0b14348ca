/**
 * A child process as the byte stream: the `ext` transport, and the `ssh`
 * transport, which is `ext` with an argv builder (virNetSocketNewConnectCommand
 * and virNetSocketNewConnectExternal / NewConnectSSH in src/rpc/virnetsocket.c).
 *
 * The child's stdin and stdout carry the protocol; its stderr is kept (the
 * first 1024 bytes, as virFileReadLimFD reads) and, when the child's output
 * ends with something on stderr, the stream fails with libvirt's
 * "End of file while reading data: <stderr>: Input/output error" instead of
 * a plain end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, resolve as resolvePath } from 'node:path';
import { Duplex } from 'node:stream';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { abortError, endOfFileError, strerror } from './errors.js';
import type { Transport, TransportKind } from './types.js';

/** virFileReadLimFD(errfd, 1024, …). */
const STDERR_LIMIT = 1024;
/** How long to wait for stderr to close after stdout did. */
const STDERR_GRACE_MS = 200;
/** virProcessAbort: SIGTERM, then SIGKILL if the child lingers. */
const KILL_GRACE_MS = 1000;

/** virCommandAddEnvPassCommon, plus `extra` variables passed through if set. */
export function commandEnv(env: NodeJS.ProcessEnv, extra: readonly string[] = []): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { LC_ALL: 'C' };
  for (const name of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR', ...extra]) {
    if (env[name] !== undefined) out[name] = env[name];
  }
  out.PATH ??= '/bin:/usr/bin';
  return out;
}

/** The variables virNetSocketNewConnectSSH lets through to ssh as well. */
export const SSH_ENV_PASS = ['XDG_RUNTIME_DIR', 'KRB5CCNAME', 'SSH_AUTH_SOCK', 'SSH_ASKPASS', 'DISPLAY', 'XAUTHORITY'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * virFindFileInPath: an absolute path as is, a path with a slash relative to
 * the working directory, anything else searched in PATH.
 */
export function findInPath(file: string, path: string | undefined): string | null {
  if (file.startsWith('/')) return file;
  if (file.includes('/')) return isExecutable(file) ? resolvePath(file) : null;
  for (const dir of (path ?? '/bin:/usr/bin').split(delimiter)) {
    const candidate = `${dir === '' ? '.' : dir}/${file}`;
    if (isExecutable(candidate)) return resolvePath(candidate);
  }
  return null;
}

/** Stops a child the way virProcessAbort does. */
export function killChild(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill('SIGTERM');
  } catch { /* already gone */ }
  const t = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch { /* already gone */ }
    }
  }, KILL_GRACE_MS);
  t.unref();
  child.once('exit', () => clearTimeout(t));
}

/** The child's stdin and stdout as one Duplex. */
class CommandStream extends Duplex {
  readonly #child: ChildProcess;
  #stderr = '';
  #stdoutEnded = false;
  #stderrEnded = false;
  #finished = false;
  #graceTimer: NodeJS.Timeout | null = null;

  constructor(child: ChildProcess) {
    super();
    this.#child = child;
    const { stdin, stdout, stderr } = child;
    // Writes to a child that has gone are dropped: the reader sees the end
    // of file and reports it with the child's stderr, which says more than
    // EPIPE would.
    stdin!.on('error', () => {});
    stdout!.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout!.pause();
    });
    stdout!.on('end', () => {
      this.#stdoutEnded = true;
      this.#maybeEnd();
    });
    stdout!.on('error', () => {});
    stderr!.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < STDERR_LIMIT) {
        this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(0, STDERR_LIMIT);
      }
    });
    stderr!.on('close', () => {
      this.#stderrEnded = true;
      this.#maybeEnd();
    });
    stderr!.on('error', () => {});
    child.on('close', () => {
      this.#stderrEnded = true;
      this.#stdoutEnded = true;
      this.#maybeEnd();
    });
    child.on('error', (err: Error) => {
      // The exec itself failed (libvirt's child would report this on its
      // stderr and exit).
      const path = child.spawnfile;
      this.#stderr ||= `cannot execute binary ${path}: ${strerror(err)}`;
      this.#stderrEnded = true;
      this.#stdoutEnded = true;
      this.#maybeEnd();
    });
  }

  /** What the child wrote on stderr so far, trailing whitespace removed. */
  get stderrText(): string {
    return this.#stderr.replace(/\s+$/, '');
  }

  #maybeEnd(): void {
    if (this.#finished || !this.#stdoutEnded) return;
    if (!this.#stderrEnded) {
      this.#graceTimer ??= setTimeout(() => {
        this.#stderrEnded = true;
        this.#maybeEnd();
      }, STDERR_GRACE_MS);
      return;
    }
    this.#finished = true;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    const text = this.stderrText;
    if (text && !this.destroyed) this.destroy(endOfFileError(text));
    else this.push(null);
  }

  override _read(): void {
    this.#child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const stdin = this.#child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) {
      cb();
      return;
    }
    stdin.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#child.stdin?.destroy();
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
    killChild(this.#child);
    cb(err);
  }
}

export interface CommandOptions {
  kind: TransportKind;
  /** priv->is_secure: true for ssh, false for ext (libvirt is pessimistic about external programs). */
  secure: boolean;
  env?: NodeJS.ProcessEnv;
  /** Variables passed through on top of virCommandAddEnvPassCommon's. */
  passEnv?: readonly string[];
  signal?: AbortSignal | undefined;
}

/**
 * virNetSocketNewConnectCommand: runs `argv` (no shell) with the protocol on
 * its stdin/stdout.
 *
 * @throws VirtError SYSTEM_ERROR (domain NONE) `Cannot find '<cmd>' in path:
 *   No such file or directory` when the program is not found.
 */
export function connectCommand(argv: readonly string[], opts: CommandOptions): Transport {
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const env = opts.env ?? process.env;
  const file = argv[0]!;
  const binary = findInPath(file, env.PATH);
  if (binary === null) {
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
      `Cannot find '${file}' in path: No such file or directory`);
  }
  const child = spawn(binary, argv.slice(1), {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: commandEnv(env, opts.passEnv),
  });
  const stream = new CommandStream(child);
  return {
    stream,
    kind: opts.kind,
    secure: opts.secure,
    encrypted: false,
    eofError: () => endOfFileError(stream.stderrText || null),
    close: () => { stream.destroy(); },
  };
}
