/**
 * Where tsvirtd's QEMU driver puts a guest in the host's cgroups, against
 * a private stock libvirtd on the same host, one guest per daemon (with a
 * different name each: both daemons use the host's cgroup trees, and the
 * same name and id would give them one group):
 *
 * - the live XML's `<resource>` (libvirt's default partition /machine);
 * - /proc/PID/cgroup of QEMU and of each of its threads (the vCPU threads
 *   `CPU N/TCG|KVM` apart from the others), name and id normalised;
 * - the dirs made under each cgroup mount (the domain group, emulator and
 *   vcpuN subgroups) and, in a cgroup2 tree, their cgroup.type;
 * - the fields of `virsh domstats --cpu-total` (taken from the cgroup);
 * - tsvirtd killed with SIGKILL and started again finds the groups again:
 *   after `destroy` every group is gone, on both daemons;
 * - a written `<resource><partition>` that is relative or does not exist
 *   (only /machine is made): `virsh start` fails alike, nothing is left.
 *
 * Needs root, QEMU, libvirtd and virsh: outside CI a missing oracle, or a
 * guest that cannot be built, skips; under CI=true both fail.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { guestXml } from './qemu-harness.js';
import { qemuPair } from './qemu-pair.js';
import { machineName } from '../../src/driver/qemu/cgroup.js';

/** Names that libvirt's machine name rewrites (hostname characters only; no leading, doubled or trailing dots). */
const NAMES = { libvirtd: '_tsvirt..cg_lv-x..', tsvirtd: '_tsvirt..cg_td-x..' } as const;

/** The cgroup mounts of this host: /sys/fs/cgroup itself (unified) or its subdirs. */
function cgroupMounts(): string[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .filter((l) => / - cgroup2? /.test(l)).map((l) => l.split(' ')[4]!);
  return [...new Set(mounts)].sort();
}

/** The group name's part from the domain name (`qemu-ID-` + that + `.libvirt-qemu`). */
const groupPart = (name: string) => machineName(name, 0).slice('qemu-0-'.length);

/** The machine name's part of a path, and the ids: what differs by daemon. */
function norm(s: string, name: string): string {
  return s.replaceAll(`-${groupPart(name)}.libvirt-qemu`, '-<name>.libvirt-qemu').replace(/qemu-\d+-<name>/g, 'qemu-<id>-<name>');
}

/** QEMU's threads' cgroups: the vCPU threads by name, the rest as one set. */
function threadCgroups(pid: number, name: string): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let comm: string;
    let cg: string;
    try {
      comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      cg = norm(readFileSync(`/proc/${pid}/task/${tid}/cgroup`, 'utf8'), name);
    } catch {
      continue;
    }
    const key = /^CPU \d+\//.test(comm) ? comm.replace(/\/.*/, '') : tid === String(pid) ? 'main' : 'other';
    (out[key] ??= new Set()).add(cg);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/** Every dir (and a cgroup2 dir's type) under the mounts that names the domain's group. */
function groupDirs(name: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e);
      try { if (!statSync(p).isDirectory()) continue; } catch { continue; }
      if (p.includes(`-${groupPart(name)}.libvirt-qemu`)) {
        let type = '';
        try { type = ` (${readFileSync(join(p, 'cgroup.type'), 'utf8').trim()})`; } catch { /* v1 */ }
        out.push(norm(p, name) + type);
      }
      if (depth < 4) walk(p, depth + 1);
    }
  };
  for (const m of cgroupMounts()) walk(m, 1);
  return out.sort();
}

