/**
 * Help texts in virsh's layout: a command's page (vshCmddefHelp), a
 * group's list (vshCmdGrpHelp), all groups (cmdHelp) and `virsh --help`
 * (virshUsage).
 */
import type { CmdDef, CmdGroup } from './command.js';
import { padEnd } from './format.js';

/** `    %-30s %s` lines of the visible commands of a group. */
function commandLines(g: CmdGroup): string {
  return g.commands.filter((c) => !c.hidden).map((c) => `    ${padEnd(c.name, 30)} ${c.help}\n`).join('');
}

/** vshCmdGrpHelp. */
export function groupHelp(g: CmdGroup): string {
  return ` ${g.name} (help keyword '${g.keyword}'):\n${commandLines(g)}`;
}

/** cmdHelp without an argument. */
export function allGroupsHelp(groups: readonly CmdGroup[]): string {
  let s = 'Grouped commands:\n\n';
  for (const g of groups) s += `${groupHelp(g)}\n`;
  return s;
}

/** vshCmddefHelp: NAME, SYNOPSIS, DESCRIPTION and OPTIONS of one command. */
export function commandHelp(def: CmdDef): string {
  let s = '  NAME\n';
  s += `    ${def.name} - ${def.help}\n`;
  s += '\n  SYNOPSIS\n';
  s += `    ${def.name}`;
  // Whether an option before the argv one may be given without its name.
  let shortopt = false;
  for (const o of def.options) {
    let item: string;
    switch (o.type) {
      case 'bool':
        item = `[--${o.name}]`;
        break;
      case 'int':
        item = o.required ? `<${o.name}>` : `[--${o.name} <number>]`;
        if (!o.reqOpt) shortopt = true;
        break;
      case 'string':
        item = `[--${o.name} <string>]`;
        if (!o.reqOpt) shortopt = true;
        break;
      case 'data':
        item = o.required ? `<${o.name}>` : `[<${o.name}>]`;
        if (!o.reqOpt) shortopt = true;
        break;
      case 'argv':
        if (shortopt) item = o.required ? `{[--${o.name}] <string>}...` : `[[--${o.name}] <string>]...`;
        else item = o.required ? `<${o.name}>...` : `[<${o.name}>]...`;
        break;
      case 'alias':
        continue;
    }
    s += ` ${item}`;
  }
  s += '\n';
  if (def.desc) s += `\n  DESCRIPTION\n    ${def.desc}\n`;
  if (def.options.length > 0) {
    s += '\n  OPTIONS\n';
    for (const o of def.options) {
      let label: string;
      switch (o.type) {
        case 'bool': label = `--${o.name}`; break;
        case 'int': label = o.required ? `[--${o.name}] <number>` : `--${o.name} <number>`; break;
        case 'string': label = `--${o.name} <string>`; break;
        case 'data': label = `[--${o.name}] <string>`; break;
        case 'argv': label = shortopt ? `[--${o.name}] <string>` : `<${o.name}>`; break;
        case 'alias': continue;
      }
      s += `    ${padEnd(label, 15)}  ${o.help}\n`;
    }
  }
  s += '\n';
  return s;
}

/** virshUsage: `virsh -h`. */
export function usage(progname: string, groups: readonly CmdGroup[]): string {
  let s = `\n${progname} [options]... [<command_string>]`
    + `\n${progname} [options]... <command> [args...]\n\n`
    + '  options:\n'
    + '    -c | --connect=URI      hypervisor connection URI\n'
    + '    -d | --debug=NUM        debug level [0-4]\n'
    + '    -e | --escape <char>    set escape sequence for console\n'
    + '    -h | --help             this help\n'
    + '    -k | --keepalive-interval=NUM\n'
    + '                            keepalive interval in seconds, 0 for disable\n'
    + '    -K | --keepalive-count=NUM\n'
    + '                            number of possible missed keepalive messages\n'
    + '    -l | --log=FILE         output logging to file\n'
    + '    -q | --quiet            quiet mode\n'
    + '    -r | --readonly         connect readonly\n'
    + '    -t | --timing           print timing information\n'
    + '    -v                      short version\n'
    + '    -V                      long version\n'
    + '         --version[=TYPE]   version, TYPE is short or long (default short)\n'
    + '  commands (non interactive mode):\n\n';
  for (const g of groups) {
    s += ` ${g.name} (help keyword '${g.keyword}')\n${commandLines(g)}\n`;
  }
  s += '\n  (specify help <group> for details about the commands in the group)\n';
  s += '\n  (specify help <command> for details about the command)\n\n';
  return s;
}
