/**
 * The command groups and their order: virsh 9.0's `virsh help`, group by
 * group (cmdGroups in tools/virsh.c and each group's command table). The
 * group files export plain command lists; each command lands in the group
 * whose list names it, at virsh's position, so files can be split freely.
 * Groups with no implemented command are left out. A hidden alias goes with
 * the command it stands for.
 */
import type { CmdDef, CmdGroup } from '../command.js';
import { checkpointCommands } from './checkpoint.js';
import { domGuestCommands } from './dom-guest.js';
import { domMonitorCommands } from './dom-monitor.js';
import { domCapabilitiesCommands } from './domcapabilities.js';
import { domainCommands } from './domain.js';
import { domainBlockCommands } from './domain-block.js';
import { domainHyperCommands } from './domain-hyper.js';
import { domainMigrateCommands } from './domain-migrate.js';
import { domainSaveCommands } from './domain-save.js';
import { domainConfigCommands } from './domain-config.js';
import { domainDeviceCommands } from './domain-devices.js';
import { eventCommands } from './event.js';
import { hostCommands } from './host.js';
import { hostCpuCommands } from './host-cpu.js';
import { hostNodeCommands } from './host-node.js';
import { interfaceCommands } from './interface.js';
import { interfaceChangeCommands } from './interface-change.js';
import { monitorCommands } from './monitor.js';
import { networkCommands } from './network.js';
import { networkPortCommands } from './network-port.js';
import { networkUpdateCommands } from './network-update.js';
import { nodedevCommands } from './nodedev.js';
import { nodedevOpsCommands } from './nodedev-ops.js';
import { nwfilterCommands } from './nwfilter.js';
import { poolCommands } from './pool.js';
import { secretCommands } from './secret.js';
import { snapshotCommands } from './snapshot.js';
import { storageOpsCommands } from './storage-ops.js';
import { virshCommands } from './virsh.js';
import { volumeCommands } from './volume.js';
import { consoleCommands } from './console.js';
import { volumeTransferCommands } from './volume-transfer.js';

/** Every command tsvirsh implements, in no particular order. */
const ALL: readonly CmdDef[] = [
  ...domainCommands,
  ...domainSaveCommands,
  ...domainBlockCommands,
  ...domainMigrateCommands,
  ...domainHyperCommands,
  ...domainConfigCommands,
  ...domainDeviceCommands,
  ...monitorCommands,
  ...domMonitorCommands,
  ...domGuestCommands,
  ...eventCommands,
  ...hostCommands,
  ...domCapabilitiesCommands,
  ...hostNodeCommands,
  ...hostCpuCommands,
  ...interfaceCommands,
  ...interfaceChangeCommands,
  ...networkCommands,
  ...networkPortCommands,
  ...networkUpdateCommands,
  ...nwfilterCommands,
  ...nodedevCommands,
  ...nodedevOpsCommands,
  ...snapshotCommands,
  ...checkpointCommands,
  ...secretCommands,
  ...poolCommands,
  ...volumeCommands,
  ...storageOpsCommands,
  ...virshCommands,
  ...consoleCommands,
  ...volumeTransferCommands,
];

