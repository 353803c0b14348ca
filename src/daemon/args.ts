/**
 * tsvirtd's command line: libvirtd's (remote_daemon.c main), parsed as
 * glibc's getopt_long does with libvirtd's option string "ldf:p:t:vVh":
 * options and operands may be mixed (operands are then an error), `--`
 * ends the options, long options may be abbreviated, `--opt=value` and
 * `--opt value` are the same. Messages and exit codes are glibc's and
 * libvirtd's; `-V` and `-h` act as soon as they are met, as there.
 */
import { VERSION } from '../cli/version.js';
import { RUNSTATEDIR } from './pidfile.js';

/** The parsed options. */
export interface DaemonArgs {
  /** -f: null means the default file, read only if it exists. */
  configFile: string | null;
  /** -l: listen on TCP (listen_tcp) and TLS (listen_tls). */
  listen: boolean;
  /** -p: null means the default pidfile. */
  pidFile: string | null;
  /** -t: seconds without clients before exiting; 0 = never. */
  timeout: number;
  /** -d */
  daemon: boolean;
  /** -v */
  verbose: boolean;
}

/** What parseArgs decided: run, or exit now with this output. */
export type ArgsResult =
  | { kind: 'run'; args: DaemonArgs }
  | {
    kind: 'exit';
    code: number;
    stdout: string;
    stderr: string;
    /** A message libvirtd logs (VIR_ERROR) rather than prints. */
    logError: string | null;
  };

interface LongOpt { name: string; hasArg: boolean; val: string }

/** In libvirtd's table order, which glibc lists ambiguous matches in. */
const LONG_OPTS: readonly LongOpt[] = [
  { name: 'verbose', hasArg: false, val: 'v' },
  { name: 'daemon', hasArg: false, val: 'd' },
  { name: 'listen', hasArg: false, val: 'l' },
  { name: 'config', hasArg: true, val: 'f' },
  { name: 'timeout', hasArg: true, val: 't' },
  { name: 'pid-file', hasArg: true, val: 'p' },
  { name: 'version', hasArg: false, val: 'V' },
  { name: 'help', hasArg: false, val: 'h' },
];

const SHORT_WITH_ARG = new Set(['f', 'p', 't']);
const SHORT_FLAGS = new Set(['l', 'd', 'v', 'V', 'h']);

/** The paths the help text shows. */
export interface UsagePaths {
  privileged: boolean;
}

