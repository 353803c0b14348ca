/**
 * libvirt's `tls_priority` (libvirtd.conf, the client's libvirt.conf, or
 * the `tls_priority=` URI parameter) is a GnuTLS priority string, which
 * libvirt hands to gnutls_priority_set_direct for every session
 * (virNetTLSSessionNew). We speak TLS through OpenSSL, so the string is
 * translated into node:tls options where OpenSSL can say the same thing:
 * a base keyword, then `+`/`-`/`!` for protocol versions, ciphers and key
 * exchanges, and the `%SERVER_PRECEDENCE` flag. A string GnuTLS itself
 * rejects fails with GnuTLS's words, as in libvirt; a valid GnuTLS string we
 * cannot translate fails with a message naming the part.
 */
import { getCiphers, type SecureVersion } from 'node:tls';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';

/** What a priority string becomes: the node:tls options, and the certificate profile. */
export interface TlsPriority {
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** OpenSSL cipher list for TLS ≤ 1.2. */
  ciphers: string;
  /** OpenSSL TLS 1.3 cipher suites. */
  ciphersuites: string;
  honorCipherOrder: boolean;
  /**
   * The certificate verification profile's smallest acceptable key, in bits
   * (GnuTLS: NORMAL and SECURE128 GNUTLS_PROFILE_LOW, SECURE192/256
   * GNUTLS_PROFILE_HIGH); a peer certificate below it fails validation with
   * "The certificate uses an insecure algorithm".
   */
  minKeyBits: { rsa: number; ec: number };
}

const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const satisfies readonly SecureVersion[];
const VERSION_TOKENS: Record<string, number> = { 'VERS-TLS1.0': 0, 'VERS-TLS1.1': 1, 'VERS-TLS1.2': 2, 'VERS-TLS1.3': 3 };

/**
 * GnuTLS cipher names and the OpenSSL names they take: the part of a
 * TLS ≤ 1.2 suite name after the key exchange, and the TLS 1.3 suite.
 */
const CIPHERS: Record<string, { tls12: readonly string[]; tls13: string | null }> = {
  'AES-256-GCM': { tls12: ['AES256-GCM-SHA384'], tls13: 'TLS_AES_256_GCM_SHA384' },
  'CHACHA20-POLY1305': { tls12: ['CHACHA20-POLY1305'], tls13: 'TLS_CHACHA20_POLY1305_SHA256' },
  'AES-256-CCM': { tls12: ['AES256-CCM'], tls13: null },
  'AES-256-CBC': { tls12: ['AES256-SHA', 'AES256-SHA256', 'AES256-SHA384'], tls13: null },
  'AES-128-GCM': { tls12: ['AES128-GCM-SHA256'], tls13: 'TLS_AES_128_GCM_SHA256' },
  'AES-128-CCM': { tls12: ['AES128-CCM'], tls13: 'TLS_AES_128_CCM_SHA256' },
  'AES-128-CBC': { tls12: ['AES128-SHA', 'AES128-SHA256'], tls13: null },
};

/** GnuTLS key exchanges and the OpenSSL suite-name prefix (TLS ≤ 1.2; TLS 1.3 has none). */
const KX: Record<string, string> = { 'ECDHE-RSA': 'ECDHE-RSA-', 'ECDHE-ECDSA': 'ECDHE-ECDSA-', 'DHE-RSA': 'DHE-RSA-', RSA: '' };

/** GnuTLS MACs and whether a TLS ≤ 1.2 suite name (after the key exchange) uses it; TLS 1.3 is all AEAD. */
const MACS: Record<string, (suite: string) => boolean> = {
  AEAD: (x) => /GCM|CCM|POLY1305/.test(x),
  SHA1: (x) => x.endsWith('-SHA'),
  SHA256: (x) => x.endsWith('-SHA256') && !x.includes('GCM'),
  SHA384: (x) => x.endsWith('-SHA384') && !x.includes('GCM'),
};

const ALL_CIPHERS = Object.keys(CIPHERS);
const CIPHERS_256 = ['AES-256-GCM', 'CHACHA20-POLY1305', 'AES-256-CCM', 'AES-256-CBC'];
const PROFILE_LOW = { rsa: 1024, ec: 160 };
const PROFILE_HIGH = { rsa: 3072, ec: 256 };

interface Base { ciphers: readonly string[]; kx: readonly string[]; profile: { rsa: number; ec: number } }

/** The initial keywords (GnuTLS 3.7's priority strings, as Debian 12 builds them). */
const KEYWORDS: Record<string, Base | null> = {
  NORMAL: { ciphers: ALL_CIPHERS, kx: Object.keys(KX), profile: PROFILE_LOW },
  PERFORMANCE: { ciphers: ALL_CIPHERS, kx: Object.keys(KX), profile: PROFILE_LOW },
  LEGACY: { ciphers: ALL_CIPHERS, kx: Object.keys(KX), profile: PROFILE_LOW },
  PFS: { ciphers: ALL_CIPHERS, kx: ['ECDHE-RSA', 'ECDHE-ECDSA', 'DHE-RSA'], profile: PROFILE_LOW },
  SECURE128: { ciphers: ALL_CIPHERS, kx: Object.keys(KX), profile: PROFILE_LOW },
  SECURE192: { ciphers: CIPHERS_256, kx: Object.keys(KX), profile: PROFILE_HIGH },
  SECURE256: { ciphers: CIPHERS_256, kx: Object.keys(KX), profile: PROFILE_HIGH },
  NONE: { ciphers: [], kx: [], profile: PROFILE_LOW },
  // Valid in GnuTLS, no OpenSSL counterpart here.
  SUITEB128: null,
  SUITEB192: null,
};

