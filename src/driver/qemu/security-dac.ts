/**
 * libvirt's DAC security driver for the QEMU driver (src/security/security_dac.c,
 * security_util.c, qemu_conf.c's user/group/dynamic_ownership/remember_owner
 * keys, qemu_driver.c qemuSecurityInit). Facts: reference/qemu-driver.md §1, §6.
 *
 * A privileged daemon stacks DAC under the primary driver (`none` here:
 * tsvirt has neither SELinux nor AppArmor): QEMU runs as qemu.conf's
 * user/group (Debian: libvirt-qemu) with that user's supplementary groups,
 * and with dynamic_ownership=1 the files the guest uses are chowned to it
 * before QEMU starts and given back after it stops. With remember_owner=1
 * the original owner is kept in the file's `trusted.libvirt.security.dac`
 * xattr with a reference count (`ref_dac`) and the host's boot time
 * (`timestamp_dac`), byte for byte as libvirtd writes them, so both daemons
 * can share files. A session daemon has no DAC driver at all.
 *
 * Node has no xattr or fcntl-lock call: a small python3 helper (one per
 * relabel transaction) does those, the logic stays here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { getBool, getString, getStringList, parseConf, type Conf } from '../../config/conf.js';
import { readConfigFile } from '../../config/read-file.js';
import { getAttr, kid, kidText, node, type XNode } from '../../conf/domain-xml.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { strerrorOf } from '../../util/strerror.js';
import { findFileInPath } from '../../util/file-access.js';
import type { SecModel } from './host-capabilities.js';
import { qemuSecModels } from './host-capabilities.js';

const SEC = ErrorDomain.SECURITY;

/** Debian's build (QEMU_USER / QEMU_GROUP). */
export const QEMU_USER = 'libvirt-qemu';
export const QEMU_GROUP = 'libvirt-qemu';

/** The security part of virQEMUDriverConfig. */
export interface SecurityConfig {
  privileged: boolean;
  /** security_driver: the primary driver's name (`none` when unset: no SELinux/AppArmor here). */
  primary: string;
  /** user/group (privileged only; -1 in a session: QEMU keeps the daemon's ids). */
  user: number;
  group: number;
  /** The user's name when it has a passwd entry (for initgroups). */
  userName: string | null;
  dynamicOwnership: boolean;
  rememberOwner: boolean;
  defaultConfined: boolean;
}

// ---- users and groups (virGetUserID / virGetGroupID over /etc/passwd, /etc/group) ----

function dbLines(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/**
 * virGetUserID / virGetGroupID: a name from the database file, else a
 * number; `+N` is always a number.
 */
function parseAccountId(kind: 'user' | 'group', name: string, db: string): number {
  if (!name.startsWith('+')) {
    const e = dbLines(db).find((f) => f[0] === name);
    if (e) return Number(e[2]);
  }
  const s = name.startsWith('+') ? name.slice(1) : name;
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `Failed to parse ${kind} '${name}'`);
  }
  return Number(s);
}

/** virGetUserID. */
export function parseUserId(user: string, passwd = '/etc/passwd'): number {
  return parseAccountId('user', user, passwd);
}

/** virGetGroupID. */
export function parseGroupId(group: string, groups = '/etc/group'): number {
  return parseAccountId('group', group, groups);
}

function userNameOf(uid: number, passwd = '/etc/passwd'): string | null {
  return dbLines(passwd).find((f) => Number(f[2]) === uid)?.[0] ?? null;
}

/** virParseOwnershipIds: `user:group`, each as virGetUserID/virGetGroupID read it. */
export function parseOwnershipIds(label: string): { uid: number; gid: number } {
  const i = label.indexOf(':');
  if (i < 0) {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `Failed to parse uid and gid from '${label}'`);
  }
  return { uid: parseUserId(label.slice(0, i)), gid: parseGroupId(label.slice(i + 1)) };
}

/** `+UID:+GID`, as virSecurityDACGenLabel and virSecurityDACRememberLabel write it. */
export function ownershipLabel(uid: number, gid: number): string {
  return `+${uid >>> 0}:+${gid >>> 0}`;
}

