/**
 * The QEMU driver's DAC security (issue 9): tsvirtd against a private stock
 * libvirtd 9.0 with Debian's defaults (user/group libvirt-qemu,
 * dynamic_ownership=1, remember_owner=1; the harness's security_driver='none'
 * keeps DAC as the secondary driver). One guest per daemon, each with its
 * own copies of kernel, initrd, a qcow2 disk and a read-only cdrom under a
 * 0711 dir. Compared while the guest runs: QEMU's Uid/Gid/Groups
 * (/proc/PID/status), owner, mode and `trusted.*` xattrs of every file
 * (read with python3's os.getxattr: no getfattr on the host), the
 * `<seclabel>` of dumpxml, virsh dominfo's Security lines, the
 * capabilities' `<secmodel>`s, and libvirt-python's getSecurityModel,
 * securityLabel and securityLabelList; after destroy, owners and xattrs
 * again (and the labels of the inactive domain).
 *
 * Needs root, QEMU, libvirtd, virsh and python3-libvirt: outside CI a missing
 * oracle, or a guest that cannot be built, skips; under CI=true both fail.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run, type RunResult } from './harness.js';
import { guestXml } from './qemu-harness.js';
import { qemuPair } from './qemu-pair.js';
import { PYTHON } from './oracle.js';

const NAME = 'tsvirt-dac';
const FILES = ['vmlinuz', 'initrd.gz', 'disk.qcow2', 'cdrom.iso'] as const;

interface Side {
  label: 'libvirtd' | 'tsvirtd';
  uri: string;
  dir: string;
  virsh(...args: string[]): Promise<RunResult>;
  domainPid(name: string): number | undefined;
}

/** Owner, mode and every xattr of a file, as one JSON line per file (python3's os.*xattr). */
async function fileFacts(paths: string[]): Promise<Record<string, unknown>> {
  const r = await run(PYTHON, ['-c', [
    'import json, os, sys',
    'out = {}',
    'for p in sys.argv[1:]:',
    '    st = os.stat(p)',
    '    out[os.path.basename(p)] = {"owner": "%d:%d" % (st.st_uid, st.st_gid), "mode": oct(st.st_mode & 0o7777),',
    '        "xattrs": {n: os.getxattr(p, n).decode() for n in sorted(os.listxattr(p))}}',
    'print(json.dumps(out, sort_keys=True))',
  ].join('\n'), ...paths]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** libvirt-python's view of the security labels. */
async function pyLabels(uri: string): Promise<string> {
  const r = await run(PYTHON, ['-c', [
    'import libvirt, sys',
    'c = libvirt.open(sys.argv[1])',
    `d = c.lookupByName('${NAME}')`,
    'print(c.getSecurityModel(), d.securityLabel(), d.securityLabelList())',
  ].join('\n'), uri]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function procIds(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /^(Uid|Gid|Groups):/.test(l)).join('\n');
}

const seclabels = (xml: string) => xml.split('\n').filter((l) => /seclabel|label>/.test(l)).join('\n');
const secLines = (out: string) => out.split('\n').filter((l) => l.startsWith('Security')).join('\n');
const secmodels = (caps: string) => (caps.match(/<secmodel>[\s\S]*?<\/secmodel>/g) ?? []).join('\n');

/**
 * libvirt computes the boot time once per process as round(now − uptime):
 * two daemons may disagree by a second. Checks that and masks it.
 */
function maskBootTime(a: Record<string, unknown>, b: Record<string, unknown>): [string, string] {
  const key = 'trusted.libvirt.security.timestamp_dac';
  const ta = JSON.stringify(a).match(new RegExp(`"${key.replace(/\./g, '\\.')}": ?"(\\d+)"`))?.[1];
  const tb = JSON.stringify(b).match(new RegExp(`"${key.replace(/\./g, '\\.')}": ?"(\\d+)"`))?.[1];
  if (ta !== undefined && tb !== undefined) assert.ok(Math.abs(Number(ta) - Number(tb)) <= 1, `boot times ${ta} and ${tb}`);
  const mask = (o: Record<string, unknown>) => JSON.stringify(o, null, 1).replace(/("trusted\.libvirt\.security\.timestamp_dac": )"\d+"/g, '$1"<boot>"');
  return [mask(a), mask(b)];
}

describe('QEMU driver DAC: tsvirtd against libvirtd', { timeout: 600_000 }, () => {
  const pair = qemuPair({ prefix: 'tsvirt-qemu-dac-test-', oracles: ['python'] });
  const tmp = pair.tmp;



  it('runs QEMU as libvirt-qemu and relabels, remembers and restores files as libvirtd does', async (t) => {
    const env = pair.need(t);
    if (!env) return;
    const { lv, td, guest } = env;
    const sides: Side[] = [
      { label: 'libvirtd', uri: lv.uri, dir: join(tmp, 'lv'), virsh: lv.virsh, domainPid: lv.domainPid },
      { label: 'tsvirtd', uri: td.uri, dir: join(tmp, 'td'), virsh: td.virsh, domainPid: td.domainPid },
    ];
    const g = guest;
    const paths = (s: Side) => FILES.map((f) => join(s.dir, f));
    // Each daemon its own files (QEMU locks images), all root:root 0644 first.
    await Promise.all(sides.map(async (s) => {
      mkdirSync(s.dir, { mode: 0o755 });
      copyFileSync(g.kernel, join(s.dir, 'vmlinuz'));
      copyFileSync(g.initrd, join(s.dir, 'initrd.gz'));
      const q = await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(s.dir, 'disk.qcow2'), '16M']);
      assert.equal(q.status, 0, q.stderr);
      writeFileSync(join(s.dir, 'cdrom.iso'), Buffer.alloc(1 << 20));
      for (const p of paths(s)) chmodSync(p, 0o644);
      const devices = [
        `    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n`
          + `      <source file='${join(s.dir, 'disk.qcow2')}'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>`,
        `    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n`
          + `      <source file='${join(s.dir, 'cdrom.iso')}'/>\n      <target dev='hdc' bus='ide'/>\n      <readonly/>\n    </disk>`,
      ].join('\n');
      const xml = guestXml(NAME, { kernel: join(s.dir, 'vmlinuz'), initrd: join(s.dir, 'initrd.gz'), devices });
      writeFileSync(join(s.dir, 'dom.xml'), xml);
      const d = await s.virsh('define', join(s.dir, 'dom.xml'));
      assert.equal(d.status, 0, `${s.label}: ${d.stderr}`);
    }));
    const [lvSide, tdSide] = sides as [Side, Side];
    const before = await Promise.all(sides.map((s) => fileFacts(paths(s))));
    assert.deepEqual(before[1], before[0]);

    for (const s of sides) {
      const r = await s.virsh('start', NAME);
      assert.equal(r.status, 0, `${s.label}: ${r.stderr}`);
    }
    // QEMU's credentials.
    const ids = sides.map((s) => {
      const pid = s.domainPid(NAME);
      assert.ok(pid !== undefined, `${s.label}: no QEMU for ${NAME}`);
      return procIds(pid);
    });
    assert.match(ids[0]!, /^Uid:\s+(\d+)\s+\1\s+\1\s+\1$/m);
    assert.doesNotMatch(ids[0]!, /^Uid:\s+0\s/m, 'stock QEMU runs as libvirt-qemu');
    assert.equal(ids[1], ids[0]);

    // Files while running: owner libvirt-qemu, original owner in xattrs (not for the read-only cdrom).
    const running = await Promise.all(sides.map((s) => fileFacts(paths(s))));
    assert.ok(JSON.stringify(running[0]).includes('trusted.libvirt.security.dac'), 'stock libvirtd remembers owners');
    const [rl, rt] = maskBootTime(running[0]!, running[1]!);
    assert.equal(rt, rl);

    // Live XML, dominfo, capabilities, libvirt-python.
    const [xl, xt] = await Promise.all(sides.map((s) => s.virsh('dumpxml', NAME)));
    assert.match(seclabels(xl!.stdout), /<seclabel type='dynamic' model='dac' relabel='yes'>/);
    assert.equal(seclabels(xt!.stdout), seclabels(xl!.stdout));
    const [il, it2] = await Promise.all(sides.map((s) => s.virsh('dominfo', NAME)));
    assert.match(secLines(il!.stdout), /^Security model:/m);
    assert.equal(secLines(it2!.stdout), secLines(il!.stdout));
    const [cl, ct] = await Promise.all(sides.map((s) => s.virsh('capabilities')));
    assert.match(secmodels(cl!.stdout), /<model>dac<\/model>/);
    assert.equal(secmodels(ct!.stdout), secmodels(cl!.stdout));
    const [pl, pt] = await Promise.all([pyLabels(lvSide.uri), pyLabels(tdSide.uri)]);
    assert.equal(pt, pl);

    // After destroy: owners back from the xattrs, xattrs gone; the cdrom keeps libvirt-qemu.
    for (const s of sides) {
      const r = await s.virsh('destroy', NAME);
      assert.equal(r.status, 0, `${s.label}: ${r.stderr}`);
    }
    const afterStop = await Promise.all(sides.map((s) => fileFacts(paths(s))));
    assert.equal(JSON.stringify(afterStop[1], null, 1), JSON.stringify(afterStop[0], null, 1));
    assert.equal((afterStop[0] as Record<string, { owner: string }>)['vmlinuz']!.owner, '0:0');
    const [ql, qt] = await Promise.all([pyLabels(lvSide.uri), pyLabels(tdSide.uri)]);
    assert.equal(qt, ql);
    assert.equal(statSync(join(tdSide.dir, 'disk.qcow2')).uid, 0);
  });
});
