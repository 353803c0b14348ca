/**
 * tsvirsh against stock virsh: saving domain state (save, restore,
 * save-image-*, managedsave*, dump), block jobs, backups, migration and
 * the hypervisor-specific commands, on test:///default.
 *
 * Unlike diffCases, each case runs virsh first and tsvirsh after it, not
 * at the same time: the cases write and read real image files, whose
 * names appear in the output and so must be the same for both. And virsh
 * 9.0 itself sometimes never returns when save, managedsave, dump or
 * migrate fails fast (its worker thread quits the event loop before the
 * loop runs), so a virsh run that hangs is killed and run again.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { normalize, pool, runProgram, runTsvirsh, type Case, type RunResult } from './cli-cases.js';
import { needVirsh, show, VIRSH, virshVersion } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ro = (...args: string[]) => ['-r', '-c', 'test:///default', ...args];

const DIR = mkdtempSync(join(tmpdir(), 'tsvirsh-domsave-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));
const at = (name: string) => join(DIR, name);

function file(name: string, data: string | Buffer): string {
  writeFileSync(at(name), data);
  return at(name);
}

function script(name: string, body: string): string {
  const path = file(name, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A save image in the test driver's format: magic, native int length, XML. */
function image(name: string, xml: string, length = Buffer.byteLength(xml)): string {
  const len = Buffer.alloc(4);
  len.writeInt32LE(length);
  return file(name, Buffer.concat([Buffer.from('TestGuestMagic\0', 'latin1'), len, Buffer.from(xml)]));
}

const GUEST = `<domain type='test'>
  <name>guest</name>
  <uuid>2f1b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
  </os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:11:22:33'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>
`;
const GUEST_IMG = image('guest.img', GUEST);
/** The same guest, its memory halved: a definition for save-image-define. */
const GUEST2_XML = file('guest2.xml', GUEST.replace('1048576', '786432'));
const BAD_MAGIC = file('bad-magic.img', 'NotAGuestMagic\0\x10\0\0\0<domain/>');
const SHORT = file('short.img', 'Test');
const SHORT_LEN = file('short-len.img', 'TestGuestMagic\0\x01\0');
const ZERO_LEN = image('zero-len.img', '', 0);
const HUGE_LEN = image('huge-len.img', '<domain/>', 8193);
const CUT = image('cut.img', '<domain type', 64);
const NOT_XML = image('not-xml.img', '<domain>');
const NO_TYPE = image('no-type.img', '<domain><name>x</name></domain>');
const DOM_XML = file('dom.xml', GUEST);
const NOFILE = at('nonexistent');
const NODIR = at('no/such/dir/x.img');

/** Editors for the *-edit cases. */
const HALVE = script('halve.sh', `sed -i 's|524288|262144|' "$1"`);

const e = (editor: string) => ({ EDITOR: editor, VISUAL: editor });

