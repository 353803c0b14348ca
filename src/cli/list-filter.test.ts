import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtError } from '../errors.js';
import { filterList, yesNoFilter } from './list-filter.js';
import { Shell } from './shell.js';

class Obj {
  freed = false;
  constructor(readonly name: string, readonly persistent: boolean | 'fail', readonly autostart: boolean) {}
  free(): void { this.freed = true; }
}

function shell(): { ctl: Shell; err: string[] } {
  const err: string[] = [];
  const ctl = new Shell([], {
    stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) },
    stdin: process.stdin, env: {},
  });
  return { ctl, err };
}

const P = 1;
const T = 2;
const A = 4;
const N = 8;
const FILTERS = [
  yesNoFilter<Obj>(P, T, 'Failed to get persistence info', async (o) => {
    if (o.persistent === 'fail') throw new VirtError(42, 'gone', 0);
    return o.persistent;
  }),
  yesNoFilter<Obj>(A, N, 'Failed to get autostart state', async (o) => o.autostart),
];

test('keeps what matches every filter the flags turn on, frees the rest', async () => {
  const { ctl } = shell();
  const list = [new Obj('a', true, true), new Obj('b', false, true), new Obj('c', true, false)];
  const kept = await filterList(ctl, list, P | A, FILTERS);
  assert.deepEqual(kept?.map((o) => o.name), ['a']);
  assert.deepEqual(list.map((o) => o.freed), [false, true, true]);
  // No filter bits: everything stays.
  const all = [new Obj('x', 'fail', false)];
  assert.deepEqual((await filterList(ctl, all, 0, FILTERS))?.map((o) => o.name), ['x']);
});

test('a failed question reports virsh\'s message and frees everything', async () => {
  const { ctl, err } = shell();
  const list = [new Obj('a', true, true), new Obj('b', 'fail', true), new Obj('c', true, true)];
  assert.equal(await filterList(ctl, list, P | T, FILTERS), null);
  assert.deepEqual(err, ['error: Failed to get persistence info\n']);
  assert.ok(list.every((o) => o.freed));
});
