/**
 * A QEMU guest's cgroups, as libvirtd places it (src/qemu/qemu_cgroup.c
 * qemuInitCgroup/qemuSetupCgroup, src/hypervisor/domain_cgroup.c,
 * src/util/vircgroup.c with its v1 and v2 backends). Only the privileged
 * daemon does this; without systemd-machined libvirt makes the groups
 * itself ("manual" mode), which is what this file does:
 *
 * - the live definition gets `<resource><partition>/machine</partition>`
 *   unless it names a partition (which must start with '/');
 * - every hierarchy libvirt uses gets `<partition>/qemu-ID-NAME.libvirt-qemu`
 *   (partition components other than a top-level machine/system/user get a
 *   `.partition` suffix unless they have a dot; names starting with '_',
 *   '.' or `cgroup.` get a leading '_'); only /machine is made when missing
 *   (another partition must exist, else the start fails with libvirt's
 *   errors, before QEMU runs); partitions are never removed;
 * - the controllers: on a host with a cgroup2 mount (hybrid or unified),
 *   the v2 backend claims `cpuacct` (cpu.stat always exists there) and
 *   `devices` (a BPF filter, which this driver cannot load from Node, so a
 *   v2 host gets no device filter from us) plus whatever the v2 root offers
 *   (cpu, cpuset, memory, io); the v1 backend takes the rest of cpu, cpuacct,
 *   cpuset, memory, devices, freezer, blkio, net_cls, perf_event that are
 *   mounted. Measured with libvirtd 9.0 on the hybrid host this was written
 *   on: QEMU in blkio, freezer, memory, cpu, cpuset (v1) and the v2 tree;
 *   cpuacct and devices stay at '/' in v1;
 * - QEMU's threads: under the controllers cpu, cpuacct and cpuset, the
 *   domain group has `emulator` (every thread but the vCPUs) and `vcpuN`
 *   (vCPU N's thread) subgroups; in v2 these are threaded cgroups (the
 *   domain group turns "domain threaded"); in v1 cpuset subgroups copy
 *   cpuset.cpus/mems from their parent;
 * - a v1 devices controller (a v1-only host) gets libvirt's whitelist:
 *   deny all, then rw for the default device ACL, the pty major and block
 *   devices the guest's disks use;
 * - at stop the domain group (and its subgroups) is removed in every
 *   hierarchy; at reconnect it is found again from /proc/PID/cgroup.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, kids, node } from '../../conf/domain-xml.js';

/** libvirt's cgroup controllers (virCgroupController). */
const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'net_cls', 'perf_event'] as const;
/** Controllers the emulator and vCPU subgroups are made in. */
const THREAD_CONTROLLERS = new Set(['cpu', 'cpuacct', 'cpuset']);
/** v2 names of libvirt's controllers (io is blkio). */
const V2_NAMES: Record<string, string> = { cpu: 'cpu', cpuset: 'cpuset', memory: 'memory', io: 'blkio' };

/** One hierarchy a domain is placed in. */
interface Hierarchy {
  readonly version: 1 | 2;
  /** Where it is mounted. */
  readonly mount: string;
  /** The libvirt controllers it serves. */
  readonly controllers: readonly string[];
}

/** A domain's groups: `<mount><path>` in each hierarchy. */
export interface DomainCgroup {
  /** `/machine/qemu-1-NAME.libvirt-qemu`. */
  readonly path: string;
  readonly hierarchies: readonly Hierarchy[];
}

const byVm = new WeakMap<object, DomainCgroup>();

/** The groups of a running domain, if it was placed. */
export function domainCgroupOf(vm: object): DomainCgroup | undefined {
  return byVm.get(vm);
}

// ---- detection ---------------------------------------------------------------

/** The cgroup hierarchies of this host (virCgroupDetectMounts + the backends' controller detection). */
export function detectHierarchies(mountinfo = '/proc/self/mountinfo'): Hierarchy[] {
  let text: string;
  try { text = readFileSync(mountinfo, 'utf8'); } catch { return []; }
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const mount = unescapeMount(f[4] ?? '');
    if (fstype === 'cgroup2') {
      v2 ??= mount;
    } else if (fstype === 'cgroup') {
      for (const o of superOpts.split(',')) {
        if ((V1_CONTROLLERS as readonly string[]).includes(o) && !v1.has(o)) v1.set(o, mount);
      }
    }
  }
  const out: Hierarchy[] = [];
  const claimed = new Set<string>();
  if (v2 !== undefined) {
    // The v2 backend is asked first: cpuacct and devices are always its own.
    const ctl = new Set(['cpuacct', 'devices']);
    try {
      for (const c of readFileSync(join(v2, 'cgroup.controllers'), 'utf8').trim().split(/\s+/)) {
        if (V2_NAMES[c]) ctl.add(V2_NAMES[c]);
      }
    } catch { /* no controllers file: nothing more */ }
    for (const c of ctl) claimed.add(c);
    out.push({ version: 2, mount: v2, controllers: [...ctl] });
  }
  const byMount = new Map<string, string[]>();
  for (const [c, m] of v1) {
    if (claimed.has(c)) continue;
    byMount.set(m, [...(byMount.get(m) ?? []), c]);
  }
  for (const [mount, controllers] of byMount) out.push({ version: 1, mount, controllers });
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

