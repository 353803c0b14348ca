import assert from 'node:assert/strict';
import { test } from 'node:test';
import { savedFileHeader } from './domain-obj.js';

const UUID = '6a1f0c9e-4b7d-4e3a-9c2f-5d8e7b6a4c31';

test('the saved file\'s comment names the domain, else its UUID, as virXMLPickShellSafeComment picks', () => {
  assert.match(savedFileHeader('web1', UUID), /\n {2}virsh edit web1\n/);
  // A name with `--` would end the XML comment, one with a space is not one shell word.
  assert.match(savedFileHeader('a--b', UUID), new RegExp(`\\n {2}virsh edit ${UUID}\\n`));
  assert.match(savedFileHeader('my vm', UUID), new RegExp(`\\n {2}virsh edit ${UUID}\\n`));
  assert.match(savedFileHeader('x$(y)', 'bad uuid'), /\n {2}virsh edit\n/);
  assert.ok(!savedFileHeader('a--b', UUID).slice(4, -5).includes('--'));
});
