/**
 * Storage commands beyond listing and lifecycle: pool source discovery and
 * capabilities (tools/virsh-pool.c), volume creation from files and other
 * volumes, cloning, resizing and wiping (tools/virsh-volume.c).
 */
import type { StoragePool, StorageVol } from '../../api/index.js';
import { parseXml } from '../../util/xml.js';
import type { CmdDef, OptDef, ParsedCommand } from '../command.js';
import { XmlBuffer } from '../format.js';
import { optPool, optVol } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { editCommand } from '../edit.js';
import { readFileAll } from '../util.js';
import { ErrorCode, VirtError } from '../../errors.js';
import { volSize } from './volume.js';

/** virStorageVolCreateFlags. */
const CREATE_PREALLOC_METADATA = 1;
const CREATE_REFLINK = 2;
const CREATE_VALIDATE = 4;
/** virStorageVolResizeFlags. */
const RESIZE_ALLOCATE = 1;
const RESIZE_DELTA = 2;
const RESIZE_SHRINK = 4;
/** VIR_STORAGE_XML_INACTIVE. */
const XML_INACTIVE = 1;
/** virStorageVolWipeAlgorithm names, in enum order (VIR_STORAGE_VOL_WIPE_ALG_ZERO first). */
const WIPE_ALGORITHMS = ['zero', 'nnsa', 'dod', 'bsi', 'gutmann', 'schneier', 'pfitzner7', 'pfitzner33', 'random', 'trim'];

async function cmdPoolCapabilities(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.call('connectGetStoragePoolCapabilities', { flags: 0 }));
  if (r === FAIL) {
    ctl.error('failed to get storage pool capabilities');
    return false;
  }
  ctl.print(`${r.capabilities}\n`);
  return true;
}

async function findSources(ctl: Shell, type: string, srcSpec: string | null): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.call('connectFindStoragePoolSources', { type, srcSpec, flags: 0 }));
  if (r === FAIL) {
    ctl.error(`Failed to find any ${type} pool sources`);
    return false;
  }
  ctl.print(r.xml);
  return true;
}

async function cmdPoolDiscoverSourcesAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const type = cmd.string(ctl, 'type');
  if (type == null) return false;
  const host = cmd.string(ctl, 'host');
  if (host === null) return false;
  const initiator = cmd.string(ctl, 'initiator');
  if (initiator === null) return false;
  let srcSpec: string | null = null;
  if (host !== undefined) {
    const port = cmd.string(ctl, 'port');
    if (port === null) {
      ctl.error('missing argument');
      return false;
    }
    // The values go in as typed, as virsh's printf does.
    const buf = new XmlBuffer();
    buf.add('<source>\n').indent(2);
    buf.add(`<host name='${host}'${port !== undefined ? ` port='${port}'` : ''}/>\n`);
    if (initiator !== undefined) {
      buf.add('<initiator>\n').indent(2);
      buf.add(`<iqn name='${initiator}'/>\n`);
      buf.indent(-2).add('</initiator>\n');
    }
    buf.indent(-2).add('</source>\n');
    srcSpec = buf.toString();
  }
  return findSources(ctl, type, srcSpec);
}

async function cmdPoolDiscoverSources(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const type = cmd.string(ctl, 'type');
  if (type == null) return false;
  const file = cmd.string(ctl, 'srcSpec');
  if (file === null) return false;
  let srcSpec: string | null = null;
  if (file !== undefined) {
    srcSpec = readFileAll(ctl, file);
    if (srcSpec === null) return false;
  }
  return findSources(ctl, type, srcSpec);
}

/** The flags of the volume-creating commands. */
function createFlags(cmd: ParsedCommand): number {
  let flags = 0;
  if (cmd.bool('prealloc-metadata')) flags |= CREATE_PREALLOC_METADATA;
  if (cmd.def.options.some((o) => o.name === 'reflink') && cmd.bool('reflink')) flags |= CREATE_REFLINK;
  if (cmd.def.options.some((o) => o.name === 'validate') && cmd.bool('validate')) flags |= CREATE_VALIDATE;
  return flags;
}

async function cmdVolCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = createFlags(cmd);
  const p = await optPool(ctl, cmd);
  if (!p) return false;
  using pool = p.pool;
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  const vol = await ctl.attempt(pool.storageVolCreateXML(buffer, flags));
  if (vol === FAIL) {
    ctl.error(`Failed to create vol from ${from}`);
    return false;
  }
  using v = vol;
  ctl.printExtra(`Vol ${v.getName()} created from ${from}\n`);
  return true;
}

