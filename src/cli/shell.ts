/**
 * The shell: virsh's vshControl/virshControl. It owns the connection,
 * prints output and `error:` lines the way vsh.c does, keeps the last
 * library error for the report printed when a command fails
 * (vshReportError), runs parsed commands (vshCommandRun) and hosts the
 * interactive loop.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { openAuth, type Connection } from '../api/index.js';
import { ConnectFlags } from '../api/constants.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { defaultAuth } from './auth.js';
import type { CmdDef, CmdGroup, ParsedCommand } from './command.js';
import { formatFixed } from './format.js';
import { ArgvTokenizer, parseCommands, StringTokenizer } from './parser.js';

/** Where the shell writes; each write goes out at once, as virsh flushes after every print. */
export interface ShellIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; fd?: number };
  env: NodeJS.ProcessEnv;
}

/** What a failed library call turns into for {@link Shell.attempt}. */
export const FAIL: unique symbol = Symbol('virsh call failed');
export type Failed = typeof FAIL;

const PROMPT_RW = 'virsh # ';
const PROMPT_RO = 'virsh > ';

export class Shell {
  readonly io: ShellIO;
  readonly groups: readonly CmdGroup[];
  /** ctl->name: the fixed program name virsh uses for its history directory. */
  readonly name = 'virsh';
  /** The program name printed in usage and the welcome banner. */
  progname = 'virsh';
  /** The URI to (re)connect to (ctl->connname). */
  connname: string | null = null;
  /** Whether the current connection is, or the next one will be, read-only. */
  readonly = false;
  quiet = false;
  timing = false;
  /** Interactive mode (ctl->imode); `quit` clears it. */
  imode = false;
  debug = 4;
  /** The console's escape sequence (`-e`): `^X` or one character. */
  escapeChar = '^]';
  keepaliveInterval = -1;
  keepaliveCount = -1;
  conn: Connection | null = null;
  /** virDomainGetState is unsupported: use virDomainGetInfo (priv->useGetInfo). */
  useGetInfo = false;
  /** The library error kept for the next report (last_error). */
  lastError: VirtError | null = null;
  #disconnected = 0;
  #history: string[] = [];
  #historyFile: string | null = null;
  #maxHistory = 500;

  constructor(groups: readonly CmdGroup[], io: ShellIO) {
    this.groups = groups;
    this.io = io;
  }

  // ---- output ------------------------------------------------------------

  /** vshPrint. */
  print(s: string): void {
    this.io.stdout.write(s);
  }

  /** vshPrintExtra: suppressed by -q. */
  printExtra(s: string): void {
    if (!this.quiet) this.io.stdout.write(s);
  }

  /**
   * vshDebug: a message for `-d LEVEL` (0 debug, 1 info … 4 error), on
   * stdout and in the log file, shown when its level is at least the one
   * asked for.
   */
  debugMsg(level: number, msg: string): void {
    if (level < this.debug) return;
    this.#log(['DEBUG', 'INFO', 'INFO', 'WARNING', 'ERROR'][level] ?? 'DEBUG', msg);
    this.io.stdout.write(msg);
  }

  /** vshError: `error: <msg>` on stderr (and in the log file, if any). */
  error(msg: string): void {
    this.#log('ERROR', msg);
    this.io.stderr.write(`error: ${msg}\n`);
  }

  // ---- the log file (-l, VIRSH_LOG_FILE) ---------------------------------

  #logFd: number | null = null;
  #logFile: string | null = null;

  get hasLog(): boolean {
    return this.#logFile !== null;
  }

  /** vshOpenLogFile: appends, creating the file 0644. */
  openLog(path: string): boolean {
    try {
      this.#logFd = openSync(path, 'a', 0o644);
      this.#logFile = path;
      return true;
    } catch {
      return false;
    }
  }

