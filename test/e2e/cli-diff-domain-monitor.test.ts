/**
 * tsvirsh against stock virsh: the domain monitoring and guest commands
 * (domblk*, domif*, domcontrol, domfs*, domdisplay & co, keys, signals,
 * guest agent queries, jobs, launch security, dirty rate), their help
 * pages, normal paths on test:///default and on domains made from the
 * dom-monitor-*.xml fixtures, and their error paths.
 */
import { join } from 'node:path';
import { KEYCODE_NAMES, KEYCODE_SETS } from '../../src/util/keycode-data.js';
import { FIXTURES, type Case } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ro = (...args: string[]) => ['-r', '-c', 'test:///default', ...args];
const F = (name: string) => join(FIXTURES, name);
/** Statistics the test driver makes from the wall clock: only their layout can be compared. */
const CLOCK = /\d{9,}/;

const COMMANDS = [
  'domblkerror', 'domblklist', 'domblkstat', 'domblkthreshold', 'domiflist', 'domifstat', 'domif-getlink',
  'domif-setlink', 'domifaddr', 'domhostname', 'domcontrol', 'domjobabort', 'domjobinfo', 'domfsfreeze', 'domfsinfo',
  'domfsthaw', 'domfstrim', 'domdisplay', 'vncdisplay', 'ttyconsole', 'dompmsuspend', 'dompmwakeup', 'inject-nmi',
  'send-key', 'send-process-signal', 'guestinfo', 'guestvcpus', 'get-user-sshkeys', 'set-user-sshkeys',
  'set-user-password', 'domlaunchsecinfo', 'domsetlaunchsecstate', 'domdirtyrate-calc',
];

const helpCases: Case[] = COMMANDS.map((c) => ({ name: `help-${c}`, args: d('help', c) }));

const blockCases: Case[] = [
  { name: 'domblkerror', args: d('domblkerror', 'test') },
  { name: 'domblkerror-readonly', args: ro('domblkerror', 'test') },
  { name: 'domblkerror-unknown', args: d('domblkerror', 'nope') },
  { name: 'domblkerror-inactive', args: d('destroy test; domblkerror test') },
  { name: 'domblkerror-devices', args: d(`create ${F('dom-monitor-devices.xml')}; domblkerror n`) },
  { name: 'domblkerror-none', args: d(`create ${F('dom-monitor-bare.xml')}; domblkerror e`) },
  { name: 'domblkerror-none-quiet', args: ['-q', ...d(`create ${F('dom-monitor-bare.xml')}; domblkerror e`)] },
  { name: 'domblklist', args: d('domblklist', 'test') },
  { name: 'domblklist-details', args: d('domblklist', 'test', '--details') },
  { name: 'domblklist-inactive', args: d('domblklist', 'test', '--inactive') },
  { name: 'domblklist-quiet', args: ['-q', ...d('domblklist', 'test')] },
  { name: 'domblklist-unknown', args: d('domblklist', 'nope') },
  { name: 'domblklist-devices', args: d(`create ${F('dom-monitor-devices.xml')}; domblklist n; domblklist n --details`) },
  { name: 'domblklist-none', args: d(`create ${F('dom-monitor-bare.xml')}; domblklist e`) },
  { name: 'domblklist-source-kinds', args: d(`define ${F('dom-monitor-disks.xml')}; domblklist v --details; domblklist v`) },
  { name: 'domblkstat', args: d('domblkstat', 'test', 'vda'), mask: CLOCK },
  { name: 'domblkstat-human', args: d('domblkstat', 'test', 'vda', '--human'), mask: CLOCK },
  { name: 'domblkstat-readonly-human', args: ro('domblkstat', 'test', '--device', 'vda', '--human'), mask: CLOCK },
  { name: 'domblkstat-by-path', args: d('domblkstat', 'test', '/guest/diskimage1'), mask: CLOCK },
  { name: 'domblkstat-cdrom', args: d(`create ${F('dom-monitor-devices.xml')}; domblkstat n hdc; domblkstat n /dev/sr0`), mask: CLOCK },
  { name: 'domblkstat-unknown-disk', args: d('domblkstat', 'test', 'vdb') },
  { name: 'domblkstat-summary', args: d('domblkstat', 'test') },
  { name: 'domblkstat-empty-device', args: d('domblkstat', 'test', '--device', '') },
  { name: 'domblkstat-inactive', args: d('destroy test; domblkstat test vda') },
  { name: 'domblkstat-unknown', args: d('domblkstat', 'nope', 'vda') },
  { name: 'domblkthreshold', args: d('domblkthreshold', 'test', 'vda', '10k') },
  { name: 'domblkthreshold-bad', args: d('domblkthreshold', 'test', 'vda', 'abc') },
  { name: 'domblkthreshold-negative', args: d('domblkthreshold', 'test', 'vda', '-1') },
  { name: 'domblkthreshold-missing', args: d('domblkthreshold', 'test', 'vda') },
  { name: 'domblkthreshold-readonly', args: ro('domblkthreshold', 'test', 'vda', '10') },
];