// ---- qemu.conf ----------------------------------------------------------------------

/**
 * virQEMUDriverConfigNew + virQEMUDriverConfigLoadSecurityEntry: the
 * defaults of Debian's build (privileged: libvirt-qemu, dynamic_ownership
 * and remember_owner on; session: neither), then qemu.conf's keys. A
 * missing file is no error (Debian ships none).
 */
export function loadSecurityConfig(o: { privileged: boolean; confFile: string }): SecurityConfig {
  let conf: Conf | null = null;
  if (existsSync(o.confFile)) conf = parseConf(readConfigFile(o.confFile), o.confFile);
  const names = getStringList(conf, 'security_driver', true) ?? [];
  for (let i = 0; i < names.length; i++) {
    if (names.indexOf(names[i]!) !== i) {
      throw VirtError.report(ErrorCode.CONF_SYNTAX, ErrorDomain.CONF, `Duplicate security driver ${names[i]}`);
    }
  }
  for (const n of names) {
    // virSecurityDriverLookup: tsvirt has only these two.
    if (n !== 'none' && n !== 'dac') {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, SEC, `Security driver ${n} not enabled`);
    }
  }
  const userKey = getString(conf, 'user');
  const groupKey = getString(conf, 'group');
  let user = -1;
  let group = -1;
  if (o.privileged) {
    user = parseUserId(userKey ?? QEMU_USER);
    group = parseGroupId(groupKey ?? QEMU_GROUP);
  } else {
    if (userKey !== null) user = parseUserId(userKey);
    if (groupKey !== null) group = parseGroupId(groupKey);
  }
  return {
    privileged: o.privileged,
    primary: names[0] ?? 'none',
    user,
    group,
    userName: user >= 0 ? userNameOf(user) : null,
    dynamicOwnership: getBool(conf, 'dynamic_ownership') ?? o.privileged,
    rememberOwner: getBool(conf, 'remember_owner') ?? o.privileged,
    defaultConfined: getBool(conf, 'security_default_confined') ?? true,
  };
}

// ---- xattrs (security_util.c) ---------------------------------------------------------

const XATTR_HELPER = String.raw`
import errno, fcntl, json, os, sys
fds = {}
for line in sys.stdin:
    r = json.loads(line)
    op, p = r['op'], r['path']
    out = {'ok': True}
    try:
        if op == 'get':
            out['value'] = os.getxattr(p, r['name']).decode('utf-8', 'surrogateescape')
        elif op == 'set':
            os.setxattr(p, r['name'], r['value'].encode())
        elif op == 'remove':
            os.removexattr(p, r['name'])
        elif op == 'lock':
            fd = os.open(p, os.O_RDWR)
            fds[p] = fd
            fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0, 0)
        elif op == 'unlock':
            fd = fds.pop(p, None)
            if fd is not None:
                os.close(fd)
    except OSError as e:
        out = {'ok': False, 'code': errno.errorcode.get(e.errno, 'E' + str(e.errno))}
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
`;

/** An OS error from the helper, with its errno name (ENODATA…). */
class OsError extends Error {
  constructor(readonly code: string, readonly path: string) { super(`${code} on ${path}`); }
}

/** The xattr and metadata-lock calls libvirt makes (virFileGetXAttr…, virFileLock). */
export interface XattrOps {
  get(path: string, name: string): Promise<string | null>;
  set(path: string, name: string, value: string): Promise<void>;
  remove(path: string, name: string): Promise<void>;
  lock(path: string): Promise<void>;
  unlock(path: string): Promise<void>;
  close(): Promise<void>;
}

function python(): string | undefined {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : findFileInPath('python3');
}

