/**
 * virsh's *-edit flow (tools/virsh-edit.c with vsh.c's vshEdit* helpers),
 * shared by edit, net-edit, pool-edit, snapshot-edit and the other *-edit
 * commands: the XML goes to a temporary file, $VISUAL/$EDITOR (default vi)
 * runs on it, and the result is defined again, with the "Failed. Try
 * again? [y,n,i,f,?]:" question on a terminal when that fails.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { escapeShell } from '../driver/remote/plan.js';
import type { Shell } from './shell.js';
import { isExecutable } from '../util/file-access.js';
import { strerror } from './util.js';

/** What one *-edit command plugs into the flow (the EDIT_* macros of virsh-edit.c). */
export interface EditOps<T> {
  /** EDIT_GET_XML: the object's current XML; a library error fails the edit. */
  dump(): Promise<string>;
  /**
   * EDIT_DEFINE: defines the edited XML and returns the new object (or
   * whatever the command needs afterwards); a library error counts as
   * "Failed.".
   */
  define(xml: string): Promise<T>;
  /**
   * EDIT_RELAX: turns validation off for the next define; offered as the
   * 'i' answer once, on a terminal.
   */
  relax?(): void;
  /**
   * An EDIT_NOT_CHANGED that does not end the edit: the unchanged
   * document is defined again (snapshot-edit --current).
   */
  redefineUnchanged?: boolean;
}

/**
 * How the edit ended: `failed` (errors printed or kept for the report),
 * `unchanged` (the editor left the file as it was) or `edited` with what
 * define returned; `value` is null when the define failed and the
 * question could not be asked (stdin is no terminal): virsh then goes on
 * as if it had worked, after printing "error: Failed.".
 */
export type EditOutcome<T> = { kind: 'failed' } | { kind: 'unchanged' } | { kind: 'edited'; value: T | null };

/** Characters virsh lets through to the editor without a shell (ACCEPTED_CHARS in vsh.c). */
const ACCEPTED = /^[a-zA-Z0-9\-/_.:@]*$/;
/** vsh.c's DEFAULT_EDITOR. */
const DEFAULT_EDITOR = 'vi';
/** VSH_MAX_XML_FILE. */
const MAX_XML_FILE = 10 * 1024 * 1024;

/** The whole flow: dump, edit, compare, re-read, define, ask again on failure. */
export async function editFlow<T>(ctl: Shell, ops: EditOps<T>): Promise<EditOutcome<T>> {
  let doc: string;
  try {
    doc = await ops.dump();
  } catch (e) {
    ctl.saveError(e);
    return { kind: 'failed' };
  }
  const tmp = writeTempFile(ctl, doc);
  if (tmp === null) return { kind: 'failed' };
  try {
    let relaxAvail = false;
    let reedit = true;
    let docEdited = '';
    for (;;) {
      if (reedit) {
        relaxAvail = ops.relax !== undefined;
        if (!(await editFile(ctl, tmp))) return { kind: 'failed' };
        const edited = readBackFile(ctl, tmp);
        if (edited === null) return { kind: 'failed' };
        if (edited === doc && !ops.redefineUnchanged) return { kind: 'unchanged' };
        docEdited = edited;
      }
      reedit = false;
      // Did someone else change the object while it was being edited?
      let msg: string | null = null;
      let reread: string;
      try {
        reread = await ops.dump();
      } catch (e) {
        ctl.saveError(e);
        return { kind: 'failed' };
      }
      let value: T | undefined;
      if (reread !== doc) {
        msg = 'The XML configuration was changed by another user.';
        doc = reread;
      } else {
        try {
          value = await ops.define(docEdited);
        } catch (e) {
          ctl.saveError(e);
          msg = 'Failed.';
        }
      }
      if (msg === null) return { kind: 'edited', value: value as T };
      const c = await askReedit(ctl, msg, relaxAvail);
      if (c === 'y') {
        reedit = true;
      } else if (c === 'f') {
        // Redefine as is.
      } else if (c === 'n') {
        return { kind: 'failed' };
      } else if (c === 'i' && relaxAvail) {
        ops.relax!();
        relaxAvail = false;
      } else {
        ctl.error(msg);
        return { kind: 'edited', value: null };
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // virsh ignores a failed unlink of its temporary file.
    }
  }
}

/**
 * The usual shape of a *-edit command after the flow: the unchanged
 * message, or the edited one naming the defined object (`(null)` when
 * the define failed off a terminal, as virsh prints its NULL name).
 */
export async function editCommand<T>(ctl: Shell, ops: EditOps<T> & {
  unchangedMsg: string;
  changedMsg(value: T | null): string;
}): Promise<boolean> {
  const r = await editFlow(ctl, ops);
  if (r.kind === 'failed') return false;
  if (r.kind === 'unchanged') {
    ctl.printExtra(ops.unchangedMsg);
    return true;
  }
  ctl.printExtra(ops.changedMsg(r.value));
  return true;
}

/** vshEditWriteToTempFile: `$TMPDIR/virshXXXXXX.xml`, mode 0600. */
export function writeTempFile(ctl: Shell, doc: string): string | null {
  const dir = ctl.io.env['TMPDIR'] ?? '/tmp';
  let fd = -1;
  let path = '';
  for (let tries = 0; tries < 100 && fd < 0; tries++) {
    path = join(dir, `virsh${randomName()}.xml`);
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      ctl.error(`g_mkstemp_full: failed to create temporary file: ${strerror(e)}`);
      return null;
    }
  }
  try {
    writeSync(fd, doc);
  } catch (e) {
    ctl.error(`write: ${path}: failed to write to temporary file: ${strerror(e)}`);
    closeQuietly(fd);
    unlinkQuietly(path);
    return null;
  }
  try {
    closeSync(fd);
  } catch (e) {
    ctl.error(`close: ${path}: failed to write or close temporary file: ${strerror(e)}`);
    unlinkQuietly(path);
    return null;
  }
  return path;
}

