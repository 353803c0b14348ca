/**
 * The "Virsh itself" group: the shell's own commands (tools/vsh.c and
 * cmdConnect in tools/virsh.c).
 */
import { homedir } from 'node:os';
import type { CmdDef, ParsedCommand } from '../command.js';
import { escapeXml } from '../format.js';
import { allGroupsHelp, commandHelp, groupHelp } from '../help.js';
import type { Shell } from '../shell.js';
import { strerror } from '../util.js';
import { exclusive, stringToArray } from './domain.js';

async function cmdCd(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  if (!ctl.imode) {
    ctl.error('cd: command valid only in interactive mode');
    return false;
  }
  const o = cmd.stringQuiet('dir');
  const dir = o.rc > 0 ? (o as { value: string }).value : (ctl.io.env['HOME'] || homedir() || '/');
  try {
    process.chdir(dir);
  } catch (e) {
    ctl.error(`cd: ${strerror(e)}: ${dir}`);
    return false;
  }
  return true;
}

/** virBufferEscapeShell. */
function shellQuote(s: string): string {
  if (s === '') return "''";
  if (!/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

async function cmdEcho(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const shell = cmd.bool('shell');
  const xml = cmd.bool('xml');
  const err = cmd.bool('err');
  const split = cmd.bool('split');
  if (!exclusive(ctl, 'shell', shell, 'xml', xml)) return false;
  if (!exclusive(ctl, 'shell', shell, 'split', split)) return false;
  if (!exclusive(ctl, 'xml', xml, 'split', split)) return false;
  const args = cmd.argv();
  if (args.length === 0) return true;
  let out = '';
  for (const a of args) {
    if (xml) out += escapeXml(a);
    else if (shell) out += shellQuote(a);
    else if (split) out += stringToArray(a).map((p) => `${p}\n`).join('');
    else out += a;
    out += ' ';
  }
  out = out.slice(0, -1);
  if (err) ctl.error(out);
  else ctl.print(out);
  return true;
}

async function cmdQuit(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  ctl.imode = false;
  return true;
}

const cmdExit = cmdQuit;

async function cmdHelp(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const o = cmd.stringQuiet('command');
  if (o.rc <= 0) {
    ctl.print(allGroupsHelp(ctl.groups));
    return true;
  }
  const name = (o as { value: string }).value;
  const def = ctl.findCommand(name);
  if (def) {
    ctl.print(commandHelp(def));
    return true;
  }
  const grp = ctl.findGroup(name);
  if (grp) {
    ctl.print(groupHelp(grp));
    return true;
  }
  ctl.error(`command or command group '${name}' doesn't exist`);
  return false;
}

async function cmdPwd(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  ctl.print(`${process.cwd()}\n`);
  return true;
}

async function cmdConnect(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const ro = cmd.bool('readonly');
  const name = cmd.string(ctl, 'name');
  if (name === null) return false;
  return ctl.reconnect(name ?? null, ro, true);
}

/** The "Virsh itself" commands, in virsh's order. */
export const virshCommands: CmdDef[] = [
  {
    name: 'cd',
    help: 'change the current directory',
    desc: 'Change the current directory.',
    noConnect: true,
    options: [
      { name: 'dir', type: 'string', help: 'directory to switch to (default: home or else root)' },
    ],
    run: cmdCd,
  },
  {
    name: 'echo',
    help: 'echo arguments. Used for internal testing.',
    desc: 'Echo back arguments, possibly with quoting. Used for internal testing.',
    noConnect: true,
    options: [
      { name: 'shell', type: 'bool', help: 'escape for shell use' },
      { name: 'xml', type: 'bool', help: 'escape for XML use' },
      { name: 'split', type: 'bool', help: 'split each argument on \',\'; \',,\' is an escape sequence' },
      { name: 'err', type: 'bool', help: 'output to stderr' },
      { name: 'str', type: 'alias', help: 'string' },
      { name: 'hi', type: 'alias', help: 'string=hello' },
      { name: 'string', type: 'argv', help: 'arguments to echo' },
    ],
    run: cmdEcho,
  },
  {
    name: 'exit',
    help: 'quit this interactive terminal',
    desc: '',
    noConnect: true,
    options: [],
    run: cmdExit,
  },
  {
    name: 'help',
    help: 'print help',
    desc: 'Prints global help, command specific help, or help for a\n    group of related commands',
    noConnect: true,
    options: [
      { name: 'command', type: 'string', help: 'Prints global help, command specific help, or help for a group of related commands' },
    ],
    run: cmdHelp,
  },
  {
    name: 'pwd',
    help: 'print the current directory',
    desc: 'Print the current directory.',
    noConnect: true,
    options: [],
    run: cmdPwd,
  },
  {
    name: 'quit',
    help: 'quit this interactive terminal',
    desc: '',
    noConnect: true,
    options: [],
    run: cmdQuit,
  },
  {
    name: 'connect',
    help: '(re)connect to hypervisor',
    desc: 'Connect to local hypervisor. This is built-in command after shell start up.',
    noConnect: true,
    options: [
      { name: 'name', type: 'string', help: 'hypervisor connection URI', emptyOk: true },
      { name: 'readonly', type: 'bool', help: 'read-only connection' },
    ],
    run: cmdConnect,
  },
];

