/**
 * The "Checkpoint" group (tools/virsh-checkpoint.c).
 */
import { DomainCheckpoint, type Domain } from '../../api/index.js';
import { ErrorCode } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import { DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { escapeXml, strcasecmp, Table, treeLines, XmlBuffer } from '../format.js';
import { freeAll, optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { editFlow } from '../edit.js';
import { dumpXML, readFileAll } from '../util.js';
import { exclusive, requires, stringToArray } from './domain.js';
import { localTime } from './snapshot.js';

/** virDomainCheckpointCreateFlags. */
const Create = { REDEFINE: 1, QUIESCE: 2, REDEFINE_VALIDATE: 4 } as const;
/** virDomainCheckpointListFlags. */
const List = { ROOTS: 1, DESCENDANTS: 1, TOPOLOGICAL: 2, LEAVES: 4, NO_LEAVES: 8 } as const;
/** virDomainCheckpointDeleteFlags. */
const Delete = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 } as const;
/** virDomainCheckpointXMLFlags. */
const Xml = { SECURE: 1, NO_DOMAIN: 2, SIZE: 4 } as const;

/** virshCheckpointCreate: the helper of checkpoint-create and checkpoint-create-as. */
async function checkpointCreate(ctl: Shell, dom: Domain, buffer: string, flags: number,
  from: string | undefined): Promise<boolean> {
  const r = await ctl.attempt(dom.checkpointCreateXML(buffer, flags));
  if (r === FAIL) return false;
  using chk = r;
  const name = chk.getName();
  ctl.printExtra(from !== undefined ? `Domain checkpoint ${name} created from '${from}'`
    : `Domain checkpoint ${name} created`);
  return true;
}

async function cmdCheckpointCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  if (!requires(ctl, 'redefine-validate', cmd.bool('redefine-validate'), 'redefine', cmd.bool('redefine'))) return false;
  let flags = 0;
  if (cmd.bool('redefine')) flags |= Create.REDEFINE;
  if (cmd.bool('redefine-validate')) flags |= Create.REDEFINE_VALIDATE;
  if (cmd.bool('quiesce')) flags |= Create.QUIESCE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const from = cmd.string(ctl, 'xmlfile');
  if (from === null) return false;
  let buffer = '<domaincheckpoint/>';
  if (from !== undefined) {
    const text = readFileAll(ctl, from);
    if (text === null) return false;
    buffer = text;
  }
  return checkpointCreate(ctl, dom, buffer, flags, from);
}

/** virshParseCheckpointDiskspec. */
function diskspec(ctl: Shell, buf: XmlBuffer, str: string): boolean {
  const array = stringToArray(str);
  let checkpoint: string | null = null;
  let bitmap: string | null = null;
  for (const item of array.slice(1)) {
    if (checkpoint === null && item.startsWith('checkpoint=')) checkpoint = item.slice('checkpoint='.length);
    else if (bitmap === null && item.startsWith('bitmap=')) bitmap = item.slice('bitmap='.length);
    else {
      ctl.error(`unable to parse diskspec: ${str}`);
      return false;
    }
  }
  let s = `<disk name='${escapeXml(array[0]!)}'`;
  if (checkpoint !== null) s += ` checkpoint='${checkpoint}'`;
  if (bitmap !== null) s += ` bitmap='${bitmap}'`;
  buf.add(`${s}/>\n`);
  return true;
}

async function cmdCheckpointCreateAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('quiesce') ? Create.QUIESCE : 0;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const name = cmd.string(ctl, 'name');
  if (name === null) return false;
  const desc = cmd.string(ctl, 'description');
  if (desc === null) return false;
  const buf = new XmlBuffer();
  buf.add('<domaincheckpoint>\n').indent(2);
  if (name !== undefined) buf.add(`<name>${escapeXml(name)}</name>\n`);
  if (desc !== undefined) buf.add(`<description>${escapeXml(desc)}</description>\n`);
  if (cmd.bool('diskspec')) {
    buf.add('<disks>\n').indent(2);
    for (const spec of cmd.argv()) if (!diskspec(ctl, buf, spec)) return false;
    buf.indent(-2).add('</disks>\n');
  }
  buf.indent(-2).add('</domaincheckpoint>\n');
  const xml = buf.toString();
  if (cmd.bool('print-xml')) {
    ctl.print(`${xml}\n`);
    return true;
  }
  return checkpointCreate(ctl, dom, xml, flags, undefined);
}

