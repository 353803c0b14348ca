/**
 * The "Network Filter" group (tools/virsh-nwfilter.c): network filters and
 * their bindings. The test driver has no network filter driver, so on
 * test:/// every command ends at its first library call with libvirt's
 * "not supported" error; against a daemon they work in full.
 */
import { parseUUID } from '../../api/connection.js';
import { ErrorCode } from '../../errors.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { editCommand } from '../edit.js';
import { strcasecmp, Table } from '../format.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll } from '../util.js';

/** VIR_NWFILTER_DEFINE_VALIDATE, VIR_NWFILTER_BINDING_CREATE_VALIDATE. */
const DEFINE_VALIDATE = 1;
const BINDING_CREATE_VALIDATE = 1;

interface NWFilterRef { name: string; uuid: string }
interface BindingRef { portdev: string; filtername: string }

/** virshCommandOptNWFilterBy: by UUID (for a UUID-long string), then by name. */
async function optNWFilter(ctl: Shell, cmd: ParsedCommand): Promise<{ ref: NWFilterRef; name: string } | null> {
  const n = cmd.string(ctl, 'nwfilter');
  if (n == null) return null;
  ctl.debugMsg(1, `${cmd.name}: found option <nwfilter>: ${n}\n`);
  let ref: NWFilterRef | typeof FAIL | null = null;
  if (Buffer.byteLength(n) === 36) {
    ctl.debugMsg(0, `${cmd.name}: <nwfilter> trying as nwfilter UUID\n`);
    ref = await ctl.attempt(async () => (await ctl.c.call('nwfilterLookupByUUID',
      { uuid: parseUUID(n, 'virNWFilterLookupByUUIDString') })).nwfilter);
  }
  if (ref === null || ref === FAIL) {
    ctl.debugMsg(0, `${cmd.name}: <nwfilter> trying as nwfilter NAME\n`);
    ref = await ctl.attempt(async () => (await ctl.c.call('nwfilterLookupByName', { name: n })).nwfilter);
  }
  if (ref === null || ref === FAIL) {
    ctl.error(`failed to get nwfilter '${n}'`);
    return null;
  }
  return { ref, name: n };
}

/** virshCommandOptNWFilterBinding: by port device. */
async function optBinding(ctl: Shell, cmd: ParsedCommand): Promise<{ ref: BindingRef; name: string } | null> {
  const n = cmd.string(ctl, 'binding');
  if (n == null) return null;
  ctl.debugMsg(1, `${cmd.name}: found option <binding>: ${n}\n`);
  ctl.debugMsg(0, `${cmd.name}: <binding> trying as nwfilter binding port dev\n`);
  const ref = await ctl.attempt(async () => (await ctl.c.call('nwfilterBindingLookupByPortDev', { name: n })).nwfilter);
  if (ref === FAIL) {
    ctl.error(`failed to get nwfilter binding '${n}'`);
    return null;
  }
  return { ref, name: n };
}

async function cmdNWFilterDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = cmd.bool('validate') ? DEFINE_VALIDATE : 0;
  const xml = readFileAll(ctl, from);
  if (xml === null) return false;
  const r = await ctl.attempt(async () => flags
    ? (await ctl.c.call('nwfilterDefineXMLFlags', { xml, flags })).nwfilter
    : (await ctl.c.call('nwfilterDefineXML', { xml })).nwfilter);
  if (r === FAIL) {
    ctl.error(`Failed to define network filter from ${from}`);
    return false;
  }
  ctl.printExtra(`Network filter ${r.name} defined from ${from}\n`);
  return true;
}

async function cmdNWFilterUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const f = await optNWFilter(ctl, cmd);
  if (!f) return false;
  if (await ctl.attempt(ctl.c.call('nwfilterUndefine', { nwfilter: f.ref })) === FAIL) {
    ctl.error(`Failed to undefine network filter ${f.name}`);
    return false;
  }
  ctl.printExtra(`Network filter ${f.name} undefined\n`);
  return true;
}

async function cmdNWFilterDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const wrap = cmd.bool('wrap');
  const f = await optNWFilter(ctl, cmd);
  if (!f) return false;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const r = await ctl.attempt(ctl.c.call('nwfilterGetXMLDesc', { nwfilter: f.ref, flags: 0 }));
  if (r === FAIL) return false;
  return dumpXML(ctl, r.xml, xpath.rc === 1 ? xpath.value : undefined, wrap);
}

/**
 * virshNWFilterListCollect: virConnectListAllNWFilters, or by names when
 * the connection lacks it (filters that vanish meanwhile are skipped).
 */
async function collectFilters(ctl: Shell): Promise<NWFilterRef[] | null> {
  const sort = (l: NWFilterRef[]) => l.sort((a, b) => strcasecmp(a.name, b.name));
  const all = await ctl.attempt(ctl.c.call('connectListAllNWFilters', { need_results: 1, flags: 0 }));
  if (all !== FAIL) return sort(all.filters);
  if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) {
    ctl.error('Failed to list network filters');
    return null;
  }
  ctl.resetError();
  const num = await ctl.attempt(ctl.c.call('connectNumOfNWFilters'));
  if (num === FAIL) {
    ctl.error('Failed to count network filters');
    return null;
  }
  if (num.num === 0) return [];
  const names = await ctl.attempt(ctl.c.call('connectListNWFilters', { maxnames: num.num }));
  if (names === FAIL) {
    ctl.error('Failed to list network filters');
    return null;
  }
  const list: NWFilterRef[] = [];
  for (const name of names.names) {
    const r = await ctl.attempt(ctl.c.call('nwfilterLookupByName', { name }));
    if (r !== FAIL) list.push(r.nwfilter);
  }
  return sort(list);
}