/** g_mkstemp's six letters and digits. */
function randomName(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(6)].map((b) => chars[b % chars.length]).join('');
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already failing.
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already failing.
  }
}

/**
 * vshEditFile: runs the editor on the file with virsh's terminal. An
 * editor of plain characters runs directly, anything else through
 * `sh -c "EDITOR FILE"`. Failures print libvirt's virCommand errors.
 */
export async function editFile(ctl: Shell, filename: string): Promise<boolean> {
  const env = ctl.io.env;
  const editor = env['VISUAL'] ?? env['EDITOR'] ?? DEFAULT_EDITOR;
  let argv: string[];
  if (!ACCEPTED.test(editor)) {
    if (!ACCEPTED.test(filename)) {
      ctl.error(`${filename}: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)`);
      return false;
    }
    argv = ['sh', '-c', `${editor} ${filename}`];
  } else {
    argv = [editor, filename];
  }
  const err = await runCommand(ctl, argv);
  if (err) {
    ctl.saveError(err);
    ctl.reportError();
    return false;
  }
  return true;
}

/**
 * virFindFileInPath: an absolute name is taken as is (exec finds out), a
 * relative one with a slash must be executable, a bare one is looked up
 * in $PATH.
 */
function findInPath(file: string, env: NodeJS.ProcessEnv): string | null {
  if (file.startsWith('/')) return file;
  if (file.includes('/')) return isExecutable(file) ? file : null;
  for (const dir of (env['PATH'] ?? '/bin:/usr/bin').split(':')) {
    const full = join(dir === '' ? '.' : dir, file);
    if (isExecutable(full)) return full;
  }
  return null;
}

