/**
 * tsvirsh vs virsh on test:///default for the stream commands: console,
 * vol-upload, vol-download. The test driver has no console or volume
 * streams (libvirt's test_driver.c implements neither), so past the
 * option and lookup checks both programs print libvirt's "not supported".
 * With stdin not a terminal, console stops at virsh's TTY check; the real
 * sessions are compared in test/interop/console.test.ts and
 * test/interop/streams.test.ts.
 */
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const dir = mkdtempSync(join(tmpdir(), 'tsvirsh-streams-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const SRC = join(dir, 'src.bin');
writeFileSync(SRC, 'some bytes\n');
/** Where downloads would go: both programs create and then remove it on failure. */
const DST = join(dir, 'dst.bin');
const VOL = 'vol-create-as default-pool v1 1M';

const CASES: Case[] = [
  { name: 'help console', args: ['help', 'console'] },
  { name: 'help vol-upload', args: ['help', 'vol-upload'] },
  { name: 'help vol-download', args: ['help', 'vol-download'] },
  { name: 'console: no TTY', args: d('console', 'test') },
  { name: 'console: no TTY, with options', args: d('console', 'test', '--devname', 'serial0', '--force', '--safe') },
  { name: 'console: shut off domain', args: d('destroy test; console test') },
  { name: 'console: missing domain', args: d('console', 'nosuch') },
  { name: 'console: empty --devname', args: d('console', 'test', '--devname', '') },
  { name: 'console: no domain given', args: d('console') },
  { name: 'console: unknown option', args: d('console', 'test', '--bogus') },
  { name: 'console: -e ^a, no TTY', args: ['-e', '^a', ...d('console', 'test')] },
  { name: 'console: bad escape', args: ['-e', '^1', ...d('console', 'test')] },
  { name: 'console: read-only', args: ['-r', ...d('console', 'test')] },
  { name: 'vol-upload: not supported by the test driver', args: d(`${VOL}; vol-upload v1 ${SRC} --pool default-pool`) },
  { name: 'vol-upload: sparse, offset, length', args: d(`${VOL}; vol-upload --pool default-pool v1 ${SRC} --sparse --offset 4096 --length 10`) },
  { name: 'vol-upload: length -1 wraps', args: d(`${VOL}; vol-upload v1 ${SRC} --pool default-pool --length -1`) },
  { name: 'vol-upload: missing file', args: d(`${VOL}; vol-upload v1 ${join(dir, 'nonexistent')} --pool default-pool`) },
  { name: 'vol-upload: missing volume', args: d('vol-upload', 'nosuch', SRC, '--pool', 'default-pool') },
  { name: 'vol-upload: missing pool', args: d('vol-upload', 'v1', SRC, '--pool', 'nosuch') },
  { name: 'vol-upload: volume by path, no pool', args: d('vol-upload', '/default-pool/nosuch', SRC) },
  { name: 'vol-upload: negative offset', args: d('vol-upload', 'v1', SRC, '--offset', '-1') },
  { name: 'vol-upload: bad length', args: d('vol-upload', 'v1', SRC, '--length', 'abc') },
  { name: 'vol-upload: no file', args: d('vol-upload', 'v1') },
  { name: 'vol-upload: read-only', args: ['-r', ...d(`vol-upload /default-pool/v1 ${SRC}`)] },
  { name: 'vol-download: not supported by the test driver (the file is removed)', args: d(`${VOL}; vol-download v1 ${DST} --pool default-pool; vol-download v1 ${DST} --pool default-pool --sparse`) },
  { name: 'vol-download: offset and length', args: d(`${VOL}; vol-download v1 ${DST} --pool default-pool --offset 10 --length -1`) },
  { name: 'vol-download: cannot create the file', args: d(`${VOL}; vol-download v1 ${join(dir, 'no', 'dir')} --pool default-pool`) },
  { name: 'vol-download: missing volume', args: d('vol-download', 'nosuch', DST, '--pool', 'default-pool') },
  { name: 'vol-download: bad offset', args: d('vol-download', 'v1', DST, '--offset', '1x') },
  { name: 'vol-download: read-only', args: ['-r', ...d(`vol-download /default-pool/v1 ${DST}`)] },
];

diffCases('tsvirsh matches virsh: streams', CASES);