/** daemonUsage, for tsvirtd (no TLS block: tsvirtd has no TLS yet). */
export function usage(argv0: string, o: UsagePaths): string {
  const opts: [string, string][] = [
    ['-h | --help', 'Display program help'],
    ['-v | --verbose', 'Verbose messages'],
    ['-d | --daemon', 'Run as a daemon & write PID file'],
    ['-l | --listen', 'Listen for TCP/IP connections'],
    ['-t | --timeout <secs>', 'Exit after timeout period'],
    ['-f | --config <file>', 'Configuration file'],
    ['-V | --version', 'Display version information'],
    ['-p | --pid-file <file>', 'Change name of PID file'],
  ];
  const lines = [
    '',
    'Usage:',
    `  ${argv0} [options]`,
    '',
    'Options:',
    ...opts.map(([o, h]) => `  ${o.padEnd(22)} ${h}`),
    '',
    'tsvirt management daemon:',
    '',
    '  Default paths:',
    '',
    '    Configuration file (unless overridden by -f):',
    `      ${o.privileged ? '/etc' : '$XDG_CONFIG_HOME'}/libvirt/tsvirtd.conf`,
    '',
    '    Sockets:',
    `      ${o.privileged ? RUNSTATEDIR : '$XDG_RUNTIME_DIR'}/libvirt/libvirt-sock`,
    ...(o.privileged ? [`      ${RUNSTATEDIR}/libvirt/libvirt-sock-ro`] : []),
    '',
    '    PID file (unless overridden by -p):',
    `      ${o.privileged ? RUNSTATEDIR : '$XDG_RUNTIME_DIR/libvirt'}/tsvirtd.pid`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** daemonVersion: `tsvirtd (libvirt) 9.0.0`. */
export function versionText(argv0: string): string {
  return `${argv0} (libvirt) ${VERSION}\n`;
}

/**
 * virStrToLong_i(s, &end, 10) with the end pointer: leading blanks and a
 * sign, then at least one digit; trailing text is allowed (libvirtd accepts
 * `--timeout 5x` as 5).
 */
function parseTimeout(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(s);
  if (!m) return null;
  const v = BigInt(m[2]!) * (m[1] === '-' ? -1n : 1n);
  // libvirtd: 0 <= timeout <= INT_MAX / 1000 (so that it can be multiplied by 1000).
  if (v < 0n || v > 2147483n) return null;
  return Number(v);
}

/**
 * Parses the arguments after the program name.
 *
 * @param o.argv0 the program name in messages (default "tsvirtd").
 */
export function parseArgs(argv: readonly string[], o: { privileged: boolean; argv0?: string }): ArgsResult {
  const argv0 = o.argv0 ?? 'tsvirtd';
  const args: DaemonArgs = { configFile: null, listen: false, pidFile: null, timeout: 0, daemon: false, verbose: false };
  const operands: string[] = [];
  const fail = (msg: string): ArgsResult => ({
    kind: 'exit', code: 1, stdout: '', stderr: `${argv0}: ${msg}\n${usage(argv0, o)}`, logError: null,
  });

  /** Applies one option; returns a result to exit with, or null. */
  const apply = (val: string, arg: string | null): ArgsResult | null => {
    switch (val) {
      case 'v': args.verbose = true; break;
      case 'd': args.daemon = true; break;
      case 'l': args.listen = true; break;
      case 't': {
        const t = parseTimeout(arg!);
        if (t === null) return { kind: 'exit', code: 1, stdout: '', stderr: '', logError: 'Invalid value for timeout' };
        args.timeout = t;
        break;
      }
      case 'p': args.pidFile = arg; break;
      case 'f': args.configFile = arg; break;
      case 'V': return { kind: 'exit', code: 0, stdout: versionText(argv0), stderr: '', logError: null };
      case 'h': return { kind: 'exit', code: 0, stdout: '', stderr: usage(argv0, o), logError: null };
    }
    return null;
  };

  let i = 0;
  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === '--') {
      operands.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    if (a.startsWith('--')) {
      const body = a.slice(2);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      let lo = LONG_OPTS.find((l) => l.name === name);
      if (!lo) {
        const matches = LONG_OPTS.filter((l) => l.name.startsWith(name));
        if (matches.length > 1) {
          return fail(`option '${a}' is ambiguous; possibilities:${matches.map((m) => ` '--${m.name}'`).join('')}`);
        }
        lo = matches[0];
      }
      if (!lo) return fail(`unrecognized option '${a}'`);
      let arg: string | null = null;
      if (!lo.hasArg) {
        if (eq >= 0) return fail(`option '--${lo.name}' doesn't allow an argument`);
      } else if (eq >= 0) {
        arg = body.slice(eq + 1);
      } else if (i < argv.length) {
        arg = argv[i++]!;
      } else {
        return fail(`option '--${lo.name}' requires an argument`);
      }
      const r = apply(lo.val, arg);
      if (r) return r;
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (SHORT_WITH_ARG.has(c)) {
        let arg: string;
        if (j + 1 < a.length) arg = a.slice(j + 1);
        else if (i < argv.length) arg = argv[i++]!;
        else return fail(`option requires an argument -- '${c}'`);
        const r = apply(c, arg);
        if (r) return r;
        break;
      }
      if (!SHORT_FLAGS.has(c)) return fail(`invalid option -- '${c}'`);
      const r = apply(c, null);
      if (r) return r;
    }
  }
  if (operands.length > 0) {
    return { kind: 'exit', code: 1, stdout: '', stderr: `${argv0}: unexpected, non-option, command line arguments\n`, logError: null };
  }
  return { kind: 'run', args };
}
