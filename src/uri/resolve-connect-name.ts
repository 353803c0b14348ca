/**
 * What virConnectOpenInternal (src/libvirt.c) does with a connection name
 * before it asks any driver: legacy rewrites, the default URI, aliases,
 * parsing and the sanity checks. Drivers then only see a parsed URI, or
 * nothing at all when the default has to be probed.
 */
import { ClientConfig, loadClientConfig } from '../config/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { translateLegacyRemote, type WarningSink } from './legacy-remote.js';
import { parseURI } from './parse-uri.js';
import type { ParsedURI } from './types.js';

/** virConnectFlags bits that matter here. */
export const ConnectFlags = {
  RO: 1,
  NO_ALIASES: 2,
} as const;

/** The characters an alias name may use (URI_ALIAS_CHARS in viruri.c). */
const ALIAS_NAME = /^[A-Za-z0-9_-]+$/;

/** Whether `name` could be a URI alias: non-empty and only `a-z A-Z 0-9 _ -`. */
export function isAliasName(name: string): boolean {
  return ALIAS_NAME.test(name);
}

/**
 * virURIFindAliasMatch: the URI for `alias` from `alias=uri` entries, or
 * null. Entries are checked in order up to the match, so a malformed entry
 * before it (or anywhere, when nothing matches) is an error. A string with
 * characters outside the alias set can never match, since every entry's
 * name must be made of them.
 *
 * @throws VirtError CONF_SYNTAX (domain URI) for an entry without '=' or
 *   with a bad alias name.
 */
export function findURIAlias(aliases: readonly string[], alias: string): string | null {
  for (const entry of aliases) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      throw VirtError.report(ErrorCode.CONF_SYNTAX, ErrorDomain.URI,
        `Malformed 'uri_aliases' config entry '${entry}', expected 'alias=uri://host/path'`);
    }
    // An empty alias name ("=uri") passes libvirt's check too.
    if (eq > 0 && !isAliasName(entry.slice(0, eq))) {
      throw VirtError.report(ErrorCode.CONF_SYNTAX, ErrorDomain.URI,
        `Malformed 'uri_aliases' config entry '${entry}', aliases may only contain 'a-Z, 0-9, _, -'`);
    }
    if (entry.slice(0, eq) === alias) return entry.slice(eq + 1);
  }
  return null;
}

/**
 * virURIResolveAlias: looks `alias` up in the config's `uri_aliases`.
 *
 * @throws VirtError when `uri_aliases` is not a list of strings or holds a
 *   malformed entry.
 */
export function resolveURIAlias(config: ClientConfig | null, alias: string): string | null {
  const aliases = config?.uriAliases() ?? null;
  return aliases && aliases.length > 0 ? findURIAlias(aliases, alias) : null;
}

/** Options for {@link resolveConnectName}. */
export interface ResolveOptions {
  /** virConnectFlags; only NO_ALIASES (2) is looked at. */
  flags: number;
  /** Where LIBVIRT_DEFAULT_URI is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * The client config for `uri_default` and `uri_aliases`. Omitted: loaded
   * from the standard place with `env`. null: no config file.
   */
  config?: ClientConfig | null;
  /** Whose config file to load when `config` is omitted (default: this process's uid). */
  uid?: number;
  /** Where warnings about legacy `remote:` names go (default stderr). */
  warn?: WarningSink;
}

/** The outcome: the URI string and its parse, or both null to probe. */
export interface ResolvedName {
  name: string | null;
  uri: ParsedURI | null;
}

/** Drivers whose URIs always have a path (virConnectCheckURIMissingSlash). */
const PATH_DRIVERS = ['qemu', 'vbox', 'vz'];

/**
 * virConnectOpenInternal up to the driver loop: turns the name an
 * application passed to open a connection into the URI drivers are offered.
 *
 * 1. `""` is the same as no name; `xen` (any case) and `xen://` mean
 *    `xen:///system`.
 * 2. No name: `LIBVIRT_DEFAULT_URI` if set and non-empty, else the
 *    config's `uri_default`, else `{ name: null, uri: null }`, meaning
 *    "probe for a driver".
 * 3. Alias lookup in `uri_aliases`, unless `flags` has NO_ALIASES.
 * 4. Old-style `remote:proto:path var=value…` names are translated
 *    ({@link translateLegacyRemote}).
 * 5. Parse; a missing path becomes "" (libvirt spares drivers the null).
 * 6. Checks: a scheme is required; `qemu://system` and friends are
 *    rejected with a hint; legacy xend `http://host/` URIs are rejected.
 *
 * `name` in the result is the final URI text (after aliases and rewrites).
 *
 * @throws VirtError, e.g. NO_CONNECT `no connection driver available for
 *   URI 'x' does not include a driver name`, INTERNAL_ERROR `internal error:
 *   invalid URI qemu://system (maybe you want qemu:///system)`, INTERNAL_ERROR
 *   (domain URI) `Unable to parse URI …`, and config errors.
 */
export function resolveConnectName(name: string | null | undefined, opts: ResolveOptions): ResolvedName {
  const env = opts.env ?? process.env;
  const config = opts.config === undefined ? loadClientConfig(env, opts.uid) : opts.config;

  let given = name ?? null;
  if (given === '') given = null;
  // Back compat: "xen" and "xen://" (which libxml2 cannot parse) mean the
  // local Xen hypervisor.
  if (given !== null && (given.toLowerCase() === 'xen' || given === 'xen://')) given = 'xen:///system';

  // virConnectGetDefaultURI
  let uristr = given;
  if (uristr === null) {
    const fromEnv = env.LIBVIRT_DEFAULT_URI;
    uristr = fromEnv ? fromEnv : (config?.uriDefault() ?? null);
  }
  if (uristr === null) return { name: null, uri: null };

  if (!(opts.flags & ConnectFlags.NO_ALIASES)) {
    const target = resolveURIAlias(config, uristr);
    if (target !== null) uristr = target;
  }

  const modern = translateLegacyRemote(uristr, opts.warn);
  if (modern !== null) uristr = modern;

  const uri = parseURI(uristr);
  if (uri.path === null) uri.path = '';

  if (uri.scheme === null) {
    // libvirt names the string the caller passed (printing "(null)" when it
    // came from the default); we fall back to the string we parsed.
    throw VirtError.report(ErrorCode.NO_CONNECT, ErrorDomain.NONE,
      `URI '${given ?? uristr}' does not include a driver name`);
  }

  if (uri.server !== null && PATH_DRIVERS.includes(uri.scheme) &&
      (uri.server === 'system' || uri.server === 'session')) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
      `invalid URI ${uristr} (maybe you want ${uri.scheme}:///${uri.server})`);
  }

  // The xend HTTP interface went away with libvirt's old Xen driver; modern
  // libvirt would hand this to the remote driver, which fails obscurely.
  if (uri.scheme.toLowerCase() === 'http') {
    throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.NONE,
      `legacy xend HTTP URI '${uristr}' is not supported, use a remote URI such as ` +
      `'xen+ssh://${uri.server ?? 'host'}/system'`);
  }

  return { name: uristr, uri };
}
