import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rc4 } from './rc4.js';

// Classic published RC4 vectors (Key/Plaintext/Ciphertext).
test('RC4 known vectors', () => {
  assert.equal(new Rc4(Buffer.from('Key')).update(Buffer.from('Plaintext')).toString('hex'), 'bbf316e8d940af0ad3');
  assert.equal(new Rc4(Buffer.from('Wiki')).update(Buffer.from('pedia')).toString('hex'), '1021bf0420');
  assert.equal(new Rc4(Buffer.from('Secret')).update(Buffer.from('Attack at dawn')).toString('hex'), '45a01f645fc35b383552544b9bf5');
});

test('RC4 keystream continues across update() calls', () => {
  const a = new Rc4(Buffer.from('Secret'));
  const split = Buffer.concat([a.update(Buffer.from('Attack ')), a.update(Buffer.from('at dawn'))]);
  assert.equal(split.toString('hex'), '45a01f645fc35b383552544b9bf5');
});
