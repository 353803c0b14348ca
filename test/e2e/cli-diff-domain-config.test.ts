/**
 * tsvirsh against stock virsh: the commands that change a domain's
 * configuration (edit, devices, tuning, pinning, IOThreads, metadata, …).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ro = (...args: string[]) => ['-r', '-c', 'test:///default', ...args];

/** Editors (and device files) the cases use; mkdtemp names keep to virsh's accepted characters. */
const DIR = mkdtempSync(join(tmpdir(), 'tsvirsh-domcfg-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(DIR, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function file(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

/** An editor that gives the domain 3 vCPUs. */
const VCPU3 = script('vcpu3.sh', `sed -i 's|>2</vcpu>|>3</vcpu>|' "$1"`);
/** An editor that breaks the document's root element (the define fails). */
const BREAK = script('break.sh', `sed -i 's|<domain |<dom |; s|</domain>|</dom>|' "$1"`);
/** An editor that renames the domain (a new domain is defined). */
const RENAME = script('rename.sh', `sed -i 's|<name>test</name>|<name>test2</name>|; /<uuid>/d' "$1"`);
/** An editor that prints on stdout and stderr (they are virsh's own). */
const NOISY = script('noisy.sh', 'echo out; echo err >&2');

const EDIT_CASES: Case[] = [
  { name: 'help-edit', args: d('help edit') },
  { name: 'edit-unchanged', args: d('edit test'), env: { EDITOR: 'true' } },
  { name: 'edit-unchanged-quiet', args: ['-q', ...d('edit test')], env: { EDITOR: 'true' } },
  { name: 'edit-vcpus', args: d('edit test; dumpxml --inactive test; dominfo test'), env: { EDITOR: VCPU3 } },
  { name: 'edit-visual-wins', args: d('edit test; dumpxml --inactive test'), env: { VISUAL: VCPU3, EDITOR: 'false' } },
  { name: 'edit-through-shell', args: d('edit test; dominfo test'), env: { EDITOR: 'sed -i s/2097152/1048576/' } },
  { name: 'edit-skip-validate', args: d('edit --skip-validate test; dumpxml --inactive test'), env: { EDITOR: VCPU3 } },
  { name: 'edit-define-fails', args: d('edit test; dumpxml test'), env: { EDITOR: BREAK } },
  { name: 'edit-new-name', args: d('edit test; list --all --name'), env: { EDITOR: RENAME } },
  { name: 'edit-editor-output', args: d('edit test'), env: { EDITOR: NOISY } },
  { name: 'edit-no-editor', args: d('edit test'), env: { EDITOR: 'nonexistent-editor' } },
  { name: 'edit-no-editor-relative', args: d('edit test'), env: { EDITOR: './nonexistent-editor' } },
  { name: 'edit-no-domain', args: d('edit nosuch'), env: { EDITOR: 'true' } },
  { name: 'edit-no-arg', args: d('edit'), env: { EDITOR: 'true' } },
  { name: 'edit-readonly', args: ro('edit test'), env: { EDITOR: 'true' } },
];

const DISK = file('disk.xml', "<disk type='file' device='disk'><source file='/tmp/x.img'/><target dev='vdb' bus='virtio'/></disk>\n");
const HELP = ['attach-device', 'detach-device', 'update-device', 'detach-device-alias', 'blkiotune', 'blkdeviotune',
  'desc', 'domiftune', 'domrename', 'iothreadinfo', 'iothreadpin', 'iothreadadd', 'iothreadset', 'iothreaddel',
  'memtune', 'perf', 'metadata', 'numatune', 'guest-agent-timeout', 'set-lifecycle-action', 'vcpucount', 'vcpupin',
  'emulatorpin', 'setvcpu'];

const DEVICE_CASES: Case[] = [
  { name: 'attach-device', args: d(`attach-device test ${DISK}`) },
  { name: 'attach-device-flags', args: d(`attach-device test ${DISK} --live; attach-device test ${DISK} --persistent; attach-device test ${DISK} --current`) },
  { name: 'attach-device-errors', args: d(`attach-device test /nonexistent; attach-device test ${DISK} --current --live; attach-device test ${DISK} --persistent --current; attach-device nosuch ${DISK}; attach-device test`) },
  { name: 'attach-device-readonly', args: ro(`attach-device test ${DISK}`) },
  { name: 'detach-device', args: d(`detach-device test ${DISK}; detach-device test ${DISK} --config; detach-device test /nonexistent`) },
  { name: 'update-device', args: d(`update-device test ${DISK}; update-device test ${DISK} --force --live; update-device test /nonexistent`) },
  { name: 'detach-device-alias', args: d("detach-device-alias test ua-x; detach-device-alias test ''; detach-device-alias test ua-x --config --current") },
];

const TUNE_CASES: Case[] = [
  { name: 'memtune', args: d('memtune test; memtune test --hard-limit 1024; memtune test; dumpxml test; memtune test --config') },
  { name: 'memtune-errors', args: d('memtune test --min-guarantee 5; memtune test --hard-limit 10 --swap-hard-limit 5; memtune test --hard-limit 1x; memtune test --hard-limit abc; memtune test --current --live; memtune nosuch') },
  { name: 'memtune-scaled', args: d('memtune test --soft-limit 2M --live; memtune test --swap-hard-limit 1G --hard-limit -1; memtune test --live; memtune test --hard-limit -1 --config; memtune test --config') },
  { name: 'memtune-inactive', args: d('destroy test; memtune test --hard-limit 4096 --soft-limit 100; memtune test; dumpxml test; memtune test --live') },
  { name: 'memtune-readonly', args: ro('memtune test; memtune test --hard-limit 1') },
  { name: 'blkiotune', args: d("blkiotune test; blkiotune test --weight 500; blkiotune test --weight 50; blkiotune test --device-weights /dev/sda,300,/dev/sdb,0; blkiotune test; dumpxml test") },
  { name: 'blkiotune-devices', args: d("blkiotune test --device-read-bytes-sec /dev/sda,1000,/dev/sdc,0 --device-write-iops-sec /dev/sdd,5 --device-weights /dev/sda,7; blkiotune test; blkiotune test --device-weights /dev/sda,0; blkiotune test; dumpxml test; blkiotune test --config") },
  { name: 'blkiotune-errors', args: d("blkiotune test --device-weights /dev/sda; blkiotune test --device-read-iops-sec /dev/sda,x; blkiotune test --device-weights ''; blkiotune test --weight abc; blkiotune test --weight -5; blkiotune test --weight 0; blkiotune test --live --current") },
  { name: 'numatune', args: d('numatune test; numatune test --nodeset 0-1; numatune test; dumpxml test; numatune test --nodeset 0-1,^0 --config; numatune test --config; dumpxml --inactive test') },
  { name: 'numatune-errors', args: d("numatune test --mode interleave; numatune test --mode bogus; numatune test --mode 4; numatune test --nodeset 0-1; numatune test --mode 3; numatune test --mode 0x2; numatune test --nodeset x; numatune test --nodeset 99999; numatune test --nodeset 0,^0; numatune test --nodeset ''") },
  { name: 'numatune-inactive', args: d('destroy test; numatune test --mode interleave; numatune test --mode preferred --nodeset 1; numatune test; dumpxml test') },
  { name: 'blkdeviotune', args: d('blkdeviotune test vda; blkdeviotune test vda --total-bytes-sec-max 5000 --total-bytes-sec 100 --group-name g; blkdeviotune test vda; dumpxml test; blkdeviotune test /guest/diskimage1 --config') },
  { name: 'blkdeviotune-errors', args: d('blkdeviotune test vda --total-bytes-sec 1000; blkdeviotune test vdb; blkdeviotune test vda --total-bytes-sec 10 --read-bytes-sec 5; blkdeviotune test vda --read-iops-sec 10 --total-iops-sec-max 5; blkdeviotune test vdz --total-bytes-sec-max 5000; blkdeviotune test vda --read-bytes-sec-max 2000000000000000; blkdeviotune test vda --total-iops-sec abc; blkdeviotune test vda --read-bytes-sec 1x') },
  { name: 'blkdeviotune-max', args: d('blkdeviotune test vda --read-iops-sec-max 100 --read-iops-sec 10 --write-bytes-sec-max 1M --write-bytes-sec 1k --size-iops-sec 3 --read-iops-sec-max-length 9; blkdeviotune test vda; dumpxml test --xpath //iotune') },
  { name: 'domiftune', args: d('domiftune test testnet0; domiftune test aa:bb:cc:dd:ee:ff --inbound 100,200,300,400 --outbound 50; domiftune test testnet0; dumpxml test; domiftune test testnet0 --config') },
  { name: 'domiftune-clear', args: d('domiftune test testnet0 --outbound 1,,3; domiftune test testnet0 --inbound 5,6; domiftune test testnet0; domiftune test testnet0 --inbound 0 --outbound 0; domiftune test testnet0; dumpxml test; domiftune test testnet0 --inbound 10,0,0,0; dumpxml test') },
  { name: 'domiftune-errors', args: d("domiftune test testnet0 --inbound 1,2,3,4,5; domiftune test testnet0 --inbound x; domiftune test testnet0 --outbound ,,3; domiftune test testnet0 --inbound 0,5; domiftune test nosuch --inbound 1; domiftune test nosuch; domiftune test testnet0 --inbound ''; domiftune test testnet0 --outbound 1,2,3,4") },
  { name: 'domiftune-fresh-zero', args: d('domiftune test testnet0 --inbound 0; dumpxml test') },
];

const CPU_CASES: Case[] = [
  { name: 'vcpucount', args: d('vcpucount test; vcpucount test --maximum; vcpucount test --active --live; vcpucount test --config; vcpucount test --current; vcpucount test --current --live; vcpucount test --current --maximum; vcpucount test --current --config') },
  { name: 'vcpucount-errors', args: d('vcpucount test --guest; vcpucount test --maximum --active; vcpucount test --live --config; vcpucount test --guest --config; vcpucount nosuch') },
  { name: 'vcpucount-inactive', args: d('destroy test; vcpucount test; vcpucount test --live; vcpucount test --active; vcpucount test --maximum --config') },
  { name: 'vcpupin', args: d('vcpupin test; vcpupin test 0 1-3; vcpupin test; vcpupin test --vcpu 1; vcpupin test 1 r; vcpupin test 0 1 --current; vcpupin test; dumpxml test; vcpupin test --config') },
  { name: 'vcpupin-errors', args: d("vcpupin test 5 1; vcpupin test 0 100; vcpupin test 0 x; vcpupin test 0 1 --config; vcpupin test 0 1 --live; vcpupin test --vcpu -1; vcpupin test 1 ^1; vcpupin test 1 0-1,^0-1; vcpupin test --vcpu 5; vcpupin test --vcpu 1 --live --config; vcpupin test 1-2; vcpupin test 0 2000") },
  { name: 'vcpupin-inactive', args: d('destroy test; vcpupin test 0 1; vcpupin test 0 1 --live; vcpupin test 1 2 --current; vcpupin test; vcpupin test --vcpu 3; vcpupin test --live') },
  { name: 'emulatorpin', args: d('emulatorpin test; emulatorpin test 2-3; emulatorpin test; emulatorpin test --config; emulatorpin test 0-1 --config; dumpxml --inactive test; emulatorpin test r; emulatorpin test') },
  { name: 'emulatorpin-errors', args: d('emulatorpin test x; emulatorpin test 9; emulatorpin test --live --config; emulatorpin test ^1; destroy test; emulatorpin test 1 --live; emulatorpin test --live; emulatorpin test 1; emulatorpin test') },
  { name: 'setvcpu', args: d('setvcpu test 1; setvcpu test 1 --enable --disable; setvcpu test x --enable; setvcpu test 1 --disable --config; setvcpu nosuch 1 --enable') },
  { name: 'guest-agent-timeout', args: d('guest-agent-timeout test --timeout -3; guest-agent-timeout test --timeout x; guest-agent-timeout test; guest-agent-timeout nosuch') },
];

const IOTHREAD_CASES: Case[] = [
  { name: 'iothreads', args: d('iothreadinfo test; iothreadadd test 3; iothreadadd test 1; iothreadinfo test; iothreadpin test 3 1-2; iothreadinfo test; dumpxml test; iothreaddel test 1; iothreadinfo test; dumpxml test') },
  { name: 'iothreads-errors', args: d('iothreaddel test 1; iothreadpin test 1 0; iothreadset test 1 --poll-max-ns 1; iothreadadd test 3; iothreadadd test 3; iothreadadd test 0; iothreadadd test -1; iothreadpin test 3 x; iothreadpin test 3 ^0; iothreadinfo test --live --config; iothreadinfo nosuch') },
  { name: 'iothreadset', args: d('iothreadadd test 3; iothreadset test 3 --poll-max-ns 100 --poll-grow 2 --poll-shrink 3; iothreadset test 3 --thread-pool-min 1 --thread-pool-max 5; iothreadset test 3; iothreadset test 3 --thread-pool-min 7; iothreadset test 3 --poll-max-ns 1 --config; iothreadset test 0 --poll-max-ns 1; iothreadset test 3 --poll-grow x; dumpxml test') },
  { name: 'iothreads-config', args: d('iothreadadd test 5 --config; iothreadinfo test --config; iothreadpin test 5 0 --config; iothreadpin test 3 0 --config; iothreadinfo test --config; dumpxml --inactive test; iothreaddel test 5 --config; iothreadinfo test --config') },
  { name: 'iothreads-inactive', args: d('destroy test; iothreadadd test 2; iothreadadd test 4 --live; iothreadinfo test; iothreadset test 2 --poll-grow 1; iothreadset test 2 --poll-grow 1 --live') },
  { name: 'iothreads-readonly', args: ro('iothreadinfo test; iothreadadd test 1; iothreaddel test 1; iothreadpin test 1 0; iothreadset test 1 --poll-grow 1') },
];

const META_CASES: Case[] = [
  { name: 'desc', args: d('desc test; desc test hello world; desc test; desc test --title; desc test --title My Title; desc test --title; dumpxml test; desc test --config') },
  { name: 'desc-config', args: d("desc test --config cfgdesc; desc test --config; desc test --live --config x; desc test; desc test ''; desc test; desc test --title ''; desc test --title; desc test --current --live") },
  { name: 'desc-escape', args: d("desc test '<b> & \"q\"'; desc test; dumpxml test") },
  { name: 'desc-edit', args: d('desc test --edit; desc test'), env: { EDITOR: script('desc.sh', "printf 'edited text' > \"$1\"") } },
  { name: 'desc-edit-unchanged', args: d('desc test --edit; desc test --title --edit'), env: { EDITOR: 'true' } },
  { name: 'desc-readonly', args: ro('desc test; desc test x') },
  { name: 'metadata', args: d("metadata test http://x/ --key k --set '<a>b</a>'; metadata test http://x/; dumpxml test; metadata test http://x/ --remove; metadata test http://x/; dumpxml test") },
  { name: 'metadata-errors', args: d("metadata test http://x/; metadata test http://x/ --set '<a>b</a>'; metadata test http://x/ --key k --set 'bad'; metadata test http://x/ --key k --set '<a/><b/>'; metadata test http://x/ --key k --set '<a/>' --remove; metadata test http://x/ --edit --set x; metadata test http://x/ --key '1bad' --set '<a/>'") },
  { name: 'metadata-nested', args: d("metadata test http://y/ --key k --set '<a><c x=\"1\">t</c><d/></a>' --config; metadata test http://y/ --config; metadata test http://z/ --key z --set '<q/>' --config; dumpxml --inactive test; metadata test http://y/ --key k2 --set '<n/>' --config; dumpxml --inactive test") },
  { name: 'metadata-readonly', args: ro("metadata test http://x/; metadata test http://x/ --key k --set '<a/>'") },
];

const MISC_CASES: Case[] = [
  { name: 'perf', args: d('perf test; perf test --enable cmt,cpu_cycles --disable mbmt; perf test; dumpxml test; perf test --config --enable instructions; perf test --config') },
  { name: 'perf-errors', args: d('perf test --enable bogus; perf test --enable cmt --disable cmt; perf test --live --current; perf nosuch') },
  { name: 'set-lifecycle-action', args: d('set-lifecycle-action test reboot preserve; set-lifecycle-action test crash coredump-restart --config; dumpxml test; dumpxml --inactive test; set-lifecycle-action test reboot rename-restart; set-lifecycle-action test crash restart --live --config; dumpxml test') },
  { name: 'set-lifecycle-action-errors', args: d('set-lifecycle-action test bogus destroy; set-lifecycle-action test poweroff bogus; set-lifecycle-action test poweroff coredump-destroy; set-lifecycle-action test reboot coredump-restart --config; destroy test; set-lifecycle-action test poweroff restart --live') },
  { name: 'domrename', args: d("destroy test; domrename test t2; list --all; domrename t2 t2; domrename t2 'a/b'; domrename t2 ''; domrename t2 test; list --all") },
  { name: 'domrename-errors', args: d('domrename test t2; domrename 1 x; domrename nosuch x') },
  { name: 'domrename-readonly', args: ro('domrename test t2') },
];

diffCases('tsvirsh matches virsh: domain-config', [
  ...EDIT_CASES,
  ...HELP.map((c): Case => ({ name: `help-${c}`, args: d(`help ${c}`) })),
  ...DEVICE_CASES,
  ...TUNE_CASES,
  ...CPU_CASES,
  ...IOTHREAD_CASES,
  ...META_CASES,
  ...MISC_CASES,
]);
