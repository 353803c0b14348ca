/**
 * The "Storage Volume" group (tools/virsh-volume.c).
 */
import type { StorageVol } from '../../api/index.js';
import { ErrorDomain, VirtError } from '../../errors.js';
import { scanNumber, scaleInteger, type CmdDef, type ParsedCommand } from '../command.js';
import { formatFixed, padEnd, prettyCapacity, prettySize, strcasecmp, Table, XmlBuffer } from '../format.js';
import { BY_UUID, freeAll, optPool, optVol } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, unsupported } from '../util.js';

/** VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA, VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS. */
const CREATE_PREALLOC_METADATA = 1;
const DELETE_WITH_SNAPSHOTS = 2;

const VOL_TYPES = ['file', 'block', 'dir', 'network', 'netdir', 'ploop'];

/** virshVolumeTypeToString. */
function volTypeToString(t: number): string {
  return VOL_TYPES[t] ?? 'unknown';
}

/** virshVolSize: a scaled size in bytes; libvirt's error is kept for a bad suffix. */
export function volSize(ctl: Shell, data: string): bigint | null {
  const r = scanNumber(data);
  if (!r || r.negative || r.magnitude > (1n << 64n) - 1n) return null;
  const v = scaleInteger(r.magnitude, r.rest, 1n, (1n << 64n) - 1n);
  if (v instanceof VirtError) {
    ctl.saveError(v);
    return null;
  }
  return v;
}

async function cmdVolCreateAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const printXML = cmd.bool('print-xml');
  const flags = cmd.bool('prealloc-metadata') ? CREATE_PREALLOC_METADATA : 0;
  const p = await optPool(ctl, cmd);
  if (!p) return false;
  using pool = p.pool;
  const name = cmd.string(ctl, 'name');
  if (name == null) return false;
  const capacityStr = cmd.string(ctl, 'capacity');
  if (capacityStr == null) return false;
  const capacity = volSize(ctl, capacityStr);
  if (capacity === null) {
    ctl.error(`Malformed size ${capacityStr}`);
    return false;
  }
  const alloc = cmd.stringQuiet('allocation');
  let allocation = 0n;
  if (alloc.rc > 0) {
    const a = volSize(ctl, (alloc as { value: string }).value);
    if (a === null) {
      ctl.error(`Malformed size ${(alloc as { value: string }).value}`);
      return false;
    }
    allocation = a;
  }
  const format = cmd.string(ctl, 'format');
  if (format === null) return false;
  const backingVol = cmd.string(ctl, 'backing-vol');
  if (backingVol === null) return false;
  const backingFormat = cmd.string(ctl, 'backing-vol-format');
  if (backingFormat === null) return false;

  const buf = new XmlBuffer();
  buf.add('<volume>\n').indent(2);
  buf.add(`<name>${name}</name>\n`);
  buf.add(`<capacity>${capacity}</capacity>\n`);
  if (alloc.rc > 0) buf.add(`<allocation>${allocation}</allocation>\n`);
  if (format !== undefined) {
    buf.add('<target>\n').indent(2);
    buf.add(`<format type='${format}'/>\n`);
    buf.indent(-2).add('</target>\n');
  }
  if (backingVol !== undefined) {
    // The backing volume: by name in this pool, else by key, else by path.
    let snapVol: StorageVol | typeof FAIL = await ctl.attempt(pool.storageVolLookupByName(backingVol));
    if (snapVol === FAIL) snapVol = await ctl.attempt(ctl.c.storageVolLookupByKey(backingVol));
    if (snapVol === FAIL) snapVol = await ctl.attempt(ctl.c.storageVolLookupByPath(backingVol));
    if (snapVol === FAIL) {
      ctl.error(`failed to get vol '${backingVol}'`);
      return false;
    }
    using sv = snapVol;
    const path = await ctl.attempt(sv.getPath());
    if (path === FAIL) return false;
    buf.add('<backingStore>\n').indent(2);
    buf.add(`<path>${path}</path>\n`);
    if (backingFormat !== undefined) buf.add(`<format type='${backingFormat}'/>\n`);
    buf.indent(-2).add('</backingStore>\n');
  }
  buf.indent(-2).add('</volume>\n');
  const xml = buf.toString();
  if (printXML) {
    ctl.print(xml);
    return true;
  }
  const vol = await ctl.attempt(pool.storageVolCreateXML(xml, flags));
  if (vol === FAIL) {
    ctl.error(`Failed to create vol ${name}`);
    return false;
  }
  vol.free();
  ctl.printExtra(`Vol ${name} created\n`);
  return true;
}