// ---- names -------------------------------------------------------------------

/**
 * virCgroupPartitionEscape: a leading '_' for names starting with '_', '.'
 * or `cgroup.`. (libvirt also means to escape `<controller>.…`, but it
 * splits /proc/cgroups' lines at spaces where the kernel writes tabs, so
 * that never matches: libvirtd 9.0 makes `/cpu.x` as it is.)
 */
function escapeComponent(s: string): string {
  return s.startsWith('_') || s.startsWith('.') || s.startsWith('cgroup.') ? `_${s}` : s;
}

/** virCgroupSetPartitionSuffix: `/a/b` → `/a.partition/b.partition` (top-level machine, system, user kept). */
export function partitionPath(partition: string): string {
  return partition.split('/').map((t, i) => {
    if (t === '') return t;
    if (i === 1 && (t === 'machine' || t === 'system' || t === 'user')) return t;
    return escapeComponent(t.includes('.') ? t : `${t}.partition`);
  }).join('/');
}

/** virDomainDriverGenerateMachineName for the QEMU driver: `qemu-ID-NAME`, hostname characters only, at most 64. */
export function machineName(name: string, id: number): string {
  let s = `qemu-${id}-`;
  let skip = true;
  for (const ch of name) {
    if (s.length >= 64) break;
    if (ch === '.' || ch === '-') {
      if (!skip) s += ch;
      skip = true;
      continue;
    }
    skip = false;
    if (/^[A-Za-z0-9-]$/.test(ch)) s += ch;
  }
  return s.replace(/[-.]+$/, '');
}

/** The live definition's partition (qemuInitCgroup): `/machine` unless one is written; it must be absolute. */
export function ensurePartition(def: DomainDef): string {
  let res = def.misc.find((m) => m.name === 'resource');
  if (!res) {
    res = node('resource');
    def.misc.push(res);
  }
  let part = kid(res, 'partition');
  if (!part) {
    part = node('partition', [], [], '/machine');
    res.children.unshift(part);
  }
  if (!part.text.startsWith('/')) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU, `Resource partition '${part.text}' must start with '/'`);
  }
  return part.text;
}

/** The live definition's partition, checked before QEMU runs (qemuInitCgroup → virCgroupNewPartition). */
export function preparePartition(def: DomainDef, hierarchies = detectHierarchies()): void {
  if (hierarchies.length === 0) return;
  const partition = ensurePartition(def);
  if (partition === '/machine') return;
  const p = partitionPath(partition);
  const parent = p.slice(0, p.lastIndexOf('/')) || '/';
  const fail = (msg: string) => VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.CGROUP, `${msg}: No such file or directory`);
  for (const h of hierarchies) {
    if (h.version === 2) {
      // The v2 backend, asked first, reads the parent's controllers, then wants the partition.
      const ctl = join(h.mount, parent, 'cgroup.controllers');
      if (!existsSync(ctl)) throw fail(`Unable to read from '${ctl}'`);
      if (!existsSync(join(h.mount, p))) throw fail(`Failed to create v2 cgroup '${h.mount}${p}/'`);
    } else if (!existsSync(join(h.mount, p))) {
      throw fail(`Failed to create v1 controller ${h.controllers[0]} for group`);
    }
  }
}

// ---- files ---------------------------------------------------------------------

function write(path: string, value: string): void {
  writeFileSync(path, value);
}

