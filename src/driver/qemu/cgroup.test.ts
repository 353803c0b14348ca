/**
 * cgroup.ts on host layouts this machine does not have: a unified-only
 * (cgroup v2) host and a v1-only one, as fake cgroup trees in a temp dir
 * (plain dirs and files, so only what the code writes is checked; the
 * kernel's side — thread moves, removal — is exercised against libvirtd on
 * this hybrid host by test/interop/qemu-cgroup.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseDomainXml } from '../../conf/domain-def.js';
import { formatDomainDef } from '../../conf/domain-def.js';
import { qemuXMLOption } from './domain-conf.js';
import { detectHierarchies, placeDomain, placeThreads, preparePartition } from './cgroup.js';

const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-cgroup-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const xmlopt = qemuXMLOption(() => undefined, () => false);

function def(resource = '') {
  return parseDomainXml(`<domain type='qemu'><name>g.1_x</name><memory>131072</memory><vcpu>2</vcpu>${resource}
    <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices/></domain>`, xmlopt);
}

/** A mountinfo line for a cgroup mount. */
const line = (n: number, mount: string, fstype: string, opts: string) =>
  `${n} 1 0:${n} / ${mount} rw,nosuid - ${fstype} cgroup ${opts}`;

test('a unified-only host: one v2 hierarchy with cpuacct, devices and what its root offers (io is blkio)', () => {
  const root = join(tmp, 'v2');
  mkdirSync(root);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  const mi = join(tmp, 'mountinfo-v2');
  writeFileSync(mi, `${line(30, root, 'cgroup2', 'rw,nsdelegate')}\n`);
  const hs = detectHierarchies(mi);
  assert.deepEqual(hs.map((h) => ({ ...h, controllers: [...h.controllers].sort() })),
    [{ version: 2, mount: root, controllers: ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'memory'] }]);

  // The live definition gets the default partition; QEMU's process and threads go to their groups.
  const d = def();
  const vm = {};
  const cg = placeDomain(vm, d, 3, process.pid, hs);
  assert.ok(cg);
  assert.equal(cg.path, '/machine/qemu-3-g.1x.libvirt-qemu');
  assert.match(formatDomainDef(d, xmlopt, { inactive: false, secure: false }),
    /<\/vcpu>\n {2}<resource>\n {4}<partition>\/machine<\/partition>\n {2}<\/resource>\n/);
  const group = join(root, 'machine/qemu-3-g.1x.libvirt-qemu');
  assert.equal(readFileSync(join(group, 'cgroup.procs'), 'utf8'), String(process.pid));
  // The root's controllers are enabled for /machine's children (the last write is what a plain file keeps).
  assert.match(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), /^\+(cpuset|cpu|io|memory)$/);
  placeThreads(cg, process.pid, [process.pid]);
  for (const sub of ['emulator', 'vcpu0']) assert.equal(readFileSync(join(group, sub, 'cgroup.type'), 'utf8'), 'threaded', sub);
  assert.equal(readFileSync(join(group, 'vcpu0', 'cgroup.threads'), 'utf8'), String(process.pid));
});

test('a v1-only host: controllers by mount (cpu,cpuacct together), cpuset groups inherit cpus and mems, devices whitelisted', () => {
  const mounts: string[] = [];
  for (const c of ['cpu,cpuacct', 'cpuset', 'memory', 'devices', 'pids']) {
    const m = join(tmp, 'v1', c);
    mkdirSync(m, { recursive: true });
    mounts.push(line(40 + mounts.length, m, 'cgroup', `rw,${c}`));
  }
  mounts.push(line(50, join(tmp, 'v1', 'systemd'), 'cgroup', 'rw,xattr,name=systemd'));
  writeFileSync(join(tmp, 'v1', 'cpuset', 'cpuset.cpus'), '0-3\n');
  writeFileSync(join(tmp, 'v1', 'cpuset', 'cpuset.mems'), '0\n');
  const mi = join(tmp, 'mountinfo-v1');
  writeFileSync(mi, `${mounts.join('\n')}\n`);
  const hs = detectHierarchies(mi);
  assert.deepEqual(hs.map((h) => [h.version, h.mount.slice(tmp.length), h.controllers.join(',')]).sort(), [
    [1, '/v1/cpu,cpuacct', 'cpu,cpuacct'], [1, '/v1/cpuset', 'cpuset'], [1, '/v1/devices', 'devices'], [1, '/v1/memory', 'memory'],
  ]);
  const cg = placeDomain({}, def(), 1, process.pid, hs);
  assert.ok(cg);
  const g = (c: string, f: string) => readFileSync(join(tmp, 'v1', c, 'machine/qemu-1-g.1x.libvirt-qemu', f), 'utf8');
  assert.equal(g('cpuset', 'cpuset.cpus'), '0-3');
  assert.equal(g('cpuset', 'cpuset.mems'), '0');
  // A plain file keeps the last write: the pty major comes after deny-all and the default ACL.
  assert.equal(g('devices', 'devices.allow'), 'c 136:* rw');
  assert.equal(g('devices', 'devices.deny'), 'a');
  placeThreads(cg, process.pid, [process.pid]);
  assert.equal(g('cpuset', 'vcpu0/cpuset.cpus'), '0-3');
  assert.equal(g('cpu,cpuacct', 'vcpu0/tasks'), String(process.pid));
});

test('a written partition must exist (only /machine is made) and be absolute', () => {
  const root = join(tmp, 'v2');
  const hs = detectHierarchies(join(tmp, 'mountinfo-v2'));
  assert.throws(() => preparePartition(def('<resource><partition>rel</partition></resource>'), hs),
    { message: "unsupported configuration: Resource partition 'rel' must start with '/'" });
  assert.throws(() => preparePartition(def('<resource><partition>/a/b</partition></resource>'), hs),
    { message: `Unable to read from '${root}/a.partition/cgroup.controllers': No such file or directory` });
  mkdirSync(join(root, 'a.partition', 'b.partition'), { recursive: true });
  writeFileSync(join(root, 'a.partition', 'cgroup.controllers'), '');
  preparePartition(def('<resource><partition>/a/b</partition></resource>'), hs);
  preparePartition(def(), hs);
});