/** XattrOps through one python3 process (JSON lines on its stdin/stdout). */
export function openXattrHelper(): XattrOps {
  const py = python();
  if (py === undefined) {
    // No helper: behave as a filesystem without xattrs (ENOTSUP), as libvirt does.
    const none = async (): Promise<never> => { throw new OsError('ENOTSUP', ''); };
    return { get: none, set: none, remove: none, lock: none, unlock: async () => undefined, close: async () => undefined };
  }
  let child: ChildProcess | null = null;
  const waiting: Array<(line: string) => void> = [];
  const start = (): ChildProcess => {
    const c = spawn(py, ['-c', XATTR_HELPER], { stdio: ['pipe', 'pipe', 'ignore'], env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
    createInterface({ input: c.stdout! }).on('line', (l) => waiting.shift()?.(l));
    c.on('exit', () => { for (const w of waiting.splice(0)) w('{"ok":false,"code":"EPIPE"}'); });
    c.on('error', () => undefined);
    return c;
  };
  const call = (req: Record<string, string>): Promise<{ ok: boolean; value?: string; code?: string }> => {
    child ??= start();
    return new Promise((resolve) => {
      waiting.push((l) => resolve(JSON.parse(l) as { ok: boolean; value?: string; code?: string }));
      child!.stdin!.write(`${JSON.stringify(req)}\n`);
    });
  };
  const must = async (req: Record<string, string>) => {
    const r = await call(req);
    if (!r.ok) throw new OsError(r.code ?? 'EIO', req['path']!);
    return r;
  };
  return {
    async get(path, name) {
      const r = await call({ op: 'get', path, name });
      if (r.ok) return r.value ?? '';
      if (r.code === 'ENODATA') return null;
      throw new OsError(r.code ?? 'EIO', path);
    },
    async set(path, name, value) { await must({ op: 'set', path, name, value }); },
    async remove(path, name) { await must({ op: 'remove', path, name }); },
    async lock(path) { await must({ op: 'lock', path }); },
    async unlock(path) { await must({ op: 'unlock', path }); },
    async close() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((r) => { c.once('exit', () => r()); c.stdin!.end(); });
    },
  };
}

const XATTR_PREFIX = 'trusted.libvirt.security.';
const DAC = 'dac';

let bootTime: string | undefined;

/**
 * virHostGetBootTime (util/virhostuptime.c) on a host without utmp's
 * BOOT_TIME record: whole seconds of now minus /proc/uptime, rounded,
 * computed once per process as libvirt does.
 */
export function hostBootTime(): string {
  if (bootTime === undefined) {
    const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    bootTime = String(Math.round(Math.floor(Date.now() / 1000) - up));
  }
  return bootTime;
}

function unsupported(e: unknown): boolean {
  return e instanceof OsError && (e.code === 'ENOTSUP' || e.code === 'EOPNOTSUPP' || e.code === 'ENOSYS');
}

function xattrError(e: unknown, name: string, path: string): VirtError {
  const code = e instanceof OsError ? e.code : 'EIO';
  return VirtError.report(ErrorCode.SYSTEM_ERROR, SEC, `Unable to get XATTR ${name} on ${path}: ${strerrorOf(code) ?? code}`);
}

/** virSecurityMoveRememberedLabel(name, path, NULL): drop all three attributes. */
async function dropRemembered(x: XattrOps, path: string): Promise<void> {
  for (const n of [`${XATTR_PREFIX}${DAC}`, `${XATTR_PREFIX}ref_${DAC}`, `${XATTR_PREFIX}timestamp_${DAC}`]) {
    await x.remove(path, n).catch(() => undefined);
  }
}

/** virSecurityValidateTimestamp: 0 valid, 1 stale (and dropped), -2 unsupported. */
async function validateTimestamp(x: XattrOps, path: string): Promise<number> {
  const name = `${XATTR_PREFIX}timestamp_${DAC}`;
  let v: string | null;
  try {
    v = await x.get(path, name);
  } catch (e) {
    if (unsupported(e)) return -2;
    throw xattrError(e, name, path);
  }
  if (v === hostBootTime()) return 0;
  // A missing or old timestamp: the xattrs predate this boot; start over.
  await dropRemembered(x, path);
  return 1;
}

/** virSecuritySetRememberedLabel: the new refcount, or -2 when xattrs are not supported. */
export async function setRememberedLabel(x: XattrOps, path: string, label: string): Promise<number> {
  const refName = `${XATTR_PREFIX}ref_${DAC}`;
  let value: string | null;
  try {
    value = await x.get(path, refName);
  } catch (e) {
    if (unsupported(e)) return -2;
    throw xattrError(e, refName, path);
  }
  if (value !== null) {
    const rc = await validateTimestamp(x, path);
    if (rc < 0) return rc;
    if (rc === 1) value = null;
  }
  if (value !== null && !/^\d+$/.test(value)) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, SEC, `malformed refcount ${value} on ${path}`);
  }
  const refcount = (value === null ? 0 : Number(value)) + 1;
  if (refcount === 1) {
    await x.set(path, `${XATTR_PREFIX}${DAC}`, label);
    await x.set(path, `${XATTR_PREFIX}timestamp_${DAC}`, hostBootTime());
  }
  await x.set(path, refName, String(refcount));
  return refcount;
}