/** virStorageVolCreateXMLFrom. */
async function createXMLFrom(ctl: Shell, pool: StoragePool,
  xml: string, clone: StorageVol, flags: number): Promise<StorageVol | typeof FAIL> {
  const r = await ctl.attempt(ctl.c.call('storageVolCreateXMLFrom', { pool: pool.ref, xml, clonevol: clone.ref, flags }));
  return r === FAIL ? FAIL : ctl.c.wrapStorageVol(r.vol);
}

async function cmdVolCreateFrom(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const p = await optPool(ctl, cmd);
  if (!p) return false;
  using pool = p.pool;
  const flags = createFlags(cmd);
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const input = await optVol(ctl, cmd, 'vol', 'inputpool');
  if (!input) return false;
  using inputvol = input.vol;
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  const vol = await createXMLFrom(ctl, pool, buffer, inputvol, flags);
  if (vol === FAIL) {
    ctl.error(`Failed to create vol from ${from}`);
    return false;
  }
  using v = vol;
  ctl.printExtra(`Vol ${v.getName()} created from input vol ${inputvol.getName()}\n`);
  return true;
}

/** XML entity references as libxml2 resolves them. */
function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, e: string) => {
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

/** libxml2's escaping of text (xmlEscapeContent) and of attribute values. */
function libxmlText(s: string): string {
  return s.replace(/[<>&\r]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&#13;'));
}

function libxmlAttr(s: string): string {
  return s.replace(/[<>&"\r\n\t]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' })[c]!);
}

/**
 * virshMakeCloneXML: the volume XML with `/volume/name` set to `newname`,
 * as libxml2 writes the document element back (double-quoted attributes,
 * no declaration, no final newline). Works on the text so the layout stays.
 */
function makeCloneXML(origxml: string, newname: string): string {
  parseXml(origxml, '(volume_definition)');
  const out: string[] = [];
  let depth = 0;
  let inName = false;
  let renamed = false;
  const body = origxml.replace(/^<\?xml[^>]*\?>\s*/, '').replace(/\s+$/, '');
  for (const tok of body.match(/<[^>]*>|[^<]+/g) ?? []) {
    if (!tok.startsWith('<')) {
      if (!inName) out.push(libxmlText(unescapeXml(tok)));
      continue;
    }
    const closing = tok.startsWith('</');
    const selfClosing = tok.endsWith('/>');
    if (closing) {
      depth--;
      if (inName) {
        out.push(libxmlText(newname));
        inName = false;
      }
      out.push(tok);
      continue;
    }
    const m = /^<([^\s/>]+)((?:\s+[^\s=]+\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*(\/?)>$/.exec(tok);
    if (!m) {
      out.push(tok);
      continue;
    }
    const attrs = [...m[2]!.matchAll(/([^\s=]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)]
      .map((a) => ` ${a[1]}="${libxmlAttr(unescapeXml(a[2] ?? a[3] ?? ''))}"`).join('');
    if (depth === 1 && m[1] === 'name' && !renamed) {
      renamed = true;
      if (selfClosing) {
        out.push(`<name${attrs}>${libxmlText(newname)}</name>`);
        continue;
      }
      inName = true;
    }
    out.push(`<${m[1]}${attrs}${selfClosing ? '/' : ''}>`);
    if (!selfClosing) depth++;
  }
  return out.join('');
}

async function cmdVolClone(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using origvol = r.vol;
  const flags = createFlags(cmd);
  const origpool = await ctl.attempt(origvol.storagePoolLookupByVolume());
  if (origpool === FAIL) {
    ctl.error('failed to get parent pool');
    return false;
  }
  using pool = origpool;
  const name = cmd.string(ctl, 'newname');
  if (name == null) return false;
  const origxml = await ctl.attempt(origvol.getXMLDesc(0));
  if (origxml === FAIL) return false;
  let newxml: string;
  try {
    newxml = makeCloneXML(origxml, name);
  } catch (e) {
    if (!(e instanceof VirtError)) throw e;
    ctl.saveError(e);
    ctl.error('Failed to allocate XML buffer');
    return false;
  }
  if (cmd.bool('print-xml')) {
    ctl.print(newxml);
    return true;
  }
  const vol = await createXMLFrom(ctl, pool, newxml, origvol, flags);
  if (vol === FAIL) {
    ctl.error(`Failed to clone vol from ${origvol.getName()}`);
    return false;
  }
  using v = vol;
  ctl.printExtra(`Vol ${v.getName()} cloned from ${origvol.getName()}\n`);
  return true;
}

async function cmdVolResize(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let delta = cmd.bool('delta');
  let flags = 0;
  if (cmd.bool('allocate')) flags |= RESIZE_ALLOCATE;
  if (cmd.bool('shrink')) flags |= RESIZE_SHRINK;
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using vol = r.vol;
  const given = cmd.string(ctl, 'capacity');
  if (given == null) return false;
  let capacityStr = given.replace(/^[ \t\n\v\f\r]+/, '');
  if (capacityStr.startsWith('-')) {
    // The API wants a positive size; virsh takes a negative one as a shrinking delta.
    if (!cmd.bool('shrink')) {
      ctl.error('negative size requires --shrink');
      return false;
    }
    capacityStr = capacityStr.slice(1);
    delta = true;
  }
  if (delta) flags |= RESIZE_DELTA;
  const capacity = volSize(ctl, capacityStr);
  if (capacity === null) {
    ctl.error(`Malformed size ${capacityStr}`);
    return false;
  }
  const done = await ctl.attempt(ctl.c.call('storageVolResize', { vol: vol.ref, capacity: Number(capacity), flags }));
  if (done === FAIL) {
    ctl.error(delta ? `Failed to change size of volume '${vol.getName()}' by ${capacityStr}`
      : `Failed to change size of volume '${vol.getName()}' to ${capacityStr}`);
    return false;
  }
  ctl.printExtra(delta ? `Size of volume '${vol.getName()}' successfully changed by ${capacityStr}\n`
    : `Size of volume '${vol.getName()}' successfully changed to ${capacityStr}\n`);
  return true;
}

async function cmdVolWipe(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optVol(ctl, cmd);
  if (!r) return false;
  using vol = r.vol;
  const algorithmStr = cmd.string(ctl, 'algorithm');
  if (algorithmStr === null) return false;
  let algorithm = 0;
  if (algorithmStr !== undefined) {
    algorithm = WIPE_ALGORITHMS.indexOf(algorithmStr);
    if (algorithm < 0) {
      ctl.error(`Unsupported algorithm '${algorithmStr}'`);
      return false;
    }
  }
  let done = await ctl.attempt(ctl.c.call('storageVolWipePattern', { vol: vol.ref, algorithm, flags: 0 }));
  // Drivers without the pattern call may still wipe with zeroes.
  if (done === FAIL && ctl.lastErrorCode === ErrorCode.NO_SUPPORT && algorithm === 0) {
    done = await ctl.attempt(ctl.c.call('storageVolWipe', { vol: vol.ref, flags: 0 }));
  }
  if (done === FAIL) {
    ctl.error(`Failed to wipe vol ${r.name}`);
    return false;
  }
  ctl.printExtra(`Vol ${r.name} wiped\n`);
  return true;
}

async function cmdPoolEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const p = await optPool(ctl, cmd);
  if (!p) return false;
  using pool = p.pool;
  // Daemons without VIR_STORAGE_XML_INACTIVE refuse it as an invalid argument: then without.
  let flags = XML_INACTIVE;
  if (await ctl.attempt(pool.getXMLDesc(flags)) === FAIL) {
    if (ctl.lastErrorCode !== ErrorCode.INVALID_ARG) return false;
    flags = 0;
    ctl.resetError();
  }
  const conn = ctl.c;
  return editCommand(ctl, {
    dump: () => pool.getXMLDesc(flags),
    define: async (xml) => {
      using edited = await conn.storagePoolDefineXML(xml, 0);
      return edited.getName();
    },
    unchangedMsg: `Pool ${pool.getName()} XML configuration not changed.\n`,
    changedMsg: (name) => `Pool ${name ?? '(null)'} XML configuration edited.\n`,
  });
}

const VOL_OPT: OptDef = { name: 'vol', type: 'data', help: 'vol name, key or path', required: true };
const POOL_OPTIONAL: OptDef = { name: 'pool', type: 'string', help: 'pool name or uuid' };
const PREALLOC_OPT: OptDef = { name: 'prealloc-metadata', type: 'bool', help: 'preallocate metadata (for qcow2 instead of full allocation)' };
const REFLINK_OPT: OptDef = { name: 'reflink', type: 'bool', help: 'use btrfs COW lightweight copy' };
const VALIDATE_OPT: OptDef = { name: 'validate', type: 'bool', help: 'validate the XML against the schema' };
const VOL_FILE_OPT: OptDef = { name: 'file', type: 'data', help: 'file containing an XML vol description', required: true };

/** These commands; index.ts places them in virsh's storage groups and order. */
export const storageOpsCommands: CmdDef[] = [
  {
    name: 'find-storage-pool-sources-as',
    help: 'find potential storage pool sources',
    desc: 'Returns XML <sources> document.',
    options: [
      { name: 'type', type: 'data', help: 'type of storage pool sources to find', required: true },
      { name: 'host', type: 'string', help: 'optional host to query' },
      { name: 'port', type: 'string', help: 'optional port to query' },
      { name: 'initiator', type: 'string', help: 'optional initiator IQN to use for query' },
    ],
    run: cmdPoolDiscoverSourcesAs,
  },
  {
    name: 'find-storage-pool-sources',
    help: 'discover potential storage pool sources',
    desc: 'Returns XML <sources> document.',
    options: [
      { name: 'type', type: 'data', help: 'type of storage pool sources to discover', required: true },
      { name: 'srcSpec', type: 'string', help: 'optional file of source xml to query for pools' },
    ],
    run: cmdPoolDiscoverSources,
  },
  {
    name: 'pool-edit',
    help: 'edit XML configuration for a storage pool',
    desc: 'Edit the XML configuration for a storage pool.',
    options: [{ name: 'pool', type: 'data', help: 'pool name or uuid', required: true }],
    run: cmdPoolEdit,
  },
  {
    name: 'pool-capabilities',
    help: 'storage pool capabilities',
    desc: 'Returns capabilities of storage pool support.',
    options: [],
    run: cmdPoolCapabilities,
  },
  {
    name: 'vol-clone',
    help: 'clone a volume.',
    desc: 'Clone an existing volume within the parent pool.',
    options: [
      VOL_OPT,
      { name: 'newname', type: 'data', help: 'clone name', required: true },
      POOL_OPTIONAL, PREALLOC_OPT, REFLINK_OPT,
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than clone the volume' },
    ],
    run: cmdVolClone,
  },
  {
    name: 'vol-create',
    help: 'create a vol from an XML file',
    desc: 'Create a vol.',
    options: [{ name: 'pool', type: 'data', help: 'pool name', required: true }, VOL_FILE_OPT, PREALLOC_OPT, VALIDATE_OPT],
    run: cmdVolCreate,
  },
  {
    name: 'vol-create-from',
    help: 'create a vol, using another volume as input',
    desc: 'Create a vol from an existing volume.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
      VOL_FILE_OPT, VOL_OPT,
      { name: 'inputpool', type: 'string', help: 'pool name or uuid of the input volume\'s pool' },
      PREALLOC_OPT, REFLINK_OPT, VALIDATE_OPT,
    ],
    run: cmdVolCreateFrom,
  },
  {
    name: 'vol-resize',
    help: 'resize a vol',
    desc: 'Resizes a storage volume. This is safe only for storage volumes not in use by an active guest.\nSee blockresize for live resizing.',
    options: [
      VOL_OPT,
      { name: 'capacity', type: 'data', help: 'new capacity for the vol, as scaled integer (default bytes)', required: true },
      POOL_OPTIONAL,
      { name: 'allocate', type: 'bool', help: 'allocate the new capacity, rather than leaving it sparse' },
      { name: 'delta', type: 'bool', help: 'use capacity as a delta to current size, rather than the new size' },
      { name: 'shrink', type: 'bool', help: 'allow the resize to shrink the volume' },
    ],
    run: cmdVolResize,
  },
  {
    name: 'vol-wipe',
    help: 'wipe a vol',
    desc: 'Ensure data previously on a volume is not accessible to future reads',
    options: [VOL_OPT, POOL_OPTIONAL, { name: 'algorithm', type: 'string', help: 'perform selected wiping algorithm' }],
    run: cmdVolWipe,
  },
];
