/**
 * virDomainSave*, virDomainRestore*, the save-image, managed-save and
 * core-dump entry points with the checks libvirt-domain.c makes before it
 * calls the driver: read-only connections, mutually exclusive flags, and
 * file paths made absolute on the client, since the saving is done by
 * another process.
 */
import { resolve } from 'node:path';
import { readOnlyDenial, type DriverMethod } from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { Connection } from './connection.js';
import type { Domain } from './objects.js';

/** virDomainSaveRestoreFlags. */
export const SaveFlags = { BYPASS_CACHE: 1, RUNNING: 2, PAUSED: 4, RESET_NVRAM: 8 } as const;
/** virDomainCoreDumpFlags. */
export const DumpFlags = { CRASH: 1, LIVE: 2, BYPASS_CACHE: 4, RESET: 8, MEMORY_ONLY: 16 } as const;
/** virDomainCoreDumpFormat. */
export const DumpFormat = { RAW: 0, KDUMP_ZLIB: 1, KDUMP_LZO: 2, KDUMP_SNAPPY: 3, WIN_DMP: 4 } as const;
/** virDomainXMLFlags' VIR_DOMAIN_SAVE_IMAGE_XML_SECURE. */
export const SAVE_IMAGE_XML_SECURE = 1;

/** virCheckReadOnlyGoto, made ahead of the argument checks as libvirt does. */
export function checkReadOnly(conn: Connection, method: DriverMethod, args: unknown): void {
  if (!conn.isReadOnly) return;
  const denial = readOnlyDenial(method, args);
  if (denial) throw denial;
}

/** VIR_EXCLUSIVE_FLAGS_GOTO: a virReportInvalidArg naming both flags. */
export function exclusiveFlags(flags: number, func: string,
  ...pairs: Array<[number, string, number, string]>): void {
  for (const [a, aName, b, bName] of pairs) {
    if ((flags & a) && (flags & b)) {
      throw new VirtError(ErrorCode.INVALID_ARG, `Flags '${aName}' and '${bName}' are mutually exclusive`,
        ErrorDomain.DOMAIN, { str1: func, str2: 'flags', int1: 0, int2: 0 });
    }
  }
}

const RUNNING_PAUSED: [number, string, number, string] =
  [SaveFlags.RUNNING, 'VIR_DOMAIN_SAVE_RUNNING', SaveFlags.PAUSED, 'VIR_DOMAIN_SAVE_PAUSED'];

/** g_canonicalize_filename against the working directory. */
export function absolutePath(path: string): string {
  return resolve(path);
}

/** virDomainSave. */
export async function domainSave(dom: Domain, to: string): Promise<void> {
  await dom.conn.call('domainSave', { dom: dom.ref, to: absolutePath(to) });
}

/** virDomainSaveFlags. */
export async function domainSaveFlags(dom: Domain, to: string, dxml: string | null, flags: number): Promise<void> {
  checkReadOnly(dom.conn, 'domainSaveFlags', { flags });
  exclusiveFlags(flags, 'virDomainSaveFlags', RUNNING_PAUSED);
  await dom.conn.call('domainSaveFlags', { dom: dom.ref, to: absolutePath(to), dxml, flags });
}

/** virDomainRestore. */
export async function domainRestore(conn: Connection, from: string): Promise<void> {
  await conn.call('domainRestore', { from: absolutePath(from) });
}

/** virDomainRestoreFlags. */
export async function domainRestoreFlags(conn: Connection, from: string, dxml: string | null, flags: number):
  Promise<void> {
  checkReadOnly(conn, 'domainRestoreFlags', { flags });
  exclusiveFlags(flags, 'virDomainRestoreFlags', RUNNING_PAUSED);
  await conn.call('domainRestoreFlags', { from: absolutePath(from), dxml, flags });
}

/** virDomainSaveImageGetXMLDesc. */
export async function domainSaveImageGetXMLDesc(conn: Connection, file: string, flags: number): Promise<string> {
  return (await conn.call('domainSaveImageGetXMLDesc', { file: absolutePath(file), flags })).xml;
}

/** virDomainSaveImageDefineXML. */
export async function domainSaveImageDefineXML(conn: Connection, file: string, dxml: string, flags: number):
  Promise<void> {
  checkReadOnly(conn, 'domainSaveImageDefineXML', { flags });
  exclusiveFlags(flags, 'virDomainSaveImageDefineXML', RUNNING_PAUSED);
  await conn.call('domainSaveImageDefineXML', { file: absolutePath(file), dxml, flags });
}

/** virDomainManagedSave. */
export async function domainManagedSave(dom: Domain, flags: number): Promise<void> {
  checkReadOnly(dom.conn, 'domainManagedSave', { flags });
  exclusiveFlags(flags, 'virDomainManagedSave', RUNNING_PAUSED);
  await dom.conn.call('domainManagedSave', { dom: dom.ref, flags });
}

/** virDomainManagedSaveRemove. */
export async function domainManagedSaveRemove(dom: Domain, flags: number): Promise<void> {
  await dom.conn.call('domainManagedSaveRemove', { dom: dom.ref, flags });
}

/** virDomainManagedSaveGetXMLDesc. */
export async function domainManagedSaveGetXMLDesc(dom: Domain, flags: number): Promise<string> {
  return (await dom.conn.call('domainManagedSaveGetXMLDesc', { dom: dom.ref, flags })).xml;
}

/** virDomainManagedSaveDefineXML. */
export async function domainManagedSaveDefineXML(dom: Domain, dxml: string | null, flags: number): Promise<void> {
  checkReadOnly(dom.conn, 'domainManagedSaveDefineXML', { flags });
  exclusiveFlags(flags, 'virDomainManagedSaveDefineXML', RUNNING_PAUSED);
  await dom.conn.call('domainManagedSaveDefineXML', { dom: dom.ref, dxml, flags });
}

const DUMP_EXCLUSIVE: Array<[number, string, number, string]> = [
  [DumpFlags.CRASH, 'VIR_DUMP_CRASH', DumpFlags.LIVE, 'VIR_DUMP_LIVE'],
  [DumpFlags.CRASH, 'VIR_DUMP_CRASH', DumpFlags.RESET, 'VIR_DUMP_RESET'],
  [DumpFlags.LIVE, 'VIR_DUMP_LIVE', DumpFlags.RESET, 'VIR_DUMP_RESET'],
];

/** virDomainCoreDump. */
export async function domainCoreDump(dom: Domain, to: string, flags: number): Promise<void> {
  checkReadOnly(dom.conn, 'domainCoreDump', { flags });
  exclusiveFlags(flags, 'virDomainCoreDump', ...DUMP_EXCLUSIVE);
  await dom.conn.call('domainCoreDump', { dom: dom.ref, to: absolutePath(to), flags });
}

/** virDomainCoreDumpWithFormat. */
export async function domainCoreDumpWithFormat(dom: Domain, to: string, dumpformat: number, flags: number):
  Promise<void> {
  checkReadOnly(dom.conn, 'domainCoreDumpWithFormat', { flags });
  if (dumpformat >= Object.keys(DumpFormat).length) {
    throw new VirtError(ErrorCode.INVALID_ARG, `dumpformat '${dumpformat}' is not supported`, ErrorDomain.DOMAIN,
      { str1: 'virDomainCoreDumpWithFormat', str2: 'dumpformat' });
  }
  exclusiveFlags(flags, 'virDomainCoreDumpWithFormat', ...DUMP_EXCLUSIVE);
  await dom.conn.call('domainCoreDumpWithFormat', { dom: dom.ref, to: absolutePath(to), dumpformat, flags });
}
