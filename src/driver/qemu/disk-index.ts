/**
 * The block node index of a running domain's disks, as libvirt's live XML
 * shows it (`<source … index='N'/>` followed by `<backingStore/>`) and as
 * QEMU knows the disk's nodes (`libvirt-N-storage`, `libvirt-N-format`).
 */
import { getAttr, kid, node, setAttr } from '../../conf/domain-xml.js';
import type { QemuDomainObj } from './domain-obj.js';

/**
 * Gives the disks of a running domain their block node index in the live
 * XML (`<source … index='N'/>` + `<backingStore/>`, as libvirt shows them):
 * the command line numbered the disks it started with from N down to 1
 * (command.ts), hot-plugged ones carry theirs already. Returns the highest.
 */
export function stampDiskIndexes(vm: QemuDomainObj): number {
  const ds = vm.def.devices.list.filter((d) => d.kind === 'disk').map((d) => d.node);
  // An empty drive takes its number too (and shows none).
  const unstamped = ds.filter((d) => getAttr(kid(d, 'source'), 'index') === undefined);
  let max = 0;
  unstamped.forEach((d, i) => {
    const src = kid(d, 'source');
    if (!src) return;
    setAttr(src, 'index', unstamped.length - i);
    if (!kid(d, 'backingStore')) d.children.splice(d.children.indexOf(src) + 1, 0, node('backingStore'));
  });
  for (const d of ds) max = Math.max(max, Number(getAttr(kid(d, 'source'), 'index') ?? 0));
  return max;
}