const SAVE_CASES: Case[] = [
  // ---- save, restore ---------------------------------------------------
  { name: 'save-restore', args: d(`save test ${at('s1.img')}; domstate test --reason; list --all; restore ${at('s1.img')}; domstate test --reason; dominfo test`) },
  { name: 'save-verbose', args: d('save', 'test', at('s2.img'), '--verbose') },
  { name: 'save-image-of-saved', args: d(`save test ${at('s3.img')}; save-image-dumpxml ${at('s3.img')}`) },
  { name: 'save-transient-gone', args: d(`undefine test; save test ${at('s4.img')}; list --all; restore ${at('s4.img')}; dominfo test`) },
  { name: 'save-no-dir', args: d('save', 'test', NODIR) },
  { name: 'save-unknown', args: d('save', 'nosuch', at('x.img')) },
  { name: 'save-no-file', args: d('save', 'test') },
  { name: 'save-xml', args: d('save', 'test', at('s5.img'), '--xml', DOM_XML) },
  { name: 'save-xml-missing', args: d('save', 'test', at('s5.img'), '--xml', NOFILE) },
  { name: 'save-running', args: d('save', 'test', at('s5.img'), '--running') },
  { name: 'save-bypass-cache', args: d('save', 'test', at('s5.img'), '--bypass-cache') },
  { name: 'save-running-paused', args: d('save', 'test', at('s5.img'), '--running', '--paused') },
  { name: 'save-inactive', args: d(`destroy test; save test ${at('s5.img')}`) },
  { name: 'save-readonly', args: ro('save', 'test', at('s5.img')) },
  { name: 'save-readonly-flags', args: ro('save', 'test', at('s5.img'), '--paused') },
  { name: 'save-positional-xml', args: d('save', 'test', at('s5.img'), DOM_XML) },
  { name: 'restore-guest', args: d(`restore ${GUEST_IMG}; list --all; dumpxml guest`) },
  { name: 'restore-active', args: d(`save test ${at('s6.img')}; start test; restore ${at('s6.img')}`) },
  { name: 'restore-missing', args: d('restore', NOFILE) },
  { name: 'restore-bad-magic', args: d('restore', BAD_MAGIC) },
  { name: 'restore-directory', args: d('restore', DIR) },
  { name: 'restore-flags', args: d(`restore ${GUEST_IMG} --running; restore ${GUEST_IMG} --paused; restore ${GUEST_IMG} --bypass-cache; restore ${GUEST_IMG} --reset-nvram`) },
  { name: 'restore-running-paused', args: d('restore', GUEST_IMG, '--running', '--paused') },
  { name: 'restore-xml', args: d('restore', GUEST_IMG, '--xml', DOM_XML) },
  { name: 'restore-xml-missing', args: d('restore', GUEST_IMG, '--xml', NOFILE) },
  { name: 'restore-readonly', args: ro('restore', GUEST_IMG) },
  { name: 'restore-relative', args: d('restore', 'no-such-relative.img') },
  // ---- save-image-* ----------------------------------------------------
  { name: 'save-image-dumpxml', args: d('save-image-dumpxml', GUEST_IMG) },
  { name: 'save-image-dumpxml-secure', args: d('save-image-dumpxml', GUEST_IMG, '--security-info') },
  { name: 'save-image-dumpxml-xpath', args: d(`save-image-dumpxml ${GUEST_IMG} --xpath //name; save-image-dumpxml ${GUEST_IMG} --xpath //memory --wrap`) },
  { name: 'save-image-dumpxml-errors', args: d(`save-image-dumpxml ${NOFILE}; save-image-dumpxml ${BAD_MAGIC}; save-image-dumpxml ${ZERO_LEN}; save-image-dumpxml ${HUGE_LEN}; save-image-dumpxml ${NOT_XML}; save-image-dumpxml ${NO_TYPE}; save-image-dumpxml ${DIR}`) },
  // A short read reports whatever errno holds: 0 ("Success") only as a process's first failure.
  { name: 'save-image-dumpxml-short', args: d('save-image-dumpxml', SHORT) },
  { name: 'save-image-dumpxml-short-length', args: d('save-image-dumpxml', SHORT_LEN) },
  { name: 'save-image-dumpxml-cut', args: d('save-image-dumpxml', CUT) },
  { name: 'restore-short', args: d('restore', SHORT) },
  { name: 'save-image-dumpxml-canonical', args: d('save-image-dumpxml', `${DIR}/../${DIR.split('/').pop()}//nonexistent`) },
  { name: 'save-image-dumpxml-readonly', args: ro('save-image-dumpxml', GUEST_IMG) },
  { name: 'save-image-define', args: d(`save test ${at('d1.img')}; save-image-define ${at('d1.img')} ${GUEST2_XML}; save-image-dumpxml ${at('d1.img')} --xpath //memory`) },
  { name: 'save-image-define-flags', args: d(`save test ${at('d2.img')}; save-image-define ${at('d2.img')} ${GUEST2_XML} --running; save-image-define ${at('d2.img')} ${GUEST2_XML} --paused`) },
  { name: 'save-image-define-running-paused', args: d('save-image-define', GUEST_IMG, GUEST2_XML, '--running', '--paused') },
  { name: 'save-image-define-errors', args: d(`save-image-define ${GUEST_IMG} ${NOFILE}; save-image-define ${NOFILE} ${GUEST2_XML}; save-image-define ${GUEST_IMG} ${BAD_MAGIC}`) },
  { name: 'save-image-define-readonly', args: ro('save-image-define', GUEST_IMG, GUEST2_XML) },
  { name: 'save-image-edit-unchanged', args: d('save-image-edit', GUEST_IMG), env: e('true') },
  { name: 'save-image-edit', args: d(`save test ${at('e1.img')}; save-image-edit ${at('e1.img')}; save-image-dumpxml ${at('e1.img')} --xpath //currentMemory`), env: e(HALVE) },
  { name: 'save-image-edit-errors', args: d(`save-image-edit ${GUEST_IMG} --running --paused; save-image-edit ${NOFILE}`), env: e('true') },
  { name: 'save-image-edit-readonly', args: ro('save-image-edit', GUEST_IMG), env: e('true') },
  // ---- managedsave* ----------------------------------------------------
  { name: 'managedsave', args: d('managedsave test; dominfo test; list --all --managed-save; domstate test --reason; start test; domstate test --reason; dominfo test') },
  { name: 'managedsave-verbose', args: d('managedsave', 'test', '--verbose') },
  { name: 'managedsave-flags', args: d('managedsave test --running; start test; managedsave test --paused; start test; managedsave test --bypass-cache') },
  { name: 'managedsave-running-paused', args: d('managedsave', 'test', '--running', '--paused') },
  { name: 'managedsave-inactive', args: d('destroy test; managedsave test') },
  { name: 'managedsave-transient', args: d('undefine test; managedsave test') },
  { name: 'managedsave-unknown', args: d('managedsave', 'nosuch') },
  { name: 'managedsave-readonly', args: ro('managedsave', 'test') },
  { name: 'managedsave-remove', args: d('managedsave test; managedsave-remove test; managedsave-remove test; dominfo test') },
  { name: 'managedsave-remove-none', args: d('managedsave-remove', 'test') },
  { name: 'managedsave-remove-readonly', args: ro('managedsave-remove', 'test') },
  { name: 'managedsave-undefine', args: d('managedsave test; undefine test; undefine test --managed-save; list --all') },
  { name: 'managedsave-force-boot', args: d('managedsave test; start test --force-boot; dominfo test') },
  { name: 'managedsave-dumpxml', args: d('managedsave test; managedsave-dumpxml test; managedsave-dumpxml test --security-info --xpath //name --wrap; managedsave-dumpxml nosuch') },
  { name: 'managedsave-dumpxml-readonly', args: ro('managedsave-dumpxml test; managedsave-dumpxml test --security-info') },
  { name: 'managedsave-define', args: d(`managedsave test; managedsave-define test ${DOM_XML}; managedsave-define test ${DOM_XML} --running`) },
  { name: 'managedsave-define-errors', args: d(`managedsave-define test ${DOM_XML} --running --paused; managedsave-define test ${NOFILE}; managedsave-define nosuch ${NOFILE}; managedsave-define nosuch ${DOM_XML}`) },
  { name: 'managedsave-define-readonly', args: ro('managedsave-define', 'test', DOM_XML) },
  { name: 'managedsave-edit', args: d('managedsave test; managedsave-edit test; managedsave-edit test --running --paused; managedsave-edit nosuch'), env: e('true') },
  { name: 'managedsave-edit-readonly', args: ro('managedsave-edit', 'test'), env: e('true') },
  // ---- dump ------------------------------------------------------------
  { name: 'dump', args: d(`dump test ${at('core1')}; dump test ${at('core1')} --verbose; domstate test`) },
  { name: 'dump-crash', args: d(`dump test ${at('core2')} --crash; domstate test --reason; list --all`) },
  { name: 'dump-crash-transient', args: d(`undefine test; dump test ${at('core3')} --crash; list --all`) },
  { name: 'dump-flags', args: d(`dump test ${at('core4')} --live; dump test ${at('core4')} --reset; dump test ${at('core4')} --bypass-cache; dump test ${at('core4')} --memory-only`) },
  { name: 'dump-exclusive', args: d(`dump test ${at('core5')} --live --crash; dump test ${at('core5')} --crash --reset; dump test ${at('core5')} --live --reset`) },
  { name: 'dump-format', args: d(`dump test ${at('core6')} --format elf; dump test ${at('core6')} --memory-only --format bad; dump test ${at('core6')} --memory-only --format kdump-zlib; dump test ${at('core6')} --memory-only --format elf`) },
  { name: 'dump-format-positional', args: d('dump', 'test', at('core7'), 'win-dmp') },
  { name: 'dump-no-dir', args: d('dump', 'test', NODIR) },
  { name: 'dump-inactive', args: d(`destroy test; dump test ${at('core8')}`) },
  { name: 'dump-unknown', args: d('dump', 'nosuch', at('core9')) },
  { name: 'dump-readonly', args: ro(`dump test ${at('core10')}; dump test ${at('core10')} --memory-only --format kdump-lzo`) },
];