/** virshLookupCheckpoint: `--<arg> name`. Null after an error (reported). */
async function lookupCheckpoint(ctl: Shell, cmd: ParsedCommand, arg: string, dom: Domain):
  Promise<DomainCheckpoint | null> {
  const name = cmd.string(ctl, arg);
  if (name === null) return null;
  if (name === undefined) {
    ctl.error(`--${arg} is required`);
    return null;
  }
  const r = await ctl.attempt(ctl.c.call('domainCheckpointLookupByName', { dom: dom.ref, name, flags: 0 }));
  if (r === FAIL) {
    ctl.reportError();
    return null;
  }
  return new DomainCheckpoint(ctl.c, r.checkpoint);
}

/** The domain and its `--checkpointname` checkpoint, released together; null after an error (reported). */
async function domainCheckpoint(ctl: Shell, cmd: ParsedCommand):
  Promise<{ dom: Domain; chk: DomainCheckpoint; [Symbol.dispose](): void } | null> {
  const r = await optDomain(ctl, cmd);
  if (!r) return null;
  const chk = await lookupCheckpoint(ctl, cmd, 'checkpointname', r.dom);
  if (!chk) {
    r.dom[Symbol.dispose]();
    return null;
  }
  return {
    dom: r.dom,
    chk,
    [Symbol.dispose]() {
      chk[Symbol.dispose]();
      r.dom[Symbol.dispose]();
    },
  };
}

async function cmdCheckpointEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using target = await domainCheckpoint(ctl, cmd);
  if (!target) return false;
  const { dom, chk } = target;
  const name = chk.getName();
  const ok = await checkpointEdit(ctl, dom, chk, name);
  if (!ok) ctl.error(`Failed to update ${name}`);
  return ok;
}

/** The edit and what follows it: a checkpoint cannot be renamed. */
async function checkpointEdit(ctl: Shell, dom: Domain, chk: DomainCheckpoint, name: string): Promise<boolean> {
  const r = await editFlow(ctl, {
    dump: async () => (await ctl.c.call('domainCheckpointGetXMLDesc', { checkpoint: chk.ref, flags: Xml.SECURE })).xml,
    define: (xml) => dom.checkpointCreateXML(xml, Create.REDEFINE),
  });
  if (r.kind === 'failed') return false;
  if (r.kind === 'unchanged') {
    ctl.printExtra(`Checkpoint ${name} XML configuration not changed.\n`);
    return true;
  }
  // virsh 9.0 goes on with a NULL checkpoint here and crashes; tsvirsh stops.
  if (r.value === null) return false;
  using edited = r.value;
  const editedName = edited.getName();
  if (editedName === name) {
    ctl.printExtra(`Checkpoint ${name} edited.\n`);
    return true;
  }
  if (await ctl.attempt(edited.delete(Delete.METADATA_ONLY)) === FAIL) {
    ctl.reportError();
    ctl.error(`Failed to clean up ${editedName}`);
    return false;
  }
  ctl.error(`Cannot rename checkpoint ${name} to ${editedName}`);
  return false;
}

/** virshGetCheckpointParent: the parent's name, null for a root; FAIL after reporting. */
async function checkpointParent(ctl: Shell, chk: DomainCheckpoint): Promise<string | null | typeof FAIL> {
  const r = await ctl.attempt(ctl.c.call('domainCheckpointGetParent', { checkpoint: chk.ref, flags: 0 }));
  if (r !== FAIL) {
    ctl.resetError();
    return r.parent.name;
  }
  if (ctl.lastErrorCode === ErrorCode.NO_DOMAIN_CHECKPOINT) {
    ctl.resetError();
    return null;
  }
  ctl.reportError();
  ctl.error('unable to determine if checkpoint has parent');
  return FAIL;
}

