/**
 * The "Secret" group (tools/virsh-secret.c), without secret-event. The test
 * driver has no secret driver, so on test:///… every command ends in
 * libvirt's "not supported" error, after the same checks virsh makes first.
 */
import { parseUUID, Secret } from '../../api/index.js';
import { ErrorCode } from '../../errors.js';
import { readPassword } from '../auth.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { strcasecmp, Table } from '../format.js';
import { freeAll } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll } from '../util.js';
import { exclusive } from './domain.js';

/** virSecretUsageType names. */
const USAGE_TYPES = ['none', 'volume', 'ceph', 'iscsi', 'tls', 'vtpm'];
/** VIR_SECRET_DEFINE_VALIDATE. */
const DEFINE_VALIDATE = 1;
/** virConnectListAllSecretsFlags. */
const ListFlags = { EPHEMERAL: 1, NO_EPHEMERAL: 2, PRIVATE: 4, NO_PRIVATE: 8 } as const;
/** The most virsh reads from a --file secret (virFileReadAll's limit in cmdSecretSetValue). */
const SECRET_FILE_MAX = 1024;

/** virSecretLookupByUUIDString. */
async function lookupSecret(ctl: Shell, uuid: string): Promise<Secret | typeof FAIL> {
  return ctl.attempt(async () => {
    const r = await ctl.c.call('secretLookupByUUID', { uuid: parseUUID(uuid, 'virSecretLookupByUUIDString') });
    return new Secret(ctl.c, r.secret);
  });
}

/** virshCommandOptSecret: the secret named by `--secret`, or null after an error. */
async function optSecret(ctl: Shell, cmd: ParsedCommand): Promise<{ secret: Secret; uuid: string } | null> {
  const n = cmd.string(ctl, 'secret');
  if (n == null) return null;
  ctl.debugMsg(0, `${cmd.name}: found option <secret>: ${n}\n`);
  const secret = await lookupSecret(ctl, n);
  if (secret === FAIL) {
    ctl.error(`failed to get secret '${n}'`);
    return null;
  }
  return { secret, uuid: n };
}

async function cmdSecretDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = cmd.bool('validate') ? DEFINE_VALIDATE : 0;
  const xml = readFileAll(ctl, from);
  if (xml === null) return false;
  const r = await ctl.attempt(ctl.c.call('secretDefineXML', { xml, flags }));
  if (r === FAIL) {
    ctl.error(`Failed to set attributes from ${from}`);
    return false;
  }
  using secret = new Secret(ctl.c, r.secret);
  ctl.printExtra(`Secret ${secret.getUUIDString()} created\n`);
  return true;
}

