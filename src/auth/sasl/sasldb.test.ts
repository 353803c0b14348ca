import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerkeleyDb, parseSasldb, SasldbError } from './sasldb.js';

/** A 4096-byte page 0 with `magic` at offset 12, in either byte order. */
function metaWith(magic: number, isLE = true): Buffer {
  const b = Buffer.alloc(4096);
  if (isLE) b.writeUInt32LE(magic, 12);
  else b.writeUInt32BE(magic, 12);
  return b;
}

// The files saslpasswd2 writes are read in test/interop/sasldb.test.ts; here only what needs no Cyrus.
describe('sasldb reader without Cyrus', () => {
  it('knows Berkeley DB files by their magic, in either byte order', () => {
    assert.equal(isBerkeleyDb(metaWith(0x061561)), true);
    assert.equal(isBerkeleyDb(metaWith(0x061561, false)), true);
    assert.equal(isBerkeleyDb(metaWith(0x053162)), true);
    assert.equal(isBerkeleyDb(Buffer.from('# tsvirt sasldb 1\nYQ== YQ== YQ==\n')), false);
    assert.equal(isBerkeleyDb(Buffer.alloc(8)), false);
  });

  it('refuses a btree, a short file and a bad hash version, naming the file', () => {
    assert.throws(() => parseSasldb(metaWith(0x053162), '/x/db'), (e) => e instanceof SasldbError && /^\/x\/db: .*btree/.test(e.message));
    assert.throws(() => parseSasldb(Buffer.alloc(100), '/x/db'), /\/x\/db: not a sasldb \(100 bytes/);
    const b = metaWith(0x061561);
    b.writeUInt32LE(3, 16);
    assert.throws(() => parseSasldb(b, '/x/db'), /\/x\/db: corrupt sasldb: hash version 3/);
  });
});