const ifaceCases: Case[] = [
  { name: 'domiflist', args: d('domiflist', 'test') },
  { name: 'domiflist-inactive', args: d('domiflist', 'test', '--inactive') },
  { name: 'domiflist-unknown', args: d('domiflist', 'nope') },
  { name: 'domiflist-devices', args: d(`create ${F('dom-monitor-devices.xml')}; domiflist n; domiflist n --inactive`) },
  { name: 'domiflist-none', args: d(`create ${F('dom-monitor-bare.xml')}; domiflist e`) },
  { name: 'domifstat', args: d('domifstat', 'test', 'testnet0'), mask: CLOCK },
  { name: 'domifstat-by-mac', args: d('domifstat', 'test', 'aa:bb:cc:dd:ee:ff'), mask: CLOCK },
  { name: 'domifstat-devices', args: d(`create ${F('dom-monitor-devices.xml')}; domifstat n testnet2; domifstat n 52:54:00:11:22:35; domifstat n testnet5`), mask: CLOCK },
  { name: 'domifstat-unknown-iface', args: d('domifstat', 'test', 'AA:BB:CC:DD:EE:FE') },
  { name: 'domifstat-inactive', args: d('destroy test; domifstat test testnet0') },
  { name: 'domifstat-missing', args: d('domifstat', 'test') },
  { name: 'domifstat-empty', args: d('domifstat', 'test', '') },
  { name: 'domif-getlink', args: d('domif-getlink', 'test', 'aa:bb:cc:dd:ee:ff') },
  { name: 'domif-getlink-config', args: d('domif-getlink', 'test', 'AA:BB:CC:DD:EE:FF', '--config') },
  { name: 'domif-getlink-persistent', args: d('domif-getlink', 'test', 'testnet0', '--persistent') },
  { name: 'domif-getlink-no-mac', args: d('domif-getlink', 'test', '11:22:33:44:55:66') },
  { name: 'domif-getlink-no-dev', args: d('domif-getlink', 'test', 'vnet7') },
  { name: 'domif-getlink-empty', args: d('domif-getlink', 'test', '') },
  { name: 'domif-getlink-down', args: d(`create ${F('dom-monitor-devices.xml')}; domif-getlink n testnet0; domif-getlink n 52:54:00:11:22:33 --config`) },
  { name: 'domif-setlink', args: d('domif-setlink', 'test', 'testnet0', 'up') },
  { name: 'domif-setlink-config', args: d('domif-setlink', 'test', 'testnet0', 'down', '--persistent') },
  { name: 'domif-setlink-print-xml', args: d('domif-setlink', 'test', 'testnet0', 'down', '--print-xml') },
  { name: 'domif-setlink-print-xml-mac', args: d('domif-setlink', 'test', 'AA:BB:CC:DD:EE:FF', 'up', '--print-xml', '--config') },
  {
    name: 'domif-setlink-devices',
    args: d(`create ${F('dom-monitor-devices.xml')}; domif-setlink n 52:54:00:11:22:33 up --print-xml; `
      + 'domif-setlink n TESTNET0 up --print-xml; domif-setlink n 52:54:00:11:22:3 up --print-xml; '
      + 'domif-setlink n 52:54:0:11:22:33 down --print-xml; domif-setlink n 52:54:00:11:22:33xyz down --print-xml'),
  },
  {
    name: 'domif-setlink-escaping',
    args: d(`define ${F('dom-monitor-escape.xml')}; domif-setlink u tap0 down --print-xml; domif-setlink u TAP0 up --print-xml --config; domiflist u; domif-getlink u tap0`),
  },
  { name: 'domif-setlink-no-ifaces', args: d(`create ${F('dom-monitor-bare.xml')}; domif-setlink e x up`) },
  { name: 'domif-setlink-bad-state', args: d('domif-setlink', 'test', 'aa:bb:cc:dd:ee:ff', 'bogus') },
  { name: 'domif-setlink-unknown-iface', args: d('domif-setlink', 'test', 'vnet9', 'up') },
  { name: 'domif-setlink-readonly', args: ro('domif-setlink', 'test', 'testnet0', 'down') },
  { name: 'domifaddr', args: d('domifaddr', 'test') },
  { name: 'domifaddr-iface', args: d('domifaddr', 'test', 'testnet0', '--full') },
  { name: 'domifaddr-other-iface', args: d('domifaddr', 'test', 'nope') },
  { name: 'domifaddr-agent', args: d('domifaddr', 'test', '--source', 'agent') },
  { name: 'domifaddr-arp', args: d('domifaddr', 'test', '--source', 'arp') },
  { name: 'domifaddr-agent-readonly', args: ro('domifaddr', 'test', '--source', 'agent') },
  { name: 'domifaddr-lease-readonly', args: ro('domifaddr', 'test', '--source', 'lease') },
  { name: 'domifaddr-bad-source', args: d('domifaddr', 'test', '--source', 'bogus') },
  { name: 'domifaddr-bad-source-first', args: d('domifaddr', 'nope', 'testnet0', 'bogus') },
  { name: 'domifaddr-inactive', args: d('destroy test; domifaddr test') },
  { name: 'domifaddr-quiet', args: ['-q', ...d('domifaddr', 'test')] },
  { name: 'domifaddr-devices', args: d(`create ${F('dom-monitor-devices.xml')}; domifaddr n; domifaddr n --full`) },
  {
    name: 'domifaddr-networks',
    args: d(`net-create ${F('dom-monitor-net6.xml')}; net-create ${F('dom-monitor-net4.xml')}; `
      + `create ${F('dom-monitor-networks.xml')}; domifaddr w; domifaddr w --full; domifaddr w tap9`),
  },
  { name: 'domifaddr-missing-network', args: d(`create ${F('dom-monitor-networks.xml')}; domifaddr w`) },
];