const BLOCK_CASES: Case[] = [
  { name: 'blockcommit', args: d('blockcommit test vda; blockcommit test vda --active --pivot --verbose --timeout 5; blockcommit test vda 10 /b /t') },
  { name: 'blockcommit-errors', args: d('blockcommit test vda --pivot --keep-overlay; blockcommit test vda --verbose; blockcommit test vda --async; blockcommit nosuch vda --verbose; blockcommit nosuch vda') },
  { name: 'blockcommit-bandwidth', args: d("blockcommit test vda --bandwidth abc; blockcommit test vda --bandwidth -1; blockcommit test vda --bandwidth 10M; blockcommit test vda --bandwidth 99999999999999999999; blockcommit test vda --bandwidth 10x; blockcommit test vda --bandwidth 17592186044416M; blockcommit test vda --bandwidth ''") },
  { name: 'blockcommit-timeout', args: d('blockcommit test vda --timeout 0; blockcommit test vda --timeout -1; blockcommit test vda --timeout abc') },
  { name: 'blockcommit-empty', args: d("blockcommit test ''; blockcommit test vda --base ''") },
  { name: 'blockcommit-readonly', args: ro('blockcommit', 'test', 'vda') },
  { name: 'blockcopy', args: d('blockcopy test vda --dest /tmp/x; blockcopy test vda --dest /tmp/x --format qcow2; blockcopy test vda --dest /tmp/x --format raw --wait') },
  { name: 'blockcopy-print-xml', args: d(`blockcopy test vda --dest /tmp/x --print-xml; blockcopy test vda --dest "/tmp/<x>&'" --format qcow2 --blockdev --print-xml; blockcopy test vda --xml ${DOM_XML} --print-xml`) },
  { name: 'blockcopy-errors', args: d('blockcopy test vda; blockcopy test vda --dest /x --xml /y; blockcopy test vda --format raw --xml /y; blockcopy test vda --blockdev --xml /y; blockcopy test vda --dest /x --pivot --finish; blockcopy test vda --dest /x --verbose; blockcopy test vda --dest /x --async; blockcopy test vda --verbose') },
  { name: 'blockcopy-numbers', args: d('blockcopy test vda --dest /x --granularity -1; blockcopy test vda --dest /x --buf-size x; blockcopy test vda --dest /x --timeout 0; blockcopy test vda --dest /x --bandwidth 17592186044416 --granularity 1; blockcopy test vda --dest /x --bandwidth 17592186044415 --granularity 1') },
  { name: 'blockcopy-lookup', args: d(`blockcopy nosuch vda --dest /x --print-xml; blockcopy test vda --xml ${NOFILE}; blockcopy test vda --dest ''`) },
  { name: 'blockcopy-readonly', args: ro('blockcopy test vda --dest /x; blockcopy test vda --dest /x --print-xml') },
  { name: 'blockjob', args: d('blockjob test vda; blockjob test vda --info; blockjob test vda --raw; blockjob test vda --abort; blockjob test vda --pivot; blockjob test vda --bandwidth 10; blockjob test vda 5') },
  { name: 'blockjob-exclusive', args: d('blockjob test vda --abort --info; blockjob test vda --info --bandwidth 1; blockjob test vda --raw --abort; blockjob test vda --raw --async; blockjob test vda --async --bytes; blockjob test vda --bytes --abort --info; blockjob test vda --pivot --bytes') },
  { name: 'blockjob-bandwidth', args: d("blockjob test vda --bandwidth x; blockjob nosuch vda --bandwidth x; blockjob test vda --bandwidth ''; blockjob test vda --abort --bandwidth 1") },
  { name: 'blockjob-readonly', args: ro('blockjob test vda; blockjob test vda --abort; blockjob test vda --bandwidth 5') },
  { name: 'blockpull', args: d('blockpull test vda; blockpull test vda --base /x; blockpull test vda --keep-relative; blockpull test vda --wait; blockpull test vda 7 /b 9') },
  { name: 'blockpull-errors', args: d("blockpull test vda --verbose; blockpull test vda --async; blockpull nosuch vda --verbose; blockpull nosuch vda; blockpull test vda --timeout 0; blockpull test vda --base ''; blockpull test vda --timeout x --bandwidth y") },
  { name: 'blockpull-readonly', args: ro('blockpull test vda; blockpull test vda --base /b') },
  { name: 'blockresize', args: d("blockresize test vda 10; blockresize test vda 10M; blockresize test vda x; blockresize test vda -1; blockresize test vda 10x; blockresize test vda 20000000000000000; blockresize nosuch vda 10; blockresize nosuch vda x; blockresize test '' 1") },
  { name: 'blockresize-no-size', args: d('blockresize', 'test', 'vda') },
  { name: 'blockresize-readonly', args: ro('blockresize', 'test', 'vda', '1') },
  { name: 'backup-begin', args: d(`backup-begin test; backup-begin test ${DOM_XML}; backup-begin test --backupxml ${DOM_XML} --checkpointxml ${DOM_XML} --reuse-external; backup-begin test --backupxml ${NOFILE}; backup-begin test --checkpointxml ${NOFILE}; backup-begin nosuch`) },
  { name: 'backup-begin-readonly', args: ro('backup-begin', 'test') },
  { name: 'backup-dumpxml', args: d('backup-dumpxml test; backup-dumpxml test --xpath /x --wrap; backup-dumpxml nosuch') },
  { name: 'backup-dumpxml-readonly', args: ro('backup-dumpxml', 'test') },
  { name: 'backup-dumpxml-id', args: d('backup-dumpxml', 'test', '--id', '1') },
];

