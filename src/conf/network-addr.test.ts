import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRange, formatAddr, ipPrefix, parseAddr } from './network-addr.js';

const fmt = (s: string): string | null => {
  const a = parseAddr(s);
  return a ? formatAddr(a) : null;
};

test('IPv4 parses with inet_aton rules', () => {
  assert.equal(fmt('192.168.122.1'), '192.168.122.1');
  assert.equal(fmt('010.2.3.4'), '8.2.3.4');
  assert.equal(fmt('10.1'), '10.0.0.1');
  assert.equal(fmt('0x7f.1'), '127.0.0.1');
  assert.equal(fmt('256.1.1.1'), null);
  assert.equal(fmt('x'), null);
});

test('IPv6 prints in canonical compressed form', () => {
  assert.equal(fmt('fd00:0:0::1'), 'fd00::1');
  assert.equal(fmt('2001:db8:0:0:1::1'), '2001:db8::1:0:0:1');
  assert.equal(fmt('2001:db8:1:0:1:1:1:1'), '2001:db8:1:0:1:1:1:1');
  assert.equal(fmt('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  assert.equal(fmt('::'), '::');
});

test('prefixes and DHCP range checks', () => {
  assert.equal(ipPrefix(parseAddr('10.0.0.1')!, undefined, 0), 8);
  assert.equal(ipPrefix(parseAddr('192.168.0.1')!, parseAddr('255.255.255.0')!, 0), 24);
  assert.equal(ipPrefix(parseAddr('fd00::1')!, undefined, 0), 64);
  const net = parseAddr('1.2.3.4')!;
  assert.throws(() => checkRange(parseAddr('1.2.3.9')!, parseAddr('1.2.3.5')!, net, 24),
    { message: 'internal error: range 1.2.3.9 - 1.2.3.5 is reversed ' });
  assert.throws(() => checkRange(parseAddr('1.2.4.9')!, parseAddr('1.2.4.15')!, net, 24),
    { message: 'internal error: range 1.2.4.9 - 1.2.4.15 is not entirely within network 1.2.3.4/24' });
});
