/**
 * tsvirt's sasldb reader against files Cyrus's saslpasswd2 wrote: the same
 * records as sasldblistusers2 lists, in its order, and the passwords given.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSasldb } from '../../src/auth/sasl/sasldb.js';
import { readUserDb, UserDbError } from '../../src/auth/sasl/userdb.js';
import { requireOracles } from './oracle.js';
import { addCyrusUser, deleteCyrusUser, listCyrusUsers } from './sasldb-tools.js';

/** A listing in sasldblistusers2's form. */
const listing = (db: { properties(): { user: string; realm: string; property: string }[] }): string =>
  db.properties().map((p) => `${p.user}@${p.realm}: ${p.property}\n`).join('');

const REALMS = [undefined, 'realm.one', 'realm.two'] as const;
const USERS = 300;
const LONG_USER = 'u'.repeat(1500);
// saslpasswd2 reads at most 2048 bytes of password (PW_BUF_SIZE); more than a quarter page goes off-page.
const LONG_PASSWORD = 'p'.repeat(2000);

describe('Cyrus sasldb reader', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-sasldb-'));
  const db = join(dir, 'big.db');
  /** user@realm → password that the file must hold. */
  const expected = new Map<string, string>();
  const gone: [string, string][] = [];
  let ready = false;
  const realmOf = (r: string | undefined): string => r ?? hostname();

  before(() => {
    if (!requireOracles(null, 'sasldb')) return;
    for (let i = 0; i < USERS; i++) {
      const realm = REALMS[i % REALMS.length];
      addCyrusUser(db, `user${i}`, `pw${i}`, realm);
      expected.set(`user${i}@${realmOf(realm)}`, `pw${i}`);
    }
    // Items too big for a hash page go to overflow pages: a long name, a long password.
    addCyrusUser(db, LONG_USER, 'short', 'realm.one');
    expected.set(`${LONG_USER}@realm.one`, 'short');
    addCyrusUser(db, 'longpw', LONG_PASSWORD);
    expected.set(`longpw@${hostname()}`, LONG_PASSWORD);
    addCyrusUser(db, 'gone-long', LONG_PASSWORD, 'realm.two');
    // Deleted records leave their pages (and a freed overflow chain) behind.
    deleteCyrusUser(db, 'gone-long', 'realm.two');
    gone.push(['gone-long', 'realm.two']);
    for (let i = 0; i < USERS; i += 3) {
      const realm = REALMS[i % REALMS.length];
      deleteCyrusUser(db, `user${i}`, realm);
      expected.delete(`user${i}@${realmOf(realm)}`);
      gone.push([`user${i}`, realmOf(realm)]);
    }
    // Changing a password (no -c) rewrites the record in place.
    addCyrusUser(db, 'user1', 'changed', REALMS[1]);
    expected.set(`user1@${realmOf(REALMS[1])}`, 'changed');
    ready = true;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists what sasldblistusers2 lists, in its order, across pages, splits and realms', async (t) => {
    if (!requireOracles(t, 'sasldb') || !ready) return;
    const meta = readFileSync(db);
    assert.ok(meta.readUInt32LE(72) >= 2, 'the file has split past its first two buckets');
    const udb = await readUserDb(db);
    assert.equal(udb.format, 'cyrus');
    assert.equal(listing(udb), listCyrusUsers(db));
    assert.equal(udb.entries().length, expected.size);
  });

  it('finds every password saslpasswd2 stored, and none of the deleted users', async (t) => {
    if (!requireOracles(t, 'sasldb') || !ready) return;
    const udb = await readUserDb(db);
    for (const [who, pw] of expected) {
      const at = who.indexOf('@', who.startsWith('u'.repeat(10)) ? LONG_USER.length : 0);
      assert.equal(udb.lookup(who.slice(0, at), who.slice(at + 1)), pw, who.slice(0, 40));
    }
    for (const [user, realm] of gone) assert.equal(udb.lookup(user, realm), null, `${user}@${realm}`);
    assert.equal(udb.lookup('user1', 'no.such.realm'), null);
  });

  it('reads the same file re-written big-endian and with 512-byte pages', async (t) => {
    if (!requireOracles(t, 'sasldb', 'dbload') || !ready) return;
    const dump = spawnSync('/usr/bin/db5.3_dump', [db], { encoding: 'buffer' });
    assert.equal(dump.status, 0, String(dump.stderr));
    for (const [name, conf] of [['be.db', 'db_lorder=4321'], ['p512.db', 'db_pagesize=512']] as const) {
      const out = join(dir, name);
      const load = spawnSync('/usr/bin/db5.3_load', ['-c', conf, out], { input: dump.stdout });
      assert.equal(load.status, 0, String(load.stderr));
      const udb = await readUserDb(out);
      assert.equal(listing(udb), listCyrusUsers(out), name);
      assert.equal(udb.lookup('longpw', hostname()), LONG_PASSWORD, name);
    }
    assert.equal(readFileSync(join(dir, 'be.db')).readUInt32BE(12), 0x061561, 'big-endian magic');
  });

  it('reads an empty sasldb (every user deleted)', async (t) => {
    if (!requireOracles(t, 'sasldb') || !ready) return;
    const empty = join(dir, 'empty.db');
    addCyrusUser(empty, 'only', 'pw');
    deleteCyrusUser(empty, 'only');
    const udb = await readUserDb(empty);
    assert.equal(udb.format, 'cyrus');
    assert.deepEqual(udb.entries(), []);
    assert.equal(listCyrusUsers(empty), '');
  });

  describe('hostile files: an error naming the file, in bounded work', () => {
    /** A copy of the big file with `patch` applied, read by readUserDb: the error it gives. */
    const broken = async (name: string, patch: (b: Buffer) => Buffer): Promise<UserDbError> => {
      const out = join(dir, name);
      writeFileSync(out, patch(Buffer.from(readFileSync(db))));
      try {
        await readUserDb(out);
      } catch (e) {
        assert.ok(e instanceof UserDbError, String(e));
        assert.ok(e.message.startsWith(`${out}: `), e.message);
        return e;
      }
      assert.fail(`${name} was read without an error`);
    };
    const pageSize = (b: Buffer): number => b.readUInt32LE(20);
    /** The first page of bucket 0 (bucket + spares[0]). */
    const bucket0 = (b: Buffer): number => b.readUInt32LE(96);

    it('a page chain that loops back on itself', async (t) => {
      if (!requireOracles(t, 'sasldb') || !ready) return;
      const e = await broken('cycle.db', (b) => {
        const pg = bucket0(b);
        b.writeUInt32LE(pg, pg * pageSize(b) + 16);
        return b;
      });
      assert.match(e.message, /linked twice/);
    });

    it('a truncated file, a bucket past the end, an item offset out of its page', async (t) => {
      if (!requireOracles(t, 'sasldb') || !ready) return;
      assert.match((await broken('trunc.db', (b) => b.subarray(0, b.length - 100))).message, /not a multiple of the page size/);
      assert.match((await broken('bucket.db', (b) => { b.writeUInt32LE(0xffff, 96); return b; })).message, /outside the file/);
      assert.match((await broken('item.db', (b) => {
        b.writeUInt16LE(pageSize(b) + 10, bucket0(b) * pageSize(b) + 26);
        return b;
      })).message, /item 0 .* outside/);
      assert.match((await broken('pagesize.db', (b) => { b.writeUInt32LE(1000, 20); return b; })).message, /page size 1000/);
    });

    it('an overflow item longer than the file, a junk file, a short file', async (t) => {
      if (!requireOracles(t, 'sasldb') || !ready) return;
      const records = parseSasldb(readFileSync(db), db);
      assert.ok(records.some((r) => r.value.length === LONG_PASSWORD.length));
      // Find the H_OFFPAGE item of the long password and claim 4 GiB for it.
      const e = await broken('overflow.db', (b) => {
        const ps = pageSize(b);
        for (let at = ps; at < b.length; at += ps) {
          if (b[at + 25] !== 13) continue;
          for (let i = 0; i < b.readUInt16LE(at + 20); i++) {
            const off = at + b.readUInt16LE(at + 26 + 2 * i);
            if (b[off] === 3 && b.readUInt32LE(off + 8) === LONG_PASSWORD.length) {
              b.writeUInt32LE(0xffffffff, off + 8);
              return b;
            }
          }
        }
        throw new Error('no off-page password item found');
      });
      assert.match(e.message, /off-page item of 4294967295 bytes/);
      assert.match((await broken('junk.db', () => Buffer.from('junk\n'))).message, /not a tsvirt SASL user database/);
      assert.match((await broken('short.db', (b) => b.subarray(0, 100))).message, /shorter than a Berkeley DB meta page/);
    });
  });
});