const guestCases: Case[] = [
  { name: 'domhostname', args: d('domhostname', 'test') },
  { name: 'domhostname-lease', args: d('domhostname', 'test', '--source', 'lease') },
  { name: 'domhostname-agent', args: d('domhostname', 'test', 'agent') },
  { name: 'domhostname-bad-source', args: d('domhostname', 'test', '--source', 'bogus') },
  { name: 'domhostname-unknown', args: d('domhostname', 'nope', '--source', 'bogus') },
  { name: 'domhostname-readonly', args: ro('domhostname', 'test') },
  { name: 'domhostname-inactive', args: d('destroy test; domhostname test') },
  { name: 'domcontrol', args: d('domcontrol', 'test') },
  { name: 'domcontrol-readonly', args: ro('domcontrol', 'test') },
  { name: 'domcontrol-inactive', args: d('destroy test; domcontrol test') },
  {
    name: 'domcontrol-states',
    args: d('domtime test --time 5000; domcontrol test; domtime test --time 20000; domcontrol test; '
      + 'domtime test --time 30000; domcontrol test; domtime test --time 30001; domcontrol test; '
      + 'domtime test --time 30002; domcontrol test; domtime test --time 30003; domcontrol test; domtime test --sync; domcontrol test'),
  },
  { name: 'domjobabort', args: d('domjobabort', 'test') },
  { name: 'domjobabort-postcopy', args: d('domjobabort', 'test', '--postcopy') },
  { name: 'domjobabort-readonly', args: ro('domjobabort', 'test') },
  { name: 'domjobinfo', args: d('domjobinfo', 'test') },
  { name: 'domjobinfo-debug', args: ['-d', '0', ...d('domjobinfo', 'test')] },
  { name: 'domjobinfo-completed', args: d('domjobinfo', 'test', '--completed', '--keep-completed') },
  { name: 'domjobinfo-keep-alone', args: d('domjobinfo', 'test', '--keep-completed') },
  { name: 'domjobinfo-rawstats', args: d('domjobinfo', 'test', '--rawstats') },
  { name: 'domjobinfo-anystats-readonly', args: ro('domjobinfo', 'test', '--anystats') },
  { name: 'domjobinfo-extra', args: d('domjobinfo', 'test', 'x') },
  {
    name: 'domfsfreeze-thaw',
    args: d('domfsfreeze test / /boot; domfsfreeze test; domfsthaw test /boot; domfsthaw test --mountpoint /; domfsthaw test; '
      + 'domfsfreeze test --mountpoint /; domfsfreeze test; domfsthaw test /; domfsthaw test'),
  },
  { name: 'domfsfreeze-unknown-mountpoint', args: d('domfsfreeze', 'test', '/', '/x') },
  { name: 'domfsfreeze-empty-mountpoint', args: d('domfsfreeze test ""; domfsthaw test') },
  { name: 'domfsthaw-unknown-mountpoint', args: d('domfsthaw', 'test', '/x') },
  { name: 'domfsfreeze-readonly', args: ro('domfsfreeze', 'test') },
  { name: 'domfsfreeze-inactive', args: d('destroy test; domfsfreeze test; domfsthaw test') },
  { name: 'domfstrim', args: d('domfstrim', 'test') },
  { name: 'domfstrim-options', args: d('domfstrim', 'test', '--minimum', '10', '--mountpoint', '/boot') },
  { name: 'domfstrim-positional', args: d('domfstrim', 'test', '5', '/') },
  { name: 'domfstrim-unknown-mountpoint', args: d('domfstrim', 'test', '--mountpoint', '/x') },
  { name: 'domfstrim-empty-mountpoint', args: d('domfstrim', 'test', '--mountpoint', '') },
  { name: 'domfstrim-bad-minimum', args: d('domfstrim', 'test', '--minimum', '-1') },
  { name: 'domfstrim-readonly', args: ro('domfstrim', 'test') },
  { name: 'domfstrim-inactive', args: d('destroy test; domfstrim test') },
  { name: 'domfsinfo', args: d('domfsinfo', 'test') },
  { name: 'domfsinfo-quiet', args: ['-q', ...d('domfsinfo', 'test')] },
  { name: 'domfsinfo-devices', args: d(`create ${F('dom-monitor-devices.xml')}; domfsinfo n`) },
  { name: 'domfsinfo-none', args: d(`create ${F('dom-monitor-bare.xml')}; domfsinfo e; domfsinfo e`) },
  { name: 'domfsinfo-none-quiet', args: ['-q', ...d(`create ${F('dom-monitor-bare.xml')}; domfsinfo e`)] },
  { name: 'domfsinfo-readonly', args: ro('domfsinfo', 'test') },
  { name: 'domfsinfo-inactive', args: d('destroy test; domfsinfo test') },
  { name: 'domfsinfo-unknown', args: d('domfsinfo', 'nope') },
  { name: 'dompmsuspend', args: d('dompmsuspend', 'test', 'mem', '--duration', '5') },
  { name: 'dompmsuspend-by-id', args: d('dompmsuspend', '1', 'disk') },
  { name: 'dompmsuspend-bad-target', args: d('dompmsuspend', 'test', 'bogus') },
  { name: 'dompmsuspend-bad-duration', args: d('dompmsuspend', 'test', 'hybrid', '--duration', '-1') },
  { name: 'dompmsuspend-positional-duration', args: d('dompmsuspend', 'test', 'mem', '5') },
  { name: 'dompmsuspend-missing-target', args: d('dompmsuspend', 'test') },
  { name: 'dompmsuspend-readonly', args: ro('dompmsuspend', 'test', 'mem') },
  { name: 'dompmwakeup', args: d('dompmwakeup', '6695eb01-f6a4-8304-79aa-97f2502e193f') },
  { name: 'dompmwakeup-readonly', args: ro('dompmwakeup', 'test') },
  { name: 'inject-nmi', args: d('inject-nmi', 'test') },
  { name: 'inject-nmi-readonly', args: ro('inject-nmi', 'test') },
  { name: 'inject-nmi-inactive', args: d('destroy test; inject-nmi test') },
  { name: 'guestinfo', args: d('guestinfo', 'test', '--user', '--os', '--disk', '--interface') },
  { name: 'guestinfo-readonly', args: ro('guestinfo', 'test') },
  { name: 'guestinfo-unknown', args: d('guestinfo', 'nope') },
  { name: 'guestvcpus', args: d('guestvcpus', 'test') },
  { name: 'guestvcpus-enable', args: d('guestvcpus', 'test', '--cpulist', '1', '--enable') },
  { name: 'guestvcpus-cpulist-alone', args: d('guestvcpus', 'test', '1') },
  { name: 'guestvcpus-cpulist-first', args: d('guestvcpus', 'nope', '--cpulist', '1') },
  { name: 'guestvcpus-enable-alone', args: d('guestvcpus', 'test', '--enable') },
  { name: 'guestvcpus-exclusive', args: d('guestvcpus', 'test', '--enable', '--disable', '--cpulist', '1') },
  { name: 'guestvcpus-readonly', args: ro('guestvcpus', 'test') },
  { name: 'guestvcpus-disable-readonly', args: ro('guestvcpus', 'test', '--cpulist', '0', '--disable') },
];

