import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestMd5Client, DigestMd5Server, parseDirectives, type DigestCipher } from './digest-md5.js';
import { SaslError } from './mechanism.js';

// RFC 2831 §4, first example (IMAP): chris / secret.
const CHALLENGE = 'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8';

test('RFC 2831 §4 example: client response and rspauth', () => {
  const c = new DigestMd5Client({ username: 'chris', password: 'secret', service: 'imap', host: 'elwood.innosoft.com', cnonce: 'OA6MHXh6VqTrRk' });
  assert.equal(c.start(), null);
  const r = parseDirectives(c.step(Buffer.from(CHALLENGE))!.toString());
  assert.equal(r.get('response'), 'd388dad90d4bbd760a152321f2143af7');
  assert.equal(r.get('digest-uri'), 'imap/elwood.innosoft.com');
  assert.equal(r.get('qop'), 'auth');
  assert.deepEqual(c.step(Buffer.from('rspauth=ea40f60335c427b5527b84dbabcdfffd')), Buffer.alloc(0));
  assert.equal(c.isComplete, true);
  assert.equal(c.layer, null);
});

test('RFC 2831 §4 example: server checks the response and answers rspauth', () => {
  const s = new DigestMd5Server({ lookup: (u, realm) => (u === 'chris' && realm === 'elwood.innosoft.com' ? 'secret' : null),
    service: 'imap', realm: 'elwood.innosoft.com', nonce: 'OA6MG9tEQGm2hh' });
  s.start(null);
  const resp = 'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,' +
    'cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth';
  assert.equal(s.step(Buffer.from(resp))!.toString(), 'rspauth=ea40f60335c427b5527b84dbabcdfffd');
  assert.equal(s.isComplete, true);
  assert.equal(s.username, 'chris');
  assert.throws(() => new DigestMd5Server({ lookup: () => 'other', service: 'imap', realm: 'elwood.innosoft.com', nonce: 'OA6MG9tEQGm2hh' })
    .step(Buffer.from(resp)), SaslError);
});

test('quoted strings with escapes and repeated realms parse', () => {
  const d = parseDirectives(' realm="a",realm="b" , nonce="x\\"y",qop="auth,auth-int"');
  assert.equal(d.get('nonce'), 'x"y');
  assert.equal(d.get('realm'), 'a\0b');
  assert.equal(d.get('qop'), 'auth,auth-int');
});

function pair(ssf: { minSsf: number; maxSsf: number }, password = 'pw') {
  const server = new DigestMd5Server({ lookup: (u) => (u === 'joe' ? 'pw' : null), service: 'libvirt', realm: 'host', ssf: { minSsf: 0, maxSsf: 256 } });
  const client = new DigestMd5Client({ username: 'joe', password, service: 'libvirt', host: 'host', ssf });
  const response = client.step(server.start(client.start()));
  client.step(server.step(response));
  return { client, server };
}

for (const [range, want] of [
  [{ minSsf: 56, maxSsf: 256 }, 128], // Cyrus's pick: rc4
  [{ minSsf: 56, maxSsf: 112 }, 112], // 3des
  [{ minSsf: 0, maxSsf: 55 }, 55], // des
  [{ minSsf: 0, maxSsf: 40 }, 40], // rc4-40
  [{ minSsf: 1, maxSsf: 1 }, 1], // auth-int
] as const) {
  test(`security layer with SSF ${want} round-trips both ways, many messages`, () => {
    const { client, server } = pair(range);
    assert.equal(client.isComplete && server.isComplete, true);
    assert.equal(client.layer!.ssf, want);
    assert.equal(server.layer!.ssf, want);
    for (let i = 0; i < 20; i++) {
      const msg = Buffer.alloc(i * 37 + 1, i);
      assert.deepEqual(server.layer!.decode(client.layer!.encode(msg)), msg);
      assert.deepEqual(client.layer!.decode(server.layer!.encode(msg)), msg);
    }
    // Blobs split at every byte still decode.
    const blob = Buffer.concat([client.layer!.encode(Buffer.from('hello')), client.layer!.encode(Buffer.from('world'))]);
    const parts: Buffer[] = [];
    for (const b of blob) parts.push(server.layer!.decode(Buffer.from([b])));
    assert.equal(Buffer.concat(parts).toString(), 'helloworld');
  });
}

test('tampered or replayed blobs are refused', () => {
  const { client, server } = pair({ minSsf: 56, maxSsf: 256 });
  const blob = client.layer!.encode(Buffer.from('x'));
  const bad = Buffer.from(blob); bad[5]! ^= 1;
  assert.throws(() => server.layer!.decode(bad), SaslError);
  const { client: c2, server: s2 } = pair({ minSsf: 1, maxSsf: 1 });
  const b2 = c2.layer!.encode(Buffer.from('x'));
  s2.layer!.decode(b2);
  assert.throws(() => s2.layer!.decode(b2), SaslError);
});

test('wrong password fails at the server', () => {
  assert.throws(() => pair({ minSsf: 0, maxSsf: 256 }, 'nope'), SaslError);
});
