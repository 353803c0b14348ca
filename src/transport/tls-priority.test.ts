import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSecureContext } from 'node:tls';
import { ErrorCode, VirtError } from '../errors.js';
import { parsePriority, priorityOptions, profileProblem } from './tls-priority.js';

const fails = (priority: string, code: ErrorCode, reason: RegExp) => () =>
  assert.throws(() => parsePriority(priority), (e: unknown) => e instanceof VirtError && e.code === code &&
    e.message.includes(`Failed to set TLS session priority to ${priority}: `) && reason.test(e.message));

describe('tls_priority: GnuTLS priority strings as OpenSSL options', () => {
  it('NORMAL: TLS 1.0-1.3 (OpenSSL needs security level 0 for the old ones), every cipher and key exchange', () => {
    const p = parsePriority('NORMAL');
    assert.equal(p.minVersion, 'TLSv1');
    assert.equal(p.maxVersion, 'TLSv1.3');
    assert.match(p.ciphers, /@SECLEVEL=0$/);
    for (const s of ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305', 'AES128-SHA', 'DHE-RSA-AES128-GCM-SHA256']) {
      assert.ok(p.ciphers.split(':').includes(s), s);
    }
    assert.equal(p.ciphersuites, 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256');
    assert.equal(p.honorCipherOrder, false);
  });

  it('versions: -VERS-TLS1.3, -VERS-ALL:+VERS-TLS1.2, VERS-TLS-ALL, SSL 3.0 and DTLS ignored', () => {
    assert.deepEqual([parsePriority('NORMAL:-VERS-TLS1.3').minVersion, parsePriority('NORMAL:-VERS-TLS1.3').maxVersion], ['TLSv1', 'TLSv1.2']);
    const p = parsePriority('NORMAL:-VERS-ALL:+VERS-TLS1.2');
    assert.deepEqual([p.minVersion, p.maxVersion], ['TLSv1.2', 'TLSv1.2']);
    assert.doesNotMatch(p.ciphers, /SECLEVEL/);
    const q = parsePriority('NORMAL:-VERS-TLS-ALL:+VERS-TLS1.3:-VERS-SSL3.0:-VERS-DTLS-ALL');
    assert.deepEqual([q.minVersion, q.maxVersion], ['TLSv1.3', 'TLSv1.3']);
  });

  it('SECURE192/256: 256-bit ciphers only and the HIGH certificate profile; PFS: no RSA key exchange', () => {
    const p = parsePriority('SECURE256');
    assert.ok(p.ciphers.split(':').filter((s) => !s.startsWith('@')).every((s) => /AES256|CHACHA20/.test(s)), p.ciphers);
    assert.equal(p.ciphersuites, 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(profileProblem(p, { type: 'rsa', bits: 2048 }), 'The certificate uses an insecure algorithm');
    assert.equal(profileProblem(p, { type: 'rsa', bits: 3072 }), null);
    assert.equal(profileProblem(parsePriority('SECURE128'), { type: 'rsa', bits: 2048 }), null);
    assert.ok(parsePriority('PFS').ciphers.split(':').every((s) => /^(ECDHE|DHE)-|^@/.test(s)));
  });

  it('ciphers, key exchanges and MACs can be removed and added back', () => {
    const p = parsePriority('NORMAL:-CIPHER-ALL:+AES-256-GCM:-RSA:-DHE-RSA:-ECDHE-ECDSA');
    assert.equal(p.ciphers.replace(/:@SECLEVEL=0$/, ''), 'ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal(p.ciphersuites, 'TLS_AES_256_GCM_SHA384');
    assert.ok(parsePriority('NORMAL:-SHA1').ciphers.split(':').every((s) => !s.endsWith('-SHA')));
    assert.equal(parsePriority('NORMAL:%SERVER_PRECEDENCE:%COMPAT').honorCipherOrder, true);
  });

  it('every translation makes a usable OpenSSL context', () => {
    for (const s of ['NORMAL', 'PERFORMANCE', 'SECURE128', 'SECURE192', 'SECURE256', 'PFS', 'LEGACY', 'NORMAL:-VERS-TLS1.3',
      'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'NORMAL:-VERS-ALL:+VERS-TLS1.0', 'NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305', 'NORMAL:-AEAD', 'NONE:+VERS-TLS1.2:+AES-128-GCM:+ECDHE-RSA:+AEAD']) {
      assert.doesNotThrow(() => createSecureContext(priorityOptions(parsePriority(s))), s);
    }
    assert.deepEqual(priorityOptions(null), {});
  });

  it('GnuTLS refusals give GnuTLS\'s words (measured with virsh)', () => {
    fails('BOGUS', ErrorCode.SYSTEM_ERROR, /: The request is invalid\.$/)();
    fails('NORMAL:+BOGUS', ErrorCode.SYSTEM_ERROR, /: The request is invalid\.$/)();
    fails('@SYSTEM', ErrorCode.SYSTEM_ERROR, /: The request is invalid\.$/)();
    fails('NORMAL:%BOGUS', ErrorCode.SYSTEM_ERROR, /: The request is invalid\.$/)();
    fails('NONE', ErrorCode.SYSTEM_ERROR, /: No or insufficient priorities were set\.$/)();
    fails('NORMAL:-VERS-ALL', ErrorCode.SYSTEM_ERROR, /: No or insufficient priorities were set\.$/)();
    fails('NORMAL:-CIPHER-ALL', ErrorCode.SYSTEM_ERROR, /: No or insufficient priorities were set\.$/)();
  });

  it('valid for GnuTLS but not expressible with OpenSSL: CONFIG_UNSUPPORTED naming the part', () => {
    fails('NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.2', ErrorCode.CONFIG_UNSUPPORTED, /'a set of TLS versions with a gap'/)();
    fails('NORMAL:+CAMELLIA-128-CBC', ErrorCode.CONFIG_UNSUPPORTED, /'\+CAMELLIA-128-CBC' is valid for GnuTLS but has no OpenSSL equivalent/)();
    fails('NORMAL:-SIGN-ALL', ErrorCode.CONFIG_UNSUPPORTED, /'-SIGN-ALL'/)();
    fails('NORMAL:%NO_ETM', ErrorCode.CONFIG_UNSUPPORTED, /'%NO_ETM'/)();
    fails('SUITEB128', ErrorCode.CONFIG_UNSUPPORTED, /'SUITEB128'/)();
    // Removing what we never offer, or adding what OpenSSL always has, is fine.
    assert.doesNotThrow(() => parsePriority('NORMAL:-3DES-CBC:-ARCFOUR-128:+SIGN-ALL:+COMP-NULL:+CTYPE-X509'));
  });
});
