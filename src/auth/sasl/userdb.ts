/**
 * tsvirtd's SASL user database: the accounts the daemon's mechanisms check
 * passwords against, as Cyrus's sasldb serves libvirtd (`sasldb_path` in
 * /etc/sasl2/libvirt.conf). Entries are keyed by user and realm, and keep
 * the plaintext secret as sasldb's `userPassword` does: DIGEST-MD5 and SCRAM
 * derive their verifiers from it per exchange.
 *
 * tsvirt's own file is text, one entry per line, each field base64 so that
 * any byte may appear in a name:
 *
 *     # tsvirt sasldb 1
 *     <base64 user> <base64 realm> <base64 password>
 *
 * It is written whole to a temporary file and renamed, mode 0600, so a crash
 * never leaves half a database.
 */
import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import type { PasswordLookup } from './mechanism.js';

export const USERDB_HEADER = '# tsvirt sasldb 1';

export interface SaslUserEntry { user: string; realm: string; password: string }

export interface SaslUserDb {
  /** Where it was read from. */
  readonly path: string;
  /** The secret of user@realm, or null (unknown user): what the mechanisms ask. */
  readonly lookup: PasswordLookup;
  /** Every entry, in file order. */
  entries(): SaslUserEntry[];
}

/** A malformed database file; the message names the file and the line. */
export class UserDbError extends Error {
  override name = 'UserDbError';
}

const key = (user: string, realm: string): string => `${user}\0${realm}`;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function fromB64(field: string, path: string, line: number): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(field)) throw new UserDbError(`${path}:${line}: '${field}' is not base64`);
  return Buffer.from(field, 'base64').toString('utf8');
}

/** Parse tsvirt's text format. */
export function parseUserDb(text: string, path: string): SaslUserEntry[] {
  const lines = text.split('\n');
  if (lines[0] !== USERDB_HEADER) throw new UserDbError(`${path}: not a tsvirt SASL user database (first line must be '${USERDB_HEADER}')`);
  const out: SaslUserEntry[] = [];
  lines.forEach((l, i) => {
    if (i === 0 || l === '' || l.startsWith('#')) return;
    const f = l.split(' ');
    if (f.length !== 3) throw new UserDbError(`${path}:${i + 1}: expected 3 fields, found ${f.length}`);
    const [user, realm, password] = f.map((x) => fromB64(x, path, i + 1)) as [string, string, string];
    out.push({ user, realm, password });
  });
  return out;
}

export function formatUserDb(entries: readonly SaslUserEntry[]): string {
  return [USERDB_HEADER, ...entries.map((e) => `${b64(e.user)} ${b64(e.realm)} ${b64(e.password)}`)].join('\n') + '\n';
}

/** A database over a list of entries (a later entry for the same user@realm wins). */
export function userDbOf(path: string, list: readonly SaslUserEntry[]): SaslUserDb {
  const map = new Map<string, SaslUserEntry>();
  for (const e of list) map.set(key(e.user, e.realm), e);
  return {
    path,
    lookup: (user, realm) => map.get(key(user, realm))?.password ?? null,
    entries: () => [...map.values()],
  };
}

/** Read a user database file. A missing file is an empty database, as for a fresh sasldb. */
export async function readUserDb(path: string): Promise<SaslUserDb> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return userDbOf(path, []);
    throw e;
  }
  return userDbOf(path, parseUserDb(text, path));
}

/** Replace the file with these entries, atomically, readable by its owner only. */
export async function writeUserDb(path: string, entries: readonly SaslUserEntry[]): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, formatUserDb(entries), { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
