/**
 * The generator's paths reach the daemon as root: whatever they resolve to
 * from any working directory must be a scratch place, never a system file.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { TRAVERSAL } from './generate.js';

test('the traversal path lands in /tmp from any working directory', () => {
  for (const cwd of ['/', '/work', '/work/main', '/tmp/ci-clone3', '/check/work/main/dist/test', '/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o']) {
    assert.equal(resolve(cwd, TRAVERSAL), '/tmp/tsvirt-fuzz-traversal', cwd);
  }
});