/**
 * Valid GnuTLS names (its priority-strings documentation) that we don't
 * translate. NEVER_OFFERED: ciphers, key exchanges, versions, certificate
 * types and compression none of our sessions use, so removing them changes
 * nothing and adding them can't be done. ALWAYS_ON: MACs, signature
 * algorithms and groups OpenSSL enables by default, so adding them changes
 * nothing and removing them can't be done.
 */
const NEVER_OFFERED = /^(?:VERS-SSL3\.0|VERS-DTLS-ALL|VERS-DTLS(?:0\.9|1\.0|1\.2)|AES-(?:128|256)-CCM-8|AES-(?:128|192|256)-CFB8|CAMELLIA-(?:128|192|256)-(?:CBC|GCM)|3DES-CBC|ARCFOUR-(?:128|40)|NULL|GOST28147-TC26Z-CNT|MAGMA-CTR-ACPKM|KUZNYECHIK-CTR-ACPKM|UMAC-(?:96|128)|MD5|GOST28147-TC26Z-IMIT|ANON-DH|ANON-ECDH|DHE-DSS|DHE-PSK|ECDHE-PSK|RSA-PSK|PSK|SRP|SRP-RSA|SRP-DSS|RSA-EXPORT|VKO-GOST-12|CTYPE-(?:OPENPGP|RAWPK|CLI-RAWPK|SRV-RAWPK)|COMP-(?:DEFLATE|ZLIB|BROTLI|ZSTD))$/;
const ALWAYS_ON = /^(?:SIGN-ALL|GROUP-ALL|CURVE-ALL|CTYPE-ALL|COMP-ALL|COMP-NULL|CTYPE-X509|CTYPE-CLI-X509|CTYPE-SRV-X509|SHA512|(?:GROUP|CURVE)-[A-Z0-9-]+|SIGN-[A-Z0-9.-]+)$/;

/** GnuTLS's `%` flags: translated, harmless to OpenSSL as it is, or untranslated. */
const FLAGS_HARMLESS = new Set(['COMPAT', 'DUMBFW', 'SAFE_RENEGOTIATION', 'PARTIAL_RENEGOTIATION', 'NO_TICKETS', 'NO_TICKETS_TLS12']);
const FLAGS_KNOWN = /^(?:NO_EXTENSIONS|NO_SESSION_HASH|FORCE_SESSION_HASH|NO_ETM|FORCE_ETM|UNSAFE_RENEGOTIATION|DISABLE_SAFE_RENEGOTIATION|STATELESS_COMPRESSION|VERIFY_ALLOW_SIGN_RSA_MD5|VERIFY_ALLOW_SIGN_WITH_SHA1|VERIFY_DISABLE_CRL_CHECKS|VERIFY_ALLOW_X509_V1_CA_CRT|VERIFY_ALLOW_BROKEN|ALLOW_SMALL_RECORDS|DISABLE_WILDCARDS|NO_STATUS_REQUEST|NO_SHUFFLE_EXTENSIONS|PROFILE_[A-Z0-9_]+)$/;

/** gnutls_strerror's texts for the two failures libvirt shows. */
const INVALID = 'The request is invalid.';
const INSUFFICIENT = 'No or insufficient priorities were set.';

function fail(priority: string, reason: string, code: ErrorCode = ErrorCode.SYSTEM_ERROR): VirtError {
  return VirtError.report(code, ErrorDomain.RPC, `Failed to set TLS session priority to ${priority}: ${reason}`);
}

function untranslated(priority: string, part: string): VirtError {
  return fail(priority, `'${part}' is valid for GnuTLS but has no OpenSSL equivalent in tsvirt.`, ErrorCode.CONFIG_UNSUPPORTED);
}

/** Applies one `+X` / `-X` / `!X` to a set; false when X is not a name of that kind. */
function edit(set: Set<string>, names: readonly string[], all: string, op: string, name: string): boolean {
  const which = name === all ? names : names.includes(name) ? [name] : null;
  if (which === null) return false;
  for (const n of which) {
    if (op === '+') set.add(n); else set.delete(n);
  }
  return true;
}

/**
 * Translates a GnuTLS priority string.
 *
 * @throws VirtError SYSTEM_ERROR `Failed to set TLS session priority to X: The request is invalid.`
 *   (or `No or insufficient priorities were set.`), as libvirt reports GnuTLS's refusal;
 *   CONFIG_UNSUPPORTED when GnuTLS would accept it but OpenSSL cannot be told the same.
 */
