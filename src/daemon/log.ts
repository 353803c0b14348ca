/**
 * The daemon's logging: libvirt's `log_level` / `log_outputs` model
 * (src/util/virlog.c) and its line format, so tsvirtd's log reads like
 * libvirtd's:
 *
 *     2024-05-01 10:00:00.123+0000: 4242: info : libvirt version: 9.0.0, package: tsvirt
 *     2024-05-01 10:00:00.123+0000: 4242: info : hostname: vm
 *     2024-05-01 10:00:00.124+0000: 4242: error : Can't load config file: …
 *
 * libvirt prints the thread id where we print the pid, and adds
 * `function:line : ` for messages that carry a source position; ours don't.
 *
 * A message is written if its priority is at least the global level
 * (`log_level`, default 3) AND at least the output's own priority, exactly
 * as virLogVMessage filters. Each output starts with the version and
 * hostname lines on its first message.
 *
 * Outputs: `N:stderr`, `N:file:PATH`, `N:syslog:IDENT`, `N:journald`,
 * space-separated. There is no syslog or journald client here: those two
 * are written to stderr, which is where a systemd service's stderr goes
 * anyway. `log_filters` are parsed and checked as libvirt does, then
 * ignored: tsvirtd's messages carry no source category to filter on.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { formatLogLine, formatTimestamp, logHeader, LogPriority } from '../util/log-format.js';

export { formatLogLine, formatTimestamp, LOG_VERSION_STRING, LogPriority } from '../util/log-format.js';

/** VIR_LOG_DEFAULT: warnings and errors. */
export const DEFAULT_LOG_LEVEL: LogPriority = LogPriority.WARN;

/** What the daemon (and the lead's server.ts) log through. */
export interface Logger {
  debug(m: string): void;
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

/** A logger that owns files: close it at exit. */
export interface DaemonLogger extends Logger {
  /** The outputs in use, in log_outputs syntax (virLogGetOutputs). */
  readonly outputs: string;
  readonly level: LogPriority;
  close(): void;
}

/** One parsed output: virLogOutput. */
export interface LogOutputSpec {
  priority: LogPriority;
  dest: 'stderr' | 'syslog' | 'file' | 'journald';
  /** The file path (made absolute) or the syslog ident; null for stderr/journald. */
  name: string | null;
}

/** One parsed filter: virLogFilter. */
export interface LogFilterSpec {
  priority: LogPriority;
  match: string;
}

export { strerror } from '../util/strerror.js';
import { strerror } from '../util/strerror.js';

/** virReportSystemError: `<what>: <strerror>` as a SYSTEM_ERROR. */
export function systemError(what: string, err: unknown): VirtError {
  return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE, `${what}: ${strerror(err)}`, { cause: err });
}

function invalidArg(detail: string): VirtError {
  return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, detail);
}

/** virStrToLong_uip on a priority token, then the 1..4 range check. */
function parsePriorityToken(s: string): LogPriority | null {
  if (!/^[ \t\n\v\f\r]*\+?[0-9]+$/.test(s)) return null;
  const n = Number(s.trim());
  return n >= 1 && n <= 4 ? (n as LogPriority) : null;
}

/**
 * virLogParseOutputs: space-separated outputs. A later output to the same
 * destination (same file, or stderr again) replaces an earlier one.
 *
 * @throws VirtError INVALID_ARG with virLogParseOutput's messages, e.g.
 *   `invalid argument: Malformed format for log output 'bogus'`
 */
export function parseLogOutputs(src: string, cwd: string = process.cwd()): LogOutputSpec[] {
  const list: LogOutputSpec[] = [];
  for (const item of src.split(' ')) {
    if (item === '') continue;
    const tokens = item.split(':');
    if (tokens.length < 2) throw invalidArg(`Malformed format for log output '${item}'`);
    const priority = parsePriorityToken(tokens[0]!);
    if (priority === null) throw invalidArg(`Invalid log priority '${tokens[0]}' for log output '${item}'`);
    const dest = tokens[1]!;
    if (dest !== 'stderr' && dest !== 'syslog' && dest !== 'file' && dest !== 'journald') {
      throw invalidArg(`Invalid log destination '${dest}' for log output '${item}'`);
    }
    const want = dest === 'stderr' || dest === 'journald' ? 2 : 3;
    if (tokens.length !== want) {
      throw invalidArg(`Log output '${item}' does not meet the format requirements for destination type '${dest}'`);
    }
    // g_canonicalize_filename: relative paths are taken from the cwd.
    const name = dest === 'file' ? resolve(cwd, tokens[2]!) : dest === 'syslog' ? tokens[2]! : null;
    const at = list.findIndex((o) => o.dest === dest && o.name === name);
    list.push({ priority, dest, name });
    if (at >= 0) list.splice(at, 1);
  }
  return list;
}