async function cmdSecretDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const found = await optSecret(ctl, cmd);
  if (!found) return false;
  using secret = found.secret;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const r = await ctl.attempt(ctl.c.call('secretGetXMLDesc', { secret: secret.ref, flags: 0 }));
  if (r === FAIL) return false;
  return dumpXML(ctl, r.xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

/** g_base64_decode: lenient, characters outside the alphabet are skipped. */
function base64Decode(s: string): Buffer {
  return Buffer.from(s.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

/** The value secret-set-value is given, or null after an error. */
function secretValue(ctl: Shell, cmd: ParsedCommand): { value: Buffer; plain: boolean } | null {
  const base64 = cmd.string(ctl, 'base64');
  if (base64 === null) return null;
  const filename = cmd.string(ctl, 'file');
  if (filename === null) return null;
  if (base64 !== undefined) {
    // virsh warns, and carries on.
    ctl.error('Passing secret value as command-line argument is insecure!');
    return { value: Buffer.from(base64), plain: cmd.bool('plain') };
  }
  if (filename !== undefined) {
    const text = readFileAll(ctl, filename, SECRET_FILE_MAX);
    if (text === null) return null;
    return { value: Buffer.from(text), plain: cmd.bool('plain') };
  }
  if (cmd.bool('interactive')) {
    ctl.print('Enter new value for secret:');
    const line = readPassword(ctl.io);
    if (line === null) {
      ctl.error('Failed to read secret');
      return null;
    }
    return { value: Buffer.from(line), plain: true };
  }
  ctl.error('Input secret value is missing');
  return null;
}

async function cmdSecretSetValue(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const pairs: Array<[string, string]> = [['file', 'base64'], ['plain', 'base64'], ['interactive', 'base64'],
    ['interactive', 'plain'], ['interactive', 'file']];
  for (const [a, b] of pairs) if (!exclusive(ctl, a, cmd.bool(a), b, cmd.bool(b))) return false;
  const found = await optSecret(ctl, cmd);
  if (!found) return false;
  using secret = found.secret;
  const v = secretValue(ctl, cmd);
  if (!v) return false;
  const value = v.plain ? v.value : base64Decode(v.value.toString('latin1'));
  const r = await ctl.attempt(ctl.c.call('secretSetValue', { secret: secret.ref, value, flags: 0 }));
  value.fill(0);
  if (r === FAIL) {
    ctl.error('Failed to set secret value');
    return false;
  }
  ctl.printExtra('Secret value set\n');
  return true;
}

async function cmdSecretGetValue(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const plain = cmd.bool('plain');
  const found = await optSecret(ctl, cmd);
  if (!found) return false;
  using secret = found.secret;
  const r = await ctl.attempt(ctl.c.call('secretGetValue', { secret: secret.ref, flags: 0 }));
  if (r === FAIL) return false;
  const value = Buffer.from(r.value);
  if (plain) ctl.print(value.toString('utf8'));
  else ctl.print(value.toString('base64'));
  value.fill(0);
  return true;
}

async function cmdSecretUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const found = await optSecret(ctl, cmd);
  if (!found) return false;
  using secret = found.secret;
  if (await ctl.attempt(ctl.c.call('secretUndefine', { secret: secret.ref })) === FAIL) {
    ctl.error(`Failed to delete secret ${found.uuid}`);
    return false;
  }
  ctl.printExtra(`Secret ${found.uuid} deleted\n`);
  return true;
}

/** virshSecretListCollect: the listing API, or the old count-and-list calls without it. */
async function collectSecrets(ctl: Shell, flags: number): Promise<Secret[] | null> {
  const all = await ctl.attempt(ctl.c.call('connectListAllSecrets', { need_results: 1, flags }));
  let list: Secret[];
  if (all !== FAIL) {
    list = all.secrets.map((ref) => new Secret(ctl.c, ref));
  } else if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) {
    ctl.error('Failed to list node secrets');
    return null;
  } else {
    ctl.resetError();
    if (flags) {
      ctl.error('Filtering is not supported by this libvirt');
      return null;
    }
    const n = await ctl.attempt(ctl.c.call('connectNumOfSecrets'));
    if (n === FAIL) {
      ctl.error('Failed to count secrets');
      return null;
    }
    if (n.num === 0) return [];
    const uuids = await ctl.attempt(ctl.c.call('connectListSecrets', { maxuuids: n.num }));
    if (uuids === FAIL) {
      ctl.error('Failed to list secrets');
      return null;
    }
    list = [];
    for (const uuid of uuids.uuids) {
      const s = await lookupSecret(ctl, uuid);
      if (s !== FAIL) list.push(s);
    }
  }
  return list.sort((a, b) => strcasecmp(a.getUUIDString(), b.getUUIDString()));
}

async function cmdSecretList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool('ephemeral')) flags |= ListFlags.EPHEMERAL;
  if (cmd.bool('no-ephemeral')) flags |= ListFlags.NO_EPHEMERAL;
  if (cmd.bool('private')) flags |= ListFlags.PRIVATE;
  if (cmd.bool('no-private')) flags |= ListFlags.NO_PRIVATE;
  const list = await collectSecrets(ctl, flags);
  if (!list) return false;
  try {
    const table = new Table('UUID', 'Usage');
    for (const s of list) {
      const type = s.getUsageType();
      table.add(s.getUUIDString(), type ? `${USAGE_TYPES[type] ?? ''} ${s.getUsageID()}` : 'Unused');
    }
    ctl.print(table.render(!ctl.quiet, ctl.io.env));
    return true;
  } finally {
    freeAll(list);
  }
}

const SECRET_OPT = { name: 'secret', type: 'data', help: 'secret UUID', required: true } as const;

/** The "Secret" commands, in virsh's order. */
export const secretCommands: CmdDef[] = [
  {
    name: 'secret-define',
    help: 'define or modify a secret from an XML file',
    desc: 'Define or modify a secret.',
    options: [
      { name: 'file', type: 'data', help: 'file containing secret attributes in XML', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdSecretDefine,
  },
  {
    name: 'secret-dumpxml',
    help: 'secret attributes in XML',
    desc: 'Output attributes of a secret as an XML dump to stdout.',
    options: [
      SECRET_OPT,
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdSecretDumpxml,
  },
  {
    name: 'secret-get-value',
    help: 'Output a secret value',
    desc: 'Output a secret value to stdout.',
    options: [SECRET_OPT, { name: 'plain', type: 'bool', help: 'get value without converting to base64' }],
    run: cmdSecretGetValue,
  },
  {
    name: 'secret-list',
    help: 'list secrets',
    desc: 'Returns a list of secrets',
    options: [
      { name: 'ephemeral', type: 'bool', help: 'list ephemeral secrets' },
      { name: 'no-ephemeral', type: 'bool', help: 'list non-ephemeral secrets' },
      { name: 'private', type: 'bool', help: 'list private secrets' },
      { name: 'no-private', type: 'bool', help: 'list non-private secrets' },
    ],
    run: cmdSecretList,
  },
  {
    name: 'secret-set-value',
    help: 'set a secret value',
    desc: 'Set a secret value.',
    options: [
      SECRET_OPT,
      { name: 'file', type: 'string', help: 'read secret from file', reqOpt: true },
      { name: 'plain', type: 'bool', help: 'read the secret from file without converting from base64' },
      { name: 'interactive', type: 'bool', help: 'read the secret from the terminal' },
      { name: 'base64', type: 'string', help: 'base64-encoded secret value' },
    ],
    run: cmdSecretSetValue,
  },
  {
    name: 'secret-undefine',
    help: 'undefine a secret',
    desc: 'Undefine a secret.',
    options: [SECRET_OPT],
    run: cmdSecretUndefine,
  },
];