async function cmdNWFilterList(ctl: Shell): Promise<boolean> {
  const list = await collectFilters(ctl);
  if (!list) return false;
  const table = new Table('UUID', 'Name');
  for (const f of list) table.add(f.uuid, f.name);
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

async function cmdNWFilterBindingCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = cmd.bool('validate') ? BINDING_CREATE_VALIDATE : 0;
  const xml = readFileAll(ctl, from);
  if (xml === null) return false;
  const r = await ctl.attempt(ctl.c.call('nwfilterBindingCreateXML', { xml, flags }));
  if (r === FAIL) {
    ctl.error(`Failed to create network filter from ${from}`);
    return false;
  }
  ctl.printExtra(`Network filter binding on ${r.nwfilter.portdev} created from ${from}\n`);
  return true;
}

async function cmdNWFilterBindingDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const b = await optBinding(ctl, cmd);
  if (!b) return false;
  if (await ctl.attempt(ctl.c.call('nwfilterBindingDelete', { nwfilter: b.ref })) === FAIL) {
    ctl.error(`Failed to delete network filter binding on ${b.name}`);
    return false;
  }
  ctl.printExtra(`Network filter binding on ${b.name} deleted\n`);
  return true;
}

async function cmdNWFilterBindingDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const wrap = cmd.bool('wrap');
  const b = await optBinding(ctl, cmd);
  if (!b) return false;
  const r = await ctl.attempt(ctl.c.call('nwfilterBindingGetXMLDesc', { nwfilter: b.ref, flags: 0 }));
  // virsh 9.0 never reads --xpath here, and reports success when the XML can't be had.
  if (r === FAIL) return true;
  return dumpXML(ctl, r.xml, undefined, wrap);
}

async function cmdNWFilterBindingList(ctl: Shell): Promise<boolean> {
  const r = await ctl.attempt(ctl.c.call('connectListAllNWFilterBindings', { need_results: 1, flags: 0 }));
  if (r === FAIL) {
    ctl.error('Failed to list network filter bindings');
    return false;
  }
  const list = [...r.bindings].sort((a, b) => strcasecmp(a.portdev, b.portdev));
  const table = new Table('Port Dev', 'Filter');
  for (const b of list) table.add(b.portdev, b.filtername);
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

async function cmdNWFilterEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const f = await optNWFilter(ctl, cmd);
  if (!f) return false;
  const conn = ctl.c;
  return editCommand(ctl, {
    dump: async () => (await conn.call('nwfilterGetXMLDesc', { nwfilter: f.ref, flags: 0 })).xml,
    define: async (xml) => (await conn.call('nwfilterDefineXML', { xml })).nwfilter.name,
    unchangedMsg: `Network filter ${f.ref.name} XML configuration not changed.\n`,
    changedMsg: (name) => `Network filter ${name ?? '(null)'} XML configuration edited.\n`,
  });
}

const NWFILTER_OPT = { name: 'nwfilter', type: 'data', help: 'network filter name or uuid', required: true } as const;
const XPATH_OPTS = [
  { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
  { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
] as const;

/** The "Network Filter" commands, in virsh's order. */
export const nwfilterCommands: CmdDef[] = [
  {
    name: 'nwfilter-define',
    help: 'define or update a network filter from an XML file',
    desc: 'Define a new network filter or update an existing one.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML network filter description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdNWFilterDefine,
  },
  {
    name: 'nwfilter-dumpxml',
    help: 'network filter information in XML',
    desc: 'Output the network filter information as an XML dump to stdout.',
    options: [NWFILTER_OPT, ...XPATH_OPTS],
    run: cmdNWFilterDumpXML,
  },
  {
    name: 'nwfilter-edit',
    help: 'edit XML configuration for a network filter',
    desc: 'Edit the XML configuration for a network filter.',
    options: [NWFILTER_OPT],
    run: cmdNWFilterEdit,
  },
  {
    name: 'nwfilter-list',
    help: 'list network filters',
    desc: 'Returns list of network filters.',
    options: [],
    run: cmdNWFilterList,
  },
  {
    name: 'nwfilter-undefine',
    help: 'undefine a network filter',
    desc: 'Undefine a given network filter.',
    options: [NWFILTER_OPT],
    run: cmdNWFilterUndefine,
  },
  {
    name: 'nwfilter-binding-create',
    help: 'create a network filter binding from an XML file',
    desc: 'Create a new network filter binding.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML network filter binding description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdNWFilterBindingCreate,
  },
  {
    name: 'nwfilter-binding-delete',
    help: 'delete a network filter binding',
    desc: 'Delete a given network filter binding.',
    options: [{ name: 'binding', type: 'data', help: 'network filter binding port dev', required: true }],
    run: cmdNWFilterBindingDelete,
  },
  {
    name: 'nwfilter-binding-dumpxml',
    help: 'network filter information in XML',
    desc: 'Output the network filter information as an XML dump to stdout.',
    options: [{ name: 'binding', type: 'data', help: 'network filter binding portdev', required: true }, ...XPATH_OPTS],
    run: cmdNWFilterBindingDumpXML,
  },
  {
    name: 'nwfilter-binding-list',
    help: 'list network filter bindings',
    desc: 'Returns list of network filter bindings.',
    options: [],
    run: cmdNWFilterBindingList,
  },
];
