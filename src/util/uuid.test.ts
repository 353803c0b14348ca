import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatUUIDBytes, parseUUID as _unused } from '../api/connection.js';
import { parseUUIDText } from './uuid.js';

void _unused;

const CANON = '6695eb01-f6a4-8304-79aa-97f2502e193f';

test('virUUIDParse accepts what libvirt accepts', () => {
  for (const s of [CANON, CANON.toUpperCase(), CANON.replace(/-/g, ''), `  ${CANON}\n`, '6695eb01 f6a4 8304 79aa 97f2502e193f',
    '66-95-eb-01-f6a4-8304-79aa-97f2502e193f', '--6695eb01f6a4830479aa97f2502e193f']) {
    assert.equal(parseUUIDText(s), CANON, JSON.stringify(s));
  }
});

test('virUUIDParse rejects what libvirt rejects', () => {
  for (const s of ['', CANON.slice(0, 35), `${CANON}0`, `${CANON}x`, '6695eb0-1f6a4-8304-79aa-97f2502e193f', `x${CANON}`,
    '6695eb01-f6a4-8304-79aa-97f2502e193g']) {
    assert.equal(parseUUIDText(s), null, JSON.stringify(s));
  }
});

test('virUUIDFormat of bytes', () => {
  assert.equal(formatUUIDBytes(Buffer.from(CANON.replace(/-/g, ''), 'hex')), CANON);
});
