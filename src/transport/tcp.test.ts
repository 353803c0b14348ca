import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { planRemote } from '../driver/remote/plan.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { parseURI } from '../uri/index.js';
import { connectTransport } from './index.js';

async function listen(host: string): Promise<{ port: number; close(): void } | null> {
  const server = createServer((s) => s.pipe(s));
  try {
    server.listen(0, host);
    await once(server, 'listening');
  } catch {
    return null; // no such address family here
  }
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const s = await listen('127.0.0.1');
  s!.close();
  return s!.port;
}

describe('tcp transport', () => {
  it('connects and echoes; not secure', async (t) => {
    const srv = (await listen('127.0.0.1'))!;
    t.after(() => srv.close());
    const plan = planRemote(parseURI(`test+tcp://127.0.0.1:${srv.port}/default`), { flags: 0, env: {}, uid: 0 });
    const tr = await connectTransport(plan);
    t.after(() => tr.close());
    assert.equal(tr.kind, 'tcp');
    assert.equal(tr.secure, false);
    tr.stream.write('abc');
    const [chunk] = await once(tr.stream, 'data') as [Buffer];
    assert.equal(chunk.toString(), 'abc');
    assert.equal(tr.eofError().message, 'End of file while reading data: Input/output error');
  });

  it('IPv6 literal', async (t) => {
    const srv = await listen('::1');
    if (srv === null) {
      t.skip('no IPv6 loopback');
      return;
    }
    t.after(() => srv.close());
    const plan = planRemote(parseURI(`test+tcp://[::1]:${srv.port}/default`), { flags: 0, env: {}, uid: 0 });
    const tr = await connectTransport(plan);
    t.after(() => tr.close());
    tr.stream.write('v6');
    const [chunk] = await once(tr.stream, 'data') as [Buffer];
    assert.equal(chunk.toString(), 'v6');
  });

  it('words a refused connection as libvirt does', async () => {
    const port = await freePort();
    const plan = planRemote(parseURI(`qemu+tcp://127.0.0.1:${port}/system`), { flags: 0, env: {}, uid: 0 });
    await assert.rejects(connectTransport(plan), (e: unknown) => {
      assert.ok(e instanceof VirtError);
      assert.equal(e.code, ErrorCode.SYSTEM_ERROR);
      assert.equal(e.domain, ErrorDomain.RPC);
      assert.equal(e.message, `unable to connect to server at '127.0.0.1:${port}': Connection refused`);
      return true;
    });
  });

  it('tls: credentials are checked before connecting, with libvirt\'s error', async () => {
    const plan = planRemote(parseURI('test://localhost/default?pkipath=/nonexistent-pki'), { flags: 0, env: {}, uid: 0 });
    assert.equal(plan.transport, 'tls');
    await assert.rejects(connectTransport(plan), (e: unknown) => e instanceof VirtError &&
      e.code === ErrorCode.SYSTEM_ERROR && e.domain === ErrorDomain.RPC &&
      e.message === "Cannot read CA certificate '/nonexistent-pki/cacert.pem': No such file or directory");
  });

  it('an aborted signal stops before connecting', async () => {
    const plan = planRemote(parseURI('qemu+tcp://127.0.0.1:1/system'), { flags: 0, env: {}, uid: 0 });
    await assert.rejects(connectTransport(plan, { signal: AbortSignal.abort() }),
      (e: unknown) => e instanceof VirtError && e.code === ErrorCode.OPERATION_ABORTED);
  });
});
