/**
 * virsh's command-line parser (vshCommandParse in tools/vsh.c): turns
 * tokens into commands with their options, fills positional options in
 * definition order, resolves option aliases and `--opt=value`, and
 * reports errors with virsh's exact texts. Two tokenizers feed it: the
 * argv one (each argument a token, no `;` splitting) and the string one
 * used for a single argument and in the interactive shell, with quoting,
 * escapes, `;`/newline separators and `#` comments.
 */
import { ParsedCommand, type CmdDef, type OptDef, type ParsedOpt } from './command.js';

type Token =
  | { kind: 'arg'; text: string }
  | { kind: 'end-cmd' }
  | { kind: 'end' }
  | { kind: 'error' };

interface Tokenizer {
  /** `report` is false where virsh suppresses tokenizer errors. */
  next(report: boolean): Token;
}

/** vshCommandArgvGetArg: every argument is one token. */
export class ArgvTokenizer implements Tokenizer {
  #i = 0;
  constructor(private readonly args: readonly string[]) {}
  next(): Token {
    if (this.#i >= this.args.length) return { kind: 'end' };
    return { kind: 'arg', text: this.args[this.#i++]! };
  }
}

/** vshCommandStringGetArg: shell-like words out of one string. */
export class StringTokenizer implements Tokenizer {
  #pos = 0;
  constructor(private readonly line: string, private readonly onError: (msg: string) => void) {}

  next(report: boolean): Token {
    const s = this.line;
    let p = this.#pos;
    while (s[p] === ' ' || s[p] === '\t' || (s[p] === '\\' && s[p + 1] === '\n')) p += s[p] === '\\' ? 2 : 1;
    if (p >= s.length) {
      this.#pos = p;
      return { kind: 'end' };
    }
    if (s[p] === ';' || s[p] === '\n') {
      this.#pos = p + 1;
      return { kind: 'end-cmd' };
    }
    if (s[p] === '#') {
      // A word starting with '#' comments out the rest of the line.
      while (p < s.length && s[p] !== '\n') p++;
      this.#pos = p < s.length ? p + 1 : p;
      return { kind: 'end-cmd' };
    }
    let single = false;
    let double = false;
    let out = '';
    while (p < s.length) {
      const c = s[p]!;
      if (!double && !single && (c === ' ' || c === '\t' || c === ';' || c === '\n')) break;
      if (!double && c === "'") {
        single = !single;
        p++;
        continue;
      } else if (!single && c === '\\') {
        // As in a shell: '\' escapes outside quotes and inside "", not in ''.
        p++;
        if (p >= s.length) {
          if (report) this.onError('dangling \\');
          return { kind: 'error' };
        } else if (s[p] === '\n') {
          p++;
          continue;
        }
      } else if (!single && c === '"') {
        double = !double;
        p++;
        continue;
      }
      out += s[p]!;
      p++;
    }
    if (double && report) {
      this.onError('missing "');
      return { kind: 'error' };
    }
    this.#pos = p;
    return { kind: 'arg', text: out };
  }
}

/** Finds a command by name (vshCmddefSearch). */
export type CommandLookup = (name: string) => CmdDef | undefined;

const HELP_OPT: OptDef = { name: 'help', type: 'bool', help: 'print help for this function' };

/**
 * vshCommandParse: all commands of the input, or null after printing the
 * error through `onError` (a syntax error discards every command).
 */
export function parseCommands(tok: Tokenizer, find: CommandLookup, onError: (msg: string) => void,
  debug: (level: number, msg: string) => void = () => {}): ParsedCommand[] | null {
  const result: ParsedCommand[] = [];
  for (;;) {
    let cmd: CmdDef | undefined;
    let opts: ParsedOpt[] = [];
    let dataOnly = false;
    let needArg: number[] = [];
    let required = new Set<number>();
    const seen = new Set<number>();
    let tk: Token;
    for (;;) {
      tk = tok.next(true);
      if (tk.kind === 'error') return null;
      if (tk.kind !== 'arg') break;
      const text = tk.text;
      let opt: OptDef | null = null;
      let data: string | null = null;
      if (!cmd) {
        if (text.startsWith('#')) {
          // A comment as the first word swallows the rest of this command.
          do tk = tok.next(false); while (tk.kind === 'arg');
          break;
        }
        cmd = find(text);
        if (!cmd) {
          onError(`unknown command: '${text}'`);
          return null;
        }
        needArg = [];
        required = new Set();
        cmd.options.forEach((o, i) => {
          if (o.type === 'bool' || o.type === 'alias') return;
          if (!o.reqOpt) needArg.push(i);
          if (o.required) required.add(i);
        });
        continue;
      }
      if (!dataOnly && text.startsWith('--') && isAlnum(text[2])) {
        let name = text.slice(2);
        let optstr: string | null = null;
        const eq = name.indexOf('=');
        if (eq >= 0) {
          optstr = name.slice(eq + 1);
          name = name.slice(0, eq);
        }
        const found = getOption(cmd, name, seen, optstr, onError);
        if (!found) {
          // 'help' ignores every option it does not know.
          if (cmd.name === 'help') continue;
          return null;
        }
        opt = found.opt;
        optstr = found.optstr;
        if (opt.type !== 'bool') {
          if (optstr !== null) {
            data = optstr;
          } else {
            tk = tok.next(true);
            if (tk.kind === 'error') return null;
            if (tk.kind !== 'arg') {
              onError(`expected syntax: --${opt.name} <${opt.type === 'int' ? 'number' : 'string'}>`);
              return null;
            }
            data = tk.text;
          }
          if (opt.type !== 'argv') needArg = needArg.filter((i) => i !== found.index);
        } else if (optstr !== null) {
          onError(`invalid '=' after option --${opt.name}`);
          return null;
        }
      } else if (!dataOnly && text === '--') {
        dataOnly = true;
        continue;
      } else {
        // Positional data fills the first option still needing a value.
        const i = needArg[0];
        if (i === undefined) {
          if (cmd.name === 'help') continue;
          onError(`unexpected data '${text}'`);
          return null;
        }
        opt = cmd.options[i]!;
        if (opt.type !== 'argv') needArg.shift();
        seen.add(i);
        data = text;
      }
      opts.push({ def: opt, data });
      debug(1, opt.type !== 'bool' ? `${cmd.name}: ${opt.name}(optdata): ${data}\n` : `${cmd.name}: ${opt.name}(bool): (none)\n`);
    }

    if (cmd) {
      let def = cmd;
      // '--help' anywhere turns the command into 'help <command>'.
      if (opts.some((o) => o.def.name === 'help')) {
        const help = find('help')!;
        opts = [{ def: help.options[0]!, data: cmd.name }];
        def = help;
        required = new Set();
      } else {
        let missing = false;
        cmd.options.forEach((o, i) => {
          if (!required.has(i) || seen.has(i)) return;
          missing = true;
          onError(o.type === 'data' || o.type === 'argv'
            ? `command '${cmd!.name}' requires <${o.name}> option`
            : `command '${cmd!.name}' requires --${o.name} option`);
        });
        if (missing) return null;
      }
      result.push(new ParsedCommand(def, opts));
    }
    if (tk.kind === 'end') break;
  }
  return result;
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9]$/.test(c);
}

/** vshCmddefGetOption: resolves aliases and rejects repeats. */
function getOption(cmd: CmdDef, name: string, seen: Set<number>, optstr: string | null,
  onError: (msg: string) => void): { opt: OptDef; index: number; optstr: string | null } | null {
  if (name === HELP_OPT.name) return { opt: HELP_OPT, index: -1, optstr };
  let wanted = name;
  const opts = cmd.options;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    if (o.name !== wanted) continue;
    if (o.type === 'alias') {
      const eq = o.help.indexOf('=');
      if (eq >= 0) {
        if (optstr !== null) {
          onError(`invalid '=' after option --${o.name}`);
          return null;
        }
        optstr = o.help.slice(eq + 1);
        wanted = o.help.slice(0, eq);
      } else {
        wanted = o.help;
      }
      continue;
    }
    if (seen.has(i) && o.type !== 'argv') {
      onError(`option --${wanted} already seen`);
      return null;
    }
    seen.add(i);
    return { opt: o, index: i, optstr };
  }
  if (cmd.name !== 'help') onError(`command '${cmd.name}' doesn't support option --${wanted}`);
  return null;
}
