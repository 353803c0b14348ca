import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScramClient, ScramServer, type ScramHash } from './scram.js';
import { SaslError } from './mechanism.js';

interface Vector {
  hash: ScramHash; cnonce: string; snonce: string; salt: string;
  clientFirst: string; serverFirst: string; clientFinal: string; serverFinal: string;
}

// RFC 5802 §5 and RFC 7677 §3: user "user", password "pencil".
const VECTORS: Vector[] = [{
  hash: 'sha1', cnonce: 'fyko+d2lbbFgONRv9qkxdawL', snonce: '3rfcNHYJY1ZVvWVs7j', salt: 'QSXCR+Q6sek8bf92',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
}, {
  hash: 'sha256', cnonce: 'rOprNGfwEbeRWgbNEkqO', snonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0', salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
}];

const lookup = (user: string): string | null => (user === 'user' ? 'pencil' : null);

for (const v of VECTORS) {
  test(`${v.hash}: client matches the RFC exchange`, () => {
    const c = new ScramClient(v.hash, 'user', 'pencil', v.cnonce);
    assert.equal(c.start().toString(), v.clientFirst);
    assert.equal(c.step(Buffer.from(v.serverFirst))!.toString(), v.clientFinal);
    assert.equal(c.isComplete, false);
    assert.equal(c.step(Buffer.from(v.serverFinal)), null);
    assert.equal(c.isComplete, true);
  });

  test(`${v.hash}: server matches the RFC exchange`, () => {
    const s = new ScramServer(v.hash, lookup, 'realm', v.snonce, Buffer.from(v.salt, 'base64'), 4096);
    assert.equal(s.start(Buffer.from(v.clientFirst))!.toString(), v.serverFirst);
    assert.equal(s.step(Buffer.from(v.clientFinal))!.toString(), v.serverFinal);
    assert.equal(s.isComplete, true);
    assert.equal(s.username, 'user');
  });

  test(`${v.hash}: a forged server signature is refused by the client`, () => {
    const c = new ScramClient(v.hash, 'user', 'pencil', v.cnonce);
    c.start();
    c.step(Buffer.from(v.serverFirst));
    assert.throws(() => c.step(Buffer.from('v=AAAA')), SaslError);
    assert.equal(c.isComplete, false);
  });
}

test('wrong password and unknown user fail at the proof', () => {
  for (const [user, pass] of [['user', 'pen'], ['nobody', 'pencil']] as const) {
    const c = new ScramClient('sha256', user, pass);
    const s = new ScramServer('sha256', lookup, 'realm');
    const first = s.start(c.start());
    assert.ok(first && first.length > 0);
    assert.throws(() => s.step(c.step(first)), SaslError);
    assert.equal(s.isComplete, false);
  }
});

test('usernames with , and = are escaped', () => {
  const c = new ScramClient('sha1', 'a,b=c', 'x', 'n');
  assert.equal(c.start().toString(), 'n,,n=a=2Cb=3Dc,r=n');
  const s = new ScramServer('sha1', (u) => (u === 'a,b=c' ? 'x' : null), 'r');
  const cf = s.step(c.step(s.start(Buffer.from('n,,n=a=2Cb=3Dc,r=n'))));
  c.step(cf);
  assert.equal(c.isComplete, true);
  assert.equal(s.username, 'a,b=c');
});
