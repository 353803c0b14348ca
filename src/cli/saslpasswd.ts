/**
 * tsvirt-saslpasswd and tsvirt-sasldblistusers: the operator's commands for
 * tsvirtd's SASL users, after Cyrus's saslpasswd2 and sasldblistusers2
 * (utils/saslpasswd.c, utils/sasldblistusers.c, read for facts; outputs
 * measured against Debian 12's sasl2-bin).
 *
 * They write tsvirt's text user database (src/auth/sasl/userdb.ts). A Cyrus
 * sasldb is listed but never written: saslpasswd2 manages that one.
 *
 * Where saslpasswd2 differs, on purpose:
 * - no -n (tsvirt keeps no mechanism-specific secrets: without the
 *   userPassword there would be nothing to store);
 * - no CMU acknowledgement in the usage and -v texts (this is not CMU's code);
 * - a failed write names the file and the reason after saslpasswd2's
 *   "generic failure" (Cyrus only logs them to syslog);
 * - a failed listing exits 1 (sasldblistusers2 exits 0 after "listusers failed").
 */
import { hostname } from 'node:os';
import { readUserDb, writeUserDb, type SaslUserEntry } from '../auth/sasl/userdb.js';
import { sasldbPathFor, DEFAULT_SASLDB_PATH } from '../auth/sasl/sasl-conf.js';
import { strerror } from '../util/strerror.js';
import { VERSION } from './version.js';

/** What the commands touch of the process, so tests can run them in-process. */
export interface ToolIO {
  readonly env: NodeJS.ProcessEnv;
  write(fd: 1 | 2, text: string): void;
  /** A password line: from a terminal with echo off (prompt shown), else up to 2048 bytes of stdin. */
  readPassword(prompt: string | null): Promise<Buffer>;
  readonly isStdinTTY: boolean;
  readonly hostname: string;
}

/** Exit statuses saslpasswd2 uses: -(SASL_FAIL), -(SASL_BADPARAM). */
const EXIT_FAIL = 1;
const EXIT_BADPARAM = 7;

/** saslpasswd2 reads the password with one read() into a buffer this big (PW_BUF_SIZE). */
export const PASSWORD_MAX = 2048;

type GetoptResult = { opts: [string, string | null][]; operands: string[] } | { error: string };

/**
 * glibc getopt(3) with argument permutation (operands may come before
 * options), for a short-option string such as "vpcdf:u:a:".
 */
export function getopt(prog: string, argv: readonly string[], spec: string): GetoptResult {
  const opts: [string, string | null][] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const at = c === ':' ? -1 : spec.indexOf(c);
      if (at < 0) return { error: `${prog}: invalid option -- '${c}'\n` };
      if (spec[at + 1] !== ':') {
        opts.push([c, null]);
        continue;
      }
      if (j + 1 < a.length) opts.push([c, a.slice(j + 1)]);
      else if (i + 1 < argv.length) opts.push([c, argv[++i]!]);
      else return { error: `${prog}: option requires an argument -- '${c}'\n` };
      break;
    }
  }
  return { opts, operands };
}

function saslpasswdUsage(prog: string): string {
  return `${prog}: usage: ${prog} [-v] [-c [-p]] [-d] [-a appname] [-f sasldb] [-u DOM] userid\n` +
    '\t-p\tpipe mode -- no prompt, password read on stdin\n' +
    '\t-c\tcreate -- ask mechs to create the account\n' +
    '\t-d\tdisable -- ask mechs to disable/delete the account\n' +
    '\t-f sasldb\tuse given file as sasldb\n' +
    '\t-a appname\tuse appname as application name\n' +
    '\t-u DOM\tuse DOM for user domain\n' +
    '\t-v\tprint version numbers and exit\n';
}

const versionText = (prog: string): string => `${prog} (tsvirt) ${VERSION}\n`;

/**
 * user@realm as Cyrus's _plug_parseuser splits it: the first '@' separates
 * the realm (and then wins over -u); else -u if not empty; else the host name.
 */
