import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlainClient, PlainServer } from './plain.js';
import { SaslError } from './mechanism.js';

const lookup = (u: string): string | null => (u === 'tim' ? 'tanstaaftanstaaf' : null);

test('PLAIN client message is authzid NUL authcid NUL passwd (RFC 4616 §4)', () => {
  const c = new PlainClient('tim', 'tanstaaftanstaaf');
  assert.deepEqual(c.start(), Buffer.from('\0tim\0tanstaaftanstaaf'));
  assert.equal(c.isComplete, true);
  assert.equal(new PlainClient('tim', 'p', 'Ursel').start().toString(), 'Ursel\0tim\0p');
});

test('PLAIN server accepts the right password only', () => {
  const ok = new PlainServer(lookup, 'r');
  assert.equal(ok.start(Buffer.from('\0tim\0tanstaaftanstaaf')), null);
  assert.equal(ok.isComplete, true);
  assert.equal(ok.username, 'tim');
  for (const msg of ['\0tim\0wrong', '\0bob\0tanstaaftanstaaf', 'Ursel\0tim\0tanstaaftanstaaf', 'garbage']) {
    assert.throws(() => new PlainServer(lookup, 'r').start(Buffer.from(msg)), SaslError, msg);
  }
  // No initial response: an empty challenge asks for it.
  const s = new PlainServer(lookup, 'r');
  assert.deepEqual(s.start(null), Buffer.alloc(0));
  s.step(Buffer.from('\0tim\0tanstaaftanstaaf'));
  assert.equal(s.isComplete, true);
});
