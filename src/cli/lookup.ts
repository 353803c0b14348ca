/**
 * Finding the object a command names, as virsh does: domains by id, UUID
 * or name (virshLookupDomainInternal), networks and pools by UUID or name,
 * volumes by name in a pool, key or path (virshCommandOptVolBy). Each
 * prints virsh's `failed to get …` error itself and returns null.
 */
import type { Domain, Network, StoragePool, StorageVol } from '../api/index.js';
import type { ParsedCommand } from './command.js';
import { strToLong } from './command.js';
import { FAIL, type Shell } from './shell.js';

export const BY_ID = 1;
export const BY_UUID = 2;
export const BY_NAME = 4;
const ALL = BY_ID | BY_UUID | BY_NAME;

/** VIR_UUID_STRING_BUFLEN - 1, compared with strlen (bytes). */
const UUID_LEN = 36;

function isUUIDLength(s: string): boolean {
  return Buffer.byteLength(s) === UUID_LEN;
}

/** virshLookupDomainBy: the lookups' own errors are dropped, only virsh's line is printed. */
export async function lookupDomain(ctl: Shell, name: string, flags = ALL, cmdname = 'unknown'): Promise<Domain | null> {
  let dom: Domain | typeof FAIL | null = null;
  if (flags & BY_ID) {
    const id = strToLong(name, { signed: true, bits: 32 });
    if (id !== null && id >= 0n) {
      ctl.debugMsg(0, `${cmdname}: <domain> looks like ID\n`);
      dom = await ctl.attempt(ctl.c.domainLookupByID(Number(id)));
    }
  }
  if ((dom === null || dom === FAIL) && (flags & BY_UUID) && isUUIDLength(name)) {
    ctl.debugMsg(0, `${cmdname}: <domain> trying as domain UUID\n`);
    dom = await ctl.attempt(ctl.c.domainLookupByUUIDString(name));
  }
  if ((dom === null || dom === FAIL) && (flags & BY_NAME)) {
    ctl.debugMsg(0, `${cmdname}: <domain> trying as domain NAME\n`);
    dom = await ctl.attempt(ctl.c.domainLookupByName(name));
  }
  ctl.resetError();
  if (dom === null || dom === FAIL) {
    ctl.error(`failed to get domain '${name}'`);
    return null;
  }
  return dom;
}

/** virshCommandOptDomainBy: the domain named by the command's `domain` option. */
export async function optDomain(ctl: Shell, cmd: ParsedCommand, flags = ALL): Promise<{ dom: Domain; name: string } | null> {
  const n = cmd.string(ctl, 'domain');
  if (n == null) return null;
  ctl.debugMsg(1, `${cmd.name}: found option <domain>: ${n}\n`);
  const dom = await lookupDomain(ctl, n, flags, cmd.name);
  return dom ? { dom, name: n } : null;
}

/** virshCommandOptNetworkBy. */
export async function optNetwork(ctl: Shell, cmd: ParsedCommand, flags = BY_UUID | BY_NAME, optname = 'network'):
  Promise<{ net: Network; name: string } | null> {
  const n = cmd.string(ctl, optname);
  if (n == null) return null;
  ctl.debugMsg(1, `${cmd.name}: found option <${optname}>: ${n}\n`);
  let net: Network | typeof FAIL | null = null;
  if ((flags & BY_UUID) && isUUIDLength(n)) {
    ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as network UUID\n`);
    net = await ctl.attempt(ctl.c.networkLookupByUUIDString(n));
  }
  if ((net === null || net === FAIL) && (flags & BY_NAME)) {
    ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as network NAME\n`);
    net = await ctl.attempt(ctl.c.networkLookupByName(n));
  }
  if (net === null || net === FAIL) {
    ctl.error(`failed to get network '${n}'`);
    return null;
  }
  return { net, name: n };
}

/** virshCommandOptPoolBy. */
export async function optPool(ctl: Shell, cmd: ParsedCommand, optname = 'pool', flags = BY_UUID | BY_NAME):
  Promise<{ pool: StoragePool; name: string } | null> {
  const n = cmd.string(ctl, optname);
  if (n == null) return null;
  ctl.debugMsg(1, `${cmd.name}: found option <${optname}>: ${n}\n`);
  let pool: StoragePool | typeof FAIL | null = null;
  if ((flags & BY_UUID) && isUUIDLength(n)) {
    ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as pool UUID\n`);
    pool = await ctl.attempt(ctl.c.storagePoolLookupByUUIDString(n));
  }
  if ((pool === null || pool === FAIL) && (flags & BY_NAME)) {
    ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as pool NAME\n`);
    pool = await ctl.attempt(ctl.c.storagePoolLookupByName(n));
  }
  if (pool === null || pool === FAIL) {
    ctl.error(`failed to get pool '${n}'`);
    return null;
  }
  return { pool, name: n };
}

/** virshCommandOptVolBy: `vol` by name within `--pool`, else by key, else by path. */
export async function optVol(ctl: Shell, cmd: ParsedCommand, optname = 'vol', pooloptname: string | null = 'pool',
  flags = BY_UUID | BY_NAME): Promise<{ vol: StorageVol; name: string } | null> {
  const n = cmd.string(ctl, optname);
  if (n == null) return null;
  let p: string | undefined;
  if (pooloptname !== null) {
    const v = cmd.string(ctl, pooloptname);
    if (v === null) return null;
    p = v;
  }
  let pool: StoragePool | null = null;
  try {
    if (p !== undefined) {
      const found = await optPool(ctl, cmd, pooloptname!, flags);
      if (!found) return null;
      pool = found.pool;
      const active = await ctl.attempt(pool.isActive());
      if (active !== true) {
        ctl.error(`pool '${p}' is not active`);
        return null;
      }
    }
    ctl.debugMsg(0, `${cmd.name}: found option <${optname}>: ${n}\n`);
    let vol: StorageVol | typeof FAIL | null = null;
    if (pool && (flags & BY_NAME)) {
      ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as vol name\n`);
      vol = await ctl.attempt(pool.storageVolLookupByName(n));
    }
    if ((vol === null || vol === FAIL) && (flags & BY_UUID)) {
      ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as vol key\n`);
      vol = await ctl.attempt(ctl.c.storageVolLookupByKey(n));
    }
    if ((vol === null || vol === FAIL) && (flags & BY_UUID)) {
      ctl.debugMsg(0, `${cmd.name}: <${optname}> trying as vol path\n`);
      vol = await ctl.attempt(ctl.c.storageVolLookupByPath(n));
    }
    if (vol === null || vol === FAIL) {
      if (pool || pooloptname === null) ctl.error(`failed to get vol '${n}'`);
      else ctl.error(`failed to get vol '${n}', specifying --${pooloptname} might help`);
      return null;
    }
    ctl.resetError();
    if (pool) {
      const volpool = await ctl.attempt(vol.storagePoolLookupByVolume());
      if (volpool !== FAIL) {
        const differs = volpool.getName() !== pool.getName();
        volpool.free();
        if (differs) {
          ctl.resetError();
          ctl.error(`Requested volume '${n}' is not in pool '${pool.getName()}'`);
          vol.free();
          return null;
        }
      }
    }
    return { vol, name: n };
  } finally {
    pool?.free();
  }
}

/** Frees every object of a list (the virsh*ListFree helpers). */
export function freeAll(list: readonly { free(): void }[] | null | undefined): void {
  for (const o of list ?? []) o.free();
}
