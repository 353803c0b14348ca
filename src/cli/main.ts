/**
 * tsvirsh's entry point: virsh's main() and virshParseArgv. Global options
 * are parsed as glibc's getopt_long does with virsh's option string
 * ("+:c:d:e:hk:K:l:qrtvV": stop at the first command word, report missing
 * arguments ourselves, accept unambiguous prefixes of long options).
 */
import { groups } from './commands/index.js';
import { scanNumber } from './command.js';
import { localeInfo } from './format.js';
import { usage } from './help.js';
import { Shell, type ShellIO } from './shell.js';
import { VERSION } from './version.js';


interface LongOpt { name: string; arg: 'none' | 'required' | 'optional'; val: string }

const LONG_OPTS: readonly LongOpt[] = [
  { name: 'connect', arg: 'required', val: 'c' },
  { name: 'debug', arg: 'required', val: 'd' },
  { name: 'escape', arg: 'required', val: 'e' },
  { name: 'help', arg: 'none', val: 'h' },
  { name: 'keepalive-interval', arg: 'required', val: 'k' },
  { name: 'keepalive-count', arg: 'required', val: 'K' },
  { name: 'log', arg: 'required', val: 'l' },
  { name: 'quiet', arg: 'none', val: 'q' },
  { name: 'readonly', arg: 'none', val: 'r' },
  { name: 'timing', arg: 'none', val: 't' },
  { name: 'version', arg: 'optional', val: 'v' },
];

const SHORT_WITH_ARG = new Set(['c', 'd', 'e', 'k', 'K', 'l']);
const SHORT_FLAGS = new Set(['h', 'q', 'r', 't', 'v', 'V']);

type Opt =
  | { kind: 'opt'; val: string; arg: string | null; long: boolean }
  | { kind: 'missing'; val: string }
  | { kind: 'unknown'; optopt: string | null; text: string };

/** getopt_long with a leading '+:' in the option string. Returns the options and the index of the first operand. */
function getopt(argv: readonly string[]): { opts: Opt[]; optind: number } {
  const opts: Opt[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') return { opts, optind: i + 1 };
    if (!a.startsWith('-') || a === '-') break;
    i++;
    if (a.startsWith('--')) {
      const body = a.slice(2);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      let lo = LONG_OPTS.find((o) => o.name === name);
      if (!lo) {
        const matches = LONG_OPTS.filter((o) => o.name.startsWith(name));
        if (matches.length === 1) lo = matches[0];
      }
      if (!lo) {
        opts.push({ kind: 'unknown', optopt: null, text: a });
        return { opts, optind: i };
      }
      if (lo.arg === 'none') {
        if (eq >= 0) {
          opts.push({ kind: 'unknown', optopt: lo.val, text: a });
          return { opts, optind: i };
        }
        opts.push({ kind: 'opt', val: lo.val, arg: null, long: true });
      } else if (lo.arg === 'optional') {
        opts.push({ kind: 'opt', val: lo.val, arg: eq >= 0 ? body.slice(eq + 1) : null, long: true });
      } else if (eq >= 0) {
        opts.push({ kind: 'opt', val: lo.val, arg: body.slice(eq + 1), long: true });
      } else if (i < argv.length) {
        opts.push({ kind: 'opt', val: lo.val, arg: argv[i++]!, long: true });
      } else {
        opts.push({ kind: 'missing', val: lo.val });
        return { opts, optind: i };
      }
      continue;
    }
    // A cluster of short options.
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (SHORT_WITH_ARG.has(c)) {
        if (j + 1 < a.length) {
          opts.push({ kind: 'opt', val: c, arg: a.slice(j + 1), long: false });
        } else if (i < argv.length) {
          opts.push({ kind: 'opt', val: c, arg: argv[i++]!, long: false });
        } else {
          opts.push({ kind: 'missing', val: c });
          return { opts, optind: i };
        }
        break;
      }
      if (SHORT_FLAGS.has(c)) {
        opts.push({ kind: 'opt', val: c, arg: null, long: false });
        continue;
      }
      opts.push({ kind: 'unknown', optopt: c, text: a });
      return { opts, optind: i };
    }
  }
  return { opts, optind: i };
}

/** virStrToLong_i with base 0 (decimal, 0x hex, 0 octal), as -k/-K use. */
function strToIntBase0(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const digits = m[2]!;
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) v = BigInt(`0o${digits.slice(1)}`);
  else v = BigInt(digits);
  if (m[1] === '-') v = -v;
  if (v < -2147483648n || v > 2147483647n) return null;
  return Number(v);
}

function strToInt(s: string): number | null {
  const r = scanNumber(s);
  if (!r || r.rest !== '') return null;
  const v = r.negative ? -r.magnitude : r.magnitude;
  if (v < -2147483648n || v > 2147483647n) return null;
  return Number(v);
}

/** virsh -V. */
function longVersion(): string {
  return `Virsh command line tool of libvirt ${VERSION}\n`
    + 'See web site at https://libvirt.org/\n\n'
    + 'Compiled with support for:\n'
    + ' Hypervisors: Test\n'
    + ' Networking: Remote\n'
    + ' Storage:\n'
    + ' Miscellaneous: Debug Readline\n';
}

export interface MainOptions {
  io?: Partial<ShellIO>;
}

