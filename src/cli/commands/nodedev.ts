/**
 * The "Node Device" group (tools/virsh-nodedev.c).
 */
import type { NodeDevice } from '../../api/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { strcasecmp, treeLines } from '../format.js';
import { freeAll } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, unsupported } from '../util.js';
import { stringToArray } from './domain.js';

/** virNodeDevCapType names, in order: bit i of the listing flags is capability i. */
const CAP_NAMES = ['system', 'pci', 'usb_device', 'usb', 'net', 'scsi_host', 'scsi_target', 'scsi', 'storage',
  'fc_host', 'vports', 'scsi_generic', 'drm', 'mdev_types', 'mdev', 'ccw', 'css', 'vdpa', 'ap_card', 'ap_queue',
  'ap_matrix', 'vpd'];
/** The VIR_CONNECT_LIST_NODE_DEVICES_CAP_* bit of each capability. */
const CAP_BITS: Record<string, number> = {
  system: 0, pci: 1, usb_device: 2, usb: 3, net: 4, scsi_host: 5, scsi_target: 6, scsi: 7, storage: 8, fc_host: 9,
  vports: 10, scsi_generic: 11, drm: 12, mdev_types: 13, mdev: 14, ccw: 15, css: 16, vdpa: 17, ap_card: 18,
  ap_queue: 19, ap_matrix: 20, vpd: 21,
};
const LIST_INACTIVE = 1 << 30;
const LIST_ACTIVE = 2 ** 31;

/** virValidateWWN. */
function validWWN(ctl: Shell, wwn: string): boolean {
  const p = wwn.startsWith('0x') ? wwn.slice(2) : wwn;
  if (!/^[0-9a-fA-F]{16}$/.test(p)) {
    ctl.saveError(VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `Malformed wwn: ${wwn}`));
    return false;
  }
  return true;
}

/** vshFindNodeDevice: a name, or a 'wwnn,wwpn' pair. */
export async function findNodeDevice(ctl: Shell, value: string): Promise<NodeDevice | null> {
  let dev: NodeDevice | typeof FAIL;
  if (value.includes(',')) {
    const arr = stringToArray(value);
    if (arr.length !== 2) {
      ctl.error(`Malformed device value '${value}'`);
      return null;
    }
    if (!validWWN(ctl, arr[0]!) || !validWWN(ctl, arr[1]!)) return null;
    dev = await ctl.attempt(Promise.reject(unsupported('virNodeDeviceLookupSCSIHostByWWN', ErrorDomain.NODEDEV)));
  } else {
    dev = await ctl.attempt(ctl.c.nodeDeviceLookupByName(value));
  }
  if (dev === FAIL) {
    ctl.error(`Could not find matching device '${value}'`);
    return null;
  }
  return dev;
}

async function cmdNodedevDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const value = cmd.string(ctl, 'device');
  if (value == null) return false;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  using dev = await findNodeDevice(ctl, value);
  if (!dev) return false;
  const xml = await ctl.attempt(dev.getXMLDesc(0));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}


async function cmdNodedevList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const tree = cmd.bool('tree');
  const inactive = cmd.bool('inactive');
  const all = cmd.bool('all');
  const capOpt = cmd.stringQuiet('cap');
  const capStr = capOpt.rc === 1 ? capOpt.value : undefined;
  const caps = capStr !== undefined ? stringToArray(capStr) : [];
  if (all && inactive) {
    ctl.error('Option --all is incompatible with --inactive');
    return false;
  }
  if (tree && (capStr !== undefined || inactive)) {
    ctl.error('Option --tree is incompatible with --cap and --inactive');
    return false;
  }
  let flags = 0;
  for (const c of caps) {
    if (!CAP_NAMES.includes(c)) {
      ctl.error('Invalid capability type');
      return false;
    }
    flags |= 1 << CAP_BITS[c]!;
  }
  if (inactive || all) flags |= LIST_INACTIVE;
  if (!inactive) flags = (flags >>> 0) + LIST_ACTIVE;
  const list = await ctl.attempt(ctl.c.listAllNodeDevices(flags >>> 0));
  if (list === FAIL) {
    ctl.error('Failed to list node devices');
    return false;
  }
  try {
    list.sort((a, b) => strcasecmp(a.getName(), b.getName()));
    if (tree) {
      const names = list.map((d) => d.getName());
      const parents: (string | null)[] = [];
      for (const d of list) {
        if (d.getName() === 'computer') {
          parents.push(null);
          continue;
        }
        const p = await ctl.attempt(d.getParent());
        parents.push(p === FAIL ? null : p);
      }
      for (let i = 0; i < names.length; i++) if (parents[i] === null) ctl.print(treeLines(names, parents, i));
    } else {
      for (const d of list) ctl.print(`${d.getName()}\n`);
    }
    return true;
  } finally {
    freeAll(list);
  }
}

/** The "Node Device" commands, in virsh's order. */
export const nodedevCommands: CmdDef[] = [
  {
    name: 'nodedev-dumpxml',
    help: 'node device details in XML',
    desc: 'Output the node device details as an XML dump to stdout.',
    options: [
      { name: 'device', type: 'data', help: 'device name or wwn pair in \'wwnn,wwpn\' format', required: true },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdNodedevDumpxml,
  },
  {
    name: 'nodedev-list',
    help: 'enumerate devices on this host',
    desc: '',
    options: [
      { name: 'tree', type: 'bool', help: 'list devices in a tree' },
      { name: 'cap', type: 'string', help: 'capability names, separated by comma' },
      { name: 'inactive', type: 'bool', help: 'list inactive devices' },
      { name: 'all', type: 'bool', help: 'list inactive & active devices' },
    ],
    run: cmdNodedevList,
  },
];

