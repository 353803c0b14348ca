/**
 * tsvirtd on the very sasldb libvirtd uses: a Berkeley DB file made by
 * Cyrus's saslpasswd2, named by sasldb_path in libvirt.conf. Stock virsh
 * logs in with SCRAM-SHA-256 and PLAIN on the unix socket; users that
 * saslpasswd2 adds or deletes while tsvirtd runs count at the next login.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../../src/util/daemon-launch.js';
import { run, startDaemon, TSVIRTD, type Daemon } from './harness.js';
import { requireOracles } from './oracle.js';
import { addCyrusUser, deleteCyrusUser } from './sasldb-tools.js';

const ORACLES = ['virsh', 'sasl', 'sasldb'] as const;

describe('tsvirtd authenticates against a sasldb made by saslpasswd2', { timeout: 120_000 }, () => {
  let dir = '';
  let db = '';
  let d: Daemon | null = null;

  before(async () => {
    if (!requireOracles(null, ...ORACLES)) return;
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-sasldb-daemon-'));
    db = join(dir, 'passwd.db');
    addCyrusUser(db, 'alice', 'alice pw');
    // Enough other users for several pages, so alice is not simply the first record.
    for (let i = 0; i < 60; i++) addCyrusUser(db, `filler${i}`, `pw${i}`);
    writeFileSync(join(dir, 'libvirt.conf'), `mech_list: scram-sha-256 plain\nsasldb_path: ${db}\n`);
    d = await startDaemon('tsvirtd', 'tsvirt-tsvirtd-', (c, pidFile) => ({
      cmd: process.execPath,
      args: [...DAEMON_NODE_FLAGS, TSVIRTD, '-f', c, '-p', pidFile],
      env: daemonEnv({ ...process.env, TSVIRTD_DRIVERS: 'test', SASL_CONF_PATH: dir }),
    }), { tcp: false, conf: { auth_unix_rw: 'sasl', auth_unix_ro: 'sasl' } });
  });
  after(async () => {
    await d?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `virsh -c URI list --all --name` as user/password from an auth.conf. */
  async function login(user: string, password: string, mech: string): Promise<{ status: number | null; stderr: string }> {
    const file = join(dir, `auth-${user}-${mech}.conf`);
    writeFileSync(file, `[credentials-t]\nauthname=${user}\npassword=${password}\n[auth-libvirt-localhost]\ncredentials=t\n`);
    const r = await run('virsh', ['-c', `${d!.unixURI()}&auth=sasl.${mech}`, 'list --all --name'], { env: { LIBVIRT_AUTH_FILE: file }, input: '' });
    return { status: r.status, stderr: r.stderr };
  }

  for (const mech of ['SCRAM-SHA-256', 'PLAIN']) {
    it(`${mech}: the right password logs in, a wrong one does not`, async (t) => {
      if (!requireOracles(t, ...ORACLES) || !d) return;
      assert.deepEqual(await login('alice', 'alice pw', mech), { status: 0, stderr: '' });
      const bad = await login('alice', 'wrong', mech);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /authentication failed/);
    });
  }

  it('a user saslpasswd2 adds while tsvirtd runs logs in; one it deletes no longer does', async (t) => {
    if (!requireOracles(t, ...ORACLES) || !d) return;
    assert.equal((await login('carol', 'carol pw', 'SCRAM-SHA-256')).status, 1);
    addCyrusUser(db, 'carol', 'carol pw');
    assert.deepEqual(await login('carol', 'carol pw', 'SCRAM-SHA-256'), { status: 0, stderr: '' });
    deleteCyrusUser(db, 'carol');
    assert.equal((await login('carol', 'carol pw', 'SCRAM-SHA-256')).status, 1);
  });
});
