/**
 * Connection URI parsing and formatting with libvirt's semantics
 * (src/util/viruri.c). libvirt hands the string to libxml2's RFC 3986 parser
 * (xmlParseURI, uri.c), keeps the raw query, strips the brackets from an IPv6
 * literal and splits the query into parameters itself; printing goes back
 * through xmlSaveUri. This module reproduces that pipeline, including the
 * escaping rules, so a URI round-trips to the same text libvirt prints.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  FRAGMENT_SAFE, PARAM_VALUE_SAFE, PATH_SAFE, USER_SAFE,
  escapeBytes, isAlpha, isDigit, isHex, unescapeURIString,
} from './escape.js';
import type { ParsedURI, URIParam } from './types.js';

/** What libxml2's parser fills in, before libvirt's fix-ups. */
interface RawURI {
  scheme: string | null;
  user: string | null;
  server: string | null;
  /** 0 = no port; -1 = "//" with an empty server (libxml2's PORT_EMPTY_SERVER). */
  port: number;
  path: string | null;
  queryRaw: string | null;
  fragment: string | null;
}

const INT_MAX = 2147483647;

// RFC 3986 character classes of ASCII, one bit each, so that the parser's
// loops test a character with one table lookup.
const UNRESERVED = 1, SUB_DELIM = 2, COLON = 4, AT = 8, SLASH = 16, QUESTION = 32, BRACKET = 64, SCHEME = 128;
const PCHAR = UNRESERVED | SUB_DELIM | COLON | AT;
const CLASS = new Uint8Array(0x80);
function classify(chars: string, bit: number): void {
  for (const ch of chars) CLASS[ch.charCodeAt(0)] = CLASS[ch.charCodeAt(0)]! | bit;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
classify(ALNUM + '-._~', UNRESERVED);
classify("!$&'()*+,;=", SUB_DELIM);
classify(':', COLON);
classify('@', AT);
classify('/', SLASH);
classify('?', QUESTION);
classify('[]', BRACKET);
classify(ALNUM + '+-.', SCHEME);

const RUNS = new Map<number, RegExp>();
/** A sticky regex matching a run of the characters in `classes` (a %XX ends it). */
function runPattern(classes: number): RegExp {
  let re = RUNS.get(classes);
  if (!re) {
    let set = '';
    CLASS.forEach((bits, c) => { if (bits & classes) set += `\\x${c.toString(16).padStart(2, '0')}`; });
    re = new RegExp(`[${set}]*`, 'y');
    RUNS.set(classes, re);
  }
  return re;
}

/**
 * A recursive-descent parser for RFC 3986 URI-references, following
 * libxml2's xmlParse3986* functions step for step (same productions, same
 * order, same leniency), since what libvirt accepts is exactly what they
 * accept. Each method takes a position and returns the next one, or -1 when
 * the production does not match.
 */
class ReferenceParser {
  readonly #s: string;
  readonly uri: RawURI = {
    scheme: null, user: null, server: null, port: 0, path: null, queryRaw: null, fragment: null,
  };

  constructor(s: string) { this.#s = s; }

  #at(i: number): number { return i < this.#s.length ? this.#s.charCodeAt(i) : 0; }
  #slice(a: number, b: number): string { return this.#s.slice(a, b); }
  /** The character at `i`, or '' at the end (never matches a production). */
  #ch(i: number): string { return i < this.#s.length ? this.#s[i]! : ''; }
  /** The character classes (bits of CLASS) of the character at `i`; 0 past the end and for non-ASCII. */
  #class(i: number): number { const c = this.#at(i); return c < 0x80 ? CLASS[c]! : 0; }

  #isPct(i: number): boolean {
    return this.#at(i) === 0x25 && isHex(this.#at(i + 1)) && isHex(this.#at(i + 2));
  }
  /** Unreserved, sub-delims, or any of `extra` classes; or a %XX. */
  #is(i: number, classes: number): boolean { return (this.#class(i) & classes) !== 0 || this.#isPct(i); }
  #isPchar(i: number): boolean { return this.#is(i, PCHAR); }
  /** The end of the run of characters (or %XX) of these classes starting at `i`. */
  #run(i: number, classes: number): number {
    const re = runPattern(classes);
    for (;;) {
      re.lastIndex = i;
      re.test(this.#s);
      i = re.lastIndex;
      if (!this.#isPct(i)) return i;
      i += 3;
    }
  }

  /** scheme ":" hier-part [ "?" query ] [ "#" fragment ] (xmlParse3986URI). */
  parseAbsolute(): boolean {
    if (!isAlpha(this.#at(0))) return false;
    let i = 1;
    while ((this.#class(i) & SCHEME) !== 0) i++;
    this.uri.scheme = this.#slice(0, i);
    if (this.#ch(i) !== ':') return false;
    i++;
    if (this.#ch(i) === '/' && this.#ch(i + 1) === '/') {
      i = this.#authority(i + 2);
      if (i < 0) return false;
      // libxml2 marks "scheme://" with no server so that it prints back
      // with the slashes (xmlParse3986HierPart).
      if (this.uri.server === null && this.uri.port === 0) this.uri.port = -1;
      i = this.#pathAbEmpty(i);
    } else if (this.#ch(i) === '/') {
      i = this.#pathAbsolute(i);
    } else if (this.#isPchar(i)) {
      i = this.#pathRootless(i);
    }
    return i >= 0 && this.#tail(i);
  }

  /** relative-part [ "?" query ] [ "#" fragment ] (xmlParse3986RelativeRef). */
  parseRelative(): boolean {
    let i = 0;
    if (this.#ch(0) === '/' && this.#ch(1) === '/') {
      i = this.#authority(2);
      if (i >= 0) i = this.#pathAbEmpty(i);
    } else if (this.#ch(0) === '/') {
      i = this.#pathAbsolute(0);
    } else if (this.#isPchar(0)) {
      i = this.#pathNoScheme(0);
    }
    return i >= 0 && this.#tail(i);
  }

  /** Optional query and fragment, then the end of the string. */
  #tail(i: number): boolean {
    if (this.#ch(i) === '?') {
      const start = ++i;
      i = this.#run(i, PCHAR | SLASH | QUESTION);
      // libvirt keeps the raw bytes (xmluri->query_raw) and splits them itself.
      this.uri.queryRaw = this.#slice(start, i);
    }
    if (this.#ch(i) === '#') {
      const start = ++i;
      // libxml2 also lets '[' and ']' into fragments, for XPointer.
      i = this.#run(i, PCHAR | SLASH | QUESTION | BRACKET);
      this.uri.fragment = unescapeURIString(this.#slice(start, i));
    }
    return i === this.#s.length;
  }

  /** [ userinfo "@" ] host [ ":" port ] (xmlParse3986Authority). */
  #authority(i: number): number {
    const j = this.#run(i, UNRESERVED | SUB_DELIM | COLON);
    if (this.#ch(j) === '@') {
      // An empty userinfo ("//@host") makes libxml2 unescape the whole rest
      // of the string as the user name (a zero length means "to the end"
      // there); we take the empty string instead.
      this.uri.user = unescapeURIString(this.#slice(i, j));
      i = j + 1;
    }
    const host = i;
    if (this.#ch(i) === '[') {
      // IP-literal: anything up to the closing bracket.
      i++;
      while (i < this.#s.length && this.#ch(i) !== ']') i++;
      if (this.#ch(i) !== ']') return -1;
      i++;
    } else {
      // reg-name, which also covers IPv4 addresses (libxml2's IPv4 branch
      // never succeeds on its own and falls through to this).
      i = this.#run(i, UNRESERVED | SUB_DELIM);
    }
    this.uri.server = i !== host ? unescapeURIString(this.#slice(host, i)) : null;
    if (this.#ch(i) === ':') {
      i++;
      // xmlParse3986Port: at least one digit, and it must fit in an int.
      if (!isDigit(this.#at(i))) return -1;
      let port = 0;
      while (isDigit(this.#at(i))) {
        port = port * 10 + (this.#at(i) - 0x30);
        if (port > INT_MAX) return -1;
        i++;
      }
      this.uri.port = port;
    }
    return i;
  }

  /** segment / segment-nz / segment-nz-nc (xmlParse3986Segment); `classes` without COLON for -nc. */
  #segment(i: number, classes: number, allowEmpty: boolean): number {
    const end = this.#run(i, classes);
    return end === i && !allowEmpty ? -1 : end;
  }

  #setPath(start: number, end: number): void {
    this.uri.path = end !== start ? unescapeURIString(this.#slice(start, end)) : null;
  }

  /**
   * *( "/" segment ): a segment is a run of pchars, so the whole production
   * is one run of pchars and slashes that starts with a slash.
   */
  #slashSegments(i: number): number {
    return this.#ch(i) === '/' ? this.#run(i, PCHAR | SLASH) : i;
  }

  /** *( "/" segment ) */
  #pathAbEmpty(i: number): number {
    const end = this.#slashSegments(i);
    this.#setPath(i, end);
    return end;
  }

  /** "/" [ segment-nz *( "/" segment ) ] */
  #pathAbsolute(i: number): number {
    const j = this.#segment(i + 1, PCHAR, false);
    const end = j < 0 ? i + 1 : this.#slashSegments(j);
    this.#setPath(i, end);
    return end;
  }

  /** segment-nz *( "/" segment ) */
  #pathRootless(i: number): number {
    const j = this.#segment(i, PCHAR, false);
    if (j < 0) return -1;
    const end = this.#slashSegments(j);
    this.#setPath(i, end);
    return end;
  }

  /** segment-nz-nc *( "/" segment ): the first segment may not hold ':'. */
  #pathNoScheme(i: number): number {
    const j = this.#segment(i, PCHAR & ~COLON, false);
    if (j < 0) return -1;
    const end = this.#slashSegments(j);
    this.#setPath(i, end);
    return end;
  }
}

/** xmlParseURI: an absolute URI if possible, else a relative reference. */
function parseReference(text: string): RawURI | null {
  const abs = new ReferenceParser(text);
  if (abs.parseAbsolute()) return abs.uri;
  const rel = new ReferenceParser(text);
  return rel.parseRelative() ? rel.uri : null;
}

/**
 * Splits a raw query into parameters like virURIParseParams: `&` separates,
 * or `;` when the rest of the query has no `&` at all (libvirt looks for
 * `&` first, anywhere ahead); empty sections and `=value` are dropped; a bare
 * `name` has the value ""; names and values are %-decoded (`+` stays `+`).
 */
export function parseURIParams(query: string | null): URIParam[] {
  const params: URIParam[] = [];
  if (!query) return params;
  // The next '&' and '=' are remembered and searched again only once
  // passed, so a long query costs linear time, not one scan per section.
  let amp = query.indexOf('&');
  let equals = query.indexOf('=');
  let q = 0;
  while (q < query.length) {
    if (amp >= 0 && amp < q) amp = query.indexOf('&', q);
    let end = amp;
    if (end < 0) end = query.indexOf(';', q);
    if (end < 0) end = query.length;
    if (equals >= 0 && equals < q) equals = query.indexOf('=', q);
    const eq = equals >= end ? -1 : equals;

    if (end === q || eq === q) {
      // Empty section ("&&") or "=value": ignored, as CGI.pm does. (For a
      // bare "=" libvirt unescapes the rest of the query as a name, a quirk
      // of a zero length in xmlURIUnescapeString; we drop it instead.)
    } else if (eq < 0) {
      params.push({ name: unescapeURIString(query.slice(q, end)), value: '' });
    } else {
      params.push({
        name: unescapeURIString(query.slice(q, eq)),
        value: unescapeURIString(query.slice(eq + 1, end)),
      });
    }
    q = end < query.length ? end + 1 : end;
  }
  return params;
}

/** `driver+transport` → driver and lower-cased transport (null when absent). */
function splitScheme(scheme: string | null): { driver: string | null; transport: string | null } {
  if (scheme === null) return { driver: null, transport: null };
  const plus = scheme.indexOf('+');
  if (plus < 0) return { driver: scheme, transport: null };
  return { driver: scheme.slice(0, plus), transport: scheme.slice(plus + 1).toLowerCase() };
}

/**
 * virURIParse: parses a connection URI.
 *
 * `server` loses the brackets of an IPv6 literal, `port` is 0 unless a
 * server and a port were given, `query` is the raw query text and `params`
 * its parameters in order (duplicates kept). `driver` and `transport` are the
 * halves of a `driver+transport` scheme; the transport is lower-cased.
 *
 * @throws VirtError INTERNAL_ERROR (domain URI) `Unable to parse URI <text>`
 */
export function parseURI(text: string): ParsedURI {
  // The C string ends at the first NUL.
  const nul = text.indexOf('\0');
  const str = nul < 0 ? text : text.slice(0, nul);
  const raw = parseReference(str);
  if (!raw) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.URI, `Unable to parse URI ${str}`);
  }
  let server = raw.server;
  // virStringStripIPv6Brackets
  if (server !== null && server.startsWith('[') && server.endsWith(']') && server.includes(':')) {
    server = server.slice(1, -1);
  }
  return {
    scheme: raw.scheme,
    server,
    user: raw.user,
    // libxml2's port is only meaningful when there is a server.
    port: raw.server ? Math.max(raw.port, 0) : 0,
    path: raw.path,
    query: raw.queryRaw,
    fragment: raw.fragment,
    params: parseURIParams(raw.queryRaw),
    ...splitScheme(raw.scheme),
  };
}

/**
 * virURIFormat: prints a URI the way libvirt does (xmlSaveUri after
 * re-adding IPv6 brackets). `scheme` is authoritative (`driver`/`transport`
 * are not consulted) and `query` is written verbatim, as the raw query is in
 * libvirt; to rebuild it from `params`, set `query: formatURIParams(uri)`.
 *
 * The authority slashes are always written, so `test:/x` prints as
 * `test:///x` (libvirt's own trick, see virURIFormat).
 */
export function formatURI(uri: ParsedURI): string {
  let out = uri.scheme !== null ? `${uri.scheme}:` : '';
  const server = uri.server !== null && uri.server.includes(':') ? `[${uri.server}]` : uri.server;
  out += '//';
  if (uri.user !== null) out += `${escapeBytes(uri.user, USER_SAFE)}@`;
  if (server !== null) out += server;
  if (uri.port > 0) out += `:${uri.port}`;
  if (uri.path !== null) {
    let path = uri.path;
    // xmlSaveUri keeps the colon of a Windows drive in file:///d:/…
    if (uri.scheme === 'file' && /^\/[A-Za-z]:/.test(path)) {
      out += path.slice(0, 3);
      path = path.slice(3);
    }
    out += escapeBytes(path, PATH_SAFE);
  }
  if (uri.query !== null) out += `?${uri.query}`;
  if (uri.fragment !== null) out += `#${escapeBytes(uri.fragment, FRAGMENT_SAFE)}`;
  return out;
}

/**
 * virURIFormatParams: `name=value&…` for every parameter not marked
 * `ignore`, values escaped to RFC 3986 unreserved characters (names are
 * written as they are, as libvirt does). null when nothing is left.
 */
export function formatURIParams(uri: Pick<ParsedURI, 'params'>): string | null {
  const parts = uri.params
    .filter((p) => !p.ignore)
    .map((p) => `${p.name}=${escapeBytes(p.value, PARAM_VALUE_SAFE)}`);
  return parts.length > 0 ? parts.join('&') : null;
}

/**
 * virURIGetParam: the value of the first parameter called `name`, compared
 * case-insensitively.
 *
 * @throws VirtError INVALID_ARG (domain URI) `Missing URI parameter '<name>'`
 */
export function getURIParam(uri: Pick<ParsedURI, 'params'>, name: string): string {
  const lower = name.toLowerCase();
  const found = uri.params.find((p) => p.name.toLowerCase() === lower);
  if (!found) {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.URI, `Missing URI parameter '${name}'`);
  }
  return found.value;
}

/** The remote driver's transports (remoteDriverTransport, remote_sockets.c). */
export const RemoteTransports = ['tls', 'unix', 'ssh', 'libssh2', 'ext', 'tcp', 'libssh'] as const;
export type RemoteTransport = (typeof RemoteTransports)[number];

/**
 * remoteSplitURIScheme: the driver name and the transport the remote driver
 * would use: the explicit `+transport`, else `tls` with a server and `unix`
 * without one.
 *
 * @throws VirtError INVALID_ARG (domain REMOTE) for an unknown transport, or
 *   for `+unix` with a server.
 */
export function splitURIScheme(uri: ParsedURI): { driver: string; transport: RemoteTransport } {
  const { driver, transport } = splitScheme(uri.scheme);
  if (transport === null) {
    return { driver: driver ?? '', transport: uri.server !== null ? 'tls' : 'unix' };
  }
  if (!(RemoteTransports as readonly string[]).includes(transport)) {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
      'remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)');
  }
  if (transport === 'unix' && uri.server !== null) {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
      `using unix socket and remote server '${uri.server}' is not supported.`);
  }
  return { driver: driver ?? '', transport: transport as RemoteTransport };
}