/**
 * virLogParseFilters: space-separated `N:match` items (a leading '+' on
 * the match is dropped, as libvirt does).
 *
 * @throws VirtError INVALID_ARG, e.g. `invalid argument: Malformed format for filter 'x'`
 */
export function parseLogFilters(src: string): LogFilterSpec[] {
  const list: LogFilterSpec[] = [];
  for (const item of src.split(' ')) {
    if (item === '') continue;
    const tokens = item.split(':');
    if (tokens.length < 2) throw invalidArg(`Malformed format for filter '${item}'`);
    const priority = parsePriorityToken(tokens[0]!);
    if (priority === null) throw invalidArg(`Invalid priority '${tokens[0]}' for filter '${item}'`);
    const match = tokens[1]!.startsWith('+') ? tokens[1]!.slice(1) : tokens[1]!;
    if (match === '') throw invalidArg(`Invalid match string '${tokens[1]}'`);
    list.push({ priority, match });
  }
  return list;
}

/**
 * virLogParseDefaultPriority, for LIBVIRT_DEBUG: `1`..`4` or
 * `debug|info|warning|error`; null if it is neither.
 */
export function parseLogPriorityName(s: string): LogPriority | null {
  const names: Record<string, LogPriority> = {
    1: 1, debug: 1, 2: 2, info: 2, 3: 3, warning: 3, 4: 4, error: 4,
  };
  return names[s] ?? null;
}

/** virLogSetDefaultPriority's check. */
export function checkLogLevel(level: number): LogPriority {
  if (!Number.isInteger(level) || level < 1 || level > 4) {
    throw invalidArg(`Failed to set logging priority, argument '${level}' is invalid`);
  }
  return level as LogPriority;
}

export interface LoggerOptions {
  /** log_level: the global minimum priority (1 debug .. 4 error). */
  level: number;
  /** log_outputs syntax, or parsed outputs. Empty means `<level>:stderr`. */
  outputs: string | readonly LogOutputSpec[];
  /** log_filters: checked, otherwise unused. */
  filters?: string | null;
  /** Where `stderr` outputs write (default process.stderr). */
  stderr?: (text: string) => void;
  /** For tests. */
  pid?: number;
  hostname?: string;
  now?: () => Date;
}

interface OpenOutput {
  spec: LogOutputSpec;
  write: (text: string) => void;
  fd: number | null;
  started: boolean;
}

function formatOutputs(list: readonly LogOutputSpec[]): string {
  return list.map((o) => (o.name === null ? `${o.priority}:${o.dest}` : `${o.priority}:${o.dest}:${o.name}`)).join(' ');
}

/**
 * Creates a logger with libvirt's filtering, format and outputs. Files are
 * opened now (O_CREAT|O_APPEND, mode 0600, as virLogNewOutputToFile does),
 * so a bad path fails at start-up.
 *
 * @throws VirtError INVALID_ARG for a malformed level, output or filter;
 *   SYSTEM_ERROR `failed to open <path>: <reason>` for an unwritable file.
 */
export function createLogger(opts: LoggerOptions): DaemonLogger {
  const level = checkLogLevel(opts.level);
  if (opts.filters) parseLogFilters(opts.filters);
  let specs = typeof opts.outputs === 'string' ? parseLogOutputs(opts.outputs) : [...opts.outputs];
  if (specs.length === 0) specs = [{ priority: level, dest: 'stderr', name: null }];
  const toStderr = opts.stderr ?? ((t: string) => { process.stderr.write(t); });
  const pid = opts.pid ?? process.pid;
  const host = opts.hostname ?? hostname();
  const now = opts.now ?? (() => new Date());

  const outputs: OpenOutput[] = [];
  try {
    for (const spec of specs) {
      if (spec.dest === 'file') {
        let fd: number;
        try {
          fd = openSync(spec.name!, 'a', 0o600);
        } catch (err) {
          throw systemError(`failed to open ${spec.name}`, err);
        }
        outputs.push({ spec, fd, started: false, write: (t) => { try { writeSync(fd, t); } catch { /* as libvirt: ignored */ } } });
      } else {
        outputs.push({ spec, fd: null, started: false, write: toStderr });
      }
    }
  } catch (err) {
    for (const o of outputs) if (o.fd !== null) closeSync(o.fd);
    throw err;
  }

  let closed = false;
  const emit = (priority: LogPriority, message: string): void => {
    if (closed || priority < level) return;
    const ts = formatTimestamp(now());
    for (const o of outputs) {
      if (priority < o.spec.priority) continue;
      if (!o.started) {
        o.started = true;
        for (const line of logHeader(ts, pid, host)) o.write(line);
      }
      o.write(`${ts}: ${formatLogLine(pid, priority, message)}`);
    }
  };

  return {
    outputs: formatOutputs(specs),
    level,
    debug: (m) => emit(LogPriority.DEBUG, m),
    info: (m) => emit(LogPriority.INFO, m),
    warn: (m) => emit(LogPriority.WARN, m),
    error: (m) => emit(LogPriority.ERROR, m),
    close: () => {
      if (closed) return;
      closed = true;
      for (const o of outputs) if (o.fd !== null) closeSync(o.fd);
    },
  };
}

