import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFixed, padEnd, prettySize, Table, treeLines, XmlBuffer } from './format.js';

test('formatFixed rounds exact ties to even, like glibc printf', () => {
  assert.equal(formatFixed(1.125, 2), '1.12');
  assert.equal(formatFixed(1.375, 2), '1.38');
  assert.equal(formatFixed(0.5, 0), '0');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(1795285239.5543, 1), '1795285239.6');
  assert.equal(formatFixed(100, 2), '100.00');
  assert.equal(formatFixed(0.001, 6), '0.001000');
  // 0.1 + 0.2 is 0.30000000000000004: not a tie.
  assert.equal(formatFixed(0.1 + 0.2, 2), '0.30');
});

test('prettySize picks the largest unit below 1024 of the value', () => {
  assert.equal(prettySize(0), '0.00 B');
  assert.equal(prettySize(1023), '1023.00 B');
  assert.equal(prettySize(1152), '1.12 KiB');
  assert.equal(prettySize(1179648), '1.12 MiB');
  assert.equal(prettySize(107374182400), '100.00 GiB');
  assert.equal(prettySize(1099511627776), '1.00 TiB');
});

test('padEnd counts bytes as printf does', () => {
  assert.equal(padEnd('Id:', 6), 'Id:   ');
  assert.equal(padEnd('café', 6), 'café ');
  assert.equal(padEnd('toolongvalue', 4), 'toolongvalue');
});

test('Table lays out columns as vshTable', () => {
  const t = new Table('Id', 'Name', 'State');
  t.add('1', 'test', 'running');
  t.add('-', 'a\tb', 'shut off');
  assert.equal(t.render(true, { LANG: 'C.UTF-8' }),
    ' Id   Name     State\n'
    + '-------------------------\n'
    + ' 1    test     running\n'
    + ' -    a\\x09b   shut off\n');
  // Without the header (virsh -q) only the rows count for the widths.
  assert.equal(t.render(false, { LANG: 'C.UTF-8' }), ' 1   test     running\n -   a\\x09b   shut off\n');
});

test('Table escapes non-ASCII bytes outside a UTF-8 locale and measures wide characters in one', () => {
  const t = new Table('Name', 'Title');
  t.add('café', 'コーヒー');
  assert.equal(t.render(true, { LANG: 'C.UTF-8' }), ' Name   Title\n------------------\n café   コーヒー\n');
  assert.equal(t.render(true, { LC_ALL: 'C' }),
    ' Name          Title\n'
    + '-----------------------------------------------------------------\n'
    + ' caf\\xff\\xff   \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\n');
});

test('treeLines draws vshTreePrint rails', () => {
  const names = ['computer', 'pci_0', 'net_eth0', 'usb_1'];
  const parents = [null, 'computer', 'pci_0', 'computer'];
  assert.equal(treeLines(names, parents, 0),
    'computer\n'
    + '  |\n'
    + '  +- pci_0\n'
    + '  |   |\n'
    + '  |   +- net_eth0\n'
    + '  |     \n'
    + '  +- usb_1\n'
    + '    \n');
});

test('XmlBuffer indents each added line start', () => {
  const b = new XmlBuffer();
  b.add('<a>\n').indent(2).add('<b/>\n').indent(-2).add('</a>\n');
  assert.equal(b.toString(), '<a>\n  <b/>\n</a>\n');
});
