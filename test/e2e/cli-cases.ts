/**
 * Command lines for the tsvirsh tests, shared by the differential test
 * (run against stock virsh too) and the fixture test. Each process gets a
 * fresh test:///default, so state changes are chained with ';' in one
 * invocation or run against the host file in test/fixtures/cli/.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groups } from '../../src/cli/index.js';

/** The repository root (this file runs from dist/test/e2e). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const FIXTURES = join(ROOT, 'test/fixtures/cli');
export const TSVIRSH = join(ROOT, 'bin/tsvirsh.cjs');

const HOST = `test://${join(FIXTURES, 'host.xml')}`;
const AUTH_HOST = `test://${join(FIXTURES, 'auth-host.xml')}`;
const F = (name: string) => join(FIXTURES, name);

export interface Case {
  /** Also the fixture file name for the cases kept as golden outputs. */
  name: string;
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  /** Mask what legitimately differs between runs: random UUIDs. */
  maskUUIDs?: boolean;
  /** Mask what else differs between runs (e.g. statistics made from the clock): each match becomes `<masked>`. */
  mask?: RegExp;
  /** A known difference that is not the CLI's to fix, with the reason (node:test todo). */
  todo?: string;
}

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
/** Where the screenshot cases write (both programs write the same name: the path is in the output). */
const SHOT = join(tmpdir(), `tsvirsh-shot-${process.pid}.png`);
process.on('exit', () => rmSync(SHOT, { force: true }));
const h = (...args: string[]) => ['-c', HOST, ...args];