/** One send-key command per key name of each codeset that has names, in one virsh invocation. */
const everyKeyName = Object.entries(KEYCODE_NAMES).flatMap(([set, spec]) =>
  spec.split(' ').map((t) => `send-key test --codeset ${set} ${t.slice(0, t.indexOf('='))}`)).join('; ');
/**
 * One send-key command per keycode 0..0x2ff of a codeset, and the 0xe0xx
 * range of the scancode sets (a command line per codeset: one argument may
 * not exceed 128 KiB).
 */
function everyKeyValue(set: string): string {
  const values = Array.from({ length: 0x300 }, (_, i) => i);
  if (set === 'xt' || set === 'atset1' || set === 'atset2') values.push(...Array.from({ length: 0x80 }, (_, i) => 0xe000 + i));
  return values.map((v) => `send-key test --codeset ${set} ${v}`).join('; ');
}

const keyCases: Case[] = [
  { name: 'send-key-every-name', args: d(everyKeyName) },
  ...KEYCODE_SETS.map((set) => ({ name: `send-key-every-value-${set}`, args: d(everyKeyValue(set)) })),
  { name: 'send-key', args: d('send-key', 'test', 'KEY_A', '30', '0x1e', '036', '0X1E', 'KEY_RESERVED', '0') },
  { name: 'send-key-holdtime', args: d('send-key', 'test', '--holdtime', '100', 'KEY_LEFTCTRL', 'KEY_LEFTALT', 'KEY_DELETE') },
  { name: 'send-key-codesets', args: d('send-key test --codeset xt 30; send-key test --codeset usb 4; send-key test --codeset win32 VK_A VK_RETURN; send-key test --codeset os_x ANSI_A Return; send-key test --codeset rfb 1; send-key test --codeset qnum 0x1e; send-key test --codeset atset3 7') },
  { name: 'send-key-bad-values', args: d('send-key test --codeset atset3 1; send-key test --codeset linux 767; send-key test --codeset usb 300; send-key test 65535') },
  { name: 'send-key-names-per-codeset', args: d('send-key test --codeset xt KEY_A; send-key test --codeset win32 KEY_A; send-key test VK_A; send-key test --codeset os_x VK_A') },
  { name: 'send-key-bad-name', args: d('send-key', 'test', 'KEY_BOGUS') },
  { name: 'send-key-lower-case-name', args: d('send-key', 'test', 'key_a') },
  { name: 'send-key-too-big', args: d('send-key', 'test', '65536') },
  { name: 'send-key-negative', args: d('send-key', 'test', '--', '-1') },
  { name: 'send-key-bad-codeset', args: d('send-key', 'test', '--codeset', 'bogus', '1') },
  { name: 'send-key-empty-codeset', args: d('send-key', 'test', '--codeset', '', '1') },
  { name: 'send-key-too-many', args: d('send-key', 'test', ...Array.from({ length: 17 }, (_, i) => String(i + 1))) },
  { name: 'send-key-sixteen', args: d('send-key', 'test', ...Array.from({ length: 16 }, (_, i) => String(i + 1))) },
  { name: 'send-key-bad-holdtime', args: d('send-key', 'test', '--holdtime', '-5', '1') },
  { name: 'send-key-missing', args: d('send-key', 'test') },
  { name: 'send-key-readonly', args: ro('send-key', 'test', '1') },
  { name: 'send-key-inactive', args: d('destroy test; send-key test 1') },
  { name: 'send-process-signal', args: d('send-process-signal test 1 SIGTERM; send-process-signal test 1 kill; send-process-signal test 1 15; send-process-signal test 1 sig_kill; send-process-signal test 1 SIGRT32; send-process-signal test 1 0; send-process-signal test 1 " 5"') },
  { name: 'send-process-signal-bad-pid', args: d('send-process-signal', 'test', '2', '1') },
  { name: 'send-process-signal-negative-pid', args: d('send-process-signal', 'test', '--', '-1', '1') },
  { name: 'send-process-signal-zero-pid', args: d('send-process-signal', 'test', '0', '1') },
  { name: 'send-process-signal-zero-pid-readonly', args: ro('send-process-signal', 'test', '0', '1') },
  { name: 'send-process-signal-malformed-pid', args: d('send-process-signal', 'test', '0x1', '1') },
  { name: 'send-process-signal-out-of-range', args: d('send-process-signal test 1 65; send-process-signal test 1 99') },
  { name: 'send-process-signal-bad-names', args: d('send-process-signal test 1 bogus; send-process-signal test 1 sig; send-process-signal test 1 sigrt33; send-process-signal test 1 rtmax; send-process-signal test 1 0x10; send-process-signal test 1 -- -3') },
  { name: 'send-process-signal-readonly', args: ro('send-process-signal', 'test', '1', '1') },
  { name: 'send-process-signal-inactive', args: d('destroy test; send-process-signal test 1 1') },
  { name: 'send-process-signal-unknown', args: d('send-process-signal', 'nope', '1', '1') },
];