/**
 * virSecurityGetRememberedLabel: the remembered label once the refcount
 * drops to 0 (attributes removed), null while others still use the file,
 * -2 when there is nothing (valid) remembered.
 */
export async function getRememberedLabel(x: XattrOps, path: string): Promise<string | null | -2> {
  const refName = `${XATTR_PREFIX}ref_${DAC}`;
  let value: string | null;
  try {
    value = await x.get(path, refName);
  } catch (e) {
    if (unsupported(e)) return -2;
    throw xattrError(e, refName, path);
  }
  if (value === null) return -2;
  const rc = await validateTimestamp(x, path);
  if (rc !== 0) return -2;
  if (!/^\d+$/.test(value)) throw VirtError.report(ErrorCode.INTERNAL_ERROR, SEC, `malformed refcount ${value} on ${path}`);
  const refcount = Number(value) - 1;
  if (refcount > 0) {
    await x.set(path, refName, String(refcount));
    return null;
  }
  await x.remove(path, refName);
  const label = (await x.get(path, `${XATTR_PREFIX}${DAC}`)) ?? '';
  await x.remove(path, `${XATTR_PREFIX}${DAC}`);
  await x.remove(path, `${XATTR_PREFIX}timestamp_${DAC}`).catch(() => undefined);
  return label;
}

// ---- chown transactions (virSecurityDACTransactionRun) ----------------------------------

/** One chown of a transaction (virSecurityDACChownItem). */
export interface ChownItem {
  path: string;
  uid: number;
  gid: number;
  /** Remember the owner in xattrs (set) / recall it (restore). */
  remember: boolean;
  restore: boolean;
}

/** virSecurityDACSetOwnershipInternal: chown unless already so; some errnos are only logged. */
function chownIfNeeded(path: string, uid: number, gid: number): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, SEC, `unable to stat: ${path}: ${strerrorOf((e as NodeJS.ErrnoException).code) ?? ''}`);
  }
  if (st.uid === uid && st.gid === gid) return;
  try {
    chownSync(path, uid, gid);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EOPNOTSUPP' || code === 'EINVAL' || code === 'EPERM' || code === 'EROFS') return;
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, SEC,
      `unable to set user and group to '${uid}:${gid}' on '${path}': ${strerrorOf(code) ?? (e as Error).message}`);
  }
}

/** virSecurityDACSetOwnership. */
async function setOwnership(x: XattrOps, it: ChownItem, remember: boolean): Promise<void> {
  if (remember) {
    let st;
    try {
      st = statSync(it.path);
    } catch (e) {
      throw VirtError.report(ErrorCode.SYSTEM_ERROR, SEC, `unable to stat: ${it.path}: ${strerrorOf((e as NodeJS.ErrnoException).code) ?? ''}`);
    }
    const refcount = await setRememberedLabel(x, it.path, ownershipLabel(st.uid, st.gid));
    // In use by another domain: only the same owner is acceptable.
    if (refcount > 1 && (st.uid !== it.uid || st.gid !== it.gid)) {
      await restoreOwnership(x, it.path, true).catch(() => undefined);
      throw VirtError.report(ErrorCode.OPERATION_INVALID, SEC,
        `Setting different DAC user or group on ${it.path} which is already in use`);
    }
  }
  try {
    chownIfNeeded(it.path, it.uid, it.gid);
  } catch (e) {
    if (remember) await restoreOwnership(x, it.path, true).catch(() => undefined);
    throw e;
  }
}