function tryRead(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

/** Makes `<mount><path>` and the dirs above it, as virCgroupV1/V2MakeGroup do. */
function makeGroup(h: Hierarchy, path: string, opts: { thread?: boolean } = {}): string {
  let dir = h.mount;
  for (const part of path.split('/').filter((p) => p !== '')) {
    const parent = dir;
    dir = join(dir, part);
    if (existsSync(dir)) continue;
    if (h.version === 2 && !opts.thread) enableV2Controllers(h, parent);
    mkdirSync(dir);
    if (h.version === 1 && h.controllers.includes('cpuset')) {
      // A cpuset group takes no task before it has CPUs and memory nodes.
      for (const f of ['cpuset.cpus', 'cpuset.mems', 'cpuset.memory_migrate']) {
        const v = tryRead(join(parent, f));
        if (v !== undefined) { try { write(join(dir, f), v.trim()); } catch { /* read-only */ } }
      }
    }
    if (h.version === 1 && h.controllers.includes('memory')) {
      try { write(join(dir, 'memory.use_hierarchy'), '1'); } catch { /* set by the parent, or not settable */ }
    }
  }
  return dir;
}

/** The controllers a v2 group's children get (`+cpu +memory …` in the parent's subtree_control). */
function enableV2Controllers(h: Hierarchy, dir: string, only?: readonly string[]): void {
  const have = (tryRead(join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter((c) => c !== '');
  for (const c of have) {
    const ours = V2_NAMES[c];
    if (!ours || !h.controllers.includes(ours) || (only && !only.includes(c))) continue;
    try { write(join(dir, 'cgroup.subtree_control'), `+${c}`); } catch { /* not enabled: it still works without */ }
  }
}

function threadIds(pid: number): number[] {
  try { return readdirSync(`/proc/${pid}/task`).map(Number).filter((n) => n > 0); } catch { return []; }
}

// ---- placement ------------------------------------------------------------------

/**
 * Places a just-spawned QEMU (qemuSetupCgroup): the domain group in every
 * hierarchy, the process in it, the v1 device whitelist. Returns undefined
 * when the host has no usable cgroups (or the daemon is not privileged).
 * Cgroups this process may not use leave the guest unplaced (as libvirt
 * ignores them); other errors fail the start.
 */
export function placeDomain(vm: object, def: DomainDef, id: number, pid: number,
  hierarchies = detectHierarchies()): DomainCgroup | undefined {
  if (hierarchies.length === 0) return undefined;
  const partition = partitionPath(ensurePartition(def));
  const group = escapeComponent(`${machineName(def.name, id)}.libvirt-qemu`);
  const cg: DomainCgroup = { path: `${partition === '/' ? '' : partition}/${group}`, hierarchies };
  byVm.set(vm, cg);
  try {
    for (const h of hierarchies) {
      const dir = makeGroup(h, cg.path);
      if (h.version === 1 && h.controllers.includes('devices')) setupDevices(dir, def);
      write(join(dir, 'cgroup.procs'), String(pid));
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // virCgroupNewIgnoreError: cgroups that cannot be used are no error; a
    // QEMU that already exited (ESRCH) is reported by the monitor wait.
    if (['ENXIO', 'EPERM', 'EACCES', 'ESRCH'].includes(code)) return undefined;
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.CGROUP,
      `Unable to place the domain in its cgroup: ${(e as Error).message}`);
  }
  return cg;
}

/** libvirt's default device ACL (qemu.conf cgroup_device_acl) and the pty major. */
const DEFAULT_DEVICE_ACL = ['/dev/null', '/dev/full', '/dev/zero', '/dev/random', '/dev/urandom', '/dev/ptmx',
  '/dev/kvm', '/dev/rtc', '/dev/hpet'];
const PTY_MAJOR = 136;

function setupDevices(dir: string, def: DomainDef): void {
  write(join(dir, 'devices.deny'), 'a');
  const allow = (path: string, perms: string) => {
    try {
      const st = statSync(path);
      if (!st.isCharacterDevice() && !st.isBlockDevice()) return;
      const major = Math.floor(st.rdev / 256) & 0xfff;
      const minor = (st.rdev & 0xff) | ((Math.floor(st.rdev / 4096) & 0xfff00));
      write(join(dir, 'devices.allow'), `${st.isBlockDevice() ? 'b' : 'c'} ${major}:${minor} ${perms}`);
    } catch { /* not there */ }
  };
  for (const d of def.devices.list) {
    if (d.kind !== 'disk') continue;
    const src = kid(d.node, 'source');
    const path = getAttr(src, 'dev') ?? getAttr(src, 'file');
    if (path !== undefined) allow(path, kids(d.node, 'readonly').length > 0 ? 'r' : 'rw');
  }
  for (const p of DEFAULT_DEVICE_ACL) allow(p, 'rw');
  write(join(dir, 'devices.allow'), `c ${PTY_MAJOR}:* rw`);
}

/**
 * qemuSetupCgroupForEmulator + qemuProcessSetupVcpus: under cpu, cpuacct
 * and cpuset, QEMU's threads go to `emulator`, vCPU N's to `vcpuN`.
 */
export function placeThreads(cg: DomainCgroup, pid: number, vcpuTids: readonly number[]): void {
  const vcpus = new Set(vcpuTids);
  for (const h of cg.hierarchies) {
    if (!h.controllers.some((c) => THREAD_CONTROLLERS.has(c))) continue;
    const base = join(h.mount, cg.path);
    const file = h.version === 2 ? 'cgroup.threads' : 'tasks';
    const sub = (name: string) => {
      const dir = join(base, name);
      if (h.version === 2) {
        enableV2Controllers(h, base, ['cpu', 'cpuset']);
        if (!existsSync(dir)) mkdirSync(dir);
        if ((tryRead(join(dir, 'cgroup.type')) ?? '').trim() !== 'threaded') write(join(dir, 'cgroup.type'), 'threaded');
        return dir;
      }
      return makeGroup(h, `${cg.path}/${name}`);
    };
    const emulator = sub('emulator');
    for (const tid of threadIds(pid)) {
      if (vcpus.has(tid)) continue;
      try { write(join(emulator, file), String(tid)); } catch { /* the thread ended */ }
    }
    vcpuTids.forEach((tid, i) => {
      write(join(sub(`vcpu${i}`), file), String(tid));
    });
  }
}

// ---- stop and reconnect ------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Removes a dir of cgroupfs and the groups below it (virCgroupRemoveRecursively). */
function removeTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
  }
  for (const e of entries) removeTree(join(dir, e));
  rmdirSync(dir);
}

/**
 * qemuRemoveCgroup: the domain group in every hierarchy, once QEMU is gone
 * (a group the kernel still counts as busy is tried again for a second;
 * then the error is returned for the log).
 */
export async function removeDomainCgroup(vm: object): Promise<string[]> {
  const cg = byVm.get(vm);
  if (!cg) return [];
  byVm.delete(vm);
  const errors: string[] = [];
  for (const h of cg.hierarchies) {
    const dir = join(h.mount, cg.path);
    for (let attempt = 0; ; attempt++) {
      try {
        removeTree(dir);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && attempt < 10) {
          await sleep(100);
          continue;
        }
        errors.push(`Unable to remove ${dir} (${(e as Error).message})`);
        break;
      }
    }
  }
  return errors;
}

