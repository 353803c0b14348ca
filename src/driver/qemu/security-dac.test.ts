import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../error-codes.js';
import {
  getRememberedLabel, hostBootTime, loadSecurityConfig, ownershipLabel, parseOwnershipIds, QemuSecurity, setRememberedLabel,
  type XattrOps,
} from './security-dac.js';

/** XattrOps over a map, for the refcount logic (security_util.c). */
function memXattrs(): XattrOps & { attrs: Map<string, string> } {
  const attrs = new Map<string, string>();
  const k = (p: string, n: string) => `${p}\0${n}`;
  return {
    attrs,
    async get(p, n) { return attrs.get(k(p, n)) ?? null; },
    async set(p, n, v) { attrs.set(k(p, n), v); },
    async remove(p, n) { attrs.delete(k(p, n)); },
    async lock() {},
    async unlock() {},
    async close() {},
  };
}

test('security config: privileged defaults are Debian\'s (libvirt-qemu, dynamic_ownership, remember_owner); session has none', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-dac-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'qemu.conf');
  const sess = loadSecurityConfig({ privileged: false, confFile: conf });
  assert.deepEqual([sess.user, sess.group, sess.dynamicOwnership, sess.rememberOwner, sess.primary], [-1, -1, false, false, 'none']);
  assert.deepEqual(new QemuSecurity(sess).secModels(), [{ model: 'none', doi: '0' }]);
  writeFileSync(conf, 'user = "+107"\ngroup = "+108"\ndynamic_ownership = 0\nremember_owner = 0\nsecurity_driver = "none"\n');
  const c = loadSecurityConfig({ privileged: true, confFile: conf });
  assert.deepEqual([c.user, c.group, c.dynamicOwnership, c.rememberOwner], [107, 108, false, false]);
  const sec = new QemuSecurity(c);
  assert.deepEqual(sec.secModels()[1], { model: 'dac', doi: '0', baselabels: [{ type: 'kvm', label: '+107:+108' }, { type: 'qemu', label: '+107:+108' }] });
  assert.deepEqual(sec.nodeModel(), { model: 'none', doi: '0' });
  assert.deepEqual(sec.spawnPrefix({ uid: 107, gid: 108 }).slice(1, 3), ['--reuid=107', '--regid=108']);
  writeFileSync(conf, 'security_driver = [ "none", "none" ]\n');
  assert.throws(() => loadSecurityConfig({ privileged: true, confFile: conf }), (e: { code: number }) => e.code === ErrorCode.CONF_SYNTAX);
  writeFileSync(conf, 'user = "no-such-user-here"\n');
  assert.throws(() => loadSecurityConfig({ privileged: true, confFile: conf }), /Failed to parse user 'no-such-user-here'/);
});

test('ownership labels read back as libvirt writes them', () => {
  assert.equal(ownershipLabel(999, 1001), '+999:+1001');
  assert.deepEqual(parseOwnershipIds('+0:+0'), { uid: 0, gid: 0 });
  assert.deepEqual(parseOwnershipIds('+5:+6'), { uid: 5, gid: 6 });
});

test('remembered owner: first user records it with the boot time, the last one gets it back', async () => {
  const x = memXattrs();
  const p = '/img';
  assert.equal(await setRememberedLabel(x, p, '+0:+0'), 1);
  assert.equal(x.attrs.get(`${p}\0trusted.libvirt.security.dac`), '+0:+0');
  assert.equal(x.attrs.get(`${p}\0trusted.libvirt.security.ref_dac`), '1');
  assert.equal(x.attrs.get(`${p}\0trusted.libvirt.security.timestamp_dac`), hostBootTime());
  // A second domain does not overwrite the original owner.
  assert.equal(await setRememberedLabel(x, p, '+999:+1001'), 2);
  assert.equal(x.attrs.get(`${p}\0trusted.libvirt.security.dac`), '+0:+0');
  assert.equal(await getRememberedLabel(x, p), null);
  assert.equal(x.attrs.get(`${p}\0trusted.libvirt.security.ref_dac`), '1');
  assert.equal(await getRememberedLabel(x, p), '+0:+0');
  assert.equal(x.attrs.size, 0);
  assert.equal(await getRememberedLabel(x, p), -2);
});

test('remembered owner from an earlier boot is stale: dropped, and the file starts over', async () => {
  const x = memXattrs();
  const p = '/img';
  await x.set(p, 'trusted.libvirt.security.dac', '+5:+5');
  await x.set(p, 'trusted.libvirt.security.ref_dac', '3');
  await x.set(p, 'trusted.libvirt.security.timestamp_dac', '12345');
  assert.equal(await getRememberedLabel(x, p), -2);
  assert.equal(x.attrs.size, 0);
  await x.set(p, 'trusted.libvirt.security.ref_dac', '3');
  assert.equal(await setRememberedLabel(x, p, '+0:+0'), 1);
  assert.equal(x.attrs.get(`${p}\0trusted.libvirt.security.dac`), '+0:+0');
});