/** virSecurityDACRestoreFileLabelInternal: back to the remembered owner, else root:root. */
async function restoreOwnership(x: XattrOps, path: string, recall: boolean): Promise<void> {
  let uid = 0;
  let gid = 0;
  if (recall) {
    const label = await getRememberedLabel(x, path);
    if (label === null) return;
    if (label !== -2) ({ uid, gid } = parseOwnershipIds(label));
  }
  chownIfNeeded(path, uid, gid);
}

/**
 * virSecurityDACTransactionRun: lock the files whose owner is remembered
 * (virSecurityManagerMetadataLock: sorted, regular files and devices that
 * open read-write; others are not remembered), then chown/restore each in
 * order; a failed set undoes the earlier ones.
 */
export async function runChownTransaction(items: ChownItem[], o: { rememberOwner: boolean; xattrs?: XattrOps }): Promise<void> {
  const x = o.xattrs ?? openXattrHelper();
  const locked = new Set<string>();
  try {
    if (o.rememberOwner) {
      const paths = [...new Set(items.filter((i) => i.remember).map((i) => i.path))].sort();
      for (const p of paths) {
        try {
          if (statSync(p).isDirectory()) continue;
          await x.lock(p);
          locked.add(p);
        } catch { /* not lockable (socket, read-only fs…): its owner is not remembered */ }
      }
    }
    let i = 0;
    let err: unknown;
    for (; i < items.length; i++) {
      const it = items[i]!;
      const remember = it.remember && locked.has(it.path);
      try {
        if (it.restore) await restoreOwnership(x, it.path, remember);
        else await setOwnership(x, it, remember);
      } catch (e) {
        err = e;
        break;
      }
    }
    if (err !== undefined) {
      for (; i > 0; i--) {
        const it = items[i - 1]!;
        if (!it.restore) await restoreOwnership(x, it.path, it.remember && locked.has(it.path)).catch(() => undefined);
      }
      throw err;
    }
  } finally {
    for (const p of locked) await x.unlock(p).catch(() => undefined);
    if (!o.xattrs) await x.close();
  }
}

// ---- the domain's files --------------------------------------------------------------

/** The `<seclabel model='dac'>` of a definition (virDomainDefGetSecurityLabelDef). */
export function dacSeclabel(def: DomainDef): XNode | undefined {
  return def.misc.find((n) => n.name === 'seclabel' && getAttr(n, 'model') === 'dac');
}

/** A device-level `<seclabel model='dac'>` (disk source, chardev source). */
function deviceSeclabel(src: XNode | undefined): XNode | undefined {
  return src?.children.find((c) => c.name === 'seclabel' && (getAttr(c, 'model') ?? 'dac') === 'dac');
}

/** The ids files are labelled with (virSecurityDACGetImageIds). */
function imageIds(def: DomainDef, cfg: SecurityConfig): { uid: number; gid: number } {
  const sl = dacSeclabel(def);
  const img = kidText(sl, 'imagelabel') ?? kidText(sl, 'label');
  return img ? parseOwnershipIds(img) : { uid: cfg.user, gid: cfg.group };
}

/** The process ids (virSecurityDACGetIds). */
function processIds(def: DomainDef, cfg: SecurityConfig): { uid: number; gid: number } {
  const label = kidText(dacSeclabel(def), 'label');
  return label ? parseOwnershipIds(label) : { uid: cfg.user, gid: cfg.group };
}

function relabelOn(def: DomainDef, cfg: SecurityConfig): boolean {
  if (!cfg.privileged || !cfg.dynamicOwnership) return false;
  const sl = dacSeclabel(def);
  return !(sl && (getAttr(sl, 'relabel') === 'no' || getAttr(sl, 'type') === 'none'));
}

