/**
 * `console`: virsh's cmdConsole / cmdRunConsole (tools/virsh-domain.c) and
 * virshRunConsole (tools/virsh-console.c).
 *
 * - Refuses a shut-off domain and a stdin that is not a terminal before
 *   any stream call; prints "Connected to domain 'X'" and the escape line,
 *   then puts the terminal in raw mode and opens the console stream.
 * - Keys go to the guest as read; a read whose first byte is the escape
 *   character (`-e`, default ^]) ends the session gracefully (finish).
 *   EOF on stdin aborts with "EOF on stdin". The guest's end of data ends
 *   it gracefully; a stream error aborts and is the command's error.
 * - Raw mode is cfmakeraw's, output processing included (`stty raw
 *   -echo`, as Node's setRawMode leaves ONLCR on); virsh ignores SIGINT,
 *   SIGTERM, SIGHUP, SIGQUIT and SIGPIPE while the console runs, so do we.
 */
import { spawnSync } from 'node:child_process';
import type { Domain, Stream } from '../../api/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { domainState } from './monitor.js';

/** VIR_DOMAIN_CONSOLE_*. */
const ConsoleFlags = { FORCE: 1, SAFE: 2 } as const;
const SHUTOFF = 5;
/** virsh's default escape sequence (CTRL_CLOSE_BRACKET). */
export const DEFAULT_ESCAPE = '^]';

/** virshGetEscapeChar: `^X` is the control character of X, anything else the character itself. */
export function escapeByte(s: string): number {
  if (s[0] === '^') return s[1]!.toUpperCase().charCodeAt(0) ^ 0x40;
  return s.charCodeAt(0);
}

/** The terminal of stdin in raw mode, and back (vshTTYMakeRaw / vshTTYRestore). */
interface RawTerminal { restore(): void }

function makeRaw(stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (b: boolean) => unknown }): RawTerminal | string {
  const saved = spawnSync('stty', ['-g'], { stdio: ['inherit', 'pipe', 'pipe'] });
  if (saved.status === 0) {
    const mode = saved.stdout.toString().trim();
    const r = spawnSync('stty', ['raw', '-echo'], { stdio: ['inherit', 'pipe', 'pipe'] });
    if (r.status === 0) {
      return { restore: () => { spawnSync('stty', [mode], { stdio: ['inherit', 'ignore', 'ignore'] }); } };
    }
  }
  // No stty: Node's raw mode (which keeps output processing on).
  if (typeof stdin.setRawMode !== 'function') return 'Inappropriate ioctl for device';
  try {
    stdin.setRawMode(true);
  } catch (e) {
    return (e as Error).message;
  }
  return { restore: () => { stdin.setRawMode?.(false); } };
}

const IGNORED_SIGNALS = ['SIGQUIT', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGPIPE'] as const;

function internalError(msg: string): VirtError {
  return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, msg);
}

/**
 * The session: pumps stdin → stream and stream → stdout until one side
 * ends. Resolves with null for a clean end, or the session's error.
 */