const MIGRATE_CASES: Case[] = [
  { name: 'migrate', args: d('migrate', 'test', 'test:///default') },
  { name: 'migrate-live', args: d('migrate', 'test', 'test:///default', '--live', '--verbose') },
  { name: 'migrate-offline', args: d('migrate', 'test', 'test:///default', '--offline') },
  { name: 'migrate-p2p', args: d('migrate', 'test', 'test:///default', '--p2p', '--tunnelled') },
  { name: 'migrate-direct', args: d('migrate', 'test', 'test:///default', '--direct') },
  { name: 'migrate-p2p-offline', args: d('migrate', 'test', 'test:///default', '--p2p', '--offline') },
  { name: 'migrate-tunnelled', args: d('migrate', 'test', 'test:///default', '--tunnelled') },
  { name: 'migrate-change-protection', args: d('migrate', 'test', 'test:///default', '--change-protection') },
  { name: 'migrate-storage-exclusive', args: d('migrate', 'test', 'test:///default', '--copy-storage-all', '--copy-storage-inc') },
  { name: 'migrate-sync-writes', args: d('migrate', 'test', 'test:///default', '--copy-storage-synchronous-writes') },
  { name: 'migrate-compat-params', args: d('migrate', 'test', 'test:///default', '--dname', 'x', '--xml', DOM_XML, '--bandwidth', '5', '--migrateuri', 'tcp://h') },
  { name: 'migrate-extended-params', args: d('migrate', 'test', 'test:///default', '--copy-storage-all', '--migrate-disks', 'vda') },
  { name: 'migrate-listen-address', args: d('migrate', 'test', 'test:///default', '--listen-address', 'x') },
  { name: 'migrate-flags-params', args: d('migrate', 'test', 'test:///default', '--comp-methods', 'mt', '--live', '--postcopy', '--parallel', '--tls', '--auto-converge') },
  { name: 'migrate-option-checks', args: d('migrate test test:///default --live --offline; migrate test test:///default --timeout-suspend --timeout-postcopy; migrate test test:///default --postcopy-after-precopy; migrate test test:///default --timeout-postcopy; migrate test test:///default --persistent-xml /x; migrate test test:///default --tls-destination x; migrate nosuch test:///default --live --offline') },
  { name: 'migrate-timeout', args: d('migrate test test:///default --timeout 5; migrate test test:///default --timeout -1; migrate test test:///default --timeout x; migrate test qemu:///nosuch --timeout 5') },
  { name: 'migrate-numbers', args: d('migrate test test:///default --disks-port x; migrate test test:///default --disks-port x --comp-mt-level y; migrate test test:///default --bandwidth x --comp-mt-level y; migrate test test:///default --bandwidth -1') },
  { name: 'migrate-xml-missing', args: d('migrate', 'test', 'test:///default', '--xml', NOFILE) },
  { name: 'migrate-unknown', args: d('migrate nosuch test:///default; migrate test; migrate test ""') },
  { name: 'migrate-dest-fails', args: d('migrate', 'test', `test://${NOFILE}`) },
  { name: 'migrate-readonly', args: ro('migrate', 'test', 'test:///default') },
  { name: 'migrate-readonly-p2p', args: ro('migrate', 'test', 'test:///default', '--p2p') },
  { name: 'migrate-tuning', args: d('migrate-compcache test; migrate-compcache test --size 10; migrate-getmaxdowntime test; migrate-getspeed test; migrate-getspeed test --postcopy; migrate-postcopy test; migrate-setmaxdowntime test 10; migrate-setspeed test 10; migrate-setspeed test -1 --postcopy') },
  { name: 'migrate-tuning-errors', args: d('migrate-compcache test --size x; migrate-compcache test --size -1; migrate-compcache test --size 1k; migrate-compcache nosuch --size x; migrate-setmaxdowntime test 0; migrate-setmaxdowntime test x; migrate-setmaxdowntime test -1; migrate-setmaxdowntime nosuch x; migrate-setspeed test x; migrate-setspeed nosuch x') },
  { name: 'migrate-tuning-missing', args: d('migrate-setmaxdowntime test; migrate-setspeed test; migrate-compcache test 5') },
  { name: 'migrate-tuning-readonly', args: ro('migrate-compcache test; migrate-compcache test --size 10; migrate-getmaxdowntime test; migrate-postcopy test; migrate-setmaxdowntime test 5; migrate-setspeed test 1; migrate-getspeed test') },
];