const displayCases: Case[] = [
  { name: 'domdisplay-none', args: d('domdisplay', 'test') },
  { name: 'domdisplay-type-none', args: d('domdisplay', 'test', 'vnc') },
  { name: 'domdisplay-exclusive', args: d('domdisplay', 'test', '--type', 'vnc', '--all') },
  { name: 'domdisplay-empty-type', args: d('domdisplay', 'test', '--type', '') },
  { name: 'domdisplay-secure-readonly', args: ro('domdisplay', 'test', '--include-password') },
  { name: 'domdisplay-unknown', args: d('domdisplay', 'nope') },
  {
    name: 'domdisplay-graphics',
    args: d(`create ${F('dom-monitor-graphics.xml')}; domdisplay g; domdisplay g --all; domdisplay g --include-password --all; `
      + 'domdisplay g --type spice --include-password; domdisplay g --type rdp; domdisplay g --type dbus; domdisplay g --type bogus'),
  },
  {
    name: 'domdisplay-graphics2',
    args: d(`create ${F('dom-monitor-graphics2.xml')}; domdisplay g2; domdisplay g2 --all --include-password; domdisplay g2 --type spice`),
  },
  { name: 'vncdisplay', args: d(`create ${F('dom-monitor-graphics.xml')}; vncdisplay g`) },
  { name: 'vncdisplay-listen', args: d(`create ${F('dom-monitor-graphics2.xml')}; vncdisplay g2`) },
  { name: 'vncdisplay-none', args: d('vncdisplay', 'test') },
  { name: 'ttyconsole-none', args: d('ttyconsole', 'test') },
  { name: 'ttyconsole-pty', args: d(`create ${F('dom-monitor-pty.xml')}; ttyconsole p`) },
  { name: 'display-inactive', args: d('destroy test; domdisplay test; vncdisplay test; ttyconsole test') },
];

