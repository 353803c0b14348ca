/** tsvirsh against virsh: domcapabilities on test:///default (the test driver has no domain capabilities). */
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];

diffCases('tsvirsh matches virsh: domcapabilities', [
  { name: 'domcapabilities-help', args: d('help', 'domcapabilities') },
  { name: 'domcapabilities-plain', args: d('domcapabilities') },
  { name: 'domcapabilities-options', args: d('domcapabilities --virttype kvm --emulatorbin /usr/bin/qemu-system-x86_64 --arch x86_64 --machine pc') },
  { name: 'domcapabilities-empty', args: d('domcapabilities', '--machine', '') },
  { name: 'domcapabilities-readonly', args: ['-r', ...d('domcapabilities')] },
]);