const HYPER_CASES: Case[] = [
  { name: 'dom-fd-associate', args: d("dom-fd-associate test grp 0; dom-fd-associate test grp 0,1 --seclabel-writable --seclabel-restore; dom-fd-associate test grp x; dom-fd-associate test grp ''; dom-fd-associate test grp 0,,1; dom-fd-associate nosuch grp x; dom-fd-associate test '' 0") },
  { name: 'dom-fd-associate-readonly', args: ro("dom-fd-associate test grp 0; dom-fd-associate test grp ''") },
  { name: 'domxml-from-native', args: d(`domxml-from-native qemu-argv ${DOM_XML}; domxml-from-native x ${NOFILE}`) },
  { name: 'domxml-from-native-readonly', args: ro('domxml-from-native', 'qemu-argv', DOM_XML) },
  { name: 'domxml-to-native', args: d(`domxml-to-native qemu-argv --domain test; domxml-to-native qemu-argv --xml ${DOM_XML}; domxml-to-native qemu-argv ${DOM_XML}; domxml-to-native qemu-argv; domxml-to-native qemu-argv --domain test --xml ${DOM_XML}; domxml-to-native qemu-argv --domain nosuch; domxml-to-native qemu-argv --xml ${NOFILE}`) },
  { name: 'domxml-to-native-readonly', args: ro('domxml-to-native', 'qemu-argv', '--domain', 'test') },
  { name: 'qemu-agent-command', args: d(`qemu-agent-command test '{"execute":"guest-ping"}'; qemu-agent-command test a b c; qemu-agent-command test x --timeout 5; qemu-agent-command test x --async; qemu-agent-command test x --block --pretty; qemu-agent-command test 5 x`) },
  { name: 'qemu-agent-command-errors', args: d("qemu-agent-command test x --timeout 0; qemu-agent-command test x --timeout -5; qemu-agent-command test x --timeout y; qemu-agent-command test x --async --block; qemu-agent-command test x --timeout 5 --async; qemu-agent-command nosuch x; qemu-agent-command nosuch x --timeout 0; qemu-agent-command test ''") },
  { name: 'qemu-agent-command-no-cmd', args: d('qemu-agent-command', 'test') },
  { name: 'qemu-agent-command-readonly', args: ro('qemu-agent-command', 'test', 'x') },
  { name: 'qemu-monitor-command', args: d(`qemu-monitor-command test '{"execute":"query-status"}'; qemu-monitor-command test query-status; qemu-monitor-command test query-block '{"flat":true}'; qemu-monitor-command test --hmp info status; qemu-monitor-command test x --pretty --return-value; qemu-monitor-command test x --pass-fds 0`) },
  { name: 'qemu-monitor-command-errors', args: d('qemu-monitor-command test x --hmp --pretty; qemu-monitor-command test x --hmp --return-value; qemu-monitor-command test x --pass-fds x; qemu-monitor-command nosuch x; qemu-monitor-command nosuch x --hmp --pretty') },
  { name: 'qemu-monitor-command-readonly', args: ro('qemu-monitor-command test x; qemu-monitor-command test x --pass-fds 0') },
  { name: 'qemu-attach', args: d("qemu-attach 1; qemu-attach x; qemu-attach -1; qemu-attach ''") },
  { name: 'qemu-attach-readonly', args: ro('qemu-attach', '1') },
  { name: 'lxc-enter-namespace', args: d('lxc-enter-namespace test /bin/true; lxc-enter-namespace test --noseclabel /bin/true; lxc-enter-namespace nosuch /bin/true') },
  { name: 'lxc-enter-namespace-no-cmd', args: d('lxc-enter-namespace', 'test') },
  { name: 'lxc-enter-namespace-readonly', args: ro('lxc-enter-namespace', 'test', '/bin/true') },
];