  /** vshCloseLogFile. */
  closeLog(): void {
    if (this.#logFd !== null) {
      try {
        closeSync(this.#logFd);
      } catch (e) {
        this.#logFd = null;
        this.error(`${this.#logFile ?? '?'}: failed to write log file: ${(e as Error).message}`);
      }
    }
    this.#logFd = null;
    this.#logFile = null;
  }

  /** vshOutputLogFile: `[YYYY.MM.DD HH:MM:SS virsh PID] LEVEL message`. */
  #log(level: string, msg: string): void {
    if (this.#logFd === null) return;
    const d = new Date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const now = `${d.getFullYear()}.${p2(d.getMonth() + 1)}.${p2(d.getDate())} `
      + `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
    try {
      writeSync(this.#logFd, `[${now} ${this.progname} ${process.pid}] ${level} ${msg.replace(/\n+$/, '')}\n`);
    } catch {
      this.closeLog();
      this.error('failed to write the log file');
    }
  }

  // ---- library errors ----------------------------------------------------

  /** Keeps a library error for the report (what vshErrorHandler does for every error). */
  saveError(e: unknown): void {
    if (e instanceof VirtError) {
      this.lastError = e;
      return;
    }
    throw e;
  }

  /** vshResetLibvirtError. */
  resetError(): void {
    this.lastError = null;
  }

  /** vshReportError: prints the kept library error, if any, and forgets it. */
  reportError(): void {
    const e = this.lastError;
    if (e) this.error(e.code === ErrorCode.OK ? 'unknown error' : e.message);
    this.lastError = null;
  }

  /**
   * Runs one library call the way virsh checks a C return value: the
   * result, or FAIL with the error kept for the report.
   */
  async attempt<T>(p: Promise<T> | (() => Promise<T>)): Promise<T | Failed> {
    try {
      return await (typeof p === 'function' ? p() : p);
    } catch (e) {
      this.saveError(e);
      return FAIL;
    }
  }

  /** The code of the kept error (virGetLastErrorCode after a failure). */
  get lastErrorCode(): number {
    return this.lastError?.code ?? ErrorCode.OK;
  }

  // ---- commands ----------------------------------------------------------

  /** vshCmddefSearch: a hidden alias stands for the command it names. */
  findCommand(name: string): CmdDef | undefined {
    for (const g of this.groups) {
      const c = g.commands.find((d) => d.name === name);
      if (c) return c.alias !== undefined ? this.findCommand(c.alias) : c;
    }
    return undefined;
  }

  /** vshCmdGrpSearch: by name or keyword. */
  findGroup(name: string): CmdGroup | undefined {
    return this.groups.find((g) => g.name === name || g.keyword === name);
  }

  /** vshCommandArgvParse. */
  parseArgv(args: readonly string[]): ParsedCommand[] | null {
    if (args.length === 0) return null;
    return parseCommands(new ArgvTokenizer(args), (n) => this.findCommand(n), (m) => this.error(m),
      (l, m) => this.debugMsg(l, m));
  }

  /** vshCommandStringParse. */
  parseString(line: string): ParsedCommand[] | null {
    if (line === '') return null;
    const onError = (m: string) => this.error(m);
    return parseCommands(new StringTokenizer(line, onError), (n) => this.findCommand(n), onError,
      (l, m) => this.debugMsg(l, m));
  }

  /** vshCommandRun: runs the commands in turn; the result is the last one's. */
  async run(cmds: readonly ParsedCommand[]): Promise<boolean> {
    let ret = true;
    for (const cmd of cmds) {
      const before = process.hrtime.bigint();
      if (cmd.def.noConnect || (await this.connectionHandler())) {
        ret = await this.#runOne(cmd);
      } else {
        ret = false;
      }
      const after = process.hrtime.bigint();
      const e = this.lastError;
      if (!ret && e && ((e.code === ErrorCode.SYSTEM_ERROR && e.domain === ErrorDomain.REMOTE)
        || e.code === ErrorCode.RPC || e.code === ErrorCode.NO_CONNECT || e.code === ErrorCode.INVALID_CONN)) {
        this.#disconnected++;
      }
      if (!ret) this.reportError();
      if (cmd.def.name === 'quit' || cmd.def.name === 'exit') return ret;
      if (this.timing) {
        this.print(`\n(Time: ${formatFixed(Number(after - before) / 1e6, 3)} ms)\n\n`);
      } else {
        this.printExtra('\n');
      }
    }
    return ret;
  }

  async #runOne(cmd: ParsedCommand): Promise<boolean> {
    try {
      return await cmd.def.run(this, cmd);
    } catch (e) {
      if (e instanceof VirtError) {
        this.lastError = e;
        return false;
      }
      const msg = e instanceof Error ? e.message : String(e);
      this.error(`internal error: ${msg}`);
      return false;
    }
  }

  // ---- the connection ----------------------------------------------------

  /** The connection, for commands that have one (every command not marked noConnect). */
  get c(): Connection {
    if (!this.conn) throw VirtError.report(ErrorCode.INVALID_CONN, ErrorDomain.NONE, 'virsh');
    return this.conn;
  }

  /** virshConnect: opens with the default terminal credential prompts. */
  async #open(uri: string | null, readonly: boolean): Promise<Connection | null> {
    let conn: Connection;
    try {
      conn = await openAuth(uri, defaultAuth(this.io), readonly ? ConnectFlags.RO : 0, { env: this.io.env });
    } catch (e) {
      this.saveError(e);
      return null;
    }
    const interval = this.keepaliveInterval >= 0 ? this.keepaliveInterval : 5;
    const count = this.keepaliveCount >= 0 ? this.keepaliveCount : 6;
    const forced = this.keepaliveInterval >= 0 || this.keepaliveCount >= 0;
    if (interval > 0) {
      let ok = false;
      try {
        ok = (await conn.setKeepAlive(interval, count)) === 0;
      } catch (e) {
        this.saveError(e);
      }
      if (!ok) {
        if (forced) {
          this.error('Cannot setup keepalive on connection as requested, disconnecting');
          await conn.close().catch(() => 0);
          return null;
        }
        this.lastError = null;
        this.debugMsg(1, 'Failed to setup keepalive on connection\n');
      }
    }
    return conn;
  }

  /** virshReconnect. */
  async reconnect(name: string | null, readonly: boolean, force: boolean): Promise<boolean> {
    let connected = false;
    if (!readonly && name === null) readonly = this.readonly;
    if (this.conn) {
      connected = true;
      const old = this.conn;
      this.conn = null;
      await this.#close(old);
    }
    this.conn = await this.#open(name ?? this.connname, readonly);
    if (!this.conn) {
      this.error(this.#disconnected ? 'Failed to reconnect to the hypervisor' : 'failed to connect to the hypervisor');
      return false;
    }
    if (name !== null) this.connname = name;
    this.readonly = readonly;
    this.useGetInfo = false;
    if (connected && !force) this.error('Reconnected to the hypervisor');
    this.#disconnected = 0;
    return true;
  }

  async #close(conn: Connection): Promise<void> {
    let left: number;
    try {
      left = await conn.close();
    } catch (e) {
      this.saveError(e);
      left = -1;
    }
    if (left < 0) this.error('Failed to disconnect from the hypervisor');
    else if (left > 0) this.error('One or more references were leaked after disconnect from the hypervisor');
  }

  /** virshConnectionHandler: connects on first use, then checks the connection is alive. */
  async connectionHandler(): Promise<Connection | null> {
    if ((!this.conn || this.#disconnected) && !(await this.reconnect(null, false, false))) return null;
    const conn = this.conn;
    let alive = true;
    if (conn) {
      try {
        alive = await conn.isAlive();
      } catch {
        alive = true;
      }
    }
    if (!conn || !alive) {
      this.error('no valid connection');
      return null;
    }
    this.resetError();
    return conn;
  }

  /** virshDeinit: closes the connection, saves the history. */
  async deinit(): Promise<void> {
    this.#saveHistory();
    if (this.conn) {
      const conn = this.conn;
      this.conn = null;
      await this.#close(conn);
    }
    this.lastError = null;
  }

  // ---- interactive mode --------------------------------------------------

  /** vshReadlineInit: history size and file. */
  initReadline(): boolean {
    const envName = `${this.name.toUpperCase()}_HISTSIZE`;
    const v = this.io.env[envName];
    if (v !== undefined) {
      const n = /^[ \t\n\v\f\r]*[+-]?\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
        this.error(`Bad $${envName} value.`);
        return false;
      }
      if (n > 500000 || n < 0) {
        this.error(`$${envName} value should be between 0 and 500000`);
        return false;
      }
      this.#maxHistory = n;
    }
    const cache = this.io.env['XDG_CACHE_HOME'] || join(this.io.env['HOME'] || homedir(), '.cache');
    // virGetUserCacheDirectory is the "libvirt" folder of the XDG cache.
    this.#historyFile = join(cache, 'libvirt', this.name, 'history');
    try {
      this.#history = readFileSync(this.#historyFile, 'utf8').split('\n').filter((l) => l !== '');
    } catch {
      this.#history = [];
    }
    this.#trimHistory();
    return true;
  }

  #trimHistory(): void {
    if (this.#history.length > this.#maxHistory) this.#history = this.#history.slice(this.#history.length - this.#maxHistory);
  }

  #saveHistory(): void {
    if (!this.#historyFile) return;
    const dir = join(this.#historyFile, '..');
    try {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      this.error(`Failed to create '${dir}': ${(e as Error).message}`);
      return;
    }
    try {
      writeFileSync(this.#historyFile, this.#history.map((l) => `${l}\n`).join(''));
    } catch {
      // write_history's failure is silent in virsh too.
    }
    this.#historyFile = null;
  }

  /**
   * Tab completion (vshReadlineParse, without the value completers):
   * command names for the first word, then the options not given yet.
   */
  complete(line: string): [string[], string] {
    const words = line.split(/[ \t]+/);
    const word = words[words.length - 1] ?? '';
    const earlier = words.slice(0, -1).filter((w) => w !== '');
    const visible = this.groups.flatMap((g) => g.commands.filter((c) => !c.hidden));
    if (earlier.length === 0) {
      return [visible.map((c) => c.name).filter((n) => n.startsWith(word)), word];
    }
    const def = this.findCommand(earlier[0]!);
    if (!def) return [[], word];
    const given = new Set(earlier.slice(1).filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=')[0]));
    const opts = def.options.filter((o) => o.type !== 'alias' && (o.type === 'argv' || !given.has(o.name)))
      .map((o) => `--${o.name}`);
    return [opts.filter((o) => o.startsWith(word)), word];
  }

  /** The interactive loop of virsh's main(). */
  async interactive(): Promise<void> {
    if (!this.quiet) {
      this.print(`Welcome to ${this.progname}, the virtualization interactive terminal.\n\n`);
      this.print("Type:  'help' for help with commands\n       'quit' to quit\n\n");
    }
    const reader = new LineReader(this.io, this.#history, this.#maxHistory, (l) => this.complete(l));
    try {
      while (this.imode) {
        const line = await reader.read(this.readonly ? PROMPT_RO : PROMPT_RW);
        if (line === null) break;
        if (line !== '') {
          this.#history.push(line);
          this.#trimHistory();
          const cmds = this.parseString(line);
          if (cmds) await this.run(cmds);
        }
      }
    } finally {
      reader.close();
    }
    // virsh always ends the session with a line break.
    this.print('\n');
  }
}

/**
 * readline() for the shell: a line editor with history on a terminal; on
 * a pipe, GNU readline's behaviour of echoing the prompt and the line.
 */
class LineReader {
  #rl: Interface | null = null;
  #lines: string[] = [];
  #waiting: ((l: string | null) => void) | null = null;
  #ended = false;

  constructor(private readonly io: ShellIO, history: string[], historySize: number,
    complete?: (line: string) => [string[], string]) {
    const tty = io.stdin.isTTY === true;
    this.#rl = createInterface({
      ...(complete ? { completer: complete } : {}),
      input: io.stdin,
      output: tty ? (io.stdout as NodeJS.WritableStream) : undefined,
      terminal: tty,
      history: tty ? [...history].reverse() : [],
      historySize,
      removeHistoryDuplicates: false,
      tabSize: 8,
    });
    this.#rl.on('line', (l) => {
      if (this.#waiting) {
        const w = this.#waiting;
        this.#waiting = null;
        this.#rl?.pause();
        w(l);
      } else {
        this.#lines.push(l);
      }
    });
    this.#rl.on('close', () => {
      this.#ended = true;
      if (this.#waiting) {
        const w = this.#waiting;
        this.#waiting = null;
        w(null);
      }
    });
    // virsh leaves SIGINT alone, so Ctrl-C at the prompt ends the program.
    this.#rl.on('SIGINT', () => {
      this.#rl?.close();
      process.kill(process.pid, 'SIGINT');
    });
  }

  read(prompt: string): Promise<string | null> {
    const tty = this.io.stdin.isTTY === true;
    const echo = (l: string | null) => {
      if (!tty) this.io.stdout.write(l === null ? '' : `${l}\n`);
      return l;
    };
    if (!tty) this.io.stdout.write(prompt);
    if (this.#lines.length > 0) return Promise.resolve(echo(this.#lines.shift()!));
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#waiting = (l) => resolve(echo(l));
      if (tty) {
        this.#rl!.setPrompt(prompt);
        this.#rl!.prompt();
      }
      this.#rl!.resume();
    });
  }

  close(): void {
    const rl = this.#rl;
    this.#rl = null;
    rl?.close();
  }
}