export const CASES: Case[] = [
  // ---- listing and showing domains -----------------------------------
  { name: 'list', args: d('list') },
  { name: 'list-all', args: d('list', '--all') },
  { name: 'list-name', args: d('list', '--name') },
  { name: 'list-uuid', args: d('list', '--uuid') },
  { name: 'list-id-name-uuid', args: d('list', '--id', '--name', '--uuid') },
  { name: 'list-table-name', args: d('list', '--table', '--name') },
  { name: 'host-list-all', args: h('list', '--all') },
  { name: 'host-list-title', args: h('list', '--all', '--title') },
  { name: 'host-list-title-c-locale', args: h('list', '--all', '--title'), env: { LC_ALL: 'C' } },
  { name: 'host-list-inactive', args: h('list', '--inactive') },
  { name: 'host-list-filters', args: h('list --state-paused; list --state-running --name; list --persistent --all --uuid; list --transient; list --autostart; list --no-autostart --all --id; list --state-other; list --with-snapshot; list --without-snapshot --all --name') },
  { name: 'host-list-quiet', args: ['-q', ...h('list', '--all')] },
  { name: 'dominfo', args: d('dominfo', 'test') },
  { name: 'dominfo-by-id', args: d('dominfo', '1') },
  { name: 'dominfo-by-uuid', args: d('dominfo', '6695eb01-f6a4-8304-79aa-97f2502e193f') },
  { name: 'dominfo-unknown', args: d('dominfo', 'nope') },
  { name: 'host-dominfo', args: h('dominfo café; dominfo db; dominfo Alpha') },
  { name: 'domstate', args: d('domstate', 'test') },
  { name: 'domstate-reason', args: d('domstate', '--reason', 'test') },
  { name: 'domid-domname-domuuid', args: d('domid test; domname 1; domuuid test; domuuid 1; domname test; domid 6695eb01-f6a4-8304-79aa-97f2502e193f') },
  { name: 'host-domid-inactive', args: h('domid Alpha; domname c0ffee00-c0ff-ee00-c0ff-ee00c0ffee00') },
  { name: 'dumpxml', args: d('dumpxml', 'test') },
  { name: 'dumpxml-flags', args: d('dumpxml --inactive test; dumpxml --security-info test; dumpxml --update-cpu test; dumpxml --migratable test') },
  { name: 'dumpxml-unknown', args: d('dumpxml', 'nope') },
  { name: 'dumpxml-xpath', args: d(`dumpxml test --xpath //interface; dumpxml test --xpath '/domain/devices/*[1]'; dumpxml test --xpath '//disk[@device="disk"]/target'; dumpxml test --xpath //mac/@address; dumpxml test --xpath name; dumpxml test --xpath //name/text(); dumpxml test --xpath //@type; dumpxml test --xpath '/domain/devices/disk[last()]'; dumpxml test --xpath //disk/..; dumpxml test --xpath 'devices/disk[2]/source|//uuid'; dumpxml test --xpath //os --wrap; dumpxml test --xpath //nothing --wrap; dumpxml test --xpath //nothing`) },
  { name: 'dumpxml-xpath-not-nodeset', args: d('dumpxml test --xpath string(/domain/name); dumpxml test --xpath count(//disk)') },
  { name: 'xpath-other-objects', args: d("net-dumpxml default --xpath //ip; pool-dumpxml default-pool --xpath '//target/*' --wrap; vol-dumpxml default-vol --pool default-pool --xpath //capacity/@unit; snapshot-create-as test s1; snapshot-dumpxml test s1 --xpath //state; nodedev-dumpxml computer --xpath //capability/@type") },

  // ---- changing domains ----------------------------------------------
  { name: 'lifecycle', args: d('destroy test; list --all; start test; list; suspend test; domstate test --reason; resume test; domstate --reason test; reboot test; reset test; shutdown test; domstate test --reason; list --all') },
  { name: 'lifecycle-errors', args: d('start test; resume test; destroy nope; suspend 42; shutdown test --mode bogus; reboot test --mode acpi,agent') },
  { name: 'start-by-uuid', args: d('destroy test; start 6695eb01-f6a4-8304-79aa-97f2502e193f; start 1') },
  { name: 'define-undefine', args: d(`define ${F('domain.xml')}; list --all --title; dominfo extra; start extra; list; domid extra; destroy extra; undefine extra; list --all`) },
  { name: 'create-transient', args: d(`create ${F('domain.xml')}; list --all; domstate extra --reason; destroy extra; list --all`) },
  { name: 'create-paused', args: d(`create ${F('domain.xml')} --paused; domstate extra --reason`) },
  { name: 'define-errors', args: d(`define /nonexistent/file.xml; define ${FIXTURES}; define ${F('bad.xml')}; create ${F('bad.xml')}`) },
  { name: 'undefine-running', args: d('undefine test; list --all; destroy test; list --all') },
  { name: 'undefine-storage', args: h('undefine web1 --remove-all-storage; destroy web1; undefine web1 --storage vda,nope; undefine web1 --storage vda --remove-all-storage; undefine web1 --wipe-storage; undefine web1 --storage /data-pool/web1.img; vol-list data-pool; list --all') },
  { name: 'undefine-remove-all', args: h('destroy web1; undefine web1 --remove-all-storage --delete-snapshots; vol-list data-pool') },
  { name: 'undefine-wipe', args: h('destroy web1; undefine web1 --remove-all-storage --wipe-storage; vol-list data-pool') },
  { name: 'undefine-flags', args: h('undefine db --nvram --keep-nvram; undefine db --delete-snapshots; undefine Alpha --managed-save --snapshots-metadata --checkpoints-metadata; undefine db --nvram; undefine db --tpm') },
  { name: 'undefine-snapshots', args: d('destroy test; snapshot-create-as test s1; undefine test; undefine test --snapshots-metadata; list --all') },
  { name: 'autostart', args: d('autostart test; dominfo test; list --autostart; autostart --disable test; list --no-autostart') },
  { name: 'setmem', args: d('setmem test 512M; dumpxml test; setmem test 1024 --config; dumpxml --inactive test') },
  { name: 'setmem-errors', args: d('setmem test 5X; setmem test 99999999T; setmem test -5; setmem test; setmem test --size') },
  { name: 'setmem-alias', args: d('setmem --kilobytes 262144 test; dominfo test') },
  { name: 'setmaxmem', args: d('setmaxmem test 2G --config; dumpxml --inactive test; setmaxmem test 1M; setmaxmem test 1G --current --live') },
  { name: 'setvcpus', args: d('setvcpus test 1; dominfo test; setvcpus test 0; setvcpus test abc; setvcpus test -1; setvcpus test --maximum 3; setvcpus test 3 --config --maximum; dumpxml --inactive test') },
  { name: 'schedinfo', args: d('schedinfo test; schedinfo test --set weight=100; schedinfo test --weight 30; schedinfo test --set foo=1; schedinfo test --set weight=x; schedinfo test --set noequals') },
  { name: 'schedinfo-flags', args: d('schedinfo test --live --config; schedinfo test --current; schedinfo test --config --set weight=5; schedinfo --current --live test') },

  // ---- snapshots -----------------------------------------------------
  { name: 'snapshots', args: d('snapshot-create-as test s1 "first snap"; snapshot-create-as test s2; snapshot-create-as --domain test --name s3; snapshot-list test --name; snapshot-list test --tree; snapshot-list test --parent --name; snapshot-list test --roots --name; snapshot-list test --leaves --name; snapshot-list test --from s1 --name; snapshot-list test --from s1 --descendants --tree; snapshot-list test --current --name; snapshot-list test --internal --name; snapshot-list test --topological --name') },
  { name: 'snapshot-table', args: d('snapshot-create-as test s1; snapshot-create-as test s2; snapshot-list test; snapshot-list test --parent'), env: { TZ: 'UTC' } },
  { name: 'snapshot-table-tz', args: d('snapshot-create-as test s1; snapshot-list test'), env: { TZ: 'America/New_York' } },
  { name: 'snapshot-delete', args: d('snapshot-create-as test s1; snapshot-create-as test s2; snapshot-dumpxml test s1; snapshot-delete test s1; snapshot-list test --name; snapshot-delete test --current; snapshot-list test --name; snapshot-delete test; snapshot-delete test nosnap; snapshot-delete test s1 --current') },
  { name: 'snapshot-print-xml', args: d('snapshot-create-as test --print-xml --name x --description "<a&b>" --diskspec vda,snapshot=external,file=/tmp/x.qcow2 --diskspec vdb,stype=block,file=/dev/sdb --memspec file=/tmp/m,snapshot=external') },
  { name: 'snapshot-errors', args: d('snapshot-list nope; snapshot-list test --tree --name; snapshot-list test --descendants; snapshot-list test --roots --from x; snapshot-create-as test --diskspec vda,bogus=1 --print-xml; snapshot-create-as test --memspec foo --print-xml') },

  // ---- networks ------------------------------------------------------
  { name: 'net-list', args: d('net-list') },
  { name: 'net-list-variants', args: d('net-list --all; net-list --name; net-list --uuid; net-list --inactive; net-list --persistent; net-list --autostart; net-list --name --uuid') },
  { name: 'host-net-list', args: h('net-list --all; net-info lan; net-info 99998888-7777-6666-5555-444433332222') },
  { name: 'net-info', args: d('net-info default') },
  { name: 'net-info-unknown', args: d('net-info nope') },
  { name: 'net-dumpxml', args: d('net-dumpxml default; net-dumpxml --inactive default') },
  { name: 'net-lifecycle', args: d('net-destroy default; net-list --all; net-start default; net-autostart default; net-list; net-autostart --disable default; net-undefine default; net-list --all; net-start default') },
  { name: 'net-define-create', args: d(`net-define ${F('network.xml')}; net-list --all; net-info extranet; net-start extranet; net-uuid extranet; net-name aaaaaaaa-2222-3333-4444-555555555555; net-destroy extranet; net-undefine extranet; net-create ${F('network.xml')}; net-list --transient; net-define /nonexistent.xml`) },

  // ---- storage -------------------------------------------------------
  { name: 'pool-list', args: d('pool-list') },
  { name: 'pool-list-details', args: d('pool-list --all --details') },
  { name: 'host-pool-list', args: h('pool-list --all --details; pool-list --name; pool-list --uuid; pool-list --uuid --name; pool-list --type dir; pool-list --type foo; pool-list --all --inactive') },
  { name: 'pool-info', args: d('pool-info default-pool; pool-info --bytes default-pool; pool-uuid default-pool; pool-name dfa40e3c-5a0b-4e4f-8b3e-4d1b7e5f0a1c') },
  { name: 'host-pool-info', args: h('pool-info data-pool; pool-info --bytes data-pool; pool-info archive') },
  { name: 'pool-info-unknown', args: d('pool-info nope') },
  { name: 'pool-dumpxml', args: d('pool-dumpxml default-pool; pool-dumpxml --inactive default-pool') },
  { name: 'pool-define-as', args: d('pool-define-as p2 dir --target /tmp/p2 --print-xml; pool-define-as p2 dir --target /tmp/p2; pool-list --all --details; pool-start p2; pool-info p2; pool-autostart p2; pool-list --all; pool-destroy p2; pool-undefine p2; pool-list --all'), maskUUIDs: true },
  { name: 'pool-define-as-xml', args: d('pool-define-as p3 netfs --source-host nfs.example --source-path /export --source-format nfs --target /mnt/p3 --print-xml; pool-create-as p4 iscsi --source-host h --source-dev /dev/x --source-initiator iqn.x --auth-type chap --auth-username u --secret-usage s --print-xml; pool-define-as p5 scsi --adapter-wwnn 1 --adapter-wwpn 2 --adapter-parent scsi_host3 --print-xml; pool-define-as p6 dir --secret-usage a --secret-uuid b') },
  { name: 'pool-define-file', args: d(`pool-define ${F('pool.xml')}; pool-list --all; pool-build extrapool; pool-start extrapool; pool-refresh extrapool; pool-destroy extrapool; pool-delete extrapool; pool-undefine extrapool; pool-create ${F('pool.xml')}; pool-list --transient --all`) },
  { name: 'vol-list', args: d('vol-list default-pool; vol-list --details default-pool') },
  { name: 'host-vol-list', args: h('vol-list data-pool; vol-list data-pool --details; vol-list archive') },
  { name: 'host-vol-info', args: h('vol-info web1.img --pool data-pool; vol-info tie.raw --pool data-pool; vol-info --bytes /data-pool/Small.iso; vol-key tie.raw --pool data-pool; vol-path Small.iso --pool data-pool; vol-name /data-pool/tie.raw; vol-pool /data-pool/tie.raw; vol-pool --uuid /data-pool/tie.raw; vol-dumpxml tie.raw --pool data-pool') },
  { name: 'vol-lifecycle', args: d('vol-create-as default-pool v1 10M; vol-list default-pool --details; vol-info v1 --pool default-pool; vol-info /default-pool/v1; vol-dumpxml v1 --pool default-pool; vol-key v1 --pool default-pool; vol-path v1 --pool default-pool; vol-name /default-pool/v1; vol-pool /default-pool/v1; vol-delete v1 --pool default-pool; vol-list default-pool') },
  { name: 'vol-errors', args: d('vol-info nope; vol-info nope --pool default-pool; vol-info nope --pool nopool; vol-create-as default-pool v2 5Q; vol-create-as default-pool v2 1000 --backing-vol nope; vol-create-as default-pool v3 1G --allocation x; vol-delete nope') },
  { name: 'vol-create-as-xml', args: d('vol-create-as default-pool v2 5G --allocation 1M --format qcow2 --print-xml; vol-create-as default-pool v3 1000 --backing-vol default-vol --backing-vol-format raw --print-xml') },

  // ---- interfaces, node devices, host --------------------------------
  { name: 'iface-list', args: d('iface-list; iface-list --all; iface-list --inactive; iface-list --all --inactive') },
  { name: 'host-iface', args: h('iface-list --all; iface-dumpxml eth0; iface-name aa:bb:cc:dd:ee:02; iface-mac eth1; iface-name nope; iface-mac aa:bb:cc:dd:ee:01') },
  { name: 'nodedev-list', args: d('nodedev-list; nodedev-list --tree; nodedev-list --cap foo; nodedev-list --all --inactive; nodedev-list --tree --cap net') },
  { name: 'nodedev-dumpxml', args: d('nodedev-dumpxml computer; nodedev-dumpxml nope; nodedev-dumpxml a,b; nodedev-dumpxml a,b,c') },
  { name: 'nodeinfo', args: d('nodeinfo') },
  { name: 'host-nodeinfo', args: h('nodeinfo; freecell --all; freecell') },
  { name: 'capabilities', args: d('capabilities') },
  { name: 'version', args: d('version') },
  { name: 'version-daemon', args: d('version', '--daemon') },
  { name: 'hostname', args: d('hostname') },
  { name: 'uri', args: d('uri') },
  { name: 'sysinfo', args: d('sysinfo') },
  { name: 'freecell', args: d('freecell; freecell --all; freecell 0; freecell --cellno 1; freecell --cellno 5; freecell --all --cellno 0; freecell x') },

  // ---- read-only connections -----------------------------------------
  { name: 'screenshot', args: d(`screenshot test --file ${SHOT}; screenshot --domain test --screen 1 --file ${SHOT}; screenshot nope; screenshot test --screen -1; screenshot test --file /nonexistent/x.png`) },
  { name: 'readonly-migratable', args: ['-r', ...d('dumpxml --migratable test; dumpxml --inactive test')] },
  { name: 'screenshot-readonly', args: ['-r', ...d(`screenshot test --file ${SHOT}`)] },
  { name: 'readonly-writes', args: ['-r', ...d('destroy test; setmem test 1G; undefine test; net-destroy default; pool-destroy default-pool; vol-create-as default-pool x 1M; snapshot-create-as test; autostart test; dumpxml --security-info test; setvcpus test 1; schedinfo test --set weight=1; list')] },
  { name: 'readonly-define', args: ['-r', ...d(`define ${F('domain.xml')}`)] },
  { name: 'readonly-start', args: ['--readonly', ...d('uri; destroy test')] },
  { name: 'connect-readonly', args: d('destroy test; connect test:///default --readonly; start test; undefine test; list --all; connect test:///default; start test; list') },

  // ---- the parser ----------------------------------------------------
  { name: 'unknown-command', args: d('foo') },
  { name: 'unknown-option', args: d('list', '--al') },
  { name: 'missing-data', args: d('dominfo') },
  { name: 'missing-many', args: d('vol-create-as') },
  { name: 'unexpected-data', args: d('dominfo', 'test', 'extra') },
  { name: 'option-twice', args: d('list', '--all', '--all') },
  { name: 'bool-with-value', args: d('list', '--name=x') },
  { name: 'option-needs-value', args: d('setmem test --size') },
  { name: 'opt-equals-value', args: d('dominfo', '--domain=test') },
  { name: 'double-dash', args: d('dominfo', '--', '--test') },
  { name: 'parse-error-discards-all', args: d('list; foo') },
  { name: 'quoting', args: d(`echo "a b" c\\ d 'e f' ; echo x#y #comment`) },
  { name: 'comment-argv', args: d('#foo', 'bar') },
  { name: 'echo-argv-hash', args: d('echo', '#foo', 'bar') },
  { name: 'empty-string', args: d('') },
  { name: 'only-separator', args: d(';') },
  { name: 'unterminated-quote', args: d('echo "unterminated') },
  { name: 'dangling-backslash', args: d('echo a\\') },
  { name: 'echo-modes', args: d(`echo --shell "a'b" "" 'x y'; echo --xml '<a&b>'; echo --split 'a,b,,c'; echo --err hello; echo; echo --shell --xml a; echo --hi; echo --str x y`) },
  { name: 'echo-alias-value', args: d('echo --hi=x') },
  { name: 'quit-stops', args: d('echo a; quit; echo b') },
  { name: 'exit-code-is-last', args: d('dominfo nope; uri') },
  { name: 'exit-code-last-fails', args: d('uri; dominfo nope') },
  { name: 'cd-noninteractive', args: d('cd /') },

  // ---- help ------------------------------------------------------------
  { name: 'help-list', args: d('help', 'list') },
  { name: 'help-unknown', args: d('help', 'nope') },
  { name: 'help-via-option', args: d('dominfo', '--help') },
  { name: 'help-ignores-options', args: d('help --foo list; list --help --foo') },
  {
    name: 'help-every-command',
    args: d(groups.flatMap((g) => g.commands.filter((c) => !c.hidden).map((c) => `help ${c.name}`)).join('; ')),
  },
  { name: 'help-commands', args: d('help setmem; help setvcpus; help undefine; help snapshot-create-as; help schedinfo; help pool-define-as; help vol-create-as; help echo; help help; help connect; help quit; help freecell; help nodedev-list; help snapshot-list; help net-list; help dumpxml; help start; help create') },

  // ---- global options and the environment -----------------------------
  { name: 'version-short', args: ['-v'] },
  { name: 'version-long-opt', args: ['--version'] },
  { name: 'version-prefix', args: ['--ver'] },
  { name: 'version-short-arg', args: ['--version=short'] },
  { name: 'connect-long', args: ['--conn=test:///default', 'uri'] },
  { name: 'connect-readonly-prefix', args: ['--read', '-c', 'test:///default', 'uri'] },
  { name: 'connect-missing-arg', args: ['--connect'] },
  { name: 'c-missing-arg', args: ['-c'] },
  { name: 'unknown-long', args: ['--foo=bar'] },
  { name: 'unknown-short', args: ['-x'] },
  { name: 'ambiguous-long', args: ['--keep', '5'] },
  { name: 'flag-with-value', args: ['--help=x'] },
  { name: 'quiet-with-value', args: ['--quiet=1'] },
  { name: 'debug-bad', args: ['-d', 'abc'] },
  { name: 'debug-long-bad', args: ['--debug=x'] },
  { name: 'debug-range', args: ['-d', '9', '-c', 'test:///default', 'uri'] },
  { name: 'escape-bad', args: ['-e', 'xx'] },
  { name: 'escape-ok', args: ['-e', '^a', '-c', 'test:///default', 'uri'] },
  { name: 'keepalive-negative', args: ['-k', '-1'] },
  { name: 'keepalive-forced', args: ['-k', '5', '-c', 'test:///default', 'uri'] },
  { name: 'keepalive-off', args: ['-k', '0', '-c', 'test:///default', 'uri'] },
  { name: 'clustered-short', args: ['-qc', 'test:///default', 'list'] },
  { name: 'end-of-options', args: ['-c', 'test:///default', '--', 'uri'] },
  { name: 'dash-command', args: ['-', 'uri'] },
  { name: 'quiet-session', args: ['-q', ...d('list; destroy test; start test; net-list; pool-list; freecell --all; autostart test')] },
  { name: 'bad-uri-file', args: ['-c', 'test:///nonexistent/host.xml', 'list'] },
  { name: 'env-default-uri', args: ['uri'], env: { LIBVIRT_DEFAULT_URI: 'test:///default' } },
  { name: 'env-virsh-uri', args: ['uri'], env: { VIRSH_DEFAULT_CONNECT_URI: HOST, LIBVIRT_DEFAULT_URI: 'test:///default' } },
  { name: 'env-c-wins', args: ['-c', HOST, 'uri'], env: { VIRSH_DEFAULT_CONNECT_URI: 'test:///default' } },
  { name: 'env-debug-bad', args: ['-c', 'test:///default', 'uri'], env: { VIRSH_DEBUG: 'x' } },
  { name: 'env-bad-locale', args: ['-c', 'test:///default', 'uri'], env: { LANG: 'xx_YY.UTF-8' } },
  { name: 'debug-levels', args: ['-d', '0', ...d('dominfo test; net-info default; pool-info default-pool; vol-info default-vol --pool default-pool; list --all --name; pool-list --details; domstate 1; iface-list; iface-mac eth0')] },
  { name: 'debug-info', args: ['-d', '1', ...d('domuuid 1; net-uuid default')] },
  { name: 'debug-env', args: d('list'), env: { VIRSH_DEBUG: '1' } },
  { name: 'auth-password', args: ['-c', AUTH_HOST, 'uri'], stdin: 'alice\npw\n' },
  { name: 'auth-no-password', args: ['-c', AUTH_HOST, 'uri'], stdin: 'bob\n' },
  { name: 'auth-wrong', args: ['-c', AUTH_HOST, 'uri'], stdin: 'alice\nwrong\n' },
  { name: 'auth-eof', args: ['-c', AUTH_HOST, 'uri'], stdin: '' },
  { name: 'auth-lazy-connect', args: ['uri'], stdin: 'alice\npw\n', env: { LIBVIRT_DEFAULT_URI: AUTH_HOST } },
  { name: 'connect-command', args: d('connect; uri; connect test:///default; uri') },

  // ---- the interactive shell on a pipe ---------------------------------
  { name: 'shell-basic', args: d(), stdin: 'list\nquit\n' },
  { name: 'shell-eof', args: d(), stdin: 'list\n' },
  { name: 'shell-empty', args: d(), stdin: '' },
  { name: 'shell-readonly-prompt', args: d(), stdin: 'connect test:///default --readonly\nlist\ndestroy test\nexit\n' },
  { name: 'shell-errors', args: d(), stdin: 'foo\necho "a\nhelp nope\n' },
  { name: 'shell-blank-lines', args: d(), stdin: 'echo a;; echo b\n\n   \nuri' },
  { name: 'shell-quiet-readonly', args: ['-q', '-r', ...d()], stdin: 'list\n' },
  { name: 'shell-cd-pwd', args: d(), stdin: 'cd /\npwd\ncd /nonexistent-dir\nquit\n' },
  { name: 'shell-state-persists', args: d(), stdin: 'destroy test\nlist --all\nstart test\nlist\n' },
  { name: 'shell-bad-histsize', args: d(), stdin: 'uri\n', env: { VIRSH_HISTSIZE: 'x' } },
  // ---- vcpuinfo, domblkinfo, dommemstat, domtime, domstats, nodecpumap ----
  { name: 'vcpuinfo', args: d('vcpuinfo', 'test') },
  { name: 'vcpuinfo-pretty', args: d('vcpuinfo 1 --pretty; vcpuinfo --domain test --pretty') },
  { name: 'vcpuinfo-errors', args: d('vcpuinfo nope; vcpuinfo; vcpuinfo test --bogus') },
  { name: 'vcpuinfo-readonly', args: ['-r', ...d('vcpuinfo', 'test')] },
  { name: 'host-vcpuinfo-inactive', args: h('vcpuinfo Alpha; vcpuinfo café --pretty; vcpuinfo db') },
  { name: 'host-vcpuinfo', args: h('vcpuinfo db; vcpuinfo web1 --pretty') },
  { name: 'domblkinfo', args: d('domblkinfo test vda; domblkinfo test --device vda --human; domblkinfo test /guest/diskimage1') },
  { name: 'domblkinfo-all', args: d('domblkinfo test --all; domblkinfo test --all --human') },
  { name: 'domblkinfo-errors', args: d('domblkinfo test; domblkinfo test vda --all; domblkinfo test nope; domblkinfo nope vda; domblkinfo test ""') },
  { name: 'domblkinfo-readonly', args: ['-r', ...d('domblkinfo test --all')] },
  { name: 'host-domblkinfo', args: h('domblkinfo db --all; domblkinfo web1 --all --human; domblkinfo Alpha --all; domblkinfo web1 hda') },
  { name: 'dommemstat', args: d('dommemstat', 'test') },
  { name: 'dommemstat-flags', args: d('dommemstat test --live; dommemstat test --config --live') },
  { name: 'dommemstat-errors', args: d('dommemstat nope; dommemstat test --period -1; dommemstat test --period abc; dommemstat test --current --live; dommemstat test --current --config; dommemstat test 5') },
  { name: 'dommemstat-readonly', args: ['-r', ...d('dommemstat test; dommemstat test --period 3; dommemstat test --period 3 --config')] },
  { name: 'host-dommemstat', args: h('dommemstat db; dommemstat Alpha; dommemstat web1') },
  { name: 'domtime', args: d('domtime', 'test') },
  { name: 'domtime-pretty', args: d('domtime', 'test', '--pretty') },
  { name: 'domtime-errors', args: d('domtime nope; domtime test --now --time 5; domtime test --sync --time 5; domtime test --now --sync; domtime test --time abc; domtime test --time') },
  { name: 'domtime-readonly', args: ['-r', ...d('domtime test; domtime test --now; domtime test --sync; domtime test --time 5; domtime test 5')] },
  { name: 'host-domtime', args: h('domtime db; domtime Alpha; domtime web1 --pretty') },
  { name: 'domstats', args: d('domstats') },
  { name: 'domstats-domains', args: d('domstats test 1 6695eb01-f6a4-8304-79aa-97f2502e193f') },
  { name: 'domstats-groups', args: d('domstats --state --raw; domstats --vcpu --balloon; domstats --enforce --state; domstats --cpu-total --interface --block --perf --iothread --memory --dirtyrate --vm') },
  { name: 'domstats-filters', args: d('domstats --list-active; domstats --list-inactive; domstats --list-running --list-persistent; domstats --list-paused; domstats --nowait --backing') },
  { name: 'domstats-errors', args: d('domstats nope; domstats test nope; domstats --enforce --vcpu; domstats --bogus') },
  { name: 'domstats-readonly', args: ['-r', ...d('domstats --state test')] },
  { name: 'host-domstats', args: h('domstats --list-running --raw; domstats db Alpha café; domstats --list-paused --state; domstats --list-other') },
  { name: 'nodecpumap', args: d('nodecpumap') },
  { name: 'nodecpumap-pretty', args: d('nodecpumap', '--pretty') },
  { name: 'nodecpumap-errors', args: d('nodecpumap --bogus; nodecpumap x') },
  { name: 'nodecpumap-readonly', args: ['-r', ...d('nodecpumap --pretty')] },
  { name: 'host-nodecpumap', args: h('nodecpumap; nodecpumap --pretty') },
];