const COMMANDS = [
  'managedsave', 'managedsave-define', 'managedsave-dumpxml', 'managedsave-edit', 'managedsave-remove', 'save',
  'restore', 'save-image-define', 'save-image-dumpxml', 'save-image-edit', 'dump', 'blockcommit', 'blockcopy',
  'blockjob', 'blockpull', 'blockresize', 'backup-begin', 'backup-dumpxml', 'migrate', 'migrate-compcache',
  'migrate-getmaxdowntime', 'migrate-getspeed', 'migrate-postcopy', 'migrate-setmaxdowntime', 'migrate-setspeed',
  'dom-fd-associate', 'domxml-from-native', 'domxml-to-native', 'qemu-agent-command', 'qemu-attach',
  'qemu-monitor-command', 'lxc-enter-namespace',
];
const HELP_CASES: Case[] = COMMANDS.map((c) => ({ name: `help-${c}`, args: ['help', c] }));

/** Per virsh try: a run that hangs longer is virsh 9.0's lost event-loop wakeup. */
const VIRSH_TRY_MS = 10_000;
const VIRSH_TRIES = 6;

async function runVirsh(c: Case): Promise<RunResult> {
  let last: unknown;
  for (let i = 0; i < VIRSH_TRIES; i++) {
    try {
      return await runProgram(VIRSH, c.args, c, VIRSH_TRY_MS);
    } catch (err) {
      if (!/timed out/.test((err as Error).message)) throw err;
      last = err;
    }
  }
  throw last;
}

function serialDiffCases(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    const version = virshVersion();
    const results = new Map<string, { v: RunResult; ts: RunResult }>();
    before(async () => {
      if (version === null) return;
      // Cases write files of their own names, so they may run side by side.
      await pool(cases, 4, async (c) => {
        const v = await runVirsh(c);
        const ts = await runTsvirsh(c);
        results.set(c.name, { v, ts });
      });
    });
    for (const c of cases) {
      it(c.name, c.todo ? { todo: c.todo } : {}, (t) => {
        if (!needVirsh(t, version)) return;
        const { v, ts } = results.get(c.name)!;
        const want = { status: v.status, stdout: normalize(v.stdout, c), stderr: normalize(v.stderr, c) };
        const got = { status: ts.status, stdout: normalize(ts.stdout, c), stderr: normalize(ts.stderr, c) };
        assert.deepEqual(got, want, `args: ${JSON.stringify(c.args)}\nvirsh:\n${show(v)}\ntsvirsh:\n${show(ts)}`);
      });
    }
  });
}

serialDiffCases('tsvirsh matches virsh: domain-save', [
  ...HELP_CASES, ...SAVE_CASES, ...BLOCK_CASES, ...MIGRATE_CASES, ...HYPER_CASES,
]);