export function splitUserRealm(userid: string, userRealm: string | null, host: string): { user: string; realm: string } {
  const at = userid.indexOf('@');
  if (at >= 0) return { user: userid.slice(0, at), realm: userid.slice(at + 1) };
  return { user: userid, realm: userRealm ? userRealm : host };
}

/** A password line without its one trailing newline, as saslpasswd2's read_password. */
function stripNewline(b: Buffer): Buffer {
  const line = b.subarray(0, PASSWORD_MAX);
  return line.length > 0 && line[line.length - 1] === 0x0a ? line.subarray(0, -1) : line;
}

/** The message of a failed file operation: the path and strerror. */
function fileReason(path: string, e: unknown): string {
  // A database error already names the file.
  return (e as NodeJS.ErrnoException).code ? `${path}: ${strerror(e)}` : strerror(e);
}

interface PasswdOptions { isPipe: boolean; isCreate: boolean; isDisable: boolean; file: string | null; app: string; realm: string | null; userid: string }

/** Parse saslpasswd2's options; a number is the exit status after a usage/version/error text. */
function parsePasswdArgs(prog: string, argv: readonly string[], io: ToolIO): PasswdOptions | number {
  const r = getopt(prog, argv, 'vpcdf:u:a:h?');
  const usage = (err = ''): number => {
    io.write(2, err + saslpasswdUsage(prog));
    return EXIT_FAIL;
  };
  if ('error' in r) return usage(r.error);
  const o: PasswdOptions = { isPipe: false, isCreate: false, isDisable: false, file: null, app: 'saslpasswd', realm: null, userid: '' };
  let isError = false;
  for (const [c, arg] of r.opts) {
    switch (c) {
      case 'p': o.isPipe = true; break;
      case 'c': if (o.isDisable) isError = true; else o.isCreate = true; break;
      case 'd': if (o.isCreate) isError = true; else o.isDisable = true; break;
      case 'u': o.realm = arg; break;
      case 'f': o.file = arg; break;
      case 'a':
        o.app = arg!;
        if (o.app.includes('/')) {
          io.write(2, 'appname must not contain /\n');
          return EXIT_FAIL;
        }
        break;
      case 'v':
        io.write(2, versionText(prog));
        return 0;
      default: isError = true;
    }
  }
  if (isError || r.operands.length !== 1) return usage();
  o.userid = r.operands[0]!;
  return o;
}

/** Ask for the password as saslpasswd2 does (twice on a terminal); a number is the exit status. */
async function askPassword(prog: string, isPipe: boolean, io: ToolIO): Promise<Buffer | number> {
  const pipe = isPipe || !io.isStdinTTY;
  const password = stripNewline(await io.readPassword(pipe ? null : 'Password: '));
  if (!pipe) {
    const again = stripNewline(await io.readPassword('Again (for verification): '));
    if (!again.equals(password)) {
      io.write(2, `${prog}: passwords don't match; aborting\n`);
      return EXIT_BADPARAM;
    }
  }
  // Cyrus's sasl_setpass refuses an empty password (SASL_BADPARAM).
  if (password.length === 0) {
    io.write(2, `${prog}: invalid parameter supplied\n`);
    return EXIT_BADPARAM;
  }
  return password;
}

/** tsvirt-saslpasswd ARGS: the exit status. */
export async function saslpasswdMain(argv: readonly string[], io: ToolIO, prog = 'tsvirt-saslpasswd'): Promise<number> {
  const o = parsePasswdArgs(prog, argv, io);
  if (typeof o === 'number') return o;
  const fail = (reason: string): number => {
    io.write(2, `${prog}: generic failure: ${reason}\n`);
    return EXIT_FAIL;
  };
  const file = o.file ?? await sasldbPathFor(o.app, io.env).catch(() => DEFAULT_SASLDB_PATH);
  let password: Buffer | null = null;
  if (!o.isDisable) {
    const p = await askPassword(prog, o.isPipe, io);
    if (typeof p === 'number') return p;
    password = p;
  }
  let db;
  try {
    db = await readUserDb(file);
  } catch (e) {
    return fail(fileReason(file, e));
  }
  if (db.format === 'cyrus') return fail(`${file} is a Cyrus sasldb, which tsvirt reads but does not write: use saslpasswd2`);
  const { user, realm } = splitUserRealm(o.userid, o.realm, io.hostname);
  const same = (e: SaslUserEntry): boolean => e.user === user && e.realm === realm;
  const others = db.entries().filter((e) => !same(e));
  // As saslpasswd2: -d of an unknown user succeeds, and without -c a new user is created all the same.
  const entries = password === null ? others : [...others, { user, realm, password: password.toString('utf8') }];
  try {
    await writeUserDb(file, entries);
  } catch (e) {
    return fail(fileReason(file, e));
  }
  return 0;
}