/** A disk's local path, or undefined (network, volume, dir, no source). */
function diskPath(disk: XNode): string | undefined {
  const type = getAttr(disk, 'type') ?? 'file';
  const src = kid(disk, 'source');
  if (type === 'file') return getAttr(src, 'file');
  if (type === 'block') return getAttr(src, 'dev');
  return undefined;
}

/**
 * virSecurityDACSetImageLabelInternal / RestoreImageLabelSingle for the top
 * of a disk's chain: read-only and shareable disks are chowned but never
 * remembered nor restored (other domains may use them); a cdrom is read-only.
 */
function diskItem(def: DomainDef, cfg: SecurityConfig, disk: XNode, restore: boolean): ChownItem | undefined {
  const path = diskPath(disk);
  if (path === undefined || path === '') return undefined;
  const shared = kid(disk, 'readonly') !== undefined || getAttr(disk, 'device') === 'cdrom'
    || kid(disk, 'shareable') !== undefined;
  if (restore && shared) return undefined;
  const dsl = deviceSeclabel(kid(disk, 'source'));
  if (dsl && getAttr(dsl, 'relabel') === 'no') return undefined;
  const ids = dsl && kidText(dsl, 'label') ? parseOwnershipIds(kidText(dsl, 'label')!) : imageIds(def, cfg);
  return { path, ...ids, remember: !shared, restore };
}

/**
 * virSecurityDACSetChardevLabelHelper: file and dev sources, pipes
 * (`.in`/`.out` when both exist), unix sockets we connect to or that exist.
 * tsvirtd has no virtlogd (libvirt's chardevStdioLogd is false), so QEMU
 * opens file sources itself and they are labelled too; a missing one is
 * made first (qemuProcessPrepareChardevDevice: virFileTouch 0600).
 */
function chardevItems(def: DomainDef, cfg: SecurityConfig, dev: XNode, restore: boolean): ChownItem[] {
  const type = getAttr(dev, 'type') ?? 'pty';
  const src = kid(dev, 'source');
  const csl = deviceSeclabel(src);
  if (csl && getAttr(csl, 'relabel') === 'no') return [];
  const ids = csl && kidText(csl, 'label') ? parseOwnershipIds(kidText(csl, 'label')!) : processIds(def, cfg);
  const path = getAttr(src, 'path');
  if (!path) return [];
  const item = (p: string): ChownItem => ({ path: p, ...ids, remember: true, restore });
  switch (type) {
    case 'file':
      if (!restore && !existsSync(path)) {
        try { closeSync(openSync(path, 'a', 0o600)); } catch { /* stat reports it */ }
      }
      return [item(path)];
    case 'dev':
      return [item(path)];
    case 'pipe':
      if (existsSync(`${path}.in`) && existsSync(`${path}.out`)) return restore ? [item(`${path}.out`), item(`${path}.in`)] : [item(`${path}.in`), item(`${path}.out`)];
      return [item(path)];
    case 'unix': {
      const listen = (getAttr(src, 'mode') ?? 'connect') === 'bind';
      if (restore) return listen ? [] : [item(path)];
      return !listen || existsSync(path) ? [item(path)] : [];
    }
    default:
      return [];
  }
}

const CHARDEV_KINDS = new Set(['serial', 'parallel', 'channel', 'console']);

/** The chown list of virSecurityDACSetAllLabel (restore: RestoreAllLabel), in libvirt's order. */
export function domainLabelItems(def: DomainDef, cfg: SecurityConfig, restore: boolean): ChownItem[] {
  if (!relabelOn(def, cfg)) return [];
  const items: ChownItem[] = [];
  for (const d of def.devices.list) {
    if (d.kind !== 'disk') continue;
    const it = diskItem(def, cfg, d.node, restore);
    if (it) items.push(it);
  }
  for (const d of def.devices.list) {
    if (!CHARDEV_KINDS.has(d.kind)) continue;
    // virDomainChrDefForeach skips a console that is the serial port's alias.
    if (d.kind === 'console' && (getAttr(kid(d.node, 'target'), 'type') ?? 'serial') === 'serial'
      && def.devices.list.some((s) => s.kind === 'serial')) continue;
    items.push(...chardevItems(def, cfg, d.node, restore));
  }
  const ids = imageIds(def, cfg);
  for (const k of ['kernel', 'initrd', 'dtb']) {
    const p = kidText(def.os, k);
    if (p) items.push({ path: p, ...ids, remember: true, restore });
  }
  const slic = kid(kid(def.os, 'acpi'), 'table');
  if (slic?.text) items.push({ path: slic.text, ...ids, remember: true, restore });
  return items;
}