/** virDomainCheckpointListAllChildren without results: the number of children. */
async function countChildren(ctl: Shell, chk: DomainCheckpoint, flags: number): Promise<number | typeof FAIL> {
  const r = await ctl.attempt(ctl.c.call('domainCheckpointListAllChildren',
    { checkpoint: chk.ref, need_results: 0, flags }));
  return r === FAIL ? FAIL : r.ret;
}

async function cmdCheckpointInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using target = await domainCheckpoint(ctl, cmd);
  if (!target) return false;
  const { dom, chk } = target;
  const line = (label: string, value: string | number) => ctl.print(`${label.padEnd(15)} ${value}\n`);
  line('Name:', chk.getName());
  line('Domain:', dom.getName());
  const parent = await checkpointParent(ctl, chk);
  if (parent === FAIL) {
    ctl.error('unexpected problem querying checkpoint state');
    return false;
  }
  line('Parent:', parent ?? '-');
  const children = await countChildren(ctl, chk, 0);
  if (children === FAIL) {
    if (ctl.lastErrorCode === ErrorCode.NO_SUPPORT) {
      ctl.resetError();
      return true;
    }
    return false;
  }
  line('Children:', children);
  const descendants = await countChildren(ctl, chk, List.DESCENDANTS);
  if (descendants === FAIL) return false;
  line('Descendants:', descendants);
  return true;
}

interface ChkEntry { chk: DomainCheckpoint; parent: string | null }

/** virshCheckpointListCollect. */
async function collectCheckpoints(ctl: Shell, dom: Domain, from: DomainCheckpoint | null, flags: number,
  tree: boolean): Promise<ChkEntry[] | null> {
  const r = await ctl.attempt(from
    ? ctl.c.call('domainCheckpointListAllChildren', { checkpoint: from.ref, need_results: 1, flags })
    : ctl.c.call('domainListAllCheckpoints', { dom: dom.ref, need_results: 1, flags }));
  if (r === FAIL) {
    ctl.error('unexpected problem querying checkpoints');
    return null;
  }
  const entries: ChkEntry[] = r.checkpoints.map((ref) => ({ chk: new DomainCheckpoint(ctl.c, ref), parent: null }));
  if (tree) {
    for (const e of entries) {
      const p = await checkpointParent(ctl, e.chk);
      if (p === FAIL) {
        freeAll(entries.map((x) => x.chk));
        return null;
      }
      e.parent = p;
    }
    if (from) entries.push({ chk: new DomainCheckpoint(ctl.c, from.ref), parent: null });
  }
  if (!(flags & List.TOPOLOGICAL)) entries.sort((a, b) => strcasecmp(a.chk.getName(), b.chk.getName()));
  return entries;
}

/** The text of the element at a child path, or null (virXPathString gives NULL for ""). */
function xpathString(root: XmlElement, path: string[]): string | null {
  let cur: XmlElement | undefined = root;
  for (const name of path) cur = cur?.children.find((c) => c.name === name);
  if (!cur) return null;
  const all = (e: XmlElement): string => e.text + e.children.map(all).join('');
  const text = all(cur);
  return text === '' ? null : text;
}

/** One table row of checkpoint-list, or null to leave the checkpoint out (as virsh skips on failure). */
async function listRow(ctl: Shell, chk: DomainCheckpoint, parent: boolean): Promise<string[] | null> {
  const xml = await ctl.attempt(ctl.c.call('domainCheckpointGetXMLDesc', { checkpoint: chk.ref, flags: 0 }));
  if (xml === FAIL) return null;
  let root: XmlElement;
  try {
    root = parseXml(xml.xml, '(domain_checkpoint)');
  } catch (e) {
    ctl.saveError(e);
    return null;
  }
  if (root.name !== 'domaincheckpoint') return null;
  const created = xpathString(root, ['creationTime']);
  if (created === null || !/^[ \t\n\v\f\r]*[+-]?\d+$/.test(created)) return null;
  const when = localTime(Number(created));
  return parent ? [chk.getName(), when, xpathString(root, ['parent', 'name']) ?? ''] : [chk.getName(), when];
}

