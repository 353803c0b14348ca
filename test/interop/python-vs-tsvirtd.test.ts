/**
 * libvirt-python (/usr/bin/python3, the stock bindings over the stock
 * libvirt.so client) against tsvirtd and against a private stock libvirtd:
 * the same script runs against both, over TCP and over the unix socket,
 * and must print the same transcript (test/interop/python/*.py; each call
 * is one line, errors as code/domain/level/message).
 *
 * - api.py: open/openReadOnly and the read-only denials, domain listing and
 *   lookups, info/XML, lifecycle, define/undefine, networks, storage pools
 *   and volumes (on a host file, private to the connection), the
 *   screenshot stream (sha256 of the received bytes and the MIME type).
 * - events.py: lifecycle, reboot and network callbacks through
 *   virEventRegisterDefaultImpl, fired from the registering connection and
 *   from another one, on test:///default of a fresh daemon.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, lineDiff } from './cases.js';
import { ROOT, run, startLibvirtd, startTsvirtd, type Daemon, type RunResult } from './harness.js';
import { PYTHON, requireOracles } from './oracle.js';

const SCRIPTS = join(ROOT, 'test/interop/python');
const F = (n: string) => join(FIXTURES, n);

/** `test+tcp://127.0.0.1:PORT{path}` or `test+unix://{path}?socket=RW`: the scripts fill in {path}. */
function template(d: Daemon, transport: 'tcp' | 'unix'): string {
  return transport === 'tcp' ? d.tcpURI('{path}') : d.unixURI('{path}');
}

function show(r: RunResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

async function script(name: string, d: Daemon, transport: 'tcp' | 'unix', args: string[]): Promise<RunResult> {
  return run(PYTHON, [join(SCRIPTS, name), template(d, transport), ...args], { timeoutMs: 30_000 });
}

/** Runs `name` against a fresh tsvirtd and a fresh stock libvirtd and compares. */
async function compare(name: string, transport: 'tcp' | 'unix', args: string[], lastLine: string): Promise<void> {
  const [ts, lv] = await Promise.all([startTsvirtd(), startLibvirtd()]);
  try {
    const [ours, theirs] = await Promise.all([script(name, ts, transport, args), script(name, lv, transport, args)]);
    // The reference must have run to the end, or the comparison proves little.
    assert.equal(theirs.status, 0, `${name} against libvirtd:\n${show(theirs)}`);
    assert.ok(theirs.stdout.includes(lastLine) && !theirs.stdout.includes('TIMEOUT'), `${name} against libvirtd stopped early:\n${show(theirs)}`);
    assert.ok(ours.stdout === theirs.stdout,
      `${name} over ${transport}: - libvirtd (expected), + tsvirtd (actual)\n${lineDiff(theirs.stdout, ours.stdout)}\n--- python stderr against tsvirtd:\n${ours.stderr}`);
    assert.equal(ours.stderr, theirs.stderr);
    assert.equal(ours.status, theirs.status);
  } finally {
    await Promise.all([ts.stop(), lv.stop()]);
  }
}

describe('libvirt-python against tsvirtd prints what it prints against a stock libvirtd', () => {
  for (const transport of ['tcp', 'unix'] as const) {
    it(`api.py over ${transport}`, async (t) => {
      if (!requireOracles(t, 'python', 'libvirtd', 'unshare')) return;
      await compare('api.py', transport, [F('host.xml'), F('domain.xml'), F('network.xml')], '== close');
    });

    it(`events.py over ${transport}`, async (t) => {
      if (!requireOracles(t, 'python', 'libvirtd', 'unshare')) return;
      await compare('events.py', transport, [F('domain.xml')], '== events on ro');
    });
  }
});
