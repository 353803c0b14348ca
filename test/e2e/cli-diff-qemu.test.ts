/**
 * tsvirsh against stock virsh on test:///default for what the QEMU interop
 * test (test/interop/qemu-domain.test.ts) found: `dommemstat --period`
 * calls virDomainSetMemoryStatsPeriod, which libvirt 9.0's test driver
 * implements (the balloon's `<stats period>`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ro = (...args: string[]) => ['-r', '-c', 'test:///default', ...args];
const DIR = mkdtempSync(join(tmpdir(), 'tsvirsh-qemu-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));
const NO_BALLOON = join(DIR, 'nb.xml');
writeFileSync(NO_BALLOON, `<domain type='test'><name>nb</name><memory>1024</memory><os><type>hvm</type></os>`
  + `<devices><memballoon model='none'/></devices></domain>\n`);

const CASES: Case[] = [
  { name: 'dommemstat-period', args: d('dommemstat test --period 5; dumpxml test; dommemstat test --period 0; dumpxml test') },
  { name: 'dommemstat-period-config', args: d('dommemstat test --period 7 --config; dumpxml --inactive test; dumpxml test') },
  { name: 'dommemstat-period-live', args: d('dommemstat test --period 9 --live; dumpxml test') },
  { name: 'dommemstat-period-current', args: d('dommemstat test --period 3 --current; dumpxml test') },
  { name: 'dommemstat-period-live-config', args: d('dommemstat test --period 5 --live --config') },
  { name: 'dommemstat-period-current-live', args: d('dommemstat test --period 5 --current --live') },
  { name: 'dommemstat-period-negative', args: d('dommemstat test --period -1') },
  { name: 'dommemstat-period-not-a-number', args: d('dommemstat test --period x') },
  { name: 'dommemstat-period-inactive', args: d('destroy test; dommemstat test --period 4; dumpxml test; dommemstat test --period 4 --live') },
  { name: 'dommemstat-period-no-balloon', args: d(`define ${NO_BALLOON}; dommemstat nb --period 4; start nb; dommemstat nb --period 4`) },
  { name: 'dommemstat-period-missing-domain', args: d('dommemstat nosuch --period 4') },
  { name: 'dommemstat-period-readonly', args: ro('dommemstat test --period 4') },
];

diffCases('tsvirsh matches virsh: qemu interop findings', CASES);