async function cmdVolDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('delete-snapshots') ? DELETE_WITH_SNAPSHOTS : 0;
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using vol = r.vol;
  if (await ctl.attempt(vol.delete(flags)) === FAIL) {
    ctl.error(`Failed to delete vol ${r.name}`);
    return false;
  }
  ctl.printExtra(`Vol ${r.name} deleted\n`);
  return true;
}

async function cmdVolDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using vol = r.vol;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(vol.getXMLDesc(0));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

async function cmdVolInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const bytes = cmd.bool('bytes');
  const physical = cmd.bool('physical');
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using vol = r.vol;
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 15)} ${value}\n`);
  line('Name:', vol.getName());
  // No virStorageVolGetInfoFlags in the API yet: --physical reads as unsupported.
  const info = physical ? await ctl.attempt(Promise.reject(unsupported('virStorageVolGetInfoFlags', ErrorDomain.STORAGE)))
    : await ctl.attempt(vol.getInfo());
  if (info === FAIL) return false;
  line('Type:', volTypeToString(info.type));
  const label = physical ? 'Physical:' : 'Allocation:';
  if (bytes) {
    line('Capacity:', `${info.capacity} bytes`);
    line(label, `${info.allocation} bytes`);
  } else {
    const pretty = (v: number) => {
      const { value, unit } = prettyCapacity(v);
      return `${formatFixed(value, 2).padStart(2)} ${unit}`;
    };
    line('Capacity:', pretty(info.capacity));
    line(label, pretty(info.allocation));
  }
  return true;
}

async function cmdVolKey(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using vol = r.vol;
  ctl.print(`${vol.getKey()}\n`);
  return true;
}

async function cmdVolList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const details = cmd.bool('details');
  const p = await optPool(ctl, cmd);
  if (!p) return false;
  using pool = p.pool;
  const list = await ctl.attempt(pool.listAllVolumes(0));
  if (list === FAIL) {
    ctl.error('Failed to list volumes');
    return false;
  }
  try {
    list.sort((a, b) => strcasecmp(a.getName(), b.getName()));
    const rows: string[][] = [];
    for (const vol of list) {
      const path = await ctl.attempt(vol.getPath());
      const row = [vol.getName(), path === FAIL ? 'unknown' : path];
      if (details) {
        const info = await ctl.attempt(vol.getInfo());
        if (info === FAIL) row.push('unknown', 'unknown', 'unknown');
        else row.push(volTypeToString(info.type), prettySize(info.capacity), prettySize(info.allocation));
      }
      rows.push(row);
    }
    const table = details ? new Table('Name', 'Path', 'Type', 'Capacity', 'Allocation') : new Table('Name', 'Path');
    for (const row of rows) table.add(...row);
    ctl.print(table.render(!ctl.quiet, ctl.io.env));
    return true;
  } finally {
    freeAll(list);
  }
}

async function cmdVolName(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optVol(ctl, cmd, 'vol', null, BY_UUID);
  if (!r) return false;
  using vol = r.vol;
  ctl.print(`${vol.getName()}\n`);
  return true;
}

async function cmdVolPath(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using vol = r.vol;
  const path = await ctl.attempt(vol.getPath());
  if (path === FAIL) return false;
  ctl.print(`${path}\n`);
  return true;
}

async function cmdVolPool(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optVol(ctl, cmd, 'vol', null, BY_UUID);
  if (!r) return false;
  using vol = r.vol;
  const pool = await ctl.attempt(vol.storagePoolLookupByVolume());
  if (pool === FAIL) {
    ctl.error('failed to get parent pool');
    return false;
  }
  using p = pool;
  ctl.print(cmd.bool('uuid') ? `${p.getUUIDString()}\n` : `${p.getName()}\n`);
  return true;
}

/** The "Storage Volume" commands, in virsh's order. */
export const volumeCommands: CmdDef[] = [
  {
    name: 'vol-create-as',
    help: 'create a volume from a set of args',
    desc: 'Create a vol.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name', required: true },
      { name: 'name', type: 'data', help: 'name of the volume', required: true },
      { name: 'capacity', type: 'data', help: 'size of the vol, as scaled integer (default bytes)', required: true },
      { name: 'allocation', type: 'string', help: 'initial allocation size, as scaled integer (default bytes)' },
      { name: 'format', type: 'string', help: 'file format type raw,bochs,qcow,qcow2,qed,vmdk' },
      { name: 'backing-vol', type: 'string', help: 'the backing volume if taking a snapshot' },
      { name: 'backing-vol-format', type: 'string', help: 'format of backing volume if taking a snapshot' },
      { name: 'prealloc-metadata', type: 'bool', help: 'preallocate metadata (for qcow2 instead of full allocation)' },
      { name: 'print-xml', type: 'bool', help: 'print XML document, but don\'t define/create' },
    ],
    run: cmdVolCreateAs,
  },
  {
    name: 'vol-delete',
    help: 'delete a vol',
    desc: 'Delete a given vol.',
    options: [
      { name: 'vol', type: 'data', help: 'vol name, key or path', required: true },
      { name: 'pool', type: 'string', help: 'pool name or uuid' },
      { name: 'delete-snapshots', type: 'bool', help: 'delete snapshots associated with volume (must be supported by storage driver)' },
    ],
    run: cmdVolDelete,
  },
  {
    name: 'vol-dumpxml',
    help: 'vol information in XML',
    desc: 'Output the vol information as an XML dump to stdout.',
    options: [
      { name: 'vol', type: 'data', help: 'vol name, key or path', required: true },
      { name: 'pool', type: 'string', help: 'pool name or uuid' },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdVolDumpxml,
  },
  {
    name: 'vol-info',
    help: 'storage vol information',
    desc: 'Returns basic information about the storage vol.',
    options: [
      { name: 'vol', type: 'data', help: 'vol name, key or path', required: true },
      { name: 'pool', type: 'string', help: 'pool name or uuid' },
      { name: 'bytes', type: 'bool', help: 'sizes are represented in bytes rather than pretty units' },
      { name: 'physical', type: 'bool', help: 'return the physical size of the volume in allocation field' },
    ],
    run: cmdVolInfo,
  },
  {
    name: 'vol-key',
    help: 'returns the volume key for a given volume name or path',
    desc: '',
    options: [
      { name: 'vol', type: 'data', help: 'volume name or path', required: true },
      { name: 'pool', type: 'string', help: 'pool name or uuid' },
    ],
    run: cmdVolKey,
  },
  {
    name: 'vol-list',
    help: 'list vols',
    desc: 'Returns list of vols by pool.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
      { name: 'details', type: 'bool', help: 'display extended details for volumes' },
    ],
    run: cmdVolList,
  },
  {
    name: 'vol-name',
    help: 'returns the volume name for a given volume key or path',
    desc: '',
    options: [
      { name: 'vol', type: 'data', help: 'volume key or path', required: true },
    ],
    run: cmdVolName,
  },
  {
    name: 'vol-path',
    help: 'returns the volume path for a given volume name or key',
    desc: '',
    options: [
      { name: 'vol', type: 'data', help: 'volume name or key', required: true },
      { name: 'pool', type: 'string', help: 'pool name or uuid' },
    ],
    run: cmdVolPath,
  },
  {
    name: 'vol-pool',
    help: 'returns the storage pool for a given volume key or path',
    desc: '',
    options: [
      { name: 'vol', type: 'data', help: 'volume key or path', required: true },
      { name: 'uuid', type: 'bool', help: 'return the pool uuid rather than pool name' },
    ],
    run: cmdVolPool,
  },
];

