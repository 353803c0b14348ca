import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blobKeyType, checkHostKey, formatKnownHostsLine, hashHostName, hexFingerprint, hostFieldMatches, hostName,
  knownKeyTypes, parseKnownHosts,
} from './known-hosts.js';

/** A fake key blob of the given type (string type + some bytes). */
function blob(type: string, fill: number): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.alloc(8, fill)]);
}

const ED = blob('ssh-ed25519', 1);
const ED2 = blob('ssh-ed25519', 2);
const RSA = blob('ssh-rsa', 3);

describe('known_hosts', () => {
  it('parses plain, marked and commented lines, skipping junk', () => {
    const text = [
      '# comment',
      '',
      `host1,host2 ssh-ed25519 ${ED.toString('base64')} user@box`,
      `@revoked * ssh-rsa ${RSA.toString('base64')}`,
      'broken-line-without-key',
      `[h]:2222 ssh-ed25519 ${ED2.toString('base64')}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    assert.equal(entries.length, 3);
    assert.deepEqual(entries.map((e) => [e.marker, e.hosts, e.keyType, e.line]), [
      [null, 'host1,host2', 'ssh-ed25519', 3],
      ['@revoked', '*', 'ssh-rsa', 4],
      [null, '[h]:2222', 'ssh-ed25519', 6],
    ]);
    assert.ok(entries[0]!.key.equals(ED));
  });

  it('names hosts the ssh way', () => {
    assert.equal(hostName('h', 22), 'h');
    assert.equal(hostName('h', 2222), '[h]:2222');
    assert.equal(hostName('::1', 2222), '[::1]:2222');
  });

  it('matches lists, wildcards, negation and case', () => {
    assert.ok(hostFieldMatches('a,b,c', 'b'));
    assert.ok(hostFieldMatches('Example.COM', 'example.com'));
    assert.ok(hostFieldMatches('*.example.com', 'www.example.com'));
    assert.ok(hostFieldMatches('h?st', 'host'));
    assert.ok(!hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com'));
    assert.ok(hostFieldMatches('[h]:2222', '[h]:2222'));
    assert.ok(!hostFieldMatches('h', '[h]:2222'));
  });

  it('matches hashed host names', () => {
    const salt = Buffer.alloc(20, 7);
    const field = hashHostName('[127.0.0.1]:2200', salt);
    assert.match(field, /^\|1\|[^|]+\|[^|]+$/);
    assert.ok(hostFieldMatches(field, '[127.0.0.1]:2200'));
    assert.ok(!hostFieldMatches(field, '127.0.0.1'));
    // HMAC-SHA1 keyed by the salt, computed independently.
    assert.ok(hostFieldMatches('|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|nO6iD/NnqF6BuAxsSVjbtKzJJIQ=', 'localhost'));
    assert.ok(!hostFieldMatches('|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|nO6iD/NnqF6BuAxsSVjbtKzJJIQ=', 'localhost2'));
  });

  it('checks a host key: ok, changed, unknown, revoked', () => {
    const entries = parseKnownHosts([
      `h ssh-ed25519 ${ED.toString('base64')}`,
      `[p]:2222 ssh-rsa ${RSA.toString('base64')}`,
      `@revoked * ssh-ed25519 ${ED2.toString('base64')}`,
    ].join('\n'));
    assert.equal(checkHostKey(entries, 'h', 22, ED), 'ok');
    assert.equal(checkHostKey(entries, 'h', 22, RSA), 'changed');
    assert.equal(checkHostKey(entries, 'h', 2222, ED), 'unknown');
    assert.equal(checkHostKey(entries, 'p', 2222, RSA), 'ok');
    assert.equal(checkHostKey(entries, 'other', 22, ED), 'unknown');
    assert.equal(checkHostKey(entries, 'other', 22, ED2), 'changed');
    assert.deepEqual(knownKeyTypes(entries, 'h', 22), ['ssh-ed25519']);
    assert.deepEqual(knownKeyTypes(entries, 'p', 2222), ['ssh-rsa']);
  });

  it('formats what libssh appends, and fingerprints', () => {
    assert.equal(blobKeyType(ED), 'ssh-ed25519');
    assert.equal(formatKnownHostsLine('h', 22, ED), `h ssh-ed25519 ${ED.toString('base64')}\n`);
    assert.equal(formatKnownHostsLine('h', 2200, ED), `[h]:2200 ssh-ed25519 ${ED.toString('base64')}\n`);
    const round = parseKnownHosts(formatKnownHostsLine('h', 2200, ED));
    assert.equal(checkHostKey(round, 'h', 2200, ED), 'ok');
    assert.match(hexFingerprint(ED, 'sha1'), /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    assert.match(hexFingerprint(ED, 'md5', true), /^([0-9A-F]{2}:){15}[0-9A-F]{2}$/);
  });
});
