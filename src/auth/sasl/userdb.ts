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
 *
 * readUserDb also reads Cyrus's own sasldb (a Berkeley DB hash file, told
 * apart by its magic number; see sasldb.ts), so tsvirtd can use the file
 * libvirtd uses. That one is read-only here: saslpasswd2 manages it.
 */
import { open, rename, writeFile, unlink } from 'node:fs/promises';
import type { PasswordLookup } from './mechanism.js';
import { isBerkeleyDb, parseSasldb, SASLDB_MAX_BYTES, SasldbError } from './sasldb.js';

export const USERDB_HEADER = '# tsvirt sasldb 1';

export interface SaslUserEntry { user: string; realm: string; password: string }

/** A property of user@realm, as sasldblistusers2 lists them (tsvirt's file holds only userPassword). */
export interface SaslUserProperty { user: string; realm: string; property: string }

/** Which kind of file a database was read from. */
export type UserDbFormat = 'tsvirt' | 'cyrus';

export interface SaslUserDb {
  /** Where it was read from. */
  readonly path: string;
  /** The secret of user@realm, or null (unknown user): what the mechanisms ask. */
  readonly lookup: PasswordLookup;
  /** Every entry, in file order. */
  entries(): SaslUserEntry[];
  /** tsvirt's text file, or Cyrus's sasldb (which tsvirt does not write). */
  readonly format: UserDbFormat;
  /** Every user@realm property, in file order (sasldblistusers2's listing). */
  properties(): SaslUserProperty[];
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

const PASSWORD_PROPERTY = 'userPassword';

/**
 * A database over a list of entries (a later entry for the same user@realm
 * wins). `properties` defaults to each entry's userPassword.
 */
export function userDbOf(path: string, list: readonly SaslUserEntry[], format: UserDbFormat = 'tsvirt',
  properties?: readonly SaslUserProperty[]): SaslUserDb {
  const map = new Map<string, SaslUserEntry>();
  for (const e of list) map.set(key(e.user, e.realm), e);
  return {
    path,
    format,
    lookup: (user, realm) => map.get(key(user, realm))?.password ?? null,
    entries: () => [...map.values()],
    properties: () => properties ? [...properties] : [...map.values()].map((e) => ({ user: e.user, realm: e.realm, property: PASSWORD_PROPERTY })),
  };
}

/** A database over Cyrus sasldb bytes: its userPassword records are the entries. */
function cyrusUserDb(path: string, bytes: Buffer): SaslUserDb {
  let records;
  try {
    records = parseSasldb(bytes, path);
  } catch (e) {
    if (e instanceof SasldbError) throw new UserDbError(e.message, { cause: e });
    throw e;
  }
  const entries = records.filter((r) => r.property === PASSWORD_PROPERTY)
    .map((r) => ({ user: r.user, realm: r.realm, password: r.value.toString('utf8') }));
  return userDbOf(path, entries, 'cyrus', records.map(({ user, realm, property }) => ({ user, realm, property })));
}

/** The file's bytes, or null when it does not exist; refuses a file larger than any user database. */
async function readBounded(path: string): Promise<Buffer | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const { size } = await fh.stat();
    if (size > SASLDB_MAX_BYTES) throw new UserDbError(`${path}: ${size} bytes is more than a user database this reader takes (${SASLDB_MAX_BYTES})`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * Read a user database file: tsvirt's text format or Cyrus's sasldb.
 * A missing file is an empty database, as for a fresh sasldb.
 */
export async function readUserDb(path: string): Promise<SaslUserDb> {
  const bytes = await readBounded(path);
  if (bytes === null) return userDbOf(path, []);
  if (isBerkeleyDb(bytes)) return cyrusUserDb(path, bytes);
  return userDbOf(path, parseUserDb(bytes.toString('utf8'), path));
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