/**
 * Runs tsvirsh with the arguments after the program name; resolves to the
 * exit status.
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const io: ShellIO = {
    stdout: options.io?.stdout ?? process.stdout,
    stderr: options.io?.stderr ?? process.stderr,
    stdin: options.io?.stdin ?? process.stdin,
    env: options.io?.env ?? process.env,
  };
  const ctl = new Shell(groups, io);
  try {
    return await runMain(ctl, argv);
  } finally {
    ctl.closeLog();
  }
}

/** vshInitDebug: VIRSH_DEBUG and VIRSH_LOG_FILE, unless given as options. */
function initDebug(ctl: Shell): boolean {
  if (ctl.debug === 4) {
    const v = ctl.io.env['VIRSH_DEBUG'];
    if (v !== undefined) {
      const d = strToInt(v);
      if (d === null || d < 0 || d > 4) ctl.error('VIRSH_DEBUG not set with a valid numeric value');
      else ctl.debug = d;
    }
  }
  if (!ctl.hasLog) {
    const f = ctl.io.env['VIRSH_LOG_FILE'];
    if (f && !ctl.openLog(f)) {
      ctl.error('failed to open the log file. check the log file path');
      return false;
    }
  }
  return true;
}

async function runMain(ctl: Shell, argv: string[]): Promise<number> {
  // virGettextInitialize: perror() when the locale in the environment cannot be loaded.
  if (!localeInfo(ctl.io.env).valid) ctl.io.stderr.write('setlocale: No such file or directory\n');
  if (!initDebug(ctl)) return 1;
  const { opts, optind } = getopt(argv);
  for (const o of opts) {
    if (o.kind === 'missing') {
      const lo = LONG_OPTS.find((l) => l.val === o.val);
      ctl.error(lo ? `option '-${o.val}'/'--${lo.name}' requires an argument` : `option '-${o.val}' requires an argument`);
      return 1;
    }
    if (o.kind === 'unknown') {
      ctl.error(o.optopt ? `unsupported option '-${o.optopt}'. See --help.` : `unsupported option '${o.text}'. See --help.`);
      return 1;
    }
    const arg = o.arg ?? '';
    switch (o.val) {
      case 'c':
        ctl.connname = arg;
        break;
      case 'd': {
        const d = strToInt(arg);
        if (d === null) {
          ctl.error(`option ${o.long ? '--debug' : '-d'} takes a numeric argument`);
          return 1;
        }
        if (d < 0 || d > 4) ctl.error(`ignoring debug level ${d} out of range [0-4]`);
        else ctl.debug = d;
        break;
      }
      case 'e':
        if (!((arg.length === 2 && arg[0] === '^' && /^[a-z@-_]$/.test(arg[1]!)) || (arg.length === 1 && arg !== '^'))) {
          ctl.error(`Invalid string '${arg}' for escape sequence`);
          return 1;
        }
        ctl.escapeChar = arg;
        break;
      case 'h':
        ctl.print(usage(ctl.progname, ctl.groups));
        return 0;
      case 'k':
      case 'K': {
        const name = o.long ? (o.val === 'k' ? '--keepalive-interval' : '--keepalive-count') : `-${o.val}`;
        const k = strToIntBase0(arg);
        if (k === null) {
          ctl.error(`Invalid value for option ${name}`);
          return 1;
        }
        if (k < 0) {
          ctl.error(`option ${name} requires a positive integer argument`);
          return 1;
        }
        if (o.val === 'k') ctl.keepaliveInterval = k;
        else ctl.keepaliveCount = k;
        break;
      }
      case 'l':
        ctl.closeLog();
        if (!ctl.openLog(arg)) {
          ctl.error('failed to open the log file. check the log file path');
          return 1;
        }
        break;
      case 'q':
        ctl.quiet = true;
        break;
      case 't':
        ctl.timing = true;
        break;
      case 'r':
        ctl.readonly = true;
        break;
      case 'v':
        if (o.arg !== 'long') {
          ctl.print(`${VERSION}\n`);
          return 0;
        }
        ctl.print(longVersion());
        return 0;
      case 'V':
        ctl.print(longVersion());
        return 0;
    }
  }

  const rest = argv.slice(optind);
  let cmds = null;
  if (rest.length === 0) {
    ctl.imode = true;
  } else {
    if (rest.length === 1) ctl.debugMsg(1, `commands: "${rest[0]}"\n`);
    cmds = rest.length === 1 ? ctl.parseString(rest[0]!) : ctl.parseArgv(rest);
    if (!cmds) {
      await ctl.deinit();
      return 1;
    }
  }

  // virshInit (vshInitReload ignores a bad history size, and so do we).
  if (!initDebug(ctl)) return 1;
  if (ctl.imode) ctl.initReadline();
  // A URI given with -c must connect before anything runs.
  if (ctl.connname !== null && !(await ctl.reconnect(null, false, false))) {
    ctl.reportError();
    await ctl.deinit();
    return 1;
  }
  if (ctl.connname === null) ctl.connname = ctl.io.env['VIRSH_DEFAULT_CONNECT_URI'] ?? null;

  let ok = true;
  if (!ctl.imode) {
    ok = await ctl.run(cmds!);
  } else {
    await ctl.interactive();
  }
  await ctl.deinit();
  return ok ? 0 : 1;
}