/** What decides the default output (virLogSetDefaultOutput). */
export interface DefaultOutputOptions {
  level: LogPriority;
  daemon: boolean;
  privileged: boolean;
  env?: NodeJS.ProcessEnv;
  /** LOCALSTATEDIR (default /var). */
  localStateDir?: string;
}

/**
 * virLogSetDefaultOutput: stderr in the foreground; when daemonized, a file:
 * `/var/log/libvirt/tsvirtd.log` for root, `$XDG_CACHE_HOME/libvirt/tsvirtd.log`
 * otherwise. (libvirt prefers journald when its socket exists; we have no
 * journald client.) The directory is created if missing.
 */
export function defaultLogOutput(o: DefaultOutputOptions): string {
  if (!o.daemon) return `${o.level}:stderr`;
  const env = o.env ?? process.env;
  const dir = o.privileged
    ? `${o.localStateDir ?? '/var'}/log/libvirt`
    : `${env.XDG_CACHE_HOME || `${env.HOME || homedir()}/.cache`}/libvirt`;
  return `${o.level}:file:${dir}/tsvirtd.log`;
}

/** What virDaemonSetupLogging combines. */
export interface SetupLoggingOptions {
  /** log_level from the config; 0 means unset. */
  level: number;
  filters: string | null;
  outputs: string | null;
  privileged: boolean;
  verbose: boolean;
  daemon: boolean;
  env?: NodeJS.ProcessEnv;
  stderr?: (text: string) => void;
  localStateDir?: string;
}

/**
 * virDaemonSetupLogging: config, then LIBVIRT_DEBUG / LIBVIRT_LOG_FILTERS /
 * LIBVIRT_LOG_OUTPUTS from the environment, then `--verbose` (raises the
 * level to info), then the default output if none was given.
 *
 * @throws VirtError INVALID_ARG / SYSTEM_ERROR, which libvirtd 9.0 reports
 *   as `libvirt:  error : <message>` and exits 1.
 */
export function setupLogging(o: SetupLoggingOptions): DaemonLogger {
  const env = o.env ?? process.env;
  let level: LogPriority = o.level !== 0 ? checkLogLevel(o.level) : DEFAULT_LOG_LEVEL;
  let filters = o.filters;
  let outputs = o.outputs;
  const debugEnv = env.LIBVIRT_DEBUG;
  if (debugEnv) {
    const p = parseLogPriorityName(debugEnv);
    if (p === null) throw invalidArg(`Failed to set logging priority, argument '${debugEnv}' is invalid`);
    level = p;
  }
  if (env.LIBVIRT_LOG_FILTERS) filters = env.LIBVIRT_LOG_FILTERS;
  if (env.LIBVIRT_LOG_OUTPUTS) outputs = env.LIBVIRT_LOG_OUTPUTS;
  if (o.verbose && level > LogPriority.INFO) level = LogPriority.INFO;
  if (filters) parseLogFilters(filters);
  let specs = outputs ? parseLogOutputs(outputs) : [];
  if (specs.length === 0) {
    specs = parseLogOutputs(defaultLogOutput({
      level, daemon: o.daemon, privileged: o.privileged, env, localStateDir: o.localStateDir,
    }));
    const file = specs[0]!.dest === 'file' ? specs[0]!.name! : null;
    if (file) {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: o.privileged ? 0o755 : 0o700 });
      } catch (err) {
        throw systemError('Could not create log directory', err);
      }
    }
  }
  return createLogger({ level, outputs: specs, filters, stderr: o.stderr });
}
