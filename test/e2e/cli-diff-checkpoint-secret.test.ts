/**
 * tsvirsh against stock virsh: the Checkpoint and Secret groups, and the
 * Snapshot commands beyond create-as/list/delete/dumpxml (cli-cases.ts).
 * test:///default has checkpoints (testDomainCheckpoint*) but no secret
 * driver, so the secret cases check virsh's own steps up to libvirt's
 * "not supported" error. Checkpoints and snapshots are always named here:
 * an unnamed one is named after the second it was made in.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ro = (...args: string[]) => ['-r', '-c', 'test:///default', ...args];

/** XML files and editors the cases use; mkdtemp names keep to virsh's accepted characters. */
const DIR = mkdtempSync(join(tmpdir(), 'tsvirsh-chksec-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

function script(name: string, body: string): string {
  const path = join(DIR, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';

/** Checkpoint documents for checkpoint-create: each breaks (or passes) one check. */
const CHK = {
  named: file('c-named.xml', '<domaincheckpoint><name>x</name><description>a &amp; b</description>'
    + '<disks><disk name="/guest/diskimage1"/></disks></domaincheckpoint>'),
  nodisk: file('c-nodisk.xml', '<domaincheckpoint><name>x</name><disks><disk name="vda" checkpoint="no"/></disks>'
    + '</domaincheckpoint>'),
  parentIgnored: file('c-parent.xml', '<domaincheckpoint><name>x</name><parent><name>zz</name></parent>'
    + '<creationTime>12</creationTime></domaincheckpoint>'),
  stray: file('c-stray.xml', '<domaincheckpoint><foo/><disks/></domaincheckpoint>'),
  emptyDisks: file('c-empty-disks.xml', '<domaincheckpoint><disks/><foo/></domaincheckpoint>'),
  badType: file('c-bad-type.xml', '<domaincheckpoint><disks><disk name="vda" checkpoint="foo"/></disks></domaincheckpoint>'),
  noBitmap: file('c-no-bitmap.xml',
    '<domaincheckpoint><disks><disk name="vda" checkpoint="no" bitmap="x"/></disks></domaincheckpoint>'),
  badName: file('c-bad-name.xml', '<domaincheckpoint><name>.x</name></domaincheckpoint>'),
  twice: file('c-twice.xml', '<domaincheckpoint><name>x</name><name>y</name></domaincheckpoint>'),
  text: file('c-text.xml', '<domaincheckpoint>hello</domaincheckpoint>'),
  attr: file('c-attr.xml', '<domaincheckpoint name="a"/>'),
  time: file('c-time.xml', '<domaincheckpoint><creationTime>abc</creationTime></domaincheckpoint>'),
  root: file('c-root.xml', '<domainsnapshot/>'),
  truncated: file('c-truncated.xml', '<domaincheckpoint>'),
  empty: file('c-empty.xml', ''),
  redefName: file('c-redef-name.xml', '<domaincheckpoint><creationTime>5</creationTime></domaincheckpoint>'),
  redefTime: file('c-redef-time.xml', '<domaincheckpoint><name>x</name></domaincheckpoint>'),
  redef: file('c-redef.xml', '<domaincheckpoint><name>x</name><creationTime>5</creationTime></domaincheckpoint>'),
  redefSelf: file('c-redef-self.xml', '<domaincheckpoint><name>x</name><creationTime>5</creationTime>'
    + '<parent><name>x</name></parent></domaincheckpoint>'),
  redefOrphan: file('c-redef-orphan.xml', '<domaincheckpoint><name>x</name><creationTime>5</creationTime>'
    + '<parent><name>q</name></parent></domaincheckpoint>'),
  /** c1 made a child of c2, which is c1's child: a cycle. */
  redefCycle: file('c-redef-cycle.xml', '<domaincheckpoint><name>c1</name><creationTime>5</creationTime>'
    + '<parent><name>c2</name></parent></domaincheckpoint>'),
  /** c2 made a root: redefining an existing checkpoint keeps its children. */
  redefMove: file('c-redef-move.xml', '<domaincheckpoint><name>c2</name><creationTime>7</creationTime>'
    + '</domaincheckpoint>'),
  redefUuid: file('c-redef-uuid.xml', '<domaincheckpoint><name>x</name><creationTime>5</creationTime>'
    + "<domain type='test'><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e1930</uuid>"
    + '<memory>1024</memory><os><type>hvm</type></os></domain></domaincheckpoint>'),
};

/** Snapshot documents for snapshot-create. */
const SNAP = {
  named: file('s-named.xml', '<domainsnapshot><name>x1</name><description>d</description></domainsnapshot>'),
  external: file('s-external.xml', '<domainsnapshot><name>x2</name><memory snapshot="external" file="/tmp/mem"/>'
    + '</domainsnapshot>'),
  /** s1 redefined under s3, its own grandchild: libvirt names s2 in the error. */
  cycle: file('s-cycle.xml', '<domainsnapshot><name>s1</name><parent><name>s3</name></parent><state>running</state>'
    + "<creationTime>5</creationTime><domain type='test'><name>test</name><uuid>" + UUID + '</uuid>'
    + '<memory>1024</memory><os><type>hvm</type></os></domain></domainsnapshot>'),
};

const SECRET = file('secret.xml', "<secret ephemeral='no' private='no'><uuid>" + UUID + '</uuid></secret>');

/** Editors for the *-edit commands. */
const ED = {
  snapDesc: script('snap-desc.sh', `sed -i 's|<name>s1</name>|<name>s1</name><description>hey</description>|' "$1"`),
  snapRename: script('snap-rename.sh', `sed -i 's|<name>s1</name>|<name>s9</name>|' "$1"`),
  chkDesc: script('chk-desc.sh', `sed -i 's|<name>c1</name>|<name>c1</name><description>hey</description>|' "$1"`),
  chkRename: script('chk-rename.sh', `sed -i 's|<name>c1</name>|<name>c9</name>|' "$1"`),
};

const CHECKPOINT_CASES: Case[] = [
  { name: 'checkpoint-help', args: d('help checkpoint-create; help checkpoint-create-as; help checkpoint-delete; help checkpoint-dumpxml; help checkpoint-edit; help checkpoint-info; help checkpoint-list; help checkpoint-parent; help checkpoint') },
  { name: 'checkpoint-create-as', args: d('checkpoint-create-as test c1; checkpoint-create-as test c2 --description "a<b"; checkpoint-create-as test c3 --diskspec vda,checkpoint=no; checkpoint-list test --name; checkpoint-dumpxml test c1; checkpoint-dumpxml test c2 --no-domain; checkpoint-dumpxml test c3 --security-info') },
  { name: 'checkpoint-create-as-positional', args: d('checkpoint-create-as test c1 "the description" --quiesce; checkpoint-dumpxml --domain test --checkpointname c1 --no-domain') },
  { name: 'checkpoint-create-as-print-xml', args: d('checkpoint-create-as test c1 --print-xml --diskspec vda,checkpoint=bitmap,bitmap=b1 --diskspec "sdb,,x" --description "a<b\'c"; checkpoint-list test --name') },
  { name: 'checkpoint-create-as-errors', args: d('checkpoint-create-as test c1 --diskspec vdb; checkpoint-create-as test c1 --diskspec vda,bogus=1; checkpoint-create-as test c1 --diskspec vda,checkpoint=foo; checkpoint-create-as test c1 --diskspec vda --diskspec vda; checkpoint-create-as test a/b; checkpoint-create-as test --name ""; checkpoint-create-as nosuch c1; checkpoint-create-as test c1; checkpoint-create-as test c1') },
  { name: 'checkpoint-create-inactive', args: d('destroy test; checkpoint-create-as test c1; checkpoint-create test') },
  { name: 'checkpoint-and-snapshot', args: d('snapshot-create-as test s1; checkpoint-create-as test c1; snapshot-delete test s1; checkpoint-create-as test c1; snapshot-create-as test s2; snapshot-create test; list --with-checkpoint --name; list --all --without-checkpoint') },
  { name: 'checkpoint-create-files', args: d(`checkpoint-create test ${CHK.named}; checkpoint-create test --xmlfile ${CHK.nodisk}; checkpoint-delete test x; checkpoint-create test ${CHK.parentIgnored}; checkpoint-list test --parent; checkpoint-dumpxml test x --no-domain`) },
  { name: 'checkpoint-create-schema', args: d(`checkpoint-create test ${CHK.stray}; checkpoint-create test ${CHK.emptyDisks}; checkpoint-create test ${CHK.badType}; checkpoint-create test ${CHK.noBitmap}; checkpoint-create test ${CHK.badName}; checkpoint-create test ${CHK.twice}; checkpoint-create test ${CHK.text}; checkpoint-create test ${CHK.attr}; checkpoint-create test ${CHK.time}`) },
  { name: 'checkpoint-create-bad-files', args: d(`checkpoint-create test ${CHK.root}; checkpoint-create test ${CHK.truncated}; checkpoint-create test ${CHK.empty}; checkpoint-create test /nonexistent.xml; checkpoint-create test --xmlfile ""`) },
  { name: 'checkpoint-create-flags', args: d(`checkpoint-create test ${CHK.redef} --redefine-validate; checkpoint-create test ${CHK.redef} --redefine --redefine-validate; checkpoint-create test ${CHK.redef} --redefine --quiesce; checkpoint-create test ${CHK.named} --quiesce; checkpoint-list test --name`) },
  { name: 'checkpoint-redefine', args: d(`checkpoint-create test ${CHK.redefTime} --redefine; checkpoint-create test ${CHK.redefName} --redefine; checkpoint-create test ${CHK.redef} --redefine; checkpoint-list test --parent; checkpoint-dumpxml test x; checkpoint-create-as test c1; checkpoint-list test --tree`) },
  { name: 'checkpoint-redefine-errors', args: d(`checkpoint-create test ${CHK.redefSelf} --redefine; checkpoint-create test ${CHK.redefOrphan} --redefine; checkpoint-create test ${CHK.redefUuid} --redefine; checkpoint-create-as test c1; checkpoint-create-as test c2; checkpoint-create test ${CHK.redefCycle} --redefine`) },
  { name: 'checkpoint-redefine-existing', args: d(`checkpoint-create-as test c1; checkpoint-create-as test c2; checkpoint-create-as test c3; checkpoint-create test ${CHK.redefMove} --redefine; checkpoint-list test --tree; checkpoint-create-as test c4; checkpoint-list test --parent`) },
  { name: 'checkpoint-list', args: d('checkpoint-create-as test c1; checkpoint-create-as test b2; checkpoint-create-as test A3; checkpoint-delete test b2; checkpoint-create-as test c4; checkpoint-list test; checkpoint-list test --parent; checkpoint-list test --tree; checkpoint-list test --name; checkpoint-list test --topological --name; checkpoint-list test --roots; checkpoint-list test --leaves --name; checkpoint-list test --no-leaves --parent; checkpoint-list test --leaves --no-leaves') },
  { name: 'checkpoint-list-from', args: d('checkpoint-create-as test c1; checkpoint-create-as test c2; checkpoint-create-as test c3; checkpoint-list test --from c1; checkpoint-list test --from c1 --descendants --name; checkpoint-list test --from c1 --descendants --tree; checkpoint-list test --from c2 --tree; checkpoint-list test --from c1 --descendants --topological --leaves --name; checkpoint-list test --from c3 --name') },
  { name: 'checkpoint-list-quiet', args: ['-q', ...d('checkpoint-create-as test c1; checkpoint-list test --parent; checkpoint-list test')] },
  { name: 'checkpoint-list-tz', args: d('checkpoint-create-as test c1; checkpoint-list test'), env: { TZ: 'America/New_York' } },
  { name: 'checkpoint-list-errors', args: d('checkpoint-list test --tree --name; checkpoint-list test --parent --roots; checkpoint-list test --parent --tree; checkpoint-list test --roots --tree; checkpoint-list test --roots --from x; checkpoint-list test --tree --leaves; checkpoint-list test --no-leaves --tree; checkpoint-list test --descendants; checkpoint-list test --from nosuch; checkpoint-list nosuch') },
  { name: 'checkpoint-info-parent', args: d('checkpoint-create-as test c1; checkpoint-create-as test c2; checkpoint-create-as test c3; checkpoint-info test c1; checkpoint-info test --checkpointname c2; checkpoint-parent test c3; checkpoint-parent test c1; checkpoint-info test; checkpoint-parent test; checkpoint-info test nosuch; checkpoint-parent test nosuch') },
  { name: 'checkpoint-dumpxml', args: d('checkpoint-create-as test c1; checkpoint-dumpxml test c1 --size --no-domain; checkpoint-dumpxml test c1 --xpath //disk --wrap; checkpoint-dumpxml test c1 --xpath //name; checkpoint-dumpxml test c1 --xpath ""; checkpoint-dumpxml test; checkpoint-dumpxml test nosuch; destroy test; checkpoint-dumpxml test c1 --size; checkpoint-dumpxml test c1 --no-domain') },
  { name: 'checkpoint-delete', args: d('checkpoint-create-as test c1; checkpoint-create-as test c2; checkpoint-create-as test c3; checkpoint-delete test c2; checkpoint-list test --parent; checkpoint-create-as test c4; checkpoint-list test --tree; checkpoint-delete test c1 --metadata; checkpoint-list test --parent') },
  { name: 'checkpoint-delete-children', args: d('checkpoint-create-as test c1; checkpoint-create-as test c2; checkpoint-create-as test c3; checkpoint-delete test c1 --children-only; checkpoint-list test --name; checkpoint-create-as test c4; checkpoint-delete test c1 --children; checkpoint-list test --name; checkpoint-create-as test c5; checkpoint-list test --parent') },
  { name: 'checkpoint-delete-errors', args: d('checkpoint-create-as test c1; checkpoint-delete test c1 --children --children-only; checkpoint-delete test; checkpoint-delete test nosuch; checkpoint-delete nosuch c1') },
  { name: 'checkpoint-edit', args: d('checkpoint-create-as test c1; checkpoint-create-as test c2; checkpoint-edit test c1; checkpoint-dumpxml test c1 --no-domain; checkpoint-list test --parent'), env: { EDITOR: ED.chkDesc } },
  { name: 'checkpoint-edit-unchanged', args: d('checkpoint-edit test c1; checkpoint-create-as test c1; checkpoint-edit test c1; checkpoint-edit test; destroy test; checkpoint-edit test c1'), env: { EDITOR: 'true' } },
  { name: 'checkpoint-edit-rename', args: d('checkpoint-create-as test c1; checkpoint-edit test c1; checkpoint-list test --name'), env: { EDITOR: ED.chkRename } },
  { name: 'checkpoint-edit-no-editor', args: d('checkpoint-create-as test c1; checkpoint-edit test c1'), env: { EDITOR: 'nonexistent-editor' } },
  { name: 'checkpoint-readonly', args: ro('checkpoint-create-as test c1; checkpoint-create test; checkpoint-list test; checkpoint-delete test c1; checkpoint-info test c1') },
];

const SNAPSHOT_CASES: Case[] = [
  { name: 'snapshot-help', args: d('help snapshot-create; help snapshot-current; help snapshot-edit; help snapshot-info; help snapshot-parent; help snapshot-revert; help snapshot') },
  { name: 'snapshot-create', args: d(`snapshot-create test ${SNAP.named}; snapshot-create test --xmlfile ${SNAP.external}; snapshot-list test --parent --name; snapshot-info test x2; snapshot-dumpxml test x1 --xpath //description`) },
  { name: 'snapshot-create-flags', args: d(`snapshot-create test ${SNAP.named} --disk-only; snapshot-create test ${SNAP.named} --current; snapshot-create test ${SNAP.named} --redefine --no-metadata; snapshot-create test ${SNAP.named} --redefine; snapshot-create test ${SNAP.named} --no-metadata; snapshot-create test ${SNAP.named} --halt --atomic --live --quiesce --validate; list --all; snapshot-list test --name`) },
  { name: 'snapshot-create-errors', args: d('snapshot-create test /nonexistent.xml; snapshot-create test --xmlfile ""; snapshot-create nosuch; snapshot-create-as test s1; snapshot-create test --reuse-external') },
  { name: 'snapshot-current', args: d('snapshot-current test; snapshot-create-as test s1; snapshot-create-as test s2; snapshot-current test --name; snapshot-current test; snapshot-current test --snapshotname s1; snapshot-current test --name; snapshot-create-as test s3; snapshot-list test --tree; snapshot-current test --security-info --name') },
  { name: 'snapshot-current-errors', args: d('snapshot-current test --name --snapshotname s1; snapshot-current test --snapshotname nosnap; snapshot-current nosuch; snapshot-current test --snapshotname ""') },
  { name: 'snapshot-info', args: d('snapshot-create-as test s1; snapshot-create-as test s2; snapshot-info test s1; snapshot-info test --current; snapshot-info --domain test --snapshotname s2; destroy test; snapshot-create-as test s3; snapshot-info test s3') },
  { name: 'snapshot-info-errors', args: d('snapshot-info test; snapshot-info test s1; snapshot-create-as test s1; snapshot-info test s1 --current; snapshot-info nosuch s1') },
  { name: 'snapshot-parent', args: d('snapshot-create-as test s1; snapshot-create-as test s2; snapshot-parent test s2; snapshot-parent test --current; snapshot-parent test s1; snapshot-parent test; snapshot-parent test s1 --current; snapshot-parent test nosnap') },
  { name: 'snapshot-revert', args: d('snapshot-create-as test s1; destroy test; snapshot-create-as test s2; snapshot-revert test s1; list --all; snapshot-revert test s2 --paused; list --all; snapshot-revert test s2 --running; list --all; snapshot-revert test --current --force; snapshot-current test --name') },
  { name: 'snapshot-revert-errors', args: d('snapshot-revert test; snapshot-revert test s1; snapshot-create-as test s1; snapshot-revert test s1 --running --paused; snapshot-revert test s1 --reset-nvram; snapshot-revert test s1 --current; snapshot-revert nosuch s1') },
  { name: 'snapshot-edit', args: d('snapshot-create-as test s1; snapshot-create-as test s2; snapshot-edit test s1; snapshot-dumpxml test s1 --xpath //description; snapshot-edit test s1 --current; snapshot-current test --name'), env: { EDITOR: ED.snapDesc } },
  { name: 'snapshot-edit-unchanged', args: d('snapshot-create-as test s1; snapshot-create-as test s2; snapshot-edit test s1; snapshot-edit test --current; snapshot-edit test s1 --current; snapshot-current test --name; snapshot-edit test; snapshot-edit test nosnap; snapshot-edit test s1 --rename --clone'), env: { EDITOR: 'true' } },
  { name: 'snapshot-edit-rename', args: d('snapshot-create-as test s1; snapshot-edit test s1; snapshot-list test --name'), env: { EDITOR: ED.snapRename } },
  { name: 'snapshot-edit-rename-current', args: d('snapshot-create-as test s1; snapshot-create-as test s2; snapshot-edit test s1 --current; snapshot-current test --name'), env: { EDITOR: ED.snapRename } },
  { name: 'snapshot-edit-clone', args: d('snapshot-create-as test s1; snapshot-edit test s1 --clone; snapshot-list test --name --parent'), env: { EDITOR: ED.snapRename } },
  { name: 'snapshot-edit-rename-ok', args: d('snapshot-create-as test s1; snapshot-edit test s1 --rename; snapshot-list test --name'), env: { EDITOR: ED.snapRename } },
  { name: 'snapshot-readonly', args: ro('snapshot-create test; snapshot-current test --snapshotname s1; snapshot-revert test s1; snapshot-info test s1; snapshot-parent test --current') },
  { name: 'snapshot-redefine-cycle', args: d(`snapshot-create-as test s1; snapshot-create-as test s2; snapshot-create-as test s3; snapshot-create test ${SNAP.cycle} --redefine`) },
];

const SECRET_CASES: Case[] = [
  { name: 'secret-help', args: d('help secret-define; help secret-dumpxml; help secret-get-value; help secret-list; help secret-set-value; help secret-undefine') },
  { name: 'secret-list', args: d('secret-list; secret-list --ephemeral; secret-list --no-ephemeral; secret-list --private; secret-list --no-private') },
  { name: 'secret-define', args: d(`secret-define ${SECRET}; secret-define --file ${SECRET} --validate; secret-define /nonexistent.xml; secret-define; secret-define ""`) },
  { name: 'secret-lookups', args: d(`secret-dumpxml ${UUID}; secret-dumpxml ${UUID} --xpath //uuid --wrap; secret-dumpxml ${UUID} --xpath ""; secret-dumpxml not-a-uuid; secret-dumpxml; secret-get-value ${UUID}; secret-get-value --secret ${UUID.toUpperCase()} --plain; secret-undefine ${UUID}; secret-undefine 6695eb01f6a4830479aa97f2502e193f; secret-undefine ""`) },
  { name: 'secret-set-value', args: d(`secret-set-value ${UUID} --base64 aGVsbG8=; secret-set-value ${UUID}; secret-set-value ${UUID} --file ${SECRET} --plain; secret-set-value bad --interactive`) },
  { name: 'secret-set-value-exclusive', args: d(`secret-set-value ${UUID} --file x --base64 x; secret-set-value ${UUID} --plain --base64 x; secret-set-value ${UUID} --interactive --base64 x; secret-set-value ${UUID} --interactive --plain; secret-set-value ${UUID} --interactive --file x`) },
  { name: 'secret-readonly', args: ro(`secret-define ${SECRET}; secret-list; secret-undefine ${UUID}; secret-get-value ${UUID}`) },
];

diffCases('tsvirsh matches virsh: checkpoint, snapshot and secret commands',
  [...CHECKPOINT_CASES, ...SNAPSHOT_CASES, ...SECRET_CASES]);
