/**
 * OpenSSH known_hosts files, as far as the libssh transport needs them:
 * plain and hashed (`|1|salt|hash`) host fields, comma lists with `*`/`?`
 * wildcards and `!` negation, `[host]:port` for ports other than 22, and the
 * `@revoked` marker (`@cert-authority` lines are skipped).
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  /** `@revoked`, `@cert-authority`, or null. */
  marker: string | null;
  /** The host field as written (patterns or a hashed name). */
  hosts: string;
  keyType: string;
  /** The decoded key blob (SSH wire format). */
  key: Buffer;
  /** 1-based line number. */
  line: number;
}

/** Parses known_hosts text; malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/[ \t]+/);
    let marker: string | null = null;
    if (fields[0]!.startsWith('@')) marker = fields.shift()!;
    if (fields.length < 3) return;
    const [hosts, keyType, b64] = fields as [string, string, string];
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    out.push({ marker, hosts, keyType, key: Buffer.from(b64, 'base64'), line: i + 1 });
  });
  return out;
}

/** How ssh names a host in known_hosts: `host`, or `[host]:port` off port 22. */
export function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** match_pattern: `*` any run, `?` one character. */
function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(s);
}

/** Whether an entry's host field names `name` (the output of hostName()). */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (salt === undefined || hash === undefined) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  const lower = name.toLowerCase();
  let matched = false;
  for (const pat of field.split(',')) {
    if (pat.startsWith('!')) {
      if (globMatch(pat.slice(1).toLowerCase(), lower)) return false;
    } else if (globMatch(pat.toLowerCase(), lower)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type named inside a key blob (its first SSH string). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export type HostKeyStatus = 'ok' | 'changed' | 'unknown';

/**
 * ssh_session_is_known_server's answer: `ok` when an entry for the host has
 * this key, `changed` when the host is known with other keys only (or the
 * key is revoked), `unknown` otherwise.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number,
  key: Buffer): HostKeyStatus {
  const name = hostName(host, port);
  let known = false;
  for (const e of entries) {
    if (e.marker === '@revoked') {
      if (e.key.equals(key) && (e.hosts === '*' || hostFieldMatches(e.hosts, name))) return 'changed';
      continue;
    }
    if (e.marker !== null) continue;
    if (!hostFieldMatches(e.hosts, name)) continue;
    if (e.key.equals(key)) return 'ok';
    known = true;
  }
  return known ? 'changed' : 'unknown';
}

/** The key types recorded for a host, so the client can ask for one of them. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = hostName(host, port);
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker !== null || !hostFieldMatches(e.hosts, name)) continue;
    const t = blobKeyType(e.key) || e.keyType;
    if (!types.includes(t)) types.push(t);
  }
  return types;
}

/** The line ssh_session_update_known_hosts appends (plain host name). */
export function formatKnownHostsLine(host: string, port: number, key: Buffer): string {
  return `${hostName(host, port)} ${blobKeyType(key)} ${key.toString('base64')}\n`;
}

/** A hashed host field for `name`, as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer): string {
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${mac}`;
}

/** ssh_get_hexa of a digest: lower-case hex pairs joined by ':' (libssh). */
export function hexFingerprint(key: Buffer, algorithm: 'sha1' | 'md5' | 'sha256', upper = false): string {
  const hex = createHash(algorithm).update(key).digest('hex');
  const pairs = hex.match(/../g)!.join(':');
  return upper ? pairs.toUpperCase() : pairs;
}
