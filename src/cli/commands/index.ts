/**
 * The command groups, in virsh's order (cmdGroups in tools/virsh.c). Only
 * the groups and commands tsvirsh implements are listed.
 */
import type { CmdGroup } from '../command.js';
import { domainGroup } from './domain.js';
import { eventsGroup } from './event.js';
import { hostGroup } from './host.js';
import { interfaceGroup } from './interface.js';
import { monitorGroup } from './monitor.js';
import { networkGroup } from './network.js';
import { nodedevGroup } from './nodedev.js';
import { poolGroup } from './pool.js';
import { snapshotGroup } from './snapshot.js';
import { virshGroup } from './virsh.js';
import { volumeGroup } from './volume.js';

export const groups: readonly CmdGroup[] = [
  domainGroup,
  monitorGroup,
  eventsGroup,
  hostGroup,
  interfaceGroup,
  networkGroup,
  nodedevGroup,
  snapshotGroup,
  poolGroup,
  volumeGroup,
  virshGroup,
];