export function parsePriority(priority: string): TlsPriority {
  const [head = '', ...rest] = priority.split(':');
  // @KEYWORD names a system-wide configuration; Debian 12 ships none, so GnuTLS rejects it.
  if (!(head in KEYWORDS)) throw fail(priority, INVALID);
  const base = KEYWORDS[head];
  if (base === null || base === undefined) throw untranslated(priority, head);
  const versions = new Set<string>(head === 'NONE' ? [] : Object.keys(VERSION_TOKENS));
  const ciphers = new Set(base.ciphers);
  const kx = new Set(base.kx);
  const macs = new Set(Object.keys(MACS));
  let honorCipherOrder = false;
  for (const token of rest) {
    if (token === '') continue;
    if (token.startsWith('%')) {
      const flag = token.slice(1);
      if (flag === 'SERVER_PRECEDENCE') honorCipherOrder = true;
      else if (FLAGS_HARMLESS.has(flag)) continue;
      else if (FLAGS_KNOWN.test(flag)) throw untranslated(priority, token);
      else throw fail(priority, INVALID);
      continue;
    }
    const op = token[0]!;
    if (op !== '+' && op !== '-' && op !== '!') throw fail(priority, INVALID);
    const name = token.slice(1);
    if (edit(versions, Object.keys(VERSION_TOKENS), 'VERS-ALL', op, name === 'VERS-TLS-ALL' ? 'VERS-ALL' : name)) continue;
    if (edit(ciphers, ALL_CIPHERS, 'CIPHER-ALL', op, name)) continue;
    if (edit(kx, Object.keys(KX), 'KX-ALL', op, name)) continue;
    if (edit(macs, Object.keys(MACS), 'MAC-ALL', op, name)) continue;
    const adding = op === '+';
    if (NEVER_OFFERED.test(name)) {
      if (adding) throw untranslated(priority, token);
      continue;
    }
    if (ALWAYS_ON.test(name)) {
      if (!adding) throw untranslated(priority, token);
      continue;
    }
    throw fail(priority, INVALID);
  }
  return build(priority, versions, ciphers, kx, macs, honorCipherOrder, base.profile);
}

function build(priority: string, versions: Set<string>, ciphers: Set<string>, kx: Set<string>, macs: Set<string>,
  honorCipherOrder: boolean, profile: { rsa: number; ec: number }): TlsPriority {
  const on = Object.entries(VERSION_TOKENS).filter(([t]) => versions.has(t)).map(([, i]) => i);
  if (on.length === 0 || ciphers.size === 0) throw fail(priority, INSUFFICIENT);
  const lo = Math.min(...on);
  const hi = Math.max(...on);
  // OpenSSL takes a range, GnuTLS a set.
  if (on.length !== hi - lo + 1) throw untranslated(priority, 'a set of TLS versions with a gap');
  const available = new Set(getCiphers().map((c) => c.toUpperCase()));
  const order = ALL_CIPHERS.filter((c) => ciphers.has(c));
  const macOk = (suite: string): boolean => [...macs].some((m) => MACS[m]!(suite));
  const tls12 = order.flatMap((c) => [...kx].flatMap((k) => CIPHERS[c]!.tls12.filter(macOk).map((s) => `${KX[k]}${s}`)))
    .filter((s) => available.has(s));
  const tls13 = macs.has('AEAD') ? order.map((c) => CIPHERS[c]!.tls13).filter((s): s is string => s !== null) : [];
  // A version without a cipher can't be negotiated: narrow the range (OpenSSL won't take an empty list).
  let [min, max] = [lo, hi];
  if (tls13.length === 0 && max === 3) max = 2;
  if (tls12.length === 0 && min <= 2) min = 3;
  if (min > max) throw fail(priority, INSUFFICIENT);
  // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 1; GnuTLS's NORMAL allows them.
  const seclevel = min < 2 ? ':@SECLEVEL=0' : '';
  return {
    minVersion: VERSIONS[min]!, maxVersion: VERSIONS[max]!,
    // OpenSSL takes no empty TLS ≤ 1.2 list, even when only TLS 1.3 is on.
    ciphers: (tls12.length > 0 ? tls12.join(':') : 'DEFAULT') + seclevel, ciphersuites: tls13.join(':'),
    honorCipherOrder, minKeyBits: profile,
  };
}

/**
 * The verification profile's check of a peer certificate's key: null if
 * it is strong enough, else GnuTLS's reason.
 */
export function profileProblem(p: TlsPriority | null, key: { type: string | undefined; bits: number | undefined }): string | null {
  if (p === null || key.bits === undefined) return null;
  const min = key.type === 'rsa' ? p.minKeyBits.rsa : key.type === 'ec' ? p.minKeyBits.ec : 0;
  return key.bits < min ? 'The certificate uses an insecure algorithm' : null;
}

/** node:tls options for a parsed priority (none: node's defaults). */
export function priorityOptions(p: TlsPriority | null): Record<string, unknown> {
  if (p === null) return {};
  return {
    minVersion: p.minVersion, maxVersion: p.maxVersion,
    ciphers: p.ciphers, ciphersuites: p.ciphersuites, honorCipherOrder: p.honorCipherOrder,
  };
}