describe('QEMU cgroups: tsvirtd vs libvirtd', { timeout: 600_000 }, () => {
  const pair = qemuPair({ prefix: 'tsvirt-qemu-cgroup-test-' });

  it('places QEMU and its threads like libvirtd, finds the groups after kill -9, removes them at destroy', async (t) => {
    const env = pair.need(t);
    if (!env) return;
    const { lv, td, guest, tmp } = env;
    const sides = [
      { label: 'libvirtd', name: NAMES.libvirtd, virsh: lv.virsh, pid: () => lv.domainPid(NAMES.libvirtd) },
      { label: 'tsvirtd', name: NAMES.tsvirtd, virsh: td.virsh, pid: () => td.domainPid(NAMES.tsvirtd) },
    ] as const;
    for (const s of sides) {
      const dir = join(tmp, s.label);
      mkdirSync(dir, { mode: 0o711 });
      writeFileSync(join(dir, 'g.xml'), guestXml(s.name, { guest, vcpus: 2, channels: [] }));
      const d = await s.virsh('define', join(dir, 'g.xml'));
      assert.equal(d.status, 0, `${s.label}: ${d.stderr}`);
    }
    for (const s of sides) {
      const r = await s.virsh('start', s.name);
      assert.equal(r.status, 0, `${s.label}: ${r.stderr}`);
    }
    const [l, d] = await Promise.all(sides.map(async (s) => {
      const pid = s.pid();
      assert.ok(pid !== undefined, `${s.label}: no QEMU`);
      const xml = (await s.virsh('dumpxml', s.name)).stdout;
      const stats = (await s.virsh('domstats', '--cpu-total', s.name)).stdout;
      return {
        resource: /^ {2}<resource>[\s\S]*?^ {2}<\/resource>\n/m.exec(xml)?.[0] ?? '(none)',
        proc: norm(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), s.name),
        threads: threadCgroups(pid, s.name),
        dirs: groupDirs(s.name),
        stats: norm(stats, s.name).replaceAll(s.name, '<name>').replace(/=\d+$/gm, '=<n>'),
      };
    }));
    t.diagnostic(`libvirtd: ${JSON.stringify(l)}`);
    assert.deepEqual(d, l, 'tsvirtd (actual) vs libvirtd (expected)');
    assert.match(l!.resource, /<partition>\/machine<\/partition>/);
    assert.ok(l!.dirs.length > 0, 'libvirtd made no cgroup (or another group name than machineName says)');

    // tsvirtd comes back and must know its guest's groups again.
    await td.kill9();
    for (const s of sides) {
      const r = await s.virsh('destroy', s.name);
      assert.equal(r.status, 0, `${s.label}: ${r.stderr}`);
    }
    for (const s of sides) {
      assert.deepEqual(groupDirs(s.name), [], `${s.label}: groups left after destroy`);
      assert.ok(cgroupMounts().some((m) => existsSync(join(m, 'machine'))), 'the partition stays');
    }
  });

  it('refuses a relative or missing partition like libvirtd', async (t) => {
    const env = pair.need(t);
    if (!env) return;
    const { lv, td, guest, tmp } = env;
    const name = 'tsvirt-cg-part';
    // '/cpu.x' shows which names libvirt escapes; '/machine/…' that only /machine itself is made.
    for (const part of ['relative', '/tsvirt-cg-nope/sub', '/machine/tsvirt-cg-nope', '/cpu.x', '/_x']) {
      const xml = join(tmp, 'part.xml');
      writeFileSync(xml, guestXml(name, { guest, channels: [] })
        .replace('  <os>', `  <resource>\n    <partition>${part}</partition>\n  </resource>\n  <os>`));
      const [l, d] = await Promise.all([lv, td].map(async (s) => {
        const out = [await s.virsh('define', xml), await s.virsh('start', name), await s.virsh('domstate', name),
          await s.virsh('undefine', name)];
        return out.map((r) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr }));
      }));
      t.diagnostic(`${part}: ${l![1]!.stderr.trim()}`);
      assert.deepEqual(d, l, `partition ${part}: tsvirtd (actual) vs libvirtd (expected)`);
      assert.notEqual(l![1]!.status, 0, `libvirtd started a guest in ${part}`);
      assert.deepEqual(groupDirs(name), [], `groups of ${part}`);
    }
  });
});
