/**
 * Worst-case valid input within the protocol's limits must not delay other
 * clients: a witness client keeps making cheap calls on its own connection
 * while another client sends the heaviest inputs a REMOTE_STRING_MAX
 * string (4 MiB) or a test host file (10 MiB) allows, one at a time and
 * pipelined. libvirtd runs such calls on worker threads, so its other
 * clients stay fast; tsvirtd has one event loop, so each call has to be
 * cheap enough. The bound is the fuzz run's: no witness call over 1 s.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remote } from '../../src/protocol/index.js';
import { RpcClient } from '../../src/rpc/index.js';
import { startTsvirtd, type Daemon } from '../interop/harness.js';

const WITNESS_MAX_MS = 1000;
const STRING_MAX = 4194304;

let daemon: Daemon;
let dir: string;

function client(): Promise<RpcClient> {
  return new Promise((resolve, reject) => {
    const s = createConnection(daemon.rwSocket, () => resolve(new RpcClient(s)));
    s.once('error', reject);
  });
}

async function opened(name = 'test:///default'): Promise<RpcClient> {
  const c = await client();
  await c.call(remote.connectOpen, { name, flags: 0 });
  return c;
}

/** A domain XML of about `size` bytes whose bulk is `fill(budget)`. */
function domainXml(name: string, fill: (budget: number) => string, size = STRING_MAX - 64): string {
  const head = `<domain type='test'><name>${name}</name><memory>1024</memory><os><type>hvm</type></os>`;
  const tail = '</domain>';
  return head + fill(size - head.length - tail.length) + tail;
}

const repeatTo = (unit: (i: number) => string, budget: number, open = '', close = ''): string => {
  const parts: string[] = [open];
  let used = open.length + close.length;
  for (let i = 0; ; i++) {
    const u = unit(i);
    if (used + u.length > budget) break;
    parts.push(u);
    used += u.length;
  }
  parts.push(close);
  return parts.join('');
};

/** The heaviest inputs, each a valid call the driver does real work for. */
const WORST: Array<{ name: string; xml: string }> = [
  { name: '4 MiB of text', xml: domainXml('w-text', (b) => `<description>${'t'.repeat(b - 27)}</description>`) },
  { name: 'one element with as many attributes as fit', xml: domainXml('w-attrs', (b) =>
    repeatTo((i) => ` a${i}='v'`, b, '<metadata><m:x xmlns:m="urn:x"', '/></metadata>')) },
  { name: 'as many elements as fit', xml: domainXml('w-elems', (b) =>
    repeatTo(() => '<e/>', b, '<metadata><m:x xmlns:m="urn:x">', '</m:x></metadata>')) },
  { name: 'entity and character references throughout', xml: domainXml('w-refs', (b) =>
    `<description>${repeatTo((i) => (i % 2 ? '&amp;' : '&#x41;'), b - 27)}</description>`) },
  { name: 'serial devices', xml: domainXml('w-serial', (b) =>
    repeatTo(() => "<serial type='pty'/>", b, '<devices>', '</devices>')) },
  { name: 'disks', xml: domainXml('w-disks', (b) =>
    repeatTo((i) => `<disk type='file' device='disk'><source file='/i/${i}'/><target dev='vd${diskName(i)}' bus='virtio'/></disk>`,
      b, '<devices>', '</devices>')) },
];

/** virDiskNameToIndex's inverse: 0 → a, 25 → z, 26 → aa. */
function diskName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(97 + ((n - 1) % 26)) + s;
  return s;
}

/**
 * Runs `load` while a witness calls every 20 ms; returns the witness's
 * worst latency. Any witness error fails the test.
 */
async function witnessDuring(load: () => Promise<void>): Promise<{ worst: number; calls: number }> {
  const w = await opened();
  let stop = false;
  let worst = 0;
  let calls = 0;
  const loop = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await w.call(remote.connectGetLibVersion, undefined);
      const { dom } = await w.call(remote.domainLookupByName, { name: 'test' });
      await w.call(remote.domainGetInfo, { dom });
      worst = Math.max(worst, performance.now() - t0);
      calls++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await load();
  } finally {
    stop = true;
    await loop;
    w.close();
  }
  return { worst, calls };
}

before(async () => {
  daemon = await startTsvirtd({ tcp: false });
  dir = mkdtempSync(join(tmpdir(), 'tsvirt-latency-'));
});

after(async () => {
  await daemon?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a witness client stays fast while another sends worst-case valid input', () => {
  for (const { name, xml } of WORST) {
    it(`${name} (${(xml.length / 1048576).toFixed(1)} MiB)`, async (t) => {
      assert.ok(xml.length <= STRING_MAX, `${xml.length} bytes`);
      const c = await opened();
      const { worst, calls } = await witnessDuring(async () => {
        const { dom } = await c.call(remote.domainDefineXML, { xml });
        await c.call(remote.domainCreate, { dom });
        await c.call(remote.domainGetXMLDesc, { dom, flags: 0 }).catch(() => { /* may exceed the string limit */ });
        await c.call(remote.domainDestroy, { dom });
        await c.call(remote.domainUndefine, { dom });
      });
      c.close();
      t.diagnostic(`witness: ${calls} rounds, worst ${worst.toFixed(0)} ms`);
      assert.ok(calls > 0, 'the witness made calls');
      assert.ok(worst < WITNESS_MAX_MS, `witness waited ${worst.toFixed(0)} ms`);
    });
  }

  it('five of them pipelined', async () => {
    const c = await opened();
    const text = WORST[0]!.xml;
    const { worst } = await witnessDuring(async () => {
      const r = await Promise.all(Array.from({ length: 5 }, (_, i) =>
        c.call(remote.domainDefineXML, { xml: text.replace('w-text', `w-pipe${i}`) })));
      await Promise.all(r.map(({ dom }) => c.call(remote.domainUndefine, { dom })));
    });
    c.close();
    assert.ok(worst < WITNESS_MAX_MS, `witness waited ${worst.toFixed(0)} ms`);
  });

  it('a 10 MiB test host file', async () => {
    const file = join(dir, 'host.xml');
    const pad = 'p'.repeat(10 * 1024 * 1024 - 400);
    writeFileSync(file, `<node><domain type='test'><name>big</name><description>${pad}</description>`
      + '<memory>1024</memory><os><type>hvm</type></os></domain></node>');
    const { worst } = await witnessDuring(async () => {
      const c = await opened(`test://${file}`);
      const { names } = await c.call(remote.connectListDefinedDomains, { maxnames: 10 });
      assert.ok(Array.isArray(names));
      c.close();
    });
    assert.ok(worst < WITNESS_MAX_MS, `witness waited ${worst.toFixed(0)} ms`);
  });
});