/** A stream's descriptor, when it is a real one the child can share. */
function fdOf(s: unknown): number | null {
  const fd = (s as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fd : null;
}

/**
 * virCommandRun of `argv` with the shell's stdin, stdout and stderr: null
 * when it exits 0, else the error libvirt reports.
 */
function runCommand(ctl: Shell, argv: string[]): Promise<VirtError | null> {
  const binary = findInPath(argv[0]!, ctl.io.env);
  if (binary === null) {
    return Promise.resolve(new VirtError(ErrorCode.SYSTEM_ERROR,
      `Cannot find '${argv[0]}' in path: No such file or directory`, ErrorDomain.NONE));
  }
  const inFd = fdOf(ctl.io.stdin);
  const outFd = fdOf(ctl.io.stdout);
  const errFd = fdOf(ctl.io.stderr);
  return new Promise((resolve) => {
    const child = spawn(binary, argv.slice(1), {
      argv0: argv[0],
      env: ctl.io.env,
      stdio: [inFd ?? 'ignore', outFd ?? 'pipe', errFd ?? 'pipe'],
    });
    child.stdout?.on('data', (b: Buffer) => ctl.io.stdout.write(b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => ctl.io.stderr.write(b.toString('utf8')));
    const failed = (how: string) => VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
      `Child process (${argv.map(escapeShell).join(' ')}) unexpected ${how}`);
    child.on('error', (e) => {
      // virExec's child reports a failed exec on its stderr (libvirt's
      // default error handler) and exits EXIT_ENOENT or EXIT_CANNOT_INVOKE.
      ctl.io.stderr.write(`libvirt:  error : cannot execute binary ${binary}: ${strerror(e)}\n`);
      resolve(failed(`exit status ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126}`));
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(null);
        return;
      }
      // virProcessTranslateStatus.
      resolve(failed(signal !== null ? `fatal signal ${signalNumber(signal)}` : `exit status ${code}`));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[signal] ?? 0;
}

/** vshEditReadBackFile. */
export function readBackFile(ctl: Shell, filename: string): string | null {
  try {
    const buf = readFileSync(filename);
    if (buf.length > MAX_XML_FILE) {
      ctl.error(`${filename}: failed to read temporary file: ${strerror({ code: 'EOVERFLOW' })}`);
      return null;
    }
    return buf.toString('utf8');
  } catch (e) {
    ctl.error(`${filename}: failed to read temporary file: ${strerror(e)}`);
    return null;
  }
}

/**
 * vshAskReedit: on a terminal, reports the kept error and asks "Try
 * again?" until the answer is one of the offered letters; anything else
 * (no terminal) is null.
 */
export async function askReedit(ctl: Shell, msg: string, relaxAvail: boolean): Promise<string | null> {
  const stdin = ctl.io.stdin as NodeJS.ReadStream;
  if (stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') return null;
  ctl.reportError();
  stdin.setRawMode(true);
  // virsh's raw mode (cfmakeraw) also stops the terminal turning "\n"
  // into "\r\n"; Node's keeps that, so on a terminal "\n" gives its bytes.
  const crlf = (ctl.io.stdout as { isTTY?: boolean }).isTTY === true ? '\n' : '\r\n';
  let c: string | null = null;
  try {
    for (;;) {
      ctl.print(`\r${msg} Try again? ${relaxAvail ? '[y,n,i,f,?]' : '[y,n,f,?]'}: `);
      c = readChar(fdOf(stdin) ?? 0);
      if (c === null) break;
      c = c.toLowerCase();
      if (c === '?') {
        const lines = ['', 'y - yes, start editor again', 'n - no, throw away my changes'];
        if (relaxAvail) lines.push('i - turn off validation and try to redefine again');
        lines.push('f - force, try to redefine again', '? - print this help');
        for (const l of lines) ctl.print(`${l}${crlf}`);
        continue;
      }
      if (c === 'y' || c === 'n' || c === 'f' || (relaxAvail && c === 'i')) break;
    }
  } finally {
    stdin.setRawMode(false);
  }
  ctl.print('\r\n');
  return c;
}

/** getchar() on a raw terminal: one byte, null at end of input. */
function readChar(fd: number): string | null {
  const buf = Buffer.alloc(1);
  for (;;) {
    try {
      const n = readSync(fd, buf, 0, 1, null);
      return n === 0 ? null : String.fromCharCode(buf[0]!);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return null;
    }
  }
}

/**
 * The temp-file round trip alone (what desc --edit does by hand): the
 * text after the editor ran on it, or null after an error was printed.
 */
export async function editString(ctl: Shell, text: string): Promise<string | null> {
  const tmp = writeTempFile(ctl, text);
  if (tmp === null) return null;
  try {
    if (!(await editFile(ctl, tmp))) return null;
    return readBackFile(ctl, tmp);
  } finally {
    unlinkQuietly(tmp);
  }
}
