/**
 * The interactive shell on a real terminal, driven through tmux as a
 * person would type: prompt, history recall with the arrow keys, tab
 * completion, `connect --readonly` switching the prompt, `quit`, and the
 * history file written at the end. (The shell on a pipe is covered by the
 * differential test.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TSVIRSH } from './cli-cases.js';

function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

test('tsvirsh interactive shell in a terminal', async (t) => {
  if (!hasTmux()) {
    if (process.env['CI'] === 'true') assert.fail('CI=true but tmux is not installed');
    t.skip('tmux is not installed; terminal test skipped');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsvirsh-tty-'));
  const socket = join(dir, 'tmux.sock');
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'sh').stdout;
  const waitFor = async (what: string | RegExp, ms = 8000): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const s = screen();
      if (typeof what === 'string' ? s.includes(what) : what.test(s)) return s;
      if (Date.now() > end) assert.fail(`timed out waiting for ${String(what)}; screen:\n${s}`);
      await sleep(100);
    }
  };
  // Keys go one send-keys at a time: Node's readline takes a multi-key
  // chunk for a paste and completes nothing in it.
  const keys = async (...k: string[]) => {
    for (const key of k) {
      tmux('send-keys', '-t', 'sh', key);
      await sleep(150);
    }
  };
  t.after(() => {
    tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  });

  const cmd = `env XDG_CACHE_HOME='${dir}/cache' HOME='${dir}' LANG=C.UTF-8 '${process.execPath}' '${TSVIRSH}' `
    + `-c test:///default; echo EXIT=$?; sleep 60`;
  const started = tmux('new-session', '-d', '-s', 'sh', '-x', '100', '-y', '50', cmd);
  assert.equal(started.status, 0, started.stderr);

  let s = await waitFor('virsh #');
  assert.match(s, /^Welcome to virsh, the virtualization interactive terminal\.\n\nType:  'help' for help with commands\n       'quit' to quit\n\nvirsh #/);

  await keys('list --all', 'Enter');
  s = await waitFor(' 1    test   running');
  await keys('dominfo nope', 'Enter');
  s = await waitFor("error: failed to get domain 'nope'");

  // Up twice recalls 'list --all'.
  await keys('Up', 'Up', 'Enter');
  s = await waitFor(/running[\s\S]*failed to get domain[\s\S]*virsh # list --all\n Id   Name   State/);

  // Tab completes command names, then options.
  await keys('dominf', 'Tab');
  s = await waitFor('virsh # dominfo');
  await keys('C-u', 'domstate test --r', 'Tab', 'Enter');
  s = await waitFor('virsh # domstate test --reason\nrunning (unknown)');

  await keys('connect test:///default --readonly', 'Enter');
  s = await waitFor('virsh >');
  await keys('destroy test', 'Enter');
  s = await waitFor('error: operation forbidden: read only access prevents virDomainDestroy');

  await keys('quit', 'Enter');
  s = await waitFor('EXIT=0');
  assert.match(s, /virsh > quit\n\nEXIT=0/);

  const history = join(dir, 'cache/libvirt/virsh/history');
  assert.ok(existsSync(history), 'history file written');
  assert.deepEqual(readFileSync(history, 'utf8').split('\n'), [
    'list --all', 'dominfo nope', 'list --all', 'domstate test --reason',
    'connect test:///default --readonly', 'destroy test', 'quit', '',
  ]);
});
