import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientLog } from './client-log.js';
import { LogPriority } from './log-format.js';

const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: \d+: (\w+) : (.*)$/;

function capture(env: NodeJS.ProcessEnv, priority: LogPriority, message: string): string[] {
  const out: string[] = [];
  clientLog(priority, message, { env, write: (t) => out.push(t) });
  return out.join('').split('\n').filter((l) => l !== '').map((l) => {
    const m = LINE.exec(l);
    assert.ok(m, l);
    return `${m[1]} : ${m[2]}`;
  });
}

describe('client log (libvirt client library defaults)', () => {
  it('warnings go to stderr by default, after the version and hostname lines, which come once', () => {
    const first = capture({}, LogPriority.WARN, 'Certificate check failed x');
    assert.equal(first.length, 3);
    assert.match(first[0]!, /^info : libvirt version: \d+\.\d+\.\d+, package: tsvirt$/);
    assert.match(first[1]!, /^info : hostname: /);
    assert.equal(first[2], 'warning : Certificate check failed x');
    assert.deepEqual(capture({}, LogPriority.WARN, 'again'), ['warning : again']);
    assert.deepEqual(capture({}, LogPriority.INFO, 'below the default level'), []);
  });

  it('LIBVIRT_DEBUG sets the level; LIBVIRT_LOG_OUTPUTS without a stderr output silences it', () => {
    assert.deepEqual(capture({ LIBVIRT_DEBUG: 'error' }, LogPriority.WARN, 'w'), []);
    assert.deepEqual(capture({ LIBVIRT_DEBUG: '4' }, LogPriority.WARN, 'w'), []);
    assert.deepEqual(capture({ LIBVIRT_DEBUG: '2' }, LogPriority.INFO, 'i'), ['info : i']);
    assert.deepEqual(capture({ LIBVIRT_LOG_OUTPUTS: '1:file:/dev/null' }, LogPriority.WARN, 'w'), []);
    assert.deepEqual(capture({ LIBVIRT_LOG_OUTPUTS: '4:stderr' }, LogPriority.WARN, 'w'), []);
    assert.deepEqual(capture({ LIBVIRT_LOG_OUTPUTS: '1:stderr' }, LogPriority.WARN, 'w'), ['warning : w']);
  });
});