const agentCases: Case[] = [
  { name: 'get-user-sshkeys', args: d('get-user-sshkeys', 'test', 'root') },
  { name: 'get-user-sshkeys-readonly', args: ro('get-user-sshkeys', 'test', 'root') },
  { name: 'get-user-sshkeys-empty-user', args: d('get-user-sshkeys', 'test', '') },
  { name: 'set-user-sshkeys', args: d('set-user-sshkeys', 'test', 'root', '--file', F('dom-monitor-key.pub')) },
  { name: 'set-user-sshkeys-positional', args: d('set-user-sshkeys', 'test', 'root', F('dom-monitor-key.pub'), '--remove') },
  { name: 'set-user-sshkeys-reset', args: d('set-user-sshkeys', 'test', 'root', '--reset') },
  { name: 'set-user-sshkeys-no-file', args: d('set-user-sshkeys', 'test', 'root') },
  { name: 'set-user-sshkeys-remove-no-file', args: d('set-user-sshkeys', 'test', 'root', '--remove') },
  { name: 'set-user-sshkeys-exclusive', args: d('set-user-sshkeys', 'test', 'root', '--reset', '--remove', '--file', '/dev/null') },
  { name: 'set-user-sshkeys-empty-file', args: d('set-user-sshkeys', 'test', 'root', '--file', '/dev/null') },
  { name: 'set-user-sshkeys-missing-file', args: d('set-user-sshkeys', 'test', 'root', '--file', '/nonexistent/keys') },
  { name: 'set-user-sshkeys-unknown', args: d('set-user-sshkeys', 'nope', 'root') },
  { name: 'set-user-sshkeys-readonly', args: ro('set-user-sshkeys', 'test', 'root', '--reset') },
  { name: 'set-user-password', args: d('set-user-password', 'test', 'root', 'pw') },
  { name: 'set-user-password-by-id', args: d('set-user-password', '1', 'root', 'pw', '--encrypted') },
  { name: 'set-user-password-quiet', args: ['-q', ...d('set-user-password', 'test', 'root', 'pw')] },
  { name: 'set-user-password-readonly', args: ro('set-user-password', 'test', 'root', 'pw') },
  { name: 'set-user-password-inactive', args: d('destroy test; set-user-password test root pw') },
  { name: 'set-user-password-missing', args: d('set-user-password', 'test', 'root') },
  { name: 'set-user-password-empty', args: d('set-user-password test "" pw; set-user-password test root ""') },
  { name: 'domlaunchsecinfo', args: d('domlaunchsecinfo', 'test') },
  { name: 'domlaunchsecinfo-readonly', args: ro('domlaunchsecinfo', 'test') },
  { name: 'domlaunchsecinfo-inactive', args: d('destroy test; domlaunchsecinfo test') },
  { name: 'domsetlaunchsecstate', args: d('domsetlaunchsecstate', 'test', '--secrethdr', F('dom-monitor-secret.b64'), '--secret', F('dom-monitor-secret.b64'), '--set-address', '10') },
  { name: 'domsetlaunchsecstate-missing', args: d('domsetlaunchsecstate test; domsetlaunchsecstate test --secret /dev/null') },
  { name: 'domsetlaunchsecstate-positional', args: d('domsetlaunchsecstate test a b; domsetlaunchsecstate test /dev/null; domsetlaunchsecstate test --secrethdr /dev/null --secret /dev/null 5') },
  { name: 'domsetlaunchsecstate-no-file', args: d('domsetlaunchsecstate', 'test', '--secrethdr', '/nonexistent/hdr', '--secret', '/dev/null') },
  { name: 'domsetlaunchsecstate-bad-address', args: d('domsetlaunchsecstate', 'test', '--secrethdr', '/dev/null', '--secret', '/dev/null', '--set-address', 'abc') },
  { name: 'domsetlaunchsecstate-readonly', args: ro('domsetlaunchsecstate', 'test', '--secrethdr', '/dev/null', '--secret', '/dev/null') },
  { name: 'domdirtyrate-calc', args: d('domdirtyrate-calc', 'test', '--seconds', '5', '--mode', 'dirty-ring') },
  { name: 'domdirtyrate-calc-positional', args: d('domdirtyrate-calc', 'test', '5', 'page-sampling') },
  { name: 'domdirtyrate-calc-bad-mode', args: d('domdirtyrate-calc', 'test', '--mode', 'bogus') },
  { name: 'domdirtyrate-calc-bad-seconds', args: d('domdirtyrate-calc', 'test', '--seconds', 'abc') },
  { name: 'domdirtyrate-calc-unknown', args: d('domdirtyrate-calc', 'nope', '--mode', 'bogus') },
  { name: 'domdirtyrate-calc-readonly', args: ro('domdirtyrate-calc', 'test') },
];

diffCases('tsvirsh matches virsh: domain monitoring and guest commands', [
  ...helpCases, ...blockCases, ...ifaceCases, ...guestCases, ...keyCases, ...displayCases, ...agentCases,
]);
