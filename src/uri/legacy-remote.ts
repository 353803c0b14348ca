/**
 * The remote driver's original name syntax, from before connection names
 * were URIs (libvirt 0.2-era remote_internal.c, quoted in seed 002):
 *
 *     remote:<protocol>:<path> var=value var=value …
 *
 * with protocol tls|unix|ssh|ext|tcp, the shorthands `remote:/path/socket`
 * (unix) and `remote://server[:port]` (tls), and %-escaped values where `+`
 * is a space. We translate such a name into the modern URI that means the
 * same thing, so the rest of the stack only ever sees URIs.
 *
 * The translation keeps the `remote` scheme and passes `name=` through as a
 * `?name=` parameter, e.g. `remote:ssh:myserver name=qemu:///system` →
 * `remote+ssh://myserver/?name=qemu:///system`. That is exact: a legacy name
 * was sent verbatim to the daemon, which is what the remote driver does with
 * `?name=`, whereas rewriting it to `qemu+ssh://myserver/system` would also
 * change which daemon socket the remote side picks.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { escapeBytes, isAlpha, isDigit, unescapeURIString } from './escape.js';

/** Where warnings about ignored variables go. */
export type WarningSink = (message: string) => void;

/** The default sink: one line on stderr, as the old remote driver printed. */
export const stderrWarning: WarningSink = (message) => { process.stderr.write(`${message}\n`); };

const PROTOCOLS = ['tls', 'unix', 'ssh', 'ext', 'tcp'] as const;
type Protocol = (typeof PROTOCOLS)[number];

/**
 * Variables kept as URI parameters: the two the old syntax documented
 * (`name`, `command`) and every parameter the modern remote driver reads
 * (remote_driver.c doRemoteOpen), so nothing a user could mean is lost.
 */
const KNOWN_VARIABLES = new Set([
  'name', 'command', 'socket', 'netcat', 'keyfile', 'no_verify', 'no_tty', 'pkipath',
  'known_hosts', 'known_hosts_verify', 'sshauth', 'tls_priority', 'mode', 'proxy',
  'auth', 'authfile', 'no_sanity',
]);

/** `[user@]host[:port]`, the host possibly a bracketed IPv6 literal. */
const HOST_TARGET = /^(?:[^@/?#[\]\s]+@)?(?:\[[^\]\s/?#]+\]|[^:@/?#[\]\s]*)(?::\d+)?$/;

/** Legacy values: `+` is a space, then %-escapes (so `%2b` is a literal `+`). */
function decodeLegacyValue(value: string): string {
  return unescapeURIString(value.replaceAll('+', ' '));
}

/**
 * Query text for a parameter name or value: RFC 3986 query characters stay
 * as they are (so `name=qemu:///system` stays readable); `&`, `;`, `#`, `%`,
 * `=` in names, spaces and anything else are %-escaped. libvirt's parameter
 * parser decodes all of these back (virURIParseParams).
 */
function encodeQueryPart(text: string, isName: boolean): string {
  return escapeBytes(text, (c) =>
    isAlpha(c) || isDigit(c) || "-._~!$'()*,:@/?+".includes(String.fromCharCode(c)) ||
    (!isName && c === 0x3d));
}

function malformed(text: string): VirtError {
  return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE, `malformed legacy remote URI '${text}'`);
}

/**
 * Translates an old-style `remote:` connection name to the equivalent
 * modern URI string, or returns null when `text` is not in the old syntax
 * (modern URIs such as `remote://host/?pkipath=…` or `remote:///` pass
 * through untouched).
 *
 * - `remote:unix:/var/run/libvirtd/socket` → `remote+unix:///?socket=/var/run/libvirtd/socket`
 * - `remote:tls:host`, `remote://host` → `remote+tls://host/`
 * - `remote:ssh:host:2222 command=/opt/ssh` → `remote+ssh://host:2222/?command=/opt/ssh`
 * - `remote:ext:/usr/bin/tunnel` → `remote+ext:///?command=/usr/bin/tunnel`
 *
 * Default ports (tls 16514, tcp 16509, ssh 22) are left implicit. Unknown
 * variables are dropped with a warning to `warn`.
 *
 * @throws VirtError INVALID_ARG (domain REMOTE) when the text starts like a
 *   legacy name (`remote:tls:` …) but its target is not `[user@]host[:port]`.
 */
export function translateLegacyRemote(text: string, warn: WarningSink = stderrWarning): string | null {
  if (!/^remote:/i.test(text)) return null;
  const rest = text.slice('remote:'.length);
  const ws = rest.search(/[ \t]/);
  const head = ws < 0 ? rest : rest.slice(0, ws);
  const vars = ws < 0 ? '' : rest.slice(ws);

  let protocol: Protocol;
  let target: string;
  if (head.startsWith('//')) {
    // remote://server[:port]: only the bare authority is legacy; anything
    // with a path, query or fragment is a modern remote:// URI.
    target = head.slice(2);
    if (target === '' || /[/?#]/.test(target)) return null;
    protocol = 'tls';
  } else if (head.startsWith('/')) {
    target = head;
    protocol = 'unix';
  } else {
    const colon = head.indexOf(':');
    const name = colon < 0 ? '' : head.slice(0, colon).toLowerCase();
    if (!(PROTOCOLS as readonly string[]).includes(name)) return null;
    protocol = name as Protocol;
    target = head.slice(colon + 1);
  }

  const isLocal = protocol === 'unix' || protocol === 'ext';
  if (isLocal ? target === '' : !HOST_TARGET.test(target)) throw malformed(text);

  const params: Array<[string, string]> = [];
  // unix and ext name a local socket / program instead of a host.
  const targetParam = protocol === 'unix' ? 'socket' : protocol === 'ext' ? 'command' : null;
  if (targetParam) params.push([targetParam, target]);

  for (const token of vars.split(/[ \t]+/).filter((t) => t !== '')) {
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq).toLowerCase() : token;
    if (eq <= 0 || !KNOWN_VARIABLES.has(name)) {
      warn(`warning: ignoring unknown variable '${token}' in legacy remote URI '${text}'`);
      continue;
    }
    if (name === targetParam) {
      warn(`warning: ignoring variable '${token}' in legacy remote URI '${text}', the ${protocol} path already sets it`);
      continue;
    }
    params.push([name, decodeLegacyValue(token.slice(eq + 1))]);
  }

  const authority = isLocal ? '' : target;
  const query = params.map(([n, v]) => `${encodeQueryPart(n, true)}=${encodeQueryPart(v, false)}`).join('&');
  return `remote+${protocol}://${authority}/${query ? `?${query}` : ''}`;
}