/**
 * qemuConnectCgroup at reconnect: the groups of a running QEMU, when
 * /proc/PID/cgroup shows it in the group its live definition names.
 */
export function findDomainCgroup(vm: object, def: DomainDef, pid: number): DomainCgroup | undefined {
  const res = def.misc.find((m) => m.name === 'resource');
  const partition = kid(res, 'partition')?.text;
  if (partition === undefined || !partition.startsWith('/')) return undefined;
  const hierarchies = detectHierarchies();
  const p = partitionPath(partition);
  const path = `${p === '/' ? '' : p}/${escapeComponent(`${machineName(def.name, def.id)}.libvirt-qemu`)}`;
  const placed = (tryRead(`/proc/${pid}/cgroup`) ?? '').split('\n')
    .some((l) => { const g = l.split(':').slice(2).join(':'); return g === path || g.startsWith(`${path}/`); });
  if (!placed) return undefined;
  const cg: DomainCgroup = { path, hierarchies };
  byVm.set(vm, cg);
  return cg;
}

/**
 * CPU time from the cgroup (virCgroupGetCpuacctUsage/Stat), in ns: v2's
 * cpu.stat usage/user/system_usec, or v1's cpuacct.usage and cpuacct.stat
 * (USER_HZ ticks). undefined when the domain has no cpuacct group.
 */
export function cgroupCpuTimes(vm: object): { total: number; user: number; system: number } | undefined {
  const cg = byVm.get(vm);
  const h = cg?.hierarchies.find((x) => x.controllers.includes('cpuacct'));
  if (!cg || !h) return undefined;
  const dir = join(h.mount, cg.path);
  const kv = (text: string | undefined) => new Map((text ?? '').split('\n').map((l) => l.split(' ') as [string, string]));
  if (h.version === 2) {
    const st = kv(tryRead(join(dir, 'cpu.stat')));
    const us = (k: string) => Number(st.get(k) ?? NaN) * 1000;
    const total = us('usage_usec');
    return Number.isFinite(total) ? { total, user: us('user_usec'), system: us('system_usec') } : undefined;
  }
  const total = Number(tryRead(join(dir, 'cpuacct.usage')) ?? NaN);
  const st = kv(tryRead(join(dir, 'cpuacct.stat')));
  const tick = 1e9 / 100;
  return Number.isFinite(total) ? { total, user: Number(st.get('user') ?? 0) * tick, system: Number(st.get('system') ?? 0) * tick } : undefined;
}