// ---- the driver-facing part ------------------------------------------------------------

/** The security stack of a QEMU driver (qemuSecurityInit): the primary driver, plus DAC when privileged. */
export class QemuSecurity {
  constructor(readonly cfg: SecurityConfig) {}

  /** Whether the DAC driver is stacked (privileged daemons). */
  get hasDac(): boolean {
    return this.cfg.privileged;
  }

  /** The `<secmodel>`s of the host capabilities. */
  secModels(): SecModel[] {
    if (!this.hasDac) return [{ model: this.cfg.primary, doi: '0' }];
    return qemuSecModels({ primary: this.cfg.primary, uid: this.cfg.user, gid: this.cfg.group });
  }

  /** virNodeGetSecurityModel: the primary driver's. */
  nodeModel(): { model: string; doi: string } {
    return { model: this.cfg.primary, doi: '0' };
  }

  /** The uid/gid QEMU (and the capabilities probe) runs as, or undefined to keep ours. */
  runAs(): { uid: number; gid: number } | undefined {
    if (!this.hasDac || this.cfg.user < 0) return undefined;
    return { uid: this.cfg.user, gid: this.cfg.group };
  }

  /**
   * The argv prefix that starts QEMU as the qemu user with its
   * supplementary groups (virExec: virGetGroupList + virSetUIDGIDWithCaps).
   * Node's spawn uid/gid would drop the groups (e.g. kvm for /dev/kvm), so
   * util-linux setpriv sets them and execs QEMU: the pid stays QEMU's.
   */
  spawnPrefix(ids = this.runAs()): string[] {
    if (!ids) return [];
    const setpriv = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : findFileInPath('setpriv');
    if (setpriv === undefined) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, SEC, 'Cannot find \'setpriv\' to run QEMU as another user');
    }
    const name = userNameOf(ids.uid);
    return [setpriv, `--reuid=${ids.uid}`, `--regid=${ids.gid}`,
      // initgroups(3) needs a passwd name; a bare uid gets just its group.
      ...(name !== null ? ['--init-groups'] : ['--clear-groups']), '--'];
  }

  /**
   * virSecurityDACGenLabel: a dynamic DAC label in the live definition
   * (`<seclabel type='dynamic' model='dac' relabel='yes'>` with label and
   * imagelabel `+UID:+GID`), unless the domain brings its own.
   */
  genLabel(def: DomainDef): void {
    if (!this.hasDac) return;
    let sl = dacSeclabel(def);
    if (sl && getAttr(sl, 'type') === 'none') return;
    if (!sl) {
      sl = node('seclabel', [['type', 'dynamic'], ['model', 'dac'], ['relabel', 'yes']]);
      def.misc.push(sl);
    }
    if (kid(sl, 'imagelabel')) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, SEC, 'security image label already defined for VM');
    }
    if (!getAttr(sl, 'model')) sl.attrs.push(['model', 'dac']);
    const type = getAttr(sl, 'type') ?? 'dynamic';
    if (type === 'static') {
      if (!kid(sl, 'label')) {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, SEC, `missing label for static security driver in domain ${def.name}`);
      }
    } else {
      sl.children = sl.children.filter((c) => c.name !== 'label');
      sl.children.unshift(node('label', [], [], ownershipLabel(this.cfg.user, this.cfg.group)));
    }
    if (getAttr(sl, 'relabel') !== 'no') {
      sl.children.push(node('imagelabel', [], [], kidText(sl, 'label')!));
    }
  }

  /** The dynamic label generated at start goes again when the domain stops (virSecurityDACReleaseLabel does nothing; the live def is dropped). */
  #labelled(def: DomainDef): boolean {
    const sl = dacSeclabel(def);
    return sl !== undefined && kid(sl, 'imagelabel') !== undefined;
  }

  /**
   * Before QEMU starts: the label, the per-domain dirs and files the daemon
   * made (qemuProcessMakeDir / qemuDomainWriteMasterKeyFile →
   * virSecurityDACDomainSetPathLabel), then every file of SetAllLabel.
   * Returns the argv prefix for spawning QEMU as the domain's user.
   */
  async beforeSpawn(def: DomainDef, o: { paths: string[] }): Promise<string[]> {
    if (!this.hasDac) return [];
    this.genLabel(def);
    const ids = processIds(def, this.cfg);
    const pathItems = o.paths.map((p): ChownItem => ({ path: p, ...ids, remember: false, restore: false }));
    await runChownTransaction(pathItems, { rememberOwner: false });
    try {
      await runChownTransaction(domainLabelItems(def, this.cfg, false), { rememberOwner: this.cfg.rememberOwner });
    } catch (e) {
      // Nothing is labelled (the transaction undid itself): nothing to restore at stop.
      const sl = dacSeclabel(def);
      if (sl) sl.children = sl.children.filter((c) => c.name !== 'imagelabel');
      throw e;
    }
    return this.spawnPrefix(ids);
  }

  /** After QEMU stopped: virSecurityDACRestoreAllLabel. */
  async afterStop(def: DomainDef): Promise<void> {
    if (!this.hasDac || !this.#labelled(def)) return;
    await runChownTransaction(domainLabelItems(def, this.cfg, true), { rememberOwner: this.cfg.rememberOwner });
  }

  /** virSecurityManagerSetImageLabel for one disk (hot-plug, before device_add). */
  async relabelDisk(def: DomainDef, disk: XNode): Promise<void> {
    if (!this.hasDac || !relabelOn(def, this.cfg)) return;
    const it = diskItem(def, this.cfg, disk, false);
    if (it) await runChownTransaction([it], { rememberOwner: this.cfg.rememberOwner });
  }

  /** virSecurityManagerRestoreImageLabel for one disk (hot-unplug, or a failed plug). */
  async restoreDisk(def: DomainDef, disk: XNode): Promise<void> {
    if (!this.hasDac || !relabelOn(def, this.cfg)) return;
    const it = diskItem(def, this.cfg, disk, true);
    if (it) await runChownTransaction([it], { rememberOwner: this.cfg.rememberOwner });
  }

  /** Driver dirs QEMU writes in (qemuStateInitialize chowns them to the qemu user when privileged). */
  chownDriverDirs(dirs: string[]): void {
    const ids = this.runAs();
    if (!ids) return;
    for (const d of dirs) {
      try { chownSync(d, ids.uid, ids.gid); } catch { /* libvirt fails here; a missing dir is made later */ }
    }
  }

  /**
   * virDomainGetSecurityLabelList: one entry per stacked driver for a
   * running domain (the none driver's is empty), none for an inactive one.
   */
  labelList(def: DomainDef, active: boolean): Array<{ label: string; enforcing: number }> {
    if (!active) return [];
    const out = [{ label: '', enforcing: 0 }];
    if (this.hasDac) out.push({ label: kidText(dacSeclabel(def), 'label') ?? '', enforcing: 0 });
    if (this.cfg.primary === 'dac') return out.slice(1);
    return out;
  }

  /** virDomainGetSecurityLabel: the primary driver's. */
  label(def: DomainDef, active: boolean): { label: string; enforcing: number } {
    if (this.cfg.primary === 'dac' && active) return { label: kidText(dacSeclabel(def), 'label') ?? '', enforcing: 0 };
    return { label: '', enforcing: 0 };
  }
}

/** qemu.conf's path: `/etc/libvirt/qemu.conf`, or the session daemon's config dir. */
export function qemuConfFile(configDir: string): string {
  return join(configDir, 'qemu.conf');
}
