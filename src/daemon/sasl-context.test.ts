import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PlainClient } from '../auth/sasl/index.js';
import { writeUserDb } from '../auth/sasl/userdb.js';
import {
  DEFAULT_SASLDB_PATH, isIdentityAllowed, loadSaslAppConfig, parseSaslAppConfig, SaslAuthFailure, SaslServerSession, type SaslContext,
} from './sasl-context.js';

const ctx = (mechList: string[] | null, sasldbPath = '/nonexistent', allowed: string[] | null = null): SaslContext =>
  ({ app: { mechList, sasldbPath }, allowedUsernames: allowed, realm: 'host' });

describe('Cyrus application config (libvirt.conf)', () => {
  test('mech_list in file order, upper-cased; sasldb_path; comments; defaults', () => {
    assert.deepEqual(parseSaslAppConfig('# x\nmech_list: scram-sha-1  DIGEST-md5,plain\nsasldb_path: /x/db\n'),
      { mechList: ['SCRAM-SHA-1', 'DIGEST-MD5', 'PLAIN'], sasldbPath: '/x/db' });
    assert.deepEqual(parseSaslAppConfig(''), { mechList: null, sasldbPath: DEFAULT_SASLDB_PATH });
  });

  test('SASL_CONF_PATH: the first directory holding libvirt.conf', () => {
    const a = mkdtempSync(join(tmpdir(), 'sasl-a-'));
    const b = mkdtempSync(join(tmpdir(), 'sasl-b-'));
    try {
      writeFileSync(join(b, 'libvirt.conf'), 'mech_list: plain\n');
      assert.deepEqual(loadSaslAppConfig({ SASL_CONF_PATH: `${a}:${b}` }).mechList, ['PLAIN']);
      assert.equal(loadSaslAppConfig({ SASL_CONF_PATH: a }).mechList, null);
    } finally {
      rmSync(a, { recursive: true });
      rmSync(b, { recursive: true });
    }
  });
});

describe('SaslServerSession', () => {
  test('offers the listed mechanisms it has; on plain TCP only those with a layer', () => {
    const c = ctx(['GSSAPI', 'PLAIN', 'DIGEST-MD5', 'SCRAM-SHA-256']);
    assert.equal(new SaslServerSession(c, true).mechlist, 'PLAIN,DIGEST-MD5,SCRAM-SHA-256');
    assert.equal(new SaslServerSession(c, false).mechlist, 'DIGEST-MD5');
    assert.equal(new SaslServerSession(ctx(['GSSAPI']), true).mechlist, '');
  });

  test('sasl_allowed_username_list: fnmatch patterns, none = everyone, empty = no one', () => {
    assert.ok(isIdentityAllowed(ctx(null, '', ['ad*', 'ops']), 'admin'));
    assert.ok(!isIdentityAllowed(ctx(null, '', ['ad*', 'ops']), 'bob'));
    assert.ok(isIdentityAllowed(ctx(null), 'bob'));
    assert.ok(!isIdentityAllowed(ctx(null, '', []), 'bob'));
  });

  test('re-reads the user database at each start; unknown mechanisms and refused users fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sasl-db-'));
    const db = join(dir, 'users');
    try {
      const c = ctx(null, db, ['alice']);
      const plain = (u: string, p: string): Buffer => new PlainClient(u, p).start();
      await assert.rejects(new SaslServerSession(c, true).start('PLAIN', plain('alice', 'pw')), SaslAuthFailure);
      await writeUserDb(db, [{ user: 'alice', realm: 'host', password: 'pw' }, { user: 'bob', realm: 'host', password: 'pw' }]);
      const s = new SaslServerSession(c, true);
      assert.deepEqual(await s.start('PLAIN', plain('alice', 'pw')), { complete: true, data: null });
      assert.equal(s.finish(), 'alice');
      const b = new SaslServerSession(c, true);
      await b.start('PLAIN', plain('bob', 'pw'));
      assert.throws(() => b.finish(), SaslAuthFailure);
      await assert.rejects(new SaslServerSession(c, true).start('GSSAPI', null), SaslAuthFailure);
      // An empty initial response is no response: PLAIN asks with an empty challenge.
      assert.deepEqual(await new SaslServerSession(c, true).start('PLAIN', Buffer.alloc(0)), { complete: false, data: Buffer.alloc(0) });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('fuzz finding: mechanism names match ignoring ASCII case only, as Cyrus does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sasl-db-'));
    const db = join(dir, 'users');
    try {
      await writeUserDb(db, [{ user: 'alice', realm: 'host', password: 'pw' }]);
      const c = ctx(null, db);
      const plain = new PlainClient('alice', 'pw').start();
      for (const mech of ['plain', 'Plain']) {
        const s = new SaslServerSession(c, true);
        assert.deepEqual(await s.start(mech, plain), { complete: true, data: null }, mech);
        assert.equal(s.finish(), 'alice');
      }
      const d = await new SaslServerSession(c, false).start('digest-md5', null);
      assert.equal(d.complete, false);
      // U+017F LATIN SMALL LETTER LONG S upper-cases to "S" in JavaScript, not in strcasecmp.
      await assert.rejects(new SaslServerSession(c, true).start('\u017fcram-sha-1', null), SaslAuthFailure);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
