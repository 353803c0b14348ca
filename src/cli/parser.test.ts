import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScaled, strToLong, type CmdDef } from './command.js';
import { ArgvTokenizer, parseCommands, StringTokenizer } from './parser.js';

const noop = async () => true;
const defs: CmdDef[] = [
  {
    name: 'setmem', help: '', desc: '', run: noop,
    options: [
      { name: 'domain', type: 'data', help: '', required: true },
      { name: 'kilobytes', type: 'alias', help: 'size' },
      { name: 'size', type: 'int', help: '', required: true },
      { name: 'config', type: 'bool', help: '' },
    ],
  },
  {
    name: 'echo', help: '', desc: '', run: noop,
    options: [
      { name: 'hi', type: 'alias', help: 'string=hello' },
      { name: 'string', type: 'argv', help: '' },
    ],
  },
  { name: 'help', help: '', desc: '', run: noop, options: [{ name: 'command', type: 'string', help: '' }] },
];
const find = (n: string) => defs.find((d) => d.name === n);

function parseLine(line: string) {
  const errors: string[] = [];
  const cmds = parseCommands(new StringTokenizer(line, (m) => errors.push(m)), find, (m) => errors.push(m));
  return { cmds: cmds?.map((c) => [c.name, ...c.opts.map((o) => `${o.def.name}=${o.data}`)]) ?? null, errors };
}

test('the string tokenizer quotes and escapes as virsh does', () => {
  assert.deepEqual(parseLine(`echo "a b" c\\ d 'e "f' "g\\"h" #x`).cmds,
    [['echo', 'string=a b', 'string=c d', 'string=e "f', 'string=g"h']]);
  assert.deepEqual(parseLine('echo a;echo b\n  echo c # comment\necho d').cmds,
    [['echo', 'string=a'], ['echo', 'string=b'], ['echo', 'string=c'], ['echo', 'string=d']]);
  assert.deepEqual(parseLine('echo "open').errors, ['missing "']);
  assert.deepEqual(parseLine('echo a\\').errors, ['dangling \\']);
});

test('positional data fills options in order; aliases and --opt=value resolve', () => {
  assert.deepEqual(parseLine('setmem web 512M --config').cmds, [['setmem', 'domain=web', 'size=512M', 'config=null']]);
  assert.deepEqual(parseLine('setmem --kilobytes=100 web').cmds, [['setmem', 'size=100', 'domain=web']]);
  assert.deepEqual(parseLine('echo --hi').cmds, [['echo', 'string=hello']]);
  assert.deepEqual(parseLine('setmem -- --web 5').cmds, [['setmem', 'domain=--web', 'size=5']]);
});

test('syntax errors have virsh texts and discard every command', () => {
  assert.deepEqual(parseLine('echo a; nope').errors, ["unknown command: 'nope'"]);
  assert.equal(parseLine('echo a; nope').cmds, null);
  assert.deepEqual(parseLine('setmem').errors,
    ["command 'setmem' requires <domain> option", "command 'setmem' requires --size option"]);
  assert.deepEqual(parseLine('setmem a 1 2').errors, ["unexpected data '2'"]);
  assert.deepEqual(parseLine('setmem a 1 --config --config').errors, ['option --config already seen']);
  assert.deepEqual(parseLine('setmem a 1 --config=yes').errors, ["invalid '=' after option --config"]);
  assert.deepEqual(parseLine('setmem a --size').errors, ['expected syntax: --size <number>']);
  assert.deepEqual(parseLine('setmem a 1 --bogus').errors, ["command 'setmem' doesn't support option --bogus"]);
  assert.deepEqual(parseLine('echo --hi=x').errors, ["invalid '=' after option --hi"]);
});

test('--help turns any command into help for it', () => {
  assert.deepEqual(parseLine('setmem --help').cmds, [['help', 'command=setmem']]);
});

test('argv tokens are never split on ;', () => {
  const errors: string[] = [];
  const cmds = parseCommands(new ArgvTokenizer(['echo', 'a;', 'b']), find, (m) => errors.push(m));
  assert.deepEqual(cmds?.map((c) => c.argv()), [['a;', 'b']]);
});

test('numbers parse like virStrToLong_* and virScaleInteger', () => {
  assert.equal(strToLong(' 42', { signed: true, bits: 32 }), 42n);
  assert.equal(strToLong('42x', { signed: true, bits: 32 }), null);
  assert.equal(strToLong('2147483648', { signed: true, bits: 32 }), null);
  assert.equal(strToLong('-1', { signed: false, bits: 32 }), 0xffffffffn);
  assert.equal(strToLong('-1', { signed: false, bits: 32, rejectNegative: true }), null);
  assert.equal(parseScaled('512M', 1024n, (1n << 64n) - 1n), 512n * 1024n * 1024n);
  assert.equal(parseScaled('1000', 1024n, (1n << 64n) - 1n), 1024000n);
  assert.equal(parseScaled('2KB', 1n, (1n << 64n) - 1n), 2000n);
  const bad = parseScaled('5X', 1024n, (1n << 64n) - 1n);
  assert.ok(bad instanceof Error);
  assert.equal((bad as Error).message, "invalid argument: unknown suffix 'X'");
  const big = parseScaled('99999999T', 1024n, (1n << 64n) - 1n);
  assert.equal((big as Error).message, 'numerical overflow: value too large: 99999999T');
  assert.equal(parseScaled('-5', 1024n, 100n), null);
});