function listUsage(prog: string): string {
  return `${prog}: usage: ${prog} [-v] [[-f] sasldb]\n` +
    '\t-f sasldb\tuse given file as sasldb\n' +
    '\t-v\tprint version numbers and exit\n';
}

/** tsvirt-sasldblistusers ARGS: list user@realm: property, as sasldblistusers2. */
export async function sasldblistusersMain(argv: readonly string[], io: ToolIO, prog = 'tsvirt-sasldblistusers'): Promise<number> {
  const r = getopt(prog, argv, 'vf:h?');
  if ('error' in r) {
    io.write(2, r.error + listUsage(prog));
    return EXIT_FAIL;
  }
  let file: string | null = null;
  for (const [c, arg] of r.opts) {
    if (c === 'v') {
      io.write(2, versionText(prog));
      return 0;
    }
    if (c !== 'f') {
      io.write(2, listUsage(prog));
      return EXIT_FAIL;
    }
    file = arg;
  }
  if (r.operands.length > 1 || (file !== null && r.operands.length > 0)) {
    io.write(2, listUsage(prog));
    return EXIT_FAIL;
  }
  file ??= r.operands[0] ?? DEFAULT_SASLDB_PATH;
  try {
    const db = await readUserDb(file);
    io.write(1, db.properties().map((p) => `${p.user}@${p.realm}: ${p.property}\n`).join(''));
    return 0;
  } catch (e) {
    io.write(2, `${prog}: ${fileReason(file, e)}\nlistusers failed\n`);
    return EXIT_FAIL;
  }
}

/** A line from the terminal with echo off, as saslpasswd2's termios dance (ECHO off, ECHONL on). */
function readTerminalLine(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<Buffer> {
  return new Promise((resolve) => {
    const bytes: number[] = [];
    const finish = (line: Buffer): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer): void => {
      for (const b of chunk) {
        if (b === 0x0d || b === 0x0a) {
          // ECHONL: the newline is echoed even with echo off (libuv's raw mode keeps output processing: \n → \r\n).
          stdout.write('\n');
          return finish(Buffer.from([...bytes, 0x0a]));
        }
        if (b === 0x04 && bytes.length === 0) return finish(Buffer.alloc(0));
        if (b === 0x03) {
          stdin.setRawMode(false);
          process.kill(process.pid, 'SIGINT');
          return;
        }
        if (b === 0x7f || b === 0x08) bytes.pop();
        else if (b === 0x15) bytes.length = 0;
        else if (bytes.length < PASSWORD_MAX) bytes.push(b);
      }
    };
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/**
 * Up to PASSWORD_MAX bytes of stdin without a prompt (-p). saslpasswd2 does
 * one read(): on a terminal (echo left on) that is one line.
 */
async function readPipe(stdin: NodeJS.ReadStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  for await (const chunk of stdin) {
    parts.push(chunk as Buffer);
    have += (chunk as Buffer).length;
    if (have >= PASSWORD_MAX || stdin.isTTY) break;
  }
  return Buffer.concat(parts).subarray(0, PASSWORD_MAX);
}

/** The real process's stdio, environment and host name. */
export function processIO(): ToolIO {
  return {
    env: process.env,
    hostname: hostname(),
    isStdinTTY: process.stdin.isTTY === true,
    write: (fd, text) => void (fd === 1 ? process.stdout : process.stderr).write(text),
    readPassword: async (prompt) => {
      if (prompt === null) return readPipe(process.stdin);
      process.stdout.write(prompt);
      return readTerminalLine(process.stdin, process.stdout);
    },
  };
}