async function cmdCheckpointList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const tree = cmd.bool('tree');
  const name = cmd.bool('name');
  const from = cmd.bool('from');
  const parent = cmd.bool('parent');
  const roots = cmd.bool('roots');
  if (!exclusive(ctl, 'tree', tree, 'name', name)) return false;
  if (!exclusive(ctl, 'parent', parent, 'roots', roots)) return false;
  if (!exclusive(ctl, 'parent', parent, 'tree', tree)) return false;
  if (!exclusive(ctl, 'roots', roots, 'tree', tree)) return false;
  if (!exclusive(ctl, 'roots', roots, 'from', from)) return false;
  let flags = 0;
  for (const [opt, flag] of [['leaves', List.LEAVES], ['no-leaves', List.NO_LEAVES]] as const) {
    if (!cmd.bool(opt)) continue;
    if (tree) {
      ctl.error(`--${opt} and --tree are mutually exclusive`);
      return false;
    }
    flags |= flag;
  }
  if (cmd.bool('topological')) flags |= List.TOPOLOGICAL;
  if (roots) flags |= List.ROOTS;
  if (cmd.bool('descendants')) {
    if (!from) {
      ctl.error('--descendants requires --from');
      return false;
    }
    flags |= List.DESCENDANTS;
  }
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let start: DomainCheckpoint | null = null;
  if (from) {
    start = await lookupCheckpoint(ctl, cmd, 'from', dom);
    if (!start) return false;
  }
  try {
    const list = await collectCheckpoints(ctl, dom, start, flags, tree);
    if (!list) return false;
    try {
      if (tree) {
        const names = list.map((e) => e.chk.getName());
        const parents = list.map((e) => e.parent);
        for (let i = 0; i < list.length; i++) if (parents[i] === null) ctl.print(treeLines(names, parents, i));
        return true;
      }
      if (name) {
        for (const { chk } of list) ctl.print(`${chk.getName()}\n`);
        return true;
      }
      const table = parent ? new Table('Name', 'Creation Time', 'Parent') : new Table('Name', 'Creation Time');
      for (const { chk } of list) {
        const row = await listRow(ctl, chk, parent);
        if (row) table.add(...row);
      }
      ctl.print(table.render(!ctl.quiet, ctl.io.env));
      return true;
    } finally {
      freeAll(list.map((e) => e.chk));
    }
  } finally {
    start?.free();
  }
}

async function cmdCheckpointDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool('security-info')) flags |= Xml.SECURE;
  if (cmd.bool('no-domain')) flags |= Xml.NO_DOMAIN;
  if (cmd.bool('size')) flags |= Xml.SIZE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const found = await lookupCheckpoint(ctl, cmd, 'checkpointname', dom);
  if (!found) return false;
  using chk = found;
  const xml = await ctl.attempt(ctl.c.call('domainCheckpointGetXMLDesc', { checkpoint: chk.ref, flags }));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml.xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

async function cmdCheckpointParent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using target = await domainCheckpoint(ctl, cmd);
  if (!target) return false;
  const { dom, chk } = target;
  const parent = await checkpointParent(ctl, chk);
  if (parent === FAIL) return false;
  if (parent === null) {
    ctl.error(`checkpoint '${chk.getName()}' has no parent`);
    return false;
  }
  ctl.print(parent);
  return true;
}

async function cmdCheckpointDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  using target = await domainCheckpoint(ctl, cmd);
  if (!target) return false;
  const { dom, chk } = target;
  const name = chk.getName();
  let flags = 0;
  if (cmd.bool('children')) flags |= Delete.CHILDREN;
  if (cmd.bool('children-only')) flags |= Delete.CHILDREN_ONLY;
  if (cmd.bool('metadata')) flags |= Delete.METADATA_ONLY;
  if (await ctl.attempt(chk.delete(flags)) === FAIL) {
    ctl.error(`Failed to delete checkpoint ${name}`);
    return false;
  }
  ctl.printExtra(flags & Delete.CHILDREN_ONLY ? `Domain checkpoint ${name} children deleted\n`
    : `Domain checkpoint ${name} deleted\n`);
  return true;
}

const CHECKPOINTNAME = { name: 'checkpointname', type: 'string', help: 'checkpoint name' } as const;

