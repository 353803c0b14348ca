import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatUserDb, parseUserDb, readUserDb, UserDbError, userDbOf, writeUserDb } from './userdb.js';

describe('SASL user database', () => {
  it('round-trips any bytes in names and passwords', () => {
    const entries = [{ user: 'fred', realm: 'host.example', password: 'p a:s\ns' }, { user: 'ü ser', realm: '', password: '' }];
    assert.deepEqual(parseUserDb(formatUserDb(entries), 'x'), entries);
  });

  it('looks up by user and realm; a later entry wins', () => {
    const db = userDbOf('x', [{ user: 'a', realm: 'r', password: '1' }, { user: 'a', realm: 'r', password: '2' }]);
    assert.equal(db.lookup('a', 'r'), '2');
    assert.equal(db.lookup('a', 'other'), null);
    assert.equal(db.entries().length, 1);
  });

  it('names the file and line of a bad entry', () => {
    assert.throws(() => parseUserDb('not a db\n', '/etc/x'), (e) => e instanceof UserDbError && /\/etc\/x: not a tsvirt/.test(e.message));
    assert.throws(() => parseUserDb('# tsvirt sasldb 1\nYQ== YQ==\n', 'f'), /f:2: expected 3 fields, found 2/);
    assert.throws(() => parseUserDb('# tsvirt sasldb 1\nYQ== Y!Q YQ==\n', 'f'), /f:2: 'Y!Q' is not base64/);
  });

  it('reads a missing file as empty and writes mode 0600', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'userdb-'));
    const path = join(dir, 'db');
    assert.deepEqual((await readUserDb(path)).entries(), []);
    await writeFile(path, 'stale', { mode: 0o644 });
    await writeUserDb(path, [{ user: 'u', realm: 'r', password: 'pw' }]);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await readUserDb(path)).lookup('u', 'r'), 'pw');
    assert.match(await readFile(path, 'utf8'), /^# tsvirt sasldb 1\n/);
  });
});
