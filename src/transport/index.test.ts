import assert from 'node:assert/strict';
import { isAbsolute } from 'node:path';
import { describe, it } from 'node:test';
import { defaultDaemonCommand } from './index.js';

describe('connectTransport defaults', () => {
  it('starts bin/tsvirtd.cjs of this checkout with this node', () => {
    const [node, script] = defaultDaemonCommand();
    assert.equal(node, process.execPath);
    assert.ok(isAbsolute(script!));
    assert.match(script!, /\/bin\/tsvirtd\.cjs$/);
  });
});