export interface RunResult { stdout: string; stderr: string; status: number | null }

/** A private HOME and cache for each run, so history files never touch the user's. */
const SANDBOX = mkdtempSync(join(tmpdir(), 'tsvirsh-test-'));
process.on('exit', () => rmSync(SANDBOX, { recursive: true, force: true }));

/** The environment the programs run in: deterministic, with the case's additions. */
export function caseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: SANDBOX,
    XDG_CACHE_HOME: join(SANDBOX, 'cache'),
    XDG_CONFIG_HOME: join(SANDBOX, 'config'),
    XDG_RUNTIME_DIR: join(SANDBOX, 'run'),
    LANG: 'C.UTF-8',
    TZ: 'UTC',
  };
  return { ...env, ...extra };
}

/** Runs a program with the case's arguments, stdin and environment. */
export function runProgram(cmd: string, argv: string[], c: Case, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    // A session of its own: no controlling terminal for getpass() to open,
    // and one process group to kill if it hangs.
    const child = spawn(cmd, argv, { env: caseEnv(c.env), cwd: '/', stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const text = () => `--- stdout\n${Buffer.concat(out).toString('utf8')}--- stderr\n${Buffer.concat(err).toString('utf8')}`;
    const timer = setTimeout(() => {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
      reject(new Error(`${cmd} ${JSON.stringify(argv)} timed out after ${timeoutMs} ms\n${text()}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), status });
    });
    // A program may exit before reading its input: that is its answer, not a test crash.
    child.stdin.on('error', () => {});
    child.stdin.end(c.stdin ?? '');
  });
}

export function runTsvirsh(c: Case): Promise<RunResult> {
  return runProgram(process.execPath, [TSVIRSH, ...c.args], c);
}

/**
 * What may differ between two runs of the same command: the test driver's
 * CPU time (wall-clock based), snapshot creation times, and, where a case
 * asks, generated UUIDs.
 */
export function normalize(s: string, c: Case): string {
  let r = s.replace(/^(CPU time: +)\d+\.\d+s$/gm, '$1<cputime>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, '<time>')
    .replace(/<creationTime>\d+<\/creationTime>/g, '<creationTime>T</creationTime>');
  if (c.maskUUIDs) r = r.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  if (c.mask) r = r.replace(new RegExp(c.mask.source, c.mask.flags.includes('g') ? c.mask.flags : `${c.mask.flags}g`), '<masked>');
  return r;
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
