/**
 * tsvirsh against stock virsh for the host, node device and storage
 * commands of issue 8 §3: node pages, CPU and memory statistics, CPU models
 * and baselines, cpu-stats, node device create/destroy/detach/…/info, pool
 * source discovery and capabilities, volume create/clone/resize/wipe.
 * Input documents live in test/fixtures/cli/host-storage/.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case } from './cli-cases.js';
import { FIXTURES } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const F = (name: string) => join(FIXTURES, 'host-storage', name);
const MISSING = join(FIXTURES, 'host-storage', 'no-such-file.xml');
const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ro = (...args: string[]) => ['-r', '-c', 'test:///default', ...args];
/** Several commands in one invocation, sharing one fresh test:///default. */
const seq = (...cmds: string[]) => d(cmds.join('; '));

/** Editors for pool-edit; mkdtemp names keep to the characters virsh runs without a shell. */
const DIR = mkdtempSync(join(tmpdir(), 'tsvirsh-hoststorage-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));

function editor(name: string, sed: string): string {
  const path = join(DIR, name);
  writeFileSync(path, `#!/bin/sh\nsed -i '${sed}' "$1"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Moves the pool's target path. */
const RETARGET = editor('retarget.sh', 's|<path>/default-pool</path>|<path>/other</path>|');
/** Breaks the root element (the define fails). */
const BREAK = editor('break.sh', 's|<pool |<poo |; s|</pool>|</poo>|');
/** Renames the pool and drops its UUID (a new pool is defined). */
const RENAME = editor('rename.sh', 's|<name>default-pool</name>|<name>p2</name>|; /<uuid>/d');

/** `virsh help CMD` for every command of this group. */
const HELP = [
  'allocpages', 'cpu-baseline', 'cpu-compare', 'cpu-models', 'cpu-stats', 'freepages', 'hypervisor-cpu-baseline',
  'hypervisor-cpu-compare', 'maxvcpus', 'node-memory-tune', 'nodecpustats', 'nodememstats', 'nodesevinfo',
  'nodesuspend', 'nodedev-autostart', 'nodedev-create', 'nodedev-define', 'nodedev-destroy', 'nodedev-detach',
  'nodedev-dettach', 'nodedev-info', 'nodedev-reattach', 'nodedev-reset', 'nodedev-start', 'nodedev-undefine',
  'pool-capabilities', 'find-storage-pool-sources', 'find-storage-pool-sources-as', 'vol-clone', 'vol-create',
  'vol-create-from', 'vol-resize', 'vol-wipe', 'pool-edit',
].map((c): Case => ({ name: `help ${c}`, args: ['help', c] }));

const NODE: Case[] = [
  { name: 'allocpages unsupported', args: d('allocpages', '4', '1') },
  { name: 'allocpages --all', args: d('allocpages', '4', '1', '--all') },
  { name: 'allocpages --add --cellno', args: d('allocpages', '2M', '1', '--add', '--cellno', '1') },
  { name: 'allocpages --all --cellno', args: d('allocpages', '4', '1', '--cellno', '0', '--all') },
  { name: 'allocpages bad pagesize', args: d('allocpages', 'abc', '1') },
  { name: 'allocpages pagesize overflow', args: d('allocpages', '4T', '1') },
  { name: 'allocpages negative count', args: d('allocpages', '4', '-1') },
  { name: 'allocpages bad cellno', args: d('allocpages', '4', '1', '--cellno', 'x') },
  { name: 'allocpages missing count', args: d('allocpages', '4') },
  { name: 'allocpages read-only', args: ro('allocpages', '4', '1') },
  { name: 'freepages --all', args: d('freepages', '--all') },
  { name: 'freepages --all --pagesize', args: d('freepages', '--all', '--pagesize', '2M') },
  { name: 'freepages --all --pagesize overflow', args: d('freepages', '--all', '--pagesize', '5G') },
  { name: 'freepages cell', args: d('freepages', '--cellno', '0', '--pagesize', '4') },
  { name: 'freepages cell -1', args: d('freepages', '--cellno', '-1', '--pagesize', '3') },
  { name: 'freepages cell -2', args: d('freepages', '--cellno', '-2', '--pagesize', '4') },
  { name: 'freepages no cellno', args: d('freepages', '--pagesize', '4') },
  { name: 'freepages no pagesize', args: d('freepages', '--cellno', '0') },
  { name: 'freepages nothing', args: d('freepages') },
  { name: 'freepages --all --cellno', args: d('freepages', '--all', '--cellno', '1') },
  { name: 'freepages bad cellno', args: d('freepages', '--cellno', 'x', '--pagesize', '4') },
  { name: 'freepages read-only', args: ro('freepages', '--all') },
  { name: 'maxvcpus', args: d('maxvcpus') },
  { name: 'maxvcpus --type', args: d('maxvcpus', '--type', 'kvm') },
  { name: 'maxvcpus empty type', args: d('maxvcpus', '--type', '') },
  { name: 'node-memory-tune get', args: d('node-memory-tune') },
  { name: 'node-memory-tune set', args: d('node-memory-tune', '--shm-pages-to-scan', '5', '--shm-merge-across-nodes', '1') },
  { name: 'node-memory-tune negative', args: d('node-memory-tune', '--shm-pages-to-scan', '-5') },
  { name: 'node-memory-tune bad value', args: d('node-memory-tune', '--shm-sleep-millisecs', 'x') },
  { name: 'node-memory-tune read-only set', args: ro('node-memory-tune', '--shm-sleep-millisecs', '5') },
  { name: 'nodecpustats', args: d('nodecpustats') },
  { name: 'nodecpustats --cpu', args: d('nodecpustats', '--cpu', '3') },
  { name: 'nodecpustats --cpu -1', args: d('nodecpustats', '--cpu', '-1') },
  { name: 'nodecpustats --cpu -5', args: d('nodecpustats', '--cpu', '-5') },
  { name: 'nodecpustats bad cpu', args: d('nodecpustats', '--cpu', 'x') },
  { name: 'nodecpustats --percent', args: d('nodecpustats', '--percent') },
  { name: 'nodecpustats read-only', args: ro('nodecpustats') },
  { name: 'nodememstats', args: d('nodememstats') },
  { name: 'nodememstats --cell', args: d('nodememstats', '--cell', '0') },
  { name: 'nodememstats --cell -5', args: d('nodememstats', '--cell', '-5') },
  { name: 'nodememstats bad cell', args: d('nodememstats', '--cell', 'x') },
  { name: 'nodesevinfo', args: d('nodesevinfo') },
  { name: 'nodesuspend', args: d('nodesuspend', 'mem', '60') },
  { name: 'nodesuspend bad target', args: d('nodesuspend', 'foo', '60') },
  { name: 'nodesuspend negative duration', args: d('nodesuspend', 'mem', '-1') },
  { name: 'nodesuspend bad duration', args: d('nodesuspend', 'foo', 'x') },
  { name: 'nodesuspend missing duration', args: d('nodesuspend', 'mem') },
  { name: 'nodesuspend read-only', args: ro('nodesuspend', 'disk', '60') },
];

const CPU: Case[] = [
  { name: 'cpu-models x86_64', args: d('cpu-models', 'x86_64') },
  { name: 'cpu-models i686', args: d('cpu-models', 'i686') },
  { name: 'cpu-models ppc64le', args: d('cpu-models', 'ppc64le') },
  { name: 'cpu-models aarch64', args: d('cpu-models', 'aarch64') },
  { name: 'cpu-models s390x quiet', args: ['-q', ...d('cpu-models', 's390x')] },
  { name: 'cpu-models unknown arch', args: d('cpu-models', 'arm') },
  { name: 'cpu-models arch without driver', args: d('cpu-models', 'riscv64') },
  { name: 'cpu-models empty arch', args: d('cpu-models', '') },
  { name: 'cpu-models no arch', args: d('cpu-models') },
  { name: 'cpu-models read-only', args: ro('cpu-models', 'ppc64') },
  { name: 'cpu-baseline same x86 models', args: d('cpu-baseline', F('cpu-x86-same.xml')) },
  { name: 'cpu-baseline vendor on one CPU', args: d('cpu-baseline', F('cpu-x86-vendor-once.xml')) },
  { name: 'cpu-baseline different x86 models', args: d('cpu-baseline', F('cpu-x86-two.xml')) },
  { name: 'cpu-baseline different x86 models --features', args: d('cpu-baseline', F('cpu-x86-two.xml'), '--features') },
  { name: 'cpu-baseline x86 models with features', args: d('cpu-baseline', F('cpu-x86-features.xml')) },
  { name: 'cpu-baseline x86 models with features --features', args: d('cpu-baseline', F('cpu-x86-features.xml'), '--features') },
  { name: 'cpu-baseline AMD and no vendor', args: d('cpu-baseline', F('cpu-x86-amd-novendor.xml'), '--features') },
  { name: 'cpu-baseline vendors differ', args: d('cpu-baseline', F('cpu-x86-vendors-differ.xml')) },
  { name: 'cpu-baseline one model, different features', args: d('cpu-baseline', F('cpu-x86-same-features.xml')) },
  { name: 'cpu-baseline same models --features', args: d('cpu-baseline', F('cpu-x86-same.xml'), '--features') },
  { name: 'cpu-baseline one CPU with a feature --features', args: d('cpu-baseline', F('cpu-x86-one-feature.xml'), '--features') },
  { name: 'cpu-baseline --migratable', args: d('cpu-baseline', F('cpu-x86-two.xml'), '--migratable') },
  { name: 'cpu-baseline ppc64', args: d('cpu-baseline', F('cpu-ppc.xml')) },
  { name: 'cpu-baseline ppc64 --features', args: d('cpu-baseline', F('cpu-ppc.xml'), '--features') },
  { name: 'cpu-baseline ppc64 incompatible', args: d('cpu-baseline', F('cpu-ppc-two.xml')) },
  { name: 'cpu-baseline arm', args: d('cpu-baseline', F('cpu-arm.xml')) },
  { name: 'cpu-baseline s390x', args: d('cpu-baseline', F('cpu-s390.xml')) },
  { name: 'cpu-baseline alpha', args: d('cpu-baseline', F('cpu-alpha.xml')) },
  { name: 'cpu-baseline unknown arch', args: d('cpu-baseline', F('cpu-badarch.xml')) },
  { name: 'cpu-baseline domain without arch', args: d('cpu-baseline', F('cpu-noarch.xml')) },
  { name: 'cpu-baseline no model', args: d('cpu-baseline', F('cpu-nomodel.xml')) },
  { name: 'cpu-baseline mode attribute', args: d('cpu-baseline', F('cpu-mode.xml')) },
  { name: 'cpu-baseline broken XML', args: d('cpu-baseline', F('cpu-broken.xml')) },
  { name: 'cpu-baseline domain capabilities', args: d('cpu-baseline', F('cpu-domcaps.xml')) },
  { name: 'cpu-baseline host capabilities', args: d('cpu-baseline', F('cpu-caps.xml')) },
  { name: 'cpu-baseline unknown model', args: d('cpu-baseline', F('cpu-unknown-model.xml')) },
  { name: 'cpu-baseline unknown vendor', args: d('cpu-baseline', F('cpu-unknown-vendor.xml')) },
  { name: 'cpu-baseline feature without name', args: d('cpu-baseline', F('cpu-feature-noname.xml')) },
  { name: 'cpu-baseline no cpu', args: d('cpu-baseline', F('garbage.xml')) },
  { name: 'cpu-baseline missing file', args: d('cpu-baseline', MISSING) },
  { name: 'cpu-baseline read-only', args: ro('cpu-baseline', F('cpu-ppc.xml')) },
  { name: 'cpu-compare unsupported', args: d('cpu-compare', F('cpu-x86-two.xml'), '--error', '--validate') },
  { name: 'cpu-compare no cpu', args: d('cpu-compare', F('src-netfs.xml')) },
  { name: 'hypervisor-cpu-compare', args: d('hypervisor-cpu-compare', F('cpu-x86-two.xml'), '--arch', 'x86_64') },
  { name: 'hypervisor-cpu-compare empty option', args: d('hypervisor-cpu-compare', F('cpu-ppc.xml'), '--machine', '') },
  { name: 'hypervisor-cpu-baseline file', args: d('hypervisor-cpu-baseline', F('cpu-ppc.xml'), '--features') },
  { name: 'hypervisor-cpu-baseline model', args: d('hypervisor-cpu-baseline', '--model', 'Haswell') },
  { name: 'hypervisor-cpu-baseline neither', args: d('hypervisor-cpu-baseline') },
  { name: 'hypervisor-cpu-baseline both', args: d('hypervisor-cpu-baseline', '--model', 'x', '--file', F('cpu-ppc.xml')) },
  { name: 'hypervisor-cpu-baseline missing file', args: d('hypervisor-cpu-baseline', '--file', MISSING) },
  { name: 'cpu-stats', args: d('cpu-stats', 'test') },
  { name: 'cpu-stats --total', args: d('cpu-stats', 'test', '--total') },
  { name: 'cpu-stats --start', args: d('cpu-stats', 'test', '--start', '1') },
  { name: 'cpu-stats --start out of range', args: d('cpu-stats', 'test', '--start', '2') },
  { name: 'cpu-stats --start negative', args: d('cpu-stats', 'test', '--start', '-1') },
  { name: 'cpu-stats --count 0', args: d('cpu-stats', 'test', '--count', '0') },
  { name: 'cpu-stats --count too many', args: d('cpu-stats', 'test', '--count', '5') },
  { name: 'cpu-stats --start --count --total', args: d('cpu-stats', 'test', '--start', '1', '--count', '3', '--total') },
  { name: 'cpu-stats --count negative', args: d('cpu-stats', 'test', '--count', '-1') },
  { name: 'cpu-stats bad --count', args: d('cpu-stats', 'test', '--count', '2147483648') },
  { name: 'cpu-stats by id', args: d('cpu-stats', '1', '--total') },
  { name: 'cpu-stats missing domain', args: d('cpu-stats', 'nosuch') },
  { name: 'cpu-stats inactive', args: seq('destroy test', 'cpu-stats test') },
  { name: 'cpu-stats read-only', args: ro('cpu-stats', 'test') },
];

const NODEDEV: Case[] = [
  { name: 'nodedev-info computer', args: d('nodedev-info', 'computer') },
  { name: 'nodedev-info scsi_host1', args: d('nodedev-info', 'scsi_host1') },
  { name: 'nodedev-info missing', args: d('nodedev-info', 'nosuch') },
  { name: 'nodedev-info malformed wwn pair', args: d('nodedev-info', 'a,b,c') },
  { name: 'nodedev-info wwn pair', args: d('nodedev-info', '2000000012341234,1000000012341234') },
  { name: 'nodedev-info bad wwn', args: d('nodedev-info', '20000000123412,1000000012341234') },
  { name: 'nodedev-info read-only', args: ro('nodedev-info', 'scsi_host11') },
  { name: 'nodedev-destroy not an HBA', args: seq('nodedev-destroy computer', 'nodedev-info computer') },
  { name: 'nodedev-destroy vHBA', args: seq('nodedev-destroy scsi_host11', 'nodedev-info scsi_host11') },
  { name: 'nodedev-destroy orphan', args: seq('nodedev-destroy scsi_host1', 'nodedev-destroy scsi_host11', 'nodedev-info scsi_host11') },
  { name: 'nodedev-destroy --name', args: d('nodedev-destroy', '--name', 'scsi_host11') },
  { name: 'nodedev-destroy missing', args: d('nodedev-destroy', 'nosuch') },
  { name: 'nodedev-destroy read-only', args: ro('nodedev-destroy', 'computer') },
  { name: 'nodedev-create vHBA', args: seq(`nodedev-create ${F('nodedev-vhba.xml')}`, 'nodedev-dumpxml scsi_host12', 'nodedev-info scsi_host12', 'nodedev-destroy scsi_host12', 'nodedev-info scsi_host12') },
  { name: 'nodedev-create twice', args: seq(`nodedev-create ${F('nodedev-vhba.xml')}`, `nodedev-create ${F('nodedev-parent-wwns.xml')}`, 'nodedev-dumpxml scsi_host12') },
  { name: 'nodedev-create any vport parent', args: seq(`nodedev-create ${F('nodedev-vhba-noparent.xml')}`, 'nodedev-dumpxml scsi_host12') },
  { name: 'nodedev-create parent by fabric', args: seq(`nodedev-create ${F('nodedev-parent-fabric.xml')}`, 'nodedev-info scsi_host12') },
  { name: 'nodedev-create --validate', args: d('nodedev-create', F('nodedev-valid.xml'), '--validate') },
  { name: 'nodedev-create no wwnn', args: d('nodedev-create', F('nodedev-nowwnn.xml')) },
  { name: 'nodedev-create parent without vports', args: d('nodedev-create', F('nodedev-parent-novport.xml')) },
  { name: 'nodedev-create parent missing', args: d('nodedev-create', F('nodedev-parent-missing.xml')) },
  { name: 'nodedev-create no vport parent left', args: seq('nodedev-destroy scsi_host1', `nodedev-create ${F('nodedev-vhba-noparent.xml')}`) },
  { name: 'nodedev-create pci', args: d('nodedev-create', F('nodedev-pci.xml')) },
  { name: 'nodedev-create not an HBA', args: d('nodedev-create', F('nodedev-not-fc.xml')) },
  { name: 'nodedev-create garbage', args: d('nodedev-create', F('garbage.xml')) },
  { name: 'nodedev-create missing file', args: d('nodedev-create', MISSING) },
  { name: 'nodedev-create read-only', args: ro('nodedev-create', F('nodedev-vhba.xml')) },
  { name: 'nodedev-define', args: d('nodedev-define', F('nodedev-vhba.xml'), '--validate') },
  { name: 'nodedev-define missing file', args: d('nodedev-define', MISSING) },
  { name: 'nodedev-undefine', args: d('nodedev-undefine', 'scsi_host11') },
  { name: 'nodedev-undefine missing', args: d('nodedev-undefine', 'nosuch') },
  { name: 'nodedev-start', args: d('nodedev-start', 'computer') },
  { name: 'nodedev-start missing', args: d('nodedev-start', 'nosuch') },
  { name: 'nodedev-autostart', args: d('nodedev-autostart', 'computer') },
  { name: 'nodedev-autostart --disable', args: d('nodedev-autostart', 'computer', '--disable') },
  { name: 'nodedev-detach', args: d('nodedev-detach', 'computer') },
  { name: 'nodedev-detach --driver', args: d('nodedev-detach', 'computer', '--driver', 'vfio') },
  { name: 'nodedev-detach missing', args: d('nodedev-detach', 'nosuch') },
  { name: 'nodedev-dettach alias', args: d('nodedev-dettach', 'computer') },
  { name: 'nodedev-reattach', args: d('nodedev-reattach', 'computer') },
  { name: 'nodedev-reattach read-only', args: ro('nodedev-reattach', 'computer') },
  { name: 'nodedev-reset', args: d('nodedev-reset', 'computer') },
  { name: 'nodedev-reset missing', args: d('nodedev-reset', 'nosuch') },
];

const STORAGE: Case[] = [
  { name: 'pool-edit unchanged', args: d('pool-edit', 'default-pool'), env: { EDITOR: 'true' } },
  { name: 'pool-edit by uuid', args: d('pool-edit', 'dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566'), env: { VISUAL: 'true', EDITOR: 'false' } },
  { name: 'pool-edit target', args: seq('pool-edit default-pool', 'pool-dumpxml default-pool', 'pool-dumpxml --inactive default-pool'), env: { EDITOR: RETARGET } },
  { name: 'pool-edit define fails', args: seq('pool-edit default-pool', 'pool-list --all'), env: { EDITOR: BREAK } },
  { name: 'pool-edit new pool', args: seq('pool-edit default-pool', 'pool-list --all'), env: { EDITOR: RENAME } },
  { name: 'pool-edit no editor', args: d('pool-edit', 'default-pool'), env: { EDITOR: 'nonexistent-editor' } },
  { name: 'pool-edit missing pool', args: d('pool-edit', 'nosuch'), env: { EDITOR: 'true' } },
  { name: 'pool-edit read-only', args: ro('pool-edit', 'default-pool'), env: { EDITOR: RETARGET } },
  { name: 'pool-capabilities', args: d('pool-capabilities') },
  { name: 'pool-capabilities read-only', args: ro('pool-capabilities') },
  { name: 'find-storage-pool-sources logical', args: d('find-storage-pool-sources', 'logical') },
  { name: 'find-storage-pool-sources dir', args: d('find-storage-pool-sources', 'dir') },
  { name: 'find-storage-pool-sources fs', args: d('find-storage-pool-sources', 'fs') },
  { name: 'find-storage-pool-sources netfs without host', args: d('find-storage-pool-sources', 'netfs') },
  { name: 'find-storage-pool-sources unknown type', args: d('find-storage-pool-sources', 'foo') },
  { name: 'find-storage-pool-sources empty type', args: d('find-storage-pool-sources', '') },
  { name: 'find-storage-pool-sources netfs spec', args: d('find-storage-pool-sources', 'netfs', '--srcSpec', F('src-netfs.xml')) },
  { name: 'find-storage-pool-sources missing spec', args: d('find-storage-pool-sources', 'netfs', '--srcSpec', MISSING) },
  { name: 'find-storage-pool-sources broken spec', args: d('find-storage-pool-sources', 'logical', '--srcSpec', F('src-broken.xml')) },
  { name: 'find-storage-pool-sources dir with spec', args: d('find-storage-pool-sources', 'dir', '--srcSpec', F('src-broken.xml')) },
  { name: 'find-storage-pool-sources unknown type spec', args: d('find-storage-pool-sources', 'foo', '--srcSpec', F('src-netfs.xml')) },
  { name: 'find-storage-pool-sources spec not source', args: d('find-storage-pool-sources', 'netfs', '--srcSpec', F('src-notsource.xml')) },
  { name: 'find-storage-pool-sources bad port', args: d('find-storage-pool-sources', 'netfs', '--srcSpec', F('src-badport.xml')) },
  { name: 'find-storage-pool-sources read-only', args: ro('find-storage-pool-sources', 'logical') },
  { name: 'find-storage-pool-sources-as logical', args: d('find-storage-pool-sources-as', 'logical') },
  { name: 'find-storage-pool-sources-as netfs', args: d('find-storage-pool-sources-as', 'netfs', '--host', 'myhost') },
  { name: 'find-storage-pool-sources-as all options', args: d('find-storage-pool-sources-as', 'netfs', '--host', 'myhost', '--port', '22', '--initiator', 'iqn.x') },
  { name: 'find-storage-pool-sources-as port only', args: d('find-storage-pool-sources-as', 'netfs', '--port', '22') },
  { name: 'find-storage-pool-sources-as empty port', args: d('find-storage-pool-sources-as', 'netfs', '--host', 'myhost', '--port', '') },
  { name: 'find-storage-pool-sources-as bad port', args: d('find-storage-pool-sources-as', 'netfs', '--host', 'myhost', '--port', 'x') },
  { name: 'find-storage-pool-sources-as iscsi', args: d('find-storage-pool-sources-as', 'iscsi', '--host', 'myhost') },
  {
    name: 'vol-create and vol-clone',
    args: seq(`vol-create default-pool ${F('vol-qcow2.xml')}`, 'vol-clone a.img b.img --pool default-pool --print-xml',
      'vol-clone /default-pool/a.img c.img', 'vol-dumpxml c.img --pool default-pool', 'vol-list default-pool --details',
      'pool-info default-pool --bytes'),
  },
  {
    name: 'vol-clone errors',
    args: seq(`vol-create default-pool ${F('vol-qcow2.xml')}`, 'vol-clone a.img a.img --pool default-pool',
      'vol-clone a.img d.img --pool default-pool --prealloc-metadata', 'vol-clone a.img d.img --pool default-pool --reflink',
      'vol-clone nosuch d.img', 'vol-clone a.img d.img --pool nopool'),
  },
  { name: 'vol-clone read-only', args: ro('vol-clone', '--pool', 'default-pool', 'x.img', 'y.img') },
  { name: 'vol-wipe read-only', args: ro('vol-wipe', '/default-pool/x.img') },
  {
    name: 'vol-create-from',
    args: seq(`vol-create default-pool ${F('vol-plain.xml')}`, `vol-create-from default-pool ${F('vol-plain.xml')} a.img --inputpool default-pool`,
      `vol-create-from default-pool ${F('vol-valid.xml')} /default-pool/a.img`, `vol-create-from default-pool ${F('vol-valid.xml')} c.img`,
      `vol-create-from default-pool ${F('vol-valid.xml')} a.img --inputpool default-pool --validate`,
      `vol-create-from default-pool ${MISSING} a.img`, `vol-create-from nopool ${F('vol-valid.xml')} a.img`,
      `vol-create-from default-pool ${F('vol-qcow2.xml')} a.img --inputpool default-pool --reflink`, 'vol-list default-pool'),
  },
  {
    name: 'vol-create errors',
    args: seq(`vol-create default-pool ${F('vol-valid.xml')} --validate`, `vol-create default-pool ${MISSING}`,
      `vol-create nopool ${F('vol-plain.xml')}`, `vol-create default-pool ${F('garbage.xml')}`,
      `vol-create default-pool ${F('vol-plain.xml')} --prealloc-metadata`),
  },
  { name: 'vol-create read-only', args: ro('vol-create', 'default-pool', F('vol-plain.xml')) },
  {
    name: 'vol-resize',
    args: seq(`vol-create default-pool ${F('vol-plain.xml')}`, 'vol-resize a.img 2M --pool default-pool',
      'vol-resize a.img " -2M" --pool default-pool', 'vol-resize a.img -- -2M --pool default-pool --shrink',
      'vol-resize a.img 2X --pool default-pool', 'vol-resize a.img abc --pool default-pool',
      'vol-resize a.img 1k --pool default-pool --delta --allocate', 'vol-resize nosuch 1 --pool default-pool', 'vol-resize a.img 1'),
  },
  {
    name: 'vol-wipe',
    args: seq(`vol-create default-pool ${F('vol-plain.xml')}`, 'vol-wipe a.img --pool default-pool',
      'vol-wipe a.img --pool default-pool --algorithm nnsa', 'vol-wipe a.img --pool default-pool --algorithm foo',
      'vol-wipe a.img --pool default-pool --algorithm zero', 'vol-wipe x'),
  },
];

diffCases('tsvirsh matches virsh: host and storage', [...HELP, ...NODE, ...CPU, ...NODEDEV, ...STORAGE]);
