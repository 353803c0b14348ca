/**
 * Percent-escaping as libvirt's URI layer does it. libvirt parses and prints
 * URIs with libxml2 (xmlParseURI / xmlSaveUri) and re-encodes query
 * parameters with GLib (g_string_append_uri_escaped); each of those has its
 * own idea of which characters may stay as they are, so each gets a
 * predicate here.
 *
 * Everything works on UTF-8 bytes, as the C code does: a non-ASCII character
 * is escaped byte by byte (`é` → `%C3%A9`).
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A predicate over one byte (0–255). */
export type ByteClass = (c: number) => boolean;

/** ASCII letter. */
export const isAlpha: ByteClass = (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** ASCII digit. */
export const isDigit: ByteClass = (c) => c >= 0x30 && c <= 0x39;
/** ASCII hex digit, either case. */
export const isHex: ByteClass = (c) =>
  isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

function inSet(chars: string): ByteClass {
  const set = new Set([...chars].map((ch) => ch.charCodeAt(0)));
  return (c) => set.has(c);
}

/**
 * RFC 2396 "unreserved" as libxml2's xmlSaveUri still uses it: alphanumerics
 * plus the marks `-_.!~*'()`.
 */
const isMark = inSet("-_.!~*'()");
export const isLegacyUnreserved: ByteClass = (c) => isAlpha(c) || isDigit(c) || isMark(c);

/** RFC 2396 "reserved" plus `[` `]` (libxml2 IS_RESERVED). */
export const isLegacyReserved = inSet(';/?:@&=+$,[]');

/** What xmlSaveUri leaves alone in the userinfo part. */
export const USER_SAFE: ByteClass = (c) => isLegacyUnreserved(c) || inUserExtra(c);
const inUserExtra = inSet(';:&=+$,');

/** What xmlSaveUri leaves alone in the path. Note `:` is not in it. */
export const PATH_SAFE: ByteClass = (c) => isLegacyUnreserved(c) || inPathExtra(c);
const inPathExtra = inSet('/;@&=+$,');

/** What xmlSaveUri leaves alone in the fragment. */
export const FRAGMENT_SAFE: ByteClass = (c) => isLegacyUnreserved(c) || isLegacyReserved(c);

/**
 * RFC 3986 unreserved: what g_string_append_uri_escaped(…, NULL, FALSE)
 * leaves alone, and so what virURIFormatParams keeps in parameter values.
 */
export const PARAM_VALUE_SAFE: ByteClass = (c) => isAlpha(c) || isDigit(c) || inStrictMark(c);
const inStrictMark = inSet('-._~');

function hex2(b: number): string {
  return '%' + b.toString(16).toUpperCase().padStart(2, '0');
}

/** Escapes every UTF-8 byte of `text` that `safe` rejects as `%XX` (upper-case hex). */
export function escapeBytes(text: string, safe: ByteClass): string {
  let out = '';
  for (const b of encoder.encode(text)) out += safe(b) ? String.fromCharCode(b) : hex2(b);
  return out;
}

/**
 * Decodes `%XX` sequences the way xmlURIUnescapeString does: only a `%`
 * followed by two hex digits is decoded, anything else (a lone `%`, `+`) is
 * kept verbatim. The bytes are read back as UTF-8; a decoded NUL ends the
 * string, because in C that is where the string stops.
 */
export function unescapeURIString(text: string): string {
  // Nothing to decode: the text itself, unless UTF-8 would change it (a lone
  // surrogate becomes U+FFFD). This keeps long URIs with many parameters
  // linear in practice, not just in theory.
  if (!text.includes('%') && !text.includes('\0') && !LONE_SURROGATE.test(text)) return text;
  const src = encoder.encode(text);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length;) {
    if (src[i] === 0x25 && i + 2 < src.length && isHex(src[i + 1]!) && isHex(src[i + 2]!)) {
      out[n++] = parseInt(String.fromCharCode(src[i + 1]!, src[i + 2]!), 16);
      i += 3;
    } else {
      out[n++] = src[i++]!;
    }
  }
  const nul = out.subarray(0, n).indexOf(0);
  return decoder.decode(out.subarray(0, nul < 0 ? n : nul));
}
