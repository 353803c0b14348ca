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
const HELP = ['attach-disk', 'attach-interface', 'detach-disk', 'detach-interface', 'change-media',
  'update-memory-device', 'attach-device', 'detach-device', 'update-device', 'detach-device-alias', 'blkiotune', 'blkdeviotune',
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

/** A domain with removable media, two NICs of one type and memory devices. */
const CD = file('cd.xml', `<domain type='test'>
  <name>cd</name>
  <maxMemory slots='16' unit='KiB'>16777216</maxMemory>
  <memory>2097152</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <cpu><numa><cell id='0' cpus='0' memory='1048576' unit='KiB'/></numa></cpu>
  <devices>
    <disk type='file' device='cdrom'><source file='/tmp/a.iso' startupPolicy='optional'/><target dev='hdc' bus='ide'/><readonly/></disk>
    <disk type='file' device='floppy'><target dev='fda'/></disk>
    <disk type='file' device='disk'><source file='/guest/d.img'/><backingStore type='file'><format type='qcow2'/><source file='/b.img'/></backingStore><target dev='vdb' bus='virtio'/><serial>a&apos;b&lt;</serial></disk>
    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>
    <interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/></interface>
    <memory model='virtio-mem'><target><size unit='KiB'>1048576</size><node>0</node><block unit='KiB'>2048</block><requested unit='KiB'>524288</requested></target></memory>
    <memory model='dimm'><target><size unit='KiB'>524288</size><node>0</node></target><alias name='ua-dimm'/></memory>
  </devices>
</domain>
`);

const DEVXML_CASES: Case[] = [
  { name: 'attach-disk', args: d('attach-disk test /tmp/x.img vdb; attach-disk test /tmp/x.img vdb --config --live; attach-disk test /tmp/x.img vdb --persistent') },
  { name: 'attach-disk-print', args: d("attach-disk test /tmp/x.img vdb --print-xml; attach-disk nosuch /dev/null vdc --print-xml; attach-disk test '' hdc --type cdrom --print-xml; attach-disk test /tmp/x.img vdb --mode shareable --print-xml; attach-disk test /tmp/x.img vdb --shareable --print-xml") },
  { name: 'attach-disk-print-all', args: d("attach-disk test /tmp/x.img vdb --targetbus virtio --driver qemu --subdriver qcow2 --iothread 2 --cache none --io native --type disk --mode readonly --serial S1 --alias ua-d --rawio --address pci:0000.00.0x0a.0 --multifunction --print-xml; attach-disk test /tmp/x.img vdc --wwn 0x5000c50015ea71ac --serial s --alias a --mode shareable --address pci:1.2.3.4 --print-xml; attach-disk test \"a'b<c\" vdc --serial 'x<y' --print-xml") },
  { name: 'attach-disk-addresses', args: d('attach-disk test x vdc --address ccw:0xfe.0.0x1 --print-xml; attach-disk test x sdc --address scsi:1.2.3 --print-xml; attach-disk test x sdc --address usb:1.2 --print-xml; attach-disk test x sdc --address sata:1.2.3 --print-xml; attach-disk test x hdc --address ide:1.2.3 --print-xml; attach-disk test x xvdc --address ide:1.2.3 --print-xml; attach-disk test x vdc --address pci:a.b.c.d --print-xml') },
  { name: 'attach-disk-errors', args: d('attach-disk test x sdb --address pci:0.0.0.0 --print-xml; attach-disk test x hdc --address pci:1.2.3.4 --print-xml; attach-disk test x vdc --address scsi:1.2.3 --print-xml; attach-disk test x hdc --address bogus --print-xml; attach-disk test x hdc --address pci:1 --print-xml; attach-disk test x vdc --wwn bad --print-xml; attach-disk test x vdc --mode bad --print-xml; attach-disk test x vdc --sourcetype dir --print-xml; attach-disk test x vdc --sourcetype network --print-xml; attach-disk test x vdc --source-host-name h --print-xml; attach-disk test x vdc --current --live; attach-disk test x; attach-disk nosuch x vdc') },
  { name: 'attach-disk-network', args: d('attach-disk test vol1 vdb --sourcetype network --source-protocol nbd --source-host-name h:1234 --print-xml; attach-disk test x vdc --source-protocol nbd --print-xml; attach-disk test x vdc --source-protocol nbd --source-host-transport unix --source-host-socket /s --print-xml; attach-disk test x vdc --source-protocol nbd --source-host-name h --source-host-socket s --source-host-transport unix --print-xml; attach-disk test x vdc --sourcetype block --print-xml') },
  { name: 'attach-interface', args: d('attach-interface test network default; attach-interface test network default --config; attach-interface test network default --print-xml; attach-interface nosuch bridge br0 --target vnet9 --mac 52:54:00:11:22:33 --script /bin/true --model virtio --alias ua-n --inbound 100,200,300,400 --outbound 10,20,30 --print-xml') },
  { name: 'attach-interface-types', args: d('attach-interface test direct eth0 --print-xml; attach-interface test hostdev 0000:00:19.0 --managed --print-xml; attach-interface test vhostuser /tmp/s --source-mode server --print-xml; attach-interface test network default --managed --print-xml; attach-interface test bridge br0 --inbound 0,0,0,5 --print-xml') },
  { name: 'attach-interface-errors', args: d('attach-interface test user x --print-xml; attach-interface test bogus x --print-xml; attach-interface test vhostuser /tmp/s --print-xml; attach-interface test direct eth0 --source-mode vepa --print-xml; attach-interface test hostdev 00:19.0 --print-xml; attach-interface test network default --inbound 0 --print-xml; attach-interface test network default --outbound 0,5 --print-xml; attach-interface test network default --outbound 1,2,3,4 --print-xml; attach-interface test network default --inbound 1,2,3,4,5 --print-xml; attach-interface test network') },
  { name: 'detach-disk', args: d('detach-disk test vda --print-xml; detach-disk test /guest/diskimage1 --print-xml; detach-disk test vdz --print-xml; detach-disk test vda; detach-disk test vda --config; detach-disk test vdz') },
  { name: 'detach-interface', args: d('detach-interface test network --print-xml; detach-interface test network --mac AA:BB:CC:DD:EE:FF --print-xml; detach-interface test bridge --print-xml; detach-interface test network --mac 00:11:22:33:44:55 --print-xml; detach-interface test network; detach-interface test bogus; detach-interface test network --mac bad --config') },
  { name: 'cd-devices', args: d(`define ${CD}; detach-disk cd vdb --print-xml; detach-disk cd /tmp/a.iso --print-xml; detach-interface cd network; detach-interface cd network --mac 52:54:00:00:00:02 --print-xml`), maskUUIDs: true },
  { name: 'change-media', args: d(`define ${CD}; change-media cd hdc --eject --print-xml; change-media cd hdc /tmp/b.iso --print-xml; change-media cd hdc /dev/sr0 --block --print-xml; change-media cd fda /tmp/f.img --insert --print-xml; change-media cd hdc /x --print-xml --config; change-media cd hdc --update --print-xml`), maskUUIDs: true },
  { name: 'change-media-errors', args: d(`define ${CD}; change-media cd hdc /tmp/f.img --insert; change-media cd fda --eject; change-media cd vdb --eject; change-media cd hdc --update; change-media cd hdc; change-media cd fda; change-media cd hdc --eject --insert; change-media cd hdc --eject --block; change-media cd hdc x --current --live; start cd; change-media cd hdc /y; change-media test vda --eject`), maskUUIDs: true },
  { name: 'update-memory-device', args: d(`define ${CD}; update-memory-device cd; update-memory-device cd --alias ua-dimm --print-xml; update-memory-device cd --node 0 --alias x; update-memory-device cd --node 1; update-memory-device cd --alias ua-dimm --requested-size 1G; update-memory-device test; update-memory-device cd --node x`), maskUUIDs: true },
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

/** A host whose domains come with tuning, pins, IOThreads, metadata and perf events already set. */
const RICH = file('rich.xml', `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
<domain type='test'>
  <name>rich</name>
  <title>T1</title>
  <description>D &amp; 1</description>
  <metadata><a:x xmlns:a='http://a/'><a:y>1</a:y></a:x><b:z xmlns:b='http://b/' k='v'/></metadata>
  <memory unit='MiB'>1024</memory>
  <blkiotune><weight>300</weight><device><path>/dev/sda</path><weight>200</weight><read_bytes_sec>5</read_bytes_sec></device></blkiotune>
  <memtune><hard_limit unit='M'>512</hard_limit><swap_hard_limit>900000</swap_hard_limit><min_guarantee>1000</min_guarantee></memtune>
  <vcpu placement='static' cpuset='1-3' current='2'>4</vcpu>
  <iothreads>3</iothreads>
  <iothreadids><iothread id='5'/></iothreadids>
  <cputune><vcpupin vcpu='1' cpuset='2'/><emulatorpin cpuset='3'/><iothreadpin iothread='5' cpuset='0'/></cputune>
  <numatune><memory mode='interleave' nodeset='0-1'/></numatune>
  <os><type>hvm</type></os>
  <on_reboot>destroy</on_reboot>
  <perf><event name='cmt' enabled='yes'/><event name='instructions' enabled='no'/></perf>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' iothread='5'/><source file='/a'/><target dev='vda'/><iotune><read_iops_sec>5</read_iops_sec><read_iops_sec_max>10</read_iops_sec_max></iotune></disk>
    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><bandwidth><inbound average='1' peak='2'/></bandwidth><target dev='vnet0'/></interface>
    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>
  </devices>
</domain>
<domain type='test'>
  <name>auto</name>
  <memory>1024</memory>
  <vcpu placement='auto'>2</vcpu>
  <os><type>hvm</type></os>
  <test:transient/>
</domain>
<domain type='test'>
  <name>paused</name>
  <memory>1024</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <test:runstate>3</test:runstate>
</domain>
</node>
`);
const r = (...args: string[]) => ['-c', `test://${RICH}`, ...args];

const RICH_CASES: Case[] = [
  { name: 'rich-query', args: r('dumpxml rich; memtune rich; blkiotune rich; numatune rich; perf rich; iothreadinfo rich; vcpupin rich; emulatorpin rich; vcpucount rich; blkdeviotune rich vda; domiftune rich vnet0; desc rich; desc rich --title; metadata rich http://a/; metadata rich http://b/'), maskUUIDs: true },
  { name: 'rich-tune', args: r("memtune rich --soft-limit 5; memtune rich --hard-limit 1000000; blkiotune rich --device-write-bytes-sec /dev/sda,9 --weight 10; numatune rich --mode strict; numatune rich --nodeset 0; perf rich --disable cmt --enable instructions; dumpxml rich"), maskUUIDs: true },
  { name: 'rich-iothreads', args: r('iothreadadd rich 1; iothreaddel rich 5; iothreaddel rich 2; iothreadinfo rich; dumpxml rich; iothreadpin rich 1 2; iothreadinfo rich; dumpxml rich'), maskUUIDs: true },
  { name: 'rich-pins', args: r('vcpupin rich 0 1; vcpupin rich 1 1-3; vcpupin rich 2 1; vcpupin rich; emulatorpin rich 1-3; dumpxml rich; domiftune rich 52:54:00:00:00:01; domiftune rich vnet0 --outbound 5'), maskUUIDs: true },
  { name: 'rich-metadata', args: r("metadata rich http://a/ --key n --set '<q/>'; metadata rich http://b/ --remove; dumpxml rich; metadata rich http://c/ --remove; dumpxml rich"), maskUUIDs: true },
  { name: 'rich-transient', args: r('numatune auto; numatune auto --nodeset 1; numatune auto; dumpxml auto; domrename auto x; numatune auto --config; desc auto --config x; set-lifecycle-action auto crash preserve --config; memtune auto --config'), maskUUIDs: true },
  { name: 'rich-transient-config', args: r("memtune auto --config; blkiotune auto --config; blkdeviotune auto vda --config; domiftune auto x --config; perf auto --config; iothreadinfo auto --config; vcpupin auto --config; emulatorpin auto --config; metadata auto http://x/ --config; desc auto --config; vcpucount auto --config; vcpucount auto; memtune auto --config --hard-limit 1; blkiotune auto --config --weight 1; iothreadadd auto 1 --config; metadata auto http://x/ --config --key k --set '<a/>'") },
  { name: 'rich-live-config', args: r('memtune rich --live --config; blkiotune rich --live --config; blkdeviotune rich vda --live --config; domiftune rich vnet0 --live --config; perf rich --live --config; iothreadinfo rich --live --config; emulatorpin rich --live --config; metadata rich http://a/ --live --config; desc rich --live --config; numatune rich --live --config') },
  { name: 'rich-live-config-set', args: r('memtune rich --live --config --hard-limit 1; blkiotune rich --live --config --weight 1; blkdeviotune rich vda --live --config --total-iops-sec 1; domiftune rich vnet0 --live --config --inbound 1; perf rich --live --config --enable cmt; iothreadadd rich 9 --live --config; emulatorpin rich 1 --live --config; numatune rich --live --config --nodeset 0; set-lifecycle-action rich poweroff destroy --live --config; dumpxml --inactive rich; iothreadpin rich 5 1 --live --config; iothreaddel rich 5 --live --config; vcpupin rich 0 1 --live --config'), maskUUIDs: true },
  { name: 'rich-paused', args: r('domrename paused x; destroy paused; domrename paused x; list --all; iothreadinfo auto; emulatorpin auto; vcpupin auto 0 1; vcpupin auto') },
  { name: 'metadata-edit', args: d('metadata test http://e/ --key e --edit; metadata test http://e/; dumpxml test; metadata test http://e/ --edit'), env: { EDITOR: script('meta.sh', "printf '<x><y>1</y></x>' > \"$1\"") } },
  { name: 'metadata-edit-unchanged', args: d('metadata test http://e/ --key e --edit'), env: { EDITOR: 'true' } },
  { name: 'desc-edit-title', args: d('desc test --title --edit; desc test --title'), env: { EDITOR: script('title.sh', "printf 'New title\\n' > \"$1\"") } },
];

const IO = file('io.xml', "<domain type='test'><name>io</name><memory>1024</memory><vcpu>2</vcpu><os><type>hvm</type></os><iothreads>2</iothreads></domain>\n");

const IOSTATS_CASES: Case[] = [
  { name: 'iothread-stats', args: d('iothreadadd test 3; domstats test --iothread; iothreadset test 3 --poll-max-ns 100 --poll-grow 2; domstats test --iothread; domstats test; iothreadadd test 4; domstats --iothread') },
  { name: 'iothread-stats-rich', args: r('iothreadset rich 5 --poll-grow 1; iothreadset rich 1 --poll-grow 1; domstats rich --iothread; iothreadadd rich 7 --config; domstats rich --iothread; iothreadset rich 7 --poll-grow 3; iothreaddel rich 7 --config; iothreaddel rich 1; iothreadadd rich 1; iothreadset rich 1 --poll-max-ns 5 --poll-shrink 4; domstats rich --iothread; destroy rich; domstats rich --iothread; start rich; domstats rich --iothread') },
  { name: 'iothread-stats-defined', args: d(`define ${IO}; start io; domstats io --iothread; iothreadset io 1 --poll-grow 1; iothreadadd io 5 --config; destroy io; start io; domstats io --iothread; iothreadinfo io; iothreadset io 5 --poll-grow 9; destroy io; iothreadadd io 6; iothreaddel io 1; start io; domstats io --iothread; iothreadinfo io`), maskUUIDs: true },
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

/** Odd values: empty strings, limits, separators. */
const EDGE_CASES: Case[] = [
  { name: 'quiet', args: ['-q', ...d("desc test; desc test x; desc test; memtune test --hard-limit 5; iothreadinfo test; iothreadadd test 1; iothreadinfo test; emulatorpin test; vcpupin test; domrename test x; edit test; vcpucount test; perf test --enable cmt; perf test; metadata test http://x/ --key k --set '<a/>'; metadata test http://x/ --remove; attach-device test /nonexistent; desc test --title --edit; blkiotune test; memtune test; attach-disk test x vdb --print-xml; detach-disk test vda --print-xml")], env: { EDITOR: 'true' } },
  { name: 'edge-memtune', args: d("memtune test --hard-limit 9223372036854775807; memtune test --hard-limit 9223372036854775808; memtune test --hard-limit 1e; memtune test --hard-limit 5k; memtune test --hard-limit ' 7'; memtune test --soft-limit 8EiB; memtune test --soft-limit 7EiB; memtune test; memtune test --hard-limit ''") },
  { name: 'edge-blkiotune', args: d("blkiotune test --device-weights /dev/sda,5,; blkiotune test --device-weights /dev/sda,-1; blkiotune test --device-weights /dev/sda,4294967296; blkiotune test --device-read-bytes-sec /dev/sda,18446744073709551615; blkiotune test; blkiotune test --weight 4294967295; blkiotune test --weight 2147483648; blkiotune test --device-weights '/dev/sda, +5'; blkiotune test; dumpxml test") },
  { name: 'edge-numatune', args: d("numatune test --mode -1; numatune test --mode 07; numatune test --mode 0x0; numatune test --mode ' 1'; numatune test --nodeset ' 1'; numatune test --nodeset '1 - 3'; numatune test --nodeset 1-; numatune test --nodeset ,1; numatune test") },
  { name: 'edge-blkdeviotune', args: d("blkdeviotune test vda --total-iops-sec 1k; blkdeviotune test vda --total-iops-sec -1; blkdeviotune test vda --total-bytes-sec -1; blkdeviotune test vda --total-bytes-sec-max 1000000000000001; blkdeviotune test vda --group-name ''; blkdeviotune test ''; blkdeviotune test vda --total-bytes-sec-max 1G --total-bytes-sec 1M; blkdeviotune test vda") },
  { name: 'edge-cpulist', args: d("vcpupin test 0 ''; vcpupin test 0 0-1023; vcpupin test 0 0-1024; vcpupin test --cpulist 1; vcpupin test 0 7; vcpupin test 0 '1,,2'; vcpupin test 0 ' 1'; vcpupin test 1 r2; vcpupin test; emulatorpin test ''; iothreadadd test 1; iothreadpin test 1 ''") },
  { name: 'edge-desc', args: d("desc test a   b  ; desc test; desc test --new-desc x y; desc test; desc test --title a b; desc test --title; desc test --title 'x\ny'") },
  { name: 'edge-metadata-ns', args: d("metadata test http://x/ --key xmlns --set '<a/>'; metadata test http://x/ --key k:x --set '<a/>'; metadata test http://x/ --key k --set '<p:a xmlns:p=\"http://p/\"><p:b/><c/></p:a>'; metadata test http://x/; metadata test http://p/; dumpxml test; metadata test http://x/ --key k --set '<a xmlns=\"http://d/\"><b/></a>'; metadata test http://d/; dumpxml test; metadata test http://x/ --remove; dumpxml test") },
  { name: 'edge-metadata-nested-ns', args: d("metadata test http://x/ --key k --set '<a><b xmlns=\"http://q/\"><c/></b><d/></a>'; metadata test http://x/; metadata test http://q/; dumpxml test") },
  { name: 'edge-empty-args', args: d("perf test --enable ''; perf test --enable cmt,,mbmt; perf test --enable cmt, ; perf test --enable , ; set-lifecycle-action test poweroff ''; domrename test ''; metadata test '' --key k --set '<a/>'; metadata test http://x --key '' --set '<a/>'; metadata test http://x --key k --set ''; attach-disk test x ''; attach-disk test '' vdb --print-xml; detach-device-alias test ''; domiftune test ''") },
  { name: 'edge-device-args', args: d("attach-interface test network '' --print-xml; attach-interface test '' x --print-xml; attach-interface test network x --mac '' --print-xml; detach-interface test network --mac ''; detach-interface test network --mac '' --print-xml; detach-interface nosuch network; detach-interface test network --current --live; detach-disk test ''; change-media test '' --eject; update-memory-device test --alias ''; update-memory-device test --requested-size 1; update-memory-device test --node -1") },
  ...['--current --active', '--current --maximum --live', '--current --maximum', '--current --guest', '--current --active --live',
    '--maximum --current --config', '--active --config', '--maximum --live'].map((o): Case => ({ name: `vcpucount ${o}`, args: d(`vcpucount test ${o}`) })),
];

diffCases('tsvirsh matches virsh: domain-config', [
  ...EDIT_CASES,
  ...HELP.map((c): Case => ({ name: `help-${c}`, args: d(`help ${c}`) })),
  ...DEVICE_CASES,
  ...DEVXML_CASES,
  ...TUNE_CASES,
  ...CPU_CASES,
  ...IOTHREAD_CASES,
  ...META_CASES,
  ...MISC_CASES,
  ...RICH_CASES,
  ...IOSTATS_CASES,
  ...EDGE_CASES,
]);
