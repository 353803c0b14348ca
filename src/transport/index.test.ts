import assert from 'node:assert/strict';
import { isAbsolute } from 'node:path';
import { describe, it } from 'node:test';
import { DAEMON_NODE_FLAGS } from '../util/daemon-launch.js';
import { defaultDaemonCommand } from './index.js';

describe('connectTransport defaults', () => {
  it('starts bin/tsvirtd.cjs of this checkout with this node and the daemon\'s flags', () => {
    const cmd = defaultDaemonCommand();
    const [node, script] = [cmd[0], cmd.at(-1)];
    assert.equal(node, process.execPath);
    assert.deepEqual(cmd.slice(1, -1), DAEMON_NODE_FLAGS);
    assert.ok(isAbsolute(script!));
    assert.match(script!, /\/bin\/tsvirtd\.cjs$/);
  });
});
