import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { DigestMd5Client, DigestMd5Server } from './digest-md5.js';
import { SaslLayerStream } from './layer-stream.js';

/** Two in-memory pipes joined as the two ends of a connection. */
function pipePair(): [Duplex, Duplex] {
  const ab = new PassThrough(); const ba = new PassThrough();
  return [Duplex.from({ readable: ba, writable: ab }), Duplex.from({ readable: ab, writable: ba })];
}

function readN(s: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const on = (b: Buffer): void => {
      got.push(b);
      if (Buffer.concat(got).length >= n) { s.off('data', on); resolve(Buffer.concat(got)); }
    };
    s.on('data', on);
  });
}

test('plain until enable(), then DIGEST-MD5 rc4 both ways, large writes cut at maxOutBuf', async () => {
  const server = new DigestMd5Server({ lookup: () => 'pw', service: 'libvirt', realm: 'h', maxbuf: 1000 });
  const client = new DigestMd5Client({ username: 'u', password: 'pw', service: 'libvirt', host: 'h', ssf: { minSsf: 56, maxSsf: 256 } });
  client.step(server.step(client.step(server.start(client.start()))));
  const [a, b] = pipePair();
  const ca = new SaslLayerStream(a); const sb = new SaslLayerStream(b);
  ca.write(Buffer.from('clear'));
  assert.equal((await readN(sb, 5)).toString(), 'clear');
  ca.enable(client.layer!); sb.enable(server.layer!);
  const big = Buffer.alloc(5000, 7);
  const raw: Buffer[] = [];
  b.on('data', (x: Buffer) => raw.push(x));
  ca.write(big);
  assert.deepEqual(await readN(sb, 5000), big);
  // Cut into blobs within the server's maxbuf of 1000 (4-byte length excluded).
  let blobs = 0;
  const wire = Buffer.concat(raw);
  for (let at = 0; at < wire.length; blobs++) { const len = wire.readUInt32BE(at); assert.ok(len <= 1000); at += 4 + len; }
  assert.equal(blobs, Math.ceil(5000 / client.layer!.maxOutBuf));
  sb.write(Buffer.from('reply'));
  assert.equal((await readN(ca, 5)).toString(), 'reply');
  ca.destroy(); sb.destroy();
});
