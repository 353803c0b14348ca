/**
 * auth.conf, the client credential file (docs/auth.rst,
 * src/util/virauthconfig.c, src/util/virauth.c):
 *
 *     [credentials-test]
 *     authname=fred
 *     password=123456
 *
 *     [auth-libvirt-test1.example.com]     # auth-<service>-<hostname>
 *     credentials=test
 *
 *     [auth-libvirt-default]               # any other host for that service
 *     credentials=test
 *
 * libvirt reads it with GLib's GKeyFile, so the syntax here is GKeyFile's:
 * `#` comments, `[group]` headers, `key=value` lines with blanks around `=`
 * ignored, later keys replacing earlier ones, repeated groups merged, and
 * the escapes `\s \n \t \r \\` in values.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { ParsedURI } from '../uri/types.js';
import { isReadable } from '../util/file-access.js';
import { DEFAULT_SYSCONFDIR, readConfigFile, userConfigDirectory } from './read-file.js';

/** A parsed auth.conf: groups of raw (still escaped) key/value pairs. */
export interface AuthConfig {
  /** The file it came from, named in error messages. */
  path: string;
  groups: Map<string, Map<string, string>>;
}

const isSpace = (c: string | undefined): boolean => c !== undefined && c !== '' && ' \t\n\v\f\r'.includes(c);

function syntaxError(path: string, line: number, detail: string): VirtError {
  return VirtError.report(ErrorCode.CONF_SYNTAX, ErrorDomain.CONF, `${path}:${line}: ${detail}`);
}

/** GKeyFile group names: non-empty, no brackets, no control characters. */
function isGroupName(name: string): boolean {
  return name !== '' && !/[[\]\x00-\x1f\x7f]/.test(name);
}

/**
 * GKeyFile key names: non-empty, no brackets except a `[locale]` suffix.
 * (Surrounding blanks are already trimmed off.)
 */
function isKeyName(name: string): boolean {
  return /^[^[\]=]+(\[[^[\]=]+\])?$/.test(name);
}

/**
 * Parses auth.conf text (g_key_file_load_from_data as
 * virAuthConfigNewData uses it).
 *
 * @throws VirtError CONF_SYNTAX (domain CONF) `<path>:<line>: <problem>`.
 *   libvirt itself drops GKeyFile's message; we keep the location.
 */
export function parseAuthConfig(text: string, path: string): AuthConfig {
  const groups = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
    let start = 0;
    while (isSpace(raw[start])) start++;
    const line = raw.slice(start);
    if (line === '' || line.startsWith('#')) continue;

    const group = /^\[([^\]]*)\][ \t]*$/.exec(line);
    if (group) {
      const name = group[1]!;
      if (!isGroupName(name)) throw syntaxError(path, n + 1, `invalid group name '${name}'`);
      current = groups.get(name) ?? new Map<string, string>();
      groups.set(name, current);
      continue;
    }

    const eq = line.indexOf('=');
    if (eq > 0) {
      if (current === null) throw syntaxError(path, n + 1, 'key file does not start with a group');
      let keyEnd = eq;
      while (keyEnd > 0 && isSpace(line[keyEnd - 1])) keyEnd--;
      const key = line.slice(0, keyEnd);
      if (!isKeyName(key)) throw syntaxError(path, n + 1, `invalid key name '${key}'`);
      let valueStart = eq + 1;
      while (isSpace(line[valueStart])) valueStart++;
      current.set(key, line.slice(valueStart));
      continue;
    }
    throw syntaxError(path, n + 1, `line '${line}' is not a key-value pair, group, or comment`);
  }
  return { path, groups };
}

/**
 * virAuthConfigNew: reads and parses an auth.conf file.
 *
 * @throws VirtError SYSTEM_ERROR when unreadable, CONF_SYNTAX when malformed.
 */
export function loadAuthConfig(path: string): AuthConfig {
  return parseAuthConfig(readConfigFile(path), path);
}

/** g_key_file_get_string's unescaping; null for a bad escape (GKeyFile's error). */
function unescapeValue(raw: string): string | null {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') { out += c; continue; }
    const e = raw[++i];
    switch (e) {
      case 's': out += ' '; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      default: return null;
    }
  }
  return out;
}

/** A key's value, or null when missing or badly escaped. */
function getAuthValue(cfg: AuthConfig, group: string, key: string): string | null {
  const raw = cfg.groups.get(group)?.get(key);
  return raw === undefined ? null : unescapeValue(raw);
}

/**
 * virAuthConfigLookup: the credential `credname` (username, authname,
 * password, realm, …) for `service` on `hostname` (default "localhost"),
 * from `[auth-<service>-<hostname>]` or else `[auth-<service>-default]`,
 * whose `credentials=NAME` points at `[credentials-NAME]`. null when no
 * group applies or the credential is not set.
 *
 * @throws VirtError CONF_SYNTAX when the auth group lacks `credentials` or
 *   names a credentials group that does not exist.
 */
export function lookupCredential(cfg: AuthConfig, service: string, hostname: string | null,
  credname: string): string | null {
  let authGroup = `auth-${service}-${hostname ?? 'localhost'}`;
  if (!cfg.groups.has(authGroup)) authGroup = `auth-${service}-default`;
  if (!cfg.groups.has(authGroup)) return null;

  const credentials = getAuthValue(cfg, authGroup, 'credentials');
  if (credentials === null) {
    throw VirtError.report(ErrorCode.CONF_SYNTAX, ErrorDomain.NONE,
      `Missing item 'credentials' in group '${authGroup}' in '${cfg.path}'`);
  }
  const credGroup = `credentials-${credentials}`;
  if (!cfg.groups.has(credGroup)) {
    throw VirtError.report(ErrorCode.CONF_SYNTAX, ErrorDomain.NONE,
      `Missing group 'credentials-${credentials}' referenced from group '${authGroup}' in '${cfg.path}'`);
  }
  return getAuthValue(cfg, credGroup, credname);
}

/** Where to look; defaults are libvirt's. */
export interface AuthConfigPathOptions {
  /** Directory holding `libvirt/auth.conf` as the last resort (default `/etc`). */
  sysconfDir?: string;
}

/**
 * virAuthGetConfigFilePathURI: which auth.conf to use, in libvirt's order:
 * `$LIBVIRT_AUTH_FILE` (taken as is, even if missing), the URI's first
 * `authfile=` parameter (likewise), then `$XDG_CONFIG_HOME/libvirt/auth.conf`
 * and `/etc/libvirt/auth.conf` if readable. null when there is none.
 */
export function findAuthConfigPath(uri: Pick<ParsedURI, 'params'> | null,
  env: NodeJS.ProcessEnv = process.env, options: AuthConfigPathOptions = {}): string | null {
  const fromEnv = env.LIBVIRT_AUTH_FILE;
  if (fromEnv !== undefined) return fromEnv;

  // libvirt compares this name case-sensitively, unlike the remote driver's
  // own parameters.
  const fromURI = uri?.params.find((p) => p.name === 'authfile');
  if (fromURI) return fromURI.value;

  const user = `${userConfigDirectory(env)}/auth.conf`;
  if (isReadable(user)) return user;
  const system = `${options.sysconfDir ?? DEFAULT_SYSCONFDIR}/libvirt/auth.conf`;
  if (isReadable(system)) return system;
  return null;
}