async function pump(ctl: Shell, st: Stream, escape: number): Promise<VirtError | null> {
  const stdin = ctl.io.stdin;
  const stdout = ctl.io.stdout as NodeJS.WritableStream;
  let error: VirtError | null = null;
  let done = false;
  let finish!: () => void;
  const over = new Promise<void>((r) => { finish = r; });

  /** virConsoleShutdown: finish (graceful) or abort, once; the first error is the session's. */
  const shutdown = (graceful: boolean, e: VirtError | null = null): void => {
    if (done) return;
    done = true;
    error ??= e;
    const end = graceful ? st.finish() : st.abort();
    // A failed finish is reported by virsh only as a later "cannot terminate console stream": not the command's error.
    end.catch(() => undefined).finally(finish);
  };

  let sending = Promise.resolve();
  const onData = (chunk: Buffer): void => {
    if (done) return;
    if (chunk[0] === escape) {
      shutdown(true);
      return;
    }
    stdin.pause(); // one read in flight: the stream's backpressure reaches the terminal
    sending = sending.then(() => st.send(chunk)).then(() => {
      if (!done) stdin.resume();
    }, (e: unknown) => shutdown(false, e as VirtError));
  };
  const onEnd = (): void => shutdown(false, internalError('EOF on stdin'));
  const onError = (e: Error): void => shutdown(false, VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
    `cannot read from stdin: ${e.message}`));
  // In the interactive shell, readline also listens to stdin: what is typed
  // for the guest must not become shell input afterwards.
  const others = stdin.listeners('data') as ((...a: unknown[]) => void)[];
  for (const l of others) stdin.off('data', l);
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.once('error', onError);
  stdin.resume();

  const toTerminal = (async (): Promise<void> => {
    try {
      // The iterator waits for data whatever the stream's NONBLOCK flag says.
      for await (const got of st) {
        if (done) return;
        if (!stdout.write(got)) await new Promise<void>((r) => stdout.once('drain', r));
      }
      shutdown(true); // the guest's end of data: a graceful end
    } catch (e) {
      if (!done) shutdown(false, e instanceof VirtError ? e : internalError(String(e)));
    }
  })();

  await over;
  stdin.off('data', onData);
  stdin.off('end', onEnd);
  stdin.off('error', onError);
  stdin.pause();
  for (const l of others) stdin.on('data', l);
  await toTerminal.catch(() => undefined);
  return error;
}

/** virshRunConsole. */
async function runConsole(ctl: Shell, dom: Domain, devname: string | null, flags: number): Promise<boolean> {
  const raw = makeRaw(ctl.io.stdin);
  if (typeof raw === 'string') {
    ctl.error(`unable to set tty attributes: ${raw}`);
    return false;
  }
  const noop = (): void => undefined;
  for (const s of IGNORED_SIGNALS) process.on(s, noop);
  // The stream is made non-blocking, as virsh makes it (the driver may care).
  const st = dom.conn.newStream(1);
  try {
    const opened = await ctl.attempt(dom.openConsole(devname, st, flags));
    if (opened === FAIL) return false;
    const e = await pump(ctl, st, escapeByte(ctl.escapeChar));
    if (e) {
      ctl.saveError(e);
      return false;
    }
    return true;
  } finally {
    st.free();
    for (const s of IGNORED_SIGNALS) process.off(s, noop);
    raw.restore();
  }
}

async function cmdConsole(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const force = cmd.bool('force');
  const safe = cmd.bool('safe');
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const devname = cmd.string(ctl, 'devname');
  if (devname === null) return false;
  let flags = 0;
  if (force) flags |= ConsoleFlags.FORCE;
  if (safe) flags |= ConsoleFlags.SAFE;

  const st = await domainState(ctl, dom);
  if (st === FAIL) {
    ctl.error('Unable to get domain status');
    return false;
  }
  if (st.state === SHUTOFF) {
    ctl.error('The domain is not running');
    return false;
  }
  if (ctl.io.stdin.isTTY !== true) {
    ctl.error('Cannot run interactive console without a controlling TTY');
    return false;
  }
  const esc = ctl.escapeChar;
  ctl.printExtra(`Connected to domain '${dom.getName()}'\n`);
  ctl.printExtra(`Escape character is ${esc}${esc[0] === '^' ? ` (Ctrl + ${esc[1]})` : ''}\n`);
  return runConsole(ctl, dom, devname ?? null, flags);
}

export const consoleCommands: CmdDef[] = [
  {
    name: 'console',
    help: 'connect to the guest console',
    desc: 'Connect the virtual serial console for the guest',
    options: [
      DOMAIN_OPT,
      { name: 'devname', type: 'string', help: 'character device name' },
      { name: 'force', type: 'bool', help: 'force console connection (disconnect already connected sessions)' },
      { name: 'safe', type: 'bool', help: 'only connect if safe console handling is supported' },
    ],
    run: cmdConsole,
  },
];