/** The "Checkpoint" commands, in virsh's order. */
export const checkpointCommands: CmdDef[] = [
  {
    name: 'checkpoint-create',
    help: 'Create a checkpoint from XML',
    desc: 'Create a checkpoint from XML for use in future incremental backups',
    options: [
      DOMAIN_OPT,
      { name: 'xmlfile', type: 'string', help: 'domain checkpoint XML' },
      { name: 'redefine', type: 'bool', help: 'redefine metadata for existing checkpoint' },
      { name: 'redefine-validate', type: 'bool', help: 'validate the redefined checkpoint' },
      { name: 'quiesce', type: 'bool', help: 'quiesce guest\'s file systems' },
    ],
    run: cmdCheckpointCreate,
  },
  {
    name: 'checkpoint-create-as',
    help: 'Create a checkpoint from a set of args',
    desc: 'Create a checkpoint from arguments for use in future incremental backups',
    options: [
      DOMAIN_OPT,
      { name: 'name', type: 'string', help: 'name of checkpoint' },
      { name: 'description', type: 'string', help: 'description of checkpoint' },
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than create' },
      { name: 'quiesce', type: 'bool', help: 'quiesce guest\'s file systems' },
      { name: 'diskspec', type: 'argv', help: 'disk attributes: disk[,checkpoint=type][,bitmap=name]' },
    ],
    run: cmdCheckpointCreateAs,
  },
  {
    name: 'checkpoint-delete',
    help: 'Delete a domain checkpoint',
    desc: 'Checkpoint Delete',
    options: [
      DOMAIN_OPT,
      CHECKPOINTNAME,
      { name: 'children', type: 'bool', help: 'delete checkpoint and all children' },
      { name: 'children-only', type: 'bool', help: 'delete children but not checkpoint' },
      { name: 'metadata', type: 'bool', help: 'delete only libvirt metadata, leaving checkpoint contents behind' },
    ],
    run: cmdCheckpointDelete,
  },
  {
    name: 'checkpoint-dumpxml',
    help: 'Dump XML for a domain checkpoint',
    desc: 'Checkpoint Dump XML',
    options: [
      DOMAIN_OPT,
      CHECKPOINTNAME,
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
      { name: 'no-domain', type: 'bool', help: 'exclude <domain> from XML' },
      { name: 'size', type: 'bool', help: 'include backup size estimate in XML dump' },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdCheckpointDumpxml,
  },
  {
    name: 'checkpoint-edit',
    help: 'edit XML for a checkpoint',
    desc: 'Edit the domain checkpoint XML for a named checkpoint',
    options: [DOMAIN_OPT, CHECKPOINTNAME],
    run: cmdCheckpointEdit,
  },
  {
    name: 'checkpoint-info',
    help: 'checkpoint information',
    desc: 'Returns basic information about a checkpoint.',
    options: [DOMAIN_OPT, CHECKPOINTNAME],
    run: cmdCheckpointInfo,
  },
  {
    name: 'checkpoint-list',
    help: 'List checkpoints for a domain',
    desc: 'Checkpoint List',
    options: [
      DOMAIN_OPT,
      { name: 'parent', type: 'bool', help: 'add a column showing parent checkpoint' },
      { name: 'roots', type: 'bool', help: 'list only checkpoints without parents' },
      { name: 'leaves', type: 'bool', help: 'list only checkpoints without children' },
      { name: 'no-leaves', type: 'bool', help: 'list only checkpoints that are not leaves (with children)' },
      { name: 'tree', type: 'bool', help: 'list checkpoints in a tree' },
      { name: 'from', type: 'string', help: 'limit list to children of given checkpoint' },
      { name: 'descendants', type: 'bool', help: 'with --from, list all descendants' },
      { name: 'name', type: 'bool', help: 'list checkpoint names only' },
      { name: 'topological', type: 'bool', help: 'sort list topologically rather than by name' },
    ],
    run: cmdCheckpointList,
  },
  {
    name: 'checkpoint-parent',
    help: 'Get the name of the parent of a checkpoint',
    desc: 'Extract the checkpoint\'s parent, if any',
    options: [DOMAIN_OPT, { name: 'checkpointname', type: 'string', help: 'find parent of checkpoint name' }],
    run: cmdCheckpointParent,
  },
];