/** `virsh help` of 9.0: each group's name, keyword and commands in order. */
export const VIRSH_GROUPS: ReadonlyArray<{ name: string; keyword: string; order: readonly string[] }> = [
  { name: 'Domain Management', keyword: 'domain', order: ['attach-device', 'attach-disk', 'attach-interface', 'autostart', 'blkdeviotune', 'blkiotune', 'blockcommit', 'blockcopy', 'blockjob', 'blockpull', 'blockresize', 'change-media', 'console', 'cpu-stats', 'create', 'define', 'desc', 'destroy', 'detach-device', 'detach-device-alias', 'detach-disk', 'detach-interface', 'domdisplay', 'domfsfreeze', 'domfsthaw', 'domfsinfo', 'domfstrim', 'domhostname', 'domid', 'domif-setlink', 'domiftune', 'domjobabort', 'domjobinfo', 'domlaunchsecinfo', 'domsetlaunchsecstate', 'domname', 'domrename', 'dompmsuspend', 'dompmwakeup', 'domuuid', 'domxml-from-native', 'domxml-to-native', 'dump', 'dumpxml', 'edit', 'get-user-sshkeys', 'inject-nmi', 'iothreadinfo', 'iothreadpin', 'iothreadadd', 'iothreadset', 'iothreaddel', 'send-key', 'send-process-signal', 'lxc-enter-namespace', 'managedsave', 'managedsave-remove', 'managedsave-edit', 'managedsave-dumpxml', 'managedsave-define', 'memtune', 'perf', 'metadata', 'migrate', 'migrate-setmaxdowntime', 'migrate-getmaxdowntime', 'migrate-compcache', 'migrate-setspeed', 'migrate-getspeed', 'migrate-postcopy', 'numatune', 'qemu-attach', 'qemu-monitor-command', 'qemu-monitor-event', 'qemu-agent-command', 'guest-agent-timeout', 'reboot', 'reset', 'restore', 'resume', 'save', 'save-image-define', 'save-image-dumpxml', 'save-image-edit', 'schedinfo', 'screenshot', 'set-lifecycle-action', 'set-user-sshkeys', 'set-user-password', 'setmaxmem', 'setmem', 'setvcpus', 'shutdown', 'start', 'suspend', 'ttyconsole', 'undefine', 'update-device', 'update-memory-device', 'vcpucount', 'vcpuinfo', 'vcpupin', 'emulatorpin', 'vncdisplay', 'guestvcpus', 'setvcpu', 'domblkthreshold', 'guestinfo', 'domdirtyrate-calc', 'dom-fd-associate'] },
  { name: 'Domain Monitoring', keyword: 'monitor', order: ['domblkerror', 'domblkinfo', 'domblklist', 'domblkstat', 'domcontrol', 'domif-getlink', 'domifaddr', 'domiflist', 'domifstat', 'dominfo', 'dommemstat', 'domstate', 'domstats', 'domtime', 'list'] },
  { name: 'Domain Events', keyword: 'events', order: ['event'] },
  { name: 'Host and Hypervisor', keyword: 'host', order: ['allocpages', 'capabilities', 'cpu-baseline', 'cpu-compare', 'cpu-models', 'domcapabilities', 'freecell', 'freepages', 'hostname', 'hypervisor-cpu-baseline', 'hypervisor-cpu-compare', 'maxvcpus', 'node-memory-tune', 'nodecpumap', 'nodecpustats', 'nodeinfo', 'nodememstats', 'nodesevinfo', 'nodesuspend', 'sysinfo', 'uri', 'version'] },
  { name: 'Checkpoint', keyword: 'checkpoint', order: ['checkpoint-create', 'checkpoint-create-as', 'checkpoint-delete', 'checkpoint-dumpxml', 'checkpoint-edit', 'checkpoint-info', 'checkpoint-list', 'checkpoint-parent'] },
  { name: 'Interface', keyword: 'interface', order: ['iface-begin', 'iface-bridge', 'iface-commit', 'iface-define', 'iface-destroy', 'iface-dumpxml', 'iface-edit', 'iface-list', 'iface-mac', 'iface-name', 'iface-rollback', 'iface-start', 'iface-unbridge', 'iface-undefine'] },
  { name: 'Network Filter', keyword: 'filter', order: ['nwfilter-define', 'nwfilter-dumpxml', 'nwfilter-edit', 'nwfilter-list', 'nwfilter-undefine', 'nwfilter-binding-create', 'nwfilter-binding-delete', 'nwfilter-binding-dumpxml', 'nwfilter-binding-list'] },
  { name: 'Networking', keyword: 'network', order: ['net-autostart', 'net-create', 'net-define', 'net-destroy', 'net-dhcp-leases', 'net-dumpxml', 'net-edit', 'net-event', 'net-info', 'net-list', 'net-name', 'net-start', 'net-undefine', 'net-update', 'net-uuid', 'net-port-list', 'net-port-create', 'net-port-dumpxml', 'net-port-delete'] },
  { name: 'Node Device', keyword: 'nodedev', order: ['nodedev-create', 'nodedev-destroy', 'nodedev-detach', 'nodedev-dumpxml', 'nodedev-list', 'nodedev-reattach', 'nodedev-reset', 'nodedev-event', 'nodedev-define', 'nodedev-undefine', 'nodedev-start', 'nodedev-autostart', 'nodedev-info'] },
  { name: 'Secret', keyword: 'secret', order: ['secret-define', 'secret-dumpxml', 'secret-event', 'secret-get-value', 'secret-list', 'secret-set-value', 'secret-undefine'] },
  { name: 'Snapshot', keyword: 'snapshot', order: ['snapshot-create', 'snapshot-create-as', 'snapshot-current', 'snapshot-delete', 'snapshot-dumpxml', 'snapshot-edit', 'snapshot-info', 'snapshot-list', 'snapshot-parent', 'snapshot-revert'] },
  { name: 'Backup', keyword: 'backup', order: ['backup-begin', 'backup-dumpxml'] },
  { name: 'Storage Pool', keyword: 'pool', order: ['find-storage-pool-sources-as', 'find-storage-pool-sources', 'pool-autostart', 'pool-build', 'pool-create-as', 'pool-create', 'pool-define-as', 'pool-define', 'pool-delete', 'pool-destroy', 'pool-dumpxml', 'pool-edit', 'pool-info', 'pool-list', 'pool-name', 'pool-refresh', 'pool-start', 'pool-undefine', 'pool-uuid', 'pool-event', 'pool-capabilities'] },
  { name: 'Storage Volume', keyword: 'volume', order: ['vol-clone', 'vol-create-as', 'vol-create', 'vol-create-from', 'vol-delete', 'vol-download', 'vol-dumpxml', 'vol-info', 'vol-key', 'vol-list', 'vol-name', 'vol-path', 'vol-pool', 'vol-resize', 'vol-upload', 'vol-wipe'] },
  { name: 'Virsh itself', keyword: 'virsh', order: ['cd', 'echo', 'exit', 'help', 'pwd', 'quit', 'connect'] },
];

function buildGroups(): CmdGroup[] {
  const byName = new Map(ALL.map((c) => [c.name, c]));
  if (byName.size !== ALL.length) throw new Error('a tsvirsh command is defined twice');
  const placed = new Set<string>();
  const out: CmdGroup[] = [];
  for (const g of VIRSH_GROUPS) {
    const commands: CmdDef[] = [];
    for (const name of g.order) {
      const c = byName.get(name);
      if (!c) continue;
      commands.push(c);
      placed.add(name);
      for (const a of ALL) if (a.hidden && a.alias === name) { commands.push(a); placed.add(a.name); }
    }
    if (commands.length > 0) out.push({ name: g.name, keyword: g.keyword, commands });
  }
  const stray = ALL.filter((c) => !placed.has(c.name)).map((c) => c.name);
  if (stray.length > 0) throw new Error(`tsvirsh commands in no virsh group: ${stray.join(', ')}`);
  return out;
}

export const groups: readonly CmdGroup[] = buildGroups();
