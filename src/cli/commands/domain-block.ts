/**
 * Block jobs and backups (tools/virsh-domain.c, tools/virsh-backup.c):
 * blockcommit, blockcopy, blockjob, blockpull, blockresize, backup-begin
 * and backup-dumpxml.
 */
import type { Domain } from '../../api/index.js';
import { escapeXml } from '../../util/xml.js';
import type { TypedParam } from '../../driver/driver.js';
import { TypedParameterType } from '../../api/constants.js';
import { DOMAIN_OPT, parseScaled, strToLong, type CmdDef, type OptDef, type ParsedCommand } from '../command.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll } from '../util.js';
import { exclusive, requires } from './domain.js';

const ULONG_MAX = (1n << 64n) - 1n;

/** virDomainBlockCommitFlags. */
const Commit = { SHALLOW: 1, DELETE: 2, ACTIVE: 4, RELATIVE: 8, BANDWIDTH_BYTES: 16 } as const;
/** virDomainBlockRebaseFlags (blockcopy's old API and blockpull --base). */
const Rebase = {
  SHALLOW: 1, REUSE_EXT: 2, COPY_RAW: 4, COPY: 8, RELATIVE: 16, COPY_DEV: 32, BANDWIDTH_BYTES: 64,
} as const;
/** virDomainBlockCopyFlags. */
const Copy = { SHALLOW: 1, REUSE_EXT: 2, TRANSIENT_JOB: 4, SYNCHRONOUS_WRITES: 8 } as const;
/** VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES. */
const PULL_BANDWIDTH_BYTES = 64;
/** virDomainBlockJobAbortFlags. */
const Abort = { ASYNC: 1, PIVOT: 2 } as const;
/** VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES / VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES. */
const JOB_BYTES = 1;
/** VIR_DOMAIN_BLOCK_RESIZE_BYTES. */
const RESIZE_BYTES = 1;
/** VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL. */
const BACKUP_REUSE_EXTERNAL = 1;

/**
 * virshBlockJobOptionBandwidth: a plain number (negative ones wrap, for
 * history's sake) or a scaled one in bytes, turned to MiB/s unless
 * --bytes. Null after an error; 0 when absent. The raw option value is
 * read, so an empty one is a malformed number here.
 */
function bandwidthOpt(ctl: Shell, cmd: ParsedCommand, bytes: boolean): number | null {
  const opt = cmd.opts.find((o) => o.def.name === 'bandwidth');
  if (!opt) return 0;
  const value = opt.data ?? '';
  const plain = strToLong(value, { signed: false, bits: 64 });
  if (plain !== null) return Number(plain);
  const scaled = parseScaled(value, 1n, ULONG_MAX);
  if (typeof scaled !== 'bigint') {
    if (scaled !== null) ctl.saveError(scaled);
    ctl.error(`Scaled numeric value '${value}' for <--bandwidth> option is malformed or out of range`);
    return null;
  }
  return Number(bytes ? scaled : scaled >> 20n);
}

/** vshCommandOptTimeoutToMs: a positive number of seconds, in ms; 0 when absent, null after an error. */
function timeoutMs(ctl: Shell, cmd: ParsedCommand): number | null {
  const t = cmd.int(ctl, 'timeout');
  if (t === null) return null;
  if (t === undefined) return 0;
  if (t <= 0) {
    ctl.error(`Numeric value '${cmd.opts.find((o) => o.def.name === 'timeout')?.data ?? ''}' for <timeout> option is malformed or out of range`);
    return null;
  }
  return t * 1000;
}

/** Both required-at-least-one-of errors of the waiting options. */
function needsBlocking(ctl: Shell, cmd: ParsedCommand, blocking: boolean, finishName: string): boolean {
  if (blocking) return true;
  for (const o of ['verbose', 'async']) {
    if (cmd.bool(o)) {
      ctl.error(`--${o} requires at least one of --timeout, --wait, --pivot, or --${finishName}`);
      return false;
    }
  }
  return true;
}

/** virshPrintJobProgress: `\r<label>: [ NN %]` on stderr. */
function printProgress(ctl: Shell, label: string, remaining: number, total: number): void {
  let pct = 100;
  if (remaining > 0 && total > 0) pct = Math.min(100, Math.max(0, Math.floor(100 - (remaining * 100) / total)));
  ctl.io.stderr.write(`\r${label}: [${String(pct).padStart(3)} %]`);
}

/**
 * virshBlockJobWait, polling: until the job on `path` is ready (cur = end)
 * or gone, optionally past a timeout that aborts it. Returns the outcome.
 */
async function waitBlockJob(ctl: Shell, dom: Domain, path: string, label: string, verbose: boolean, timeout: number,
  asyncAbort: boolean): Promise<'ready' | 'completed' | 'timeout' | 'failed'> {
  const start = Date.now();
  for (;;) {
    const info = await ctl.attempt(dom.conn.call('domainGetBlockJobInfo', { dom: dom.ref, path, flags: 0 }));
    if (info === FAIL) return 'failed';
    if (!info.found) return 'completed';
    if (verbose) printProgress(ctl, label, info.end - info.cur, info.end);
    if (info.end > 0 && info.cur === info.end) return 'ready';
    if (timeout && Date.now() - start >= timeout) {
      await ctl.attempt(dom.conn.call('domainBlockJobAbort', { dom: dom.ref, path, flags: asyncAbort ? Abort.ASYNC : 0 }));
      return 'timeout';
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function cmdBlockcommit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const verbose = cmd.bool('verbose');
  const pivot = cmd.bool('pivot');
  const finish = cmd.bool('keep-overlay');
  const active = cmd.bool('active') || pivot || finish;
  let blocking = cmd.bool('wait') || pivot || finish;
  const asyncAbort = cmd.bool('async');
  const bytes = cmd.bool('bytes');
  if (!exclusive(ctl, 'pivot', pivot, 'keep-overlay', finish)) return false;
  const path = cmd.string(ctl, 'path');
  if (path == null) return false;
  const base = cmd.string(ctl, 'base');
  if (base === null) return false;
  const top = cmd.string(ctl, 'top');
  if (top === null) return false;
  const bandwidth = bandwidthOpt(ctl, cmd, bytes);
  if (bandwidth === null) return false;
  let flags = 0;
  if (bytes) flags |= Commit.BANDWIDTH_BYTES;
  if (cmd.bool('shallow')) flags |= Commit.SHALLOW;
  if (cmd.bool('delete')) flags |= Commit.DELETE;
  if (active) flags |= Commit.ACTIVE;
  if (cmd.bool('keep-relative')) flags |= Commit.RELATIVE;
  const timeout = timeoutMs(ctl, cmd);
  if (timeout === null) return false;
  if (timeout) blocking = true;
  if (!needsBlocking(ctl, cmd, blocking, 'keep-overlay')) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const call = dom.conn.call('domainBlockCommit',
    { dom: dom.ref, disk: path, base: base ?? null, top: top ?? null, bandwidth, flags });
  if (await ctl.attempt(call) === FAIL) return false;
  if (!blocking) {
    ctl.printExtra(active ? 'Active Block Commit started' : 'Block Commit started');
    return true;
  }
  const end = await waitBlockJob(ctl, dom, path, 'Block commit', verbose, timeout, asyncAbort);
  if (end === 'failed') return false;
  if (end === 'timeout') {
    ctl.error('\nCommit aborted');
    return false;
  }
  if (active && end === 'ready') {
    if (pivot) {
      if (await ctl.attempt(dom.conn.call('domainBlockJobAbort', { dom: dom.ref, path, flags: Abort.PIVOT })) === FAIL) {
        ctl.error('failed to pivot job for disk %s'.replace('%s', path));
        return false;
      }
      ctl.printExtra('\nSuccessfully pivoted');
    } else if (finish) {
      if (await ctl.attempt(dom.conn.call('domainBlockJobAbort', { dom: dom.ref, path, flags: 0 })) === FAIL) {
        ctl.error(`failed to finish job for disk ${path}`);
        return false;
      }
      ctl.printExtra('\nCommit complete, overlay image kept');
    } else {
      ctl.printExtra('\nNow in synchronized phase');
    }
    return true;
  }
  ctl.printExtra('\nCommit complete');
  return true;
}

/** blockcopy's destination as virsh writes it when --xml is not given. */
function copyDestXML(dest: string, format: string | undefined, blockdev: boolean): string {
  let xml = `<disk type='${blockdev ? 'block' : 'file'}'>\n`;
  xml += `  <source ${blockdev ? 'dev' : 'file'}='${escapeXml(dest)}'/>\n`;
  if (format !== undefined) xml += `  <driver type='${escapeXml(format)}'/>\n`;
  return `${xml}</disk>\n`;
}

async function cmdBlockcopy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const verbose = cmd.bool('verbose');
  const pivot = cmd.bool('pivot');
  const finish = cmd.bool('finish');
  const blockdev = cmd.bool('blockdev');
  let blocking = cmd.bool('wait') || finish || pivot;
  const asyncAbort = cmd.bool('async');
  const bytes = cmd.bool('bytes');
  const transientJob = cmd.bool('transient-job');
  const syncWrites = cmd.bool('synchronous-writes');
  const printXML = cmd.bool('print-xml');
  const path = cmd.string(ctl, 'path');
  if (path == null) return false;
  const dest = cmd.string(ctl, 'dest');
  if (dest === null) return false;
  const xmlfile = cmd.string(ctl, 'xml');
  if (xmlfile === null) return false;
  const format = cmd.string(ctl, 'format');
  if (format === null) return false;
  let bandwidth = bandwidthOpt(ctl, cmd, bytes);
  if (bandwidth === null) return false;
  const granularity = cmd.uint(ctl, 'granularity');
  if (granularity === null) return false;
  const bufSize = cmd.ulongLong(ctl, 'buf-size');
  if (bufSize === null) return false;
  // Some VIR_DOMAIN_BLOCK_REBASE_* and VIR_DOMAIN_BLOCK_COPY_* flags share their values.
  let flags = 0;
  if (cmd.bool('shallow')) flags |= Rebase.SHALLOW;
  if (cmd.bool('reuse-external')) flags |= Rebase.REUSE_EXT;
  if (transientJob) flags |= Copy.TRANSIENT_JOB;
  if (syncWrites) flags |= Copy.SYNCHRONOUS_WRITES;
  const timeout = timeoutMs(ctl, cmd);
  if (timeout === null) return false;
  if (timeout) blocking = true;
  if (!exclusive(ctl, 'dest', dest !== undefined, 'xml', xmlfile !== undefined)) return false;
  if (!exclusive(ctl, 'format', format !== undefined, 'xml', xmlfile !== undefined)) return false;
  if (!exclusive(ctl, 'blockdev', blockdev, 'xml', xmlfile !== undefined)) return false;
  if (!exclusive(ctl, 'pivot', pivot, 'finish', finish)) return false;
  if (dest === undefined && xmlfile === undefined) {
    ctl.error('need either --dest or --xml');
    return false;
  }
  if (!needsBlocking(ctl, cmd, blocking, 'finish')) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let xml: string | null = null;
  if (xmlfile !== undefined) {
    xml = readFileAll(ctl, xmlfile);
    if (xml === null) {
      ctl.reportError();
      return false;
    }
  }
  let call: Promise<unknown>;
  if (granularity || bufSize || (format !== undefined && format !== 'raw') || xml !== null || transientJob
    || syncWrites || printXML) {
    // The typed-parameter API.
    const params: TypedParam[] = [];
    if (bandwidth) {
      if (!bytes) {
        // MiB/s to bytes/s must fit an unsigned long long.
        const limit = ULONG_MAX >> 20n;
        if (bandwidth > Number(limit)) {
          ctl.error(`bandwidth must be less than ${limit}`);
          return false;
        }
        bandwidth *= 1 << 20;
      }
      params.push({ field: 'bandwidth', type: TypedParameterType.ULLONG, value: bandwidth });
    }
    if (granularity) params.push({ field: 'granularity', type: TypedParameterType.UINT, value: granularity });
    if (bufSize) params.push({ field: 'buf-size', type: TypedParameterType.ULLONG, value: Number(bufSize) });
    const destxml = xml ?? copyDestXML(dest!, format, blockdev);
    if (printXML) {
      ctl.print(destxml);
      return true;
    }
    call = dom.conn.call('domainBlockCopy', { dom: dom.ref, path, destxml, params, flags });
  } else {
    flags |= Rebase.COPY;
    if (blockdev) flags |= Rebase.COPY_DEV;
    if (format === 'raw') flags |= Rebase.COPY_RAW;
    if (bytes) flags |= Rebase.BANDWIDTH_BYTES;
    call = dom.conn.call('domainBlockRebase', { dom: dom.ref, path, base: dest!, bandwidth, flags });
  }
  if (await ctl.attempt(call) === FAIL) return false;
  if (!blocking) {
    ctl.printExtra('Block Copy started');
    return true;
  }
  const end = await waitBlockJob(ctl, dom, path, 'Block Copy', verbose, timeout, asyncAbort);
  if (end === 'failed') return false;
  if (end !== 'ready') {
    ctl.error(end === 'timeout' ? '\nCopy aborted' : '\nCopy failed');
    return false;
  }
  if (pivot || finish) {
    const f = pivot ? Abort.PIVOT : 0;
    if (await ctl.attempt(dom.conn.call('domainBlockJobAbort', { dom: dom.ref, path, flags: f })) === FAIL) {
      ctl.error(pivot ? `failed to pivot job for disk ${path}` : `failed to finish job for disk ${path}`);
      return false;
    }
    ctl.printExtra(pivot ? '\nSuccessfully pivoted' : '\nSuccessfully copied');
    return true;
  }
  ctl.printExtra('\nNow in mirroring phase');
  return true;
}

/** virDomainBlockJobType names for blockjob --raw, and the human ones. */
const JOB_TYPES = ['unknown', 'pull', 'copy', 'commit', 'active-commit', 'backup'];
const JOB_LABELS = ['Unknown job', 'Block Pull', 'Block Copy', 'Block Commit', 'Active Block Commit', 'Backup'];

async function blockJobInfo(ctl: Shell, dom: Domain, path: string, raw: boolean, bytes: boolean): Promise<boolean> {
  const info = await ctl.attempt(dom.conn.call('domainGetBlockJobInfo', { dom: dom.ref, path, flags: bytes ? JOB_BYTES : 0 }));
  if (info === FAIL) return false;
  if (!info.found) {
    if (!raw) ctl.printExtra(`No current block job for ${path}`);
    return true;
  }
  if (raw) {
    ctl.print(` type=${JOB_TYPES[info.type] ?? info.type}\n bandwidth=${info.bandwidth}\n cur=${info.cur}\n end=${info.end}\n`);
    return true;
  }
  printProgress(ctl, JOB_LABELS[info.type] ?? 'Unknown job', info.end - info.cur, info.end);
  if (info.bandwidth) ctl.print(`    Bandwidth limit: ${info.bandwidth} ${bytes ? 'bytes/s' : 'MiB/s'}`);
  ctl.print('\n');
  return true;
}

async function cmdBlockjob(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const raw = cmd.bool('raw');
  const bytes = cmd.bool('bytes');
  let abortMode = cmd.bool('abort');
  const pivot = cmd.bool('pivot');
  const asyncAbort = cmd.bool('async');
  let info = cmd.bool('info');
  const bandwidth = cmd.bool('bandwidth');
  for (const [group, on] of [['raw', raw], ['info', info]] as const) {
    for (const [o, v] of [['abort', abortMode], ['pivot', pivot], ['async', asyncAbort], ['bandwidth', bandwidth]] as const) {
      if (!exclusive(ctl, group, on, o, v)) return false;
    }
  }
  for (const [o, v] of [['abort', abortMode], ['pivot', pivot], ['async', asyncAbort]] as const) {
    if (!exclusive(ctl, 'bytes', bytes, o, v)) return false;
  }
  if (asyncAbort || pivot) abortMode = true;
  if (raw) info = true;
  if (!info && !abortMode && !bandwidth) info = true;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const path = cmd.string(ctl, 'path');
  if (path == null) return false;
  if (bandwidth) {
    const bw = bandwidthOpt(ctl, cmd, bytes);
    if (bw === null) return false;
    const call = dom.conn.call('domainBlockJobSetSpeed', { dom: dom.ref, path, bandwidth: bw, flags: bytes ? JOB_BYTES : 0 });
    return await ctl.attempt(call) !== FAIL;
  }
  if (abortMode) {
    const flags = (asyncAbort ? Abort.ASYNC : 0) | (pivot ? Abort.PIVOT : 0);
    return await ctl.attempt(dom.conn.call('domainBlockJobAbort', { dom: dom.ref, path, flags })) !== FAIL;
  }
  return blockJobInfo(ctl, dom, path, raw, bytes);
}

async function cmdBlockpull(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const blocking = cmd.bool('wait');
  const verbose = cmd.bool('verbose');
  const asyncAbort = cmd.bool('async');
  const bytes = cmd.bool('bytes');
  if (!requires(ctl, 'verbose', verbose, 'wait', blocking)) return false;
  if (!requires(ctl, 'async', asyncAbort, 'wait', blocking)) return false;
  const path = cmd.string(ctl, 'path');
  if (path == null) return false;
  const base = cmd.string(ctl, 'base');
  if (base === null) return false;
  const bandwidth = bandwidthOpt(ctl, cmd, bytes);
  if (bandwidth === null) return false;
  const timeout = timeoutMs(ctl, cmd);
  if (timeout === null) return false;
  let flags = cmd.bool('keep-relative') ? Rebase.RELATIVE : 0;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let call: Promise<unknown>;
  if (base !== undefined || flags) {
    if (bytes) flags |= Rebase.BANDWIDTH_BYTES;
    call = dom.conn.call('domainBlockRebase', { dom: dom.ref, path, base: base ?? null, bandwidth, flags });
  } else {
    if (bytes) flags |= PULL_BANDWIDTH_BYTES;
    call = dom.conn.call('domainBlockPull', { dom: dom.ref, path, bandwidth, flags });
  }
  if (await ctl.attempt(call) === FAIL) return false;
  if (!blocking) {
    ctl.printExtra('Block Pull started');
    return true;
  }
  const end = await waitBlockJob(ctl, dom, path, 'Block Pull', verbose, timeout, asyncAbort);
  if (end === 'failed') return false;
  if (end === 'timeout') {
    ctl.error('\nPull aborted');
    return false;
  }
  ctl.printExtra('\nPull complete');
  return true;
}

async function cmdBlockresize(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const path = cmd.string(ctl, 'path');
  if (path == null) return false;
  let size = cmd.scaledInt(ctl, 'size', 1024n, ULONG_MAX);
  if (size == null) return false;
  let flags = 0;
  // The older interface in KiB where the size allows it.
  if (size % 1024n === 0n) size /= 1024n;
  else flags |= RESIZE_BYTES;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const call = dom.conn.call('domainBlockResize', { dom: dom.ref, disk: path, size: Number(size), flags });
  if (await ctl.attempt(call) === FAIL) {
    ctl.error(`Failed to resize block device '${path}'`);
    return false;
  }
  ctl.printExtra(`Block device '${path}' is resized`);
  return true;
}

async function cmdBackupBegin(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const flags = cmd.bool('reuse-external') ? BACKUP_REUSE_EXTERNAL : 0;
  const backupFrom = cmd.string(ctl, 'backupxml');
  if (backupFrom === null) return false;
  let backupXML = '<domainbackup/>';
  if (backupFrom !== undefined) {
    const b = readFileAll(ctl, backupFrom);
    if (b === null) return false;
    backupXML = b;
  }
  const checkFrom = cmd.string(ctl, 'checkpointxml');
  if (checkFrom === null) return false;
  let checkXML: string | null = null;
  if (checkFrom !== undefined) {
    checkXML = readFileAll(ctl, checkFrom);
    if (checkXML === null) return false;
  }
  const call = dom.conn.call('domainBackupBegin', { dom: dom.ref, backup_xml: backupXML, checkpoint_xml: checkXML, flags });
  if (await ctl.attempt(call) === FAIL) return false;
  ctl.printExtra('Backup started\n');
  return true;
}

async function cmdBackupDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const got = await ctl.attempt(dom.conn.call('domainBackupGetXMLDesc', { dom: dom.ref, flags: 0 }));
  if (got === FAIL) return false;
  return dumpXML(ctl, got.xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

const PATH_OPT = (help: string): OptDef => ({ name: 'path', type: 'data', help, required: true });
const BANDWIDTH_OPT: OptDef = { name: 'bandwidth', type: 'int', help: 'bandwidth limit in MiB/s' };
const BYTES_OPT: OptDef = { name: 'bytes', type: 'bool', help: 'the bandwidth limit is in bytes/s rather than MiB/s' };
const VERBOSE_OPT: OptDef = { name: 'verbose', type: 'bool', help: 'with --wait, display the progress' };
const KEEP_RELATIVE_OPT: OptDef = {
  name: 'keep-relative', type: 'bool', help: 'keep the backing chain relatively referenced',
};

/** The block job commands of the "Domain Management" group and the "Backup" group. */
export const domainBlockCommands: CmdDef[] = [
  {
    name: 'blockcommit',
    help: 'Start a block commit operation.',
    desc: 'Commit changes from a snapshot down to its backing image.',
    options: [
      DOMAIN_OPT,
      PATH_OPT('fully-qualified path of disk'),
      BANDWIDTH_OPT,
      { name: 'base', type: 'string', help: 'path of base file to commit into (default bottom of chain)' },
      { name: 'shallow', type: 'bool', help: 'use backing file of top as base' },
      { name: 'top', type: 'string', help: 'path of top file to commit from (default top of chain)' },
      { name: 'active', type: 'bool', help: 'trigger two-stage active commit of top file' },
      { name: 'delete', type: 'bool', help: 'delete files that were successfully committed' },
      { name: 'wait', type: 'bool', help: 'wait for job to complete (with --active, wait for job to sync)' },
      VERBOSE_OPT,
      { name: 'timeout', type: 'int', help: 'implies --wait, abort if copy exceeds timeout (in seconds)' },
      { name: 'pivot', type: 'bool', help: 'implies --active --wait, pivot when commit is synced' },
      { name: 'keep-overlay', type: 'bool', help: 'implies --active --wait, quit when commit is synced' },
      { name: 'async', type: 'bool', help: 'with --wait, don\'t wait for cancel to finish' },
      KEEP_RELATIVE_OPT,
      BYTES_OPT,
    ],
    run: cmdBlockcommit,
  },
  {
    name: 'blockcopy',
    help: 'Start a block copy operation.',
    desc: 'Copy a disk backing image chain to dest.',
    options: [
      DOMAIN_OPT,
      PATH_OPT('fully-qualified path of source disk'),
      { name: 'dest', type: 'string', help: 'path of the copy to create' },
      BANDWIDTH_OPT,
      { name: 'shallow', type: 'bool', help: 'make the copy share a backing chain' },
      { name: 'reuse-external', type: 'bool', help: 'reuse existing destination' },
      { name: 'blockdev', type: 'bool', help: 'copy destination is block device instead of regular file' },
      { name: 'wait', type: 'bool', help: 'wait for job to reach mirroring phase' },
      VERBOSE_OPT,
      { name: 'timeout', type: 'int', help: 'implies --wait, abort if copy exceeds timeout (in seconds)' },
      { name: 'pivot', type: 'bool', help: 'implies --wait, pivot when mirroring starts' },
      { name: 'finish', type: 'bool', help: 'implies --wait, quit when mirroring starts' },
      { name: 'async', type: 'bool', help: 'with --wait, don\'t wait for cancel to finish' },
      { name: 'xml', type: 'string', help: 'filename containing XML description of the copy destination' },
      { name: 'format', type: 'string', help: 'format of the destination file' },
      { name: 'granularity', type: 'int', help: 'power-of-two granularity to use during the copy' },
      { name: 'buf-size', type: 'int', help: 'maximum amount of in-flight data during the copy' },
      BYTES_OPT,
      { name: 'transient-job', type: 'bool', help: 'the copy job is not persisted if VM is turned off' },
      {
        name: 'synchronous-writes', type: 'bool',
        help: 'the copy job forces guest writes to be synchronously written to the destination',
      },
      { name: 'print-xml', type: 'bool', help: 'print the XML used to start the copy job instead of starting the job' },
    ],
    run: cmdBlockcopy,
  },
  {
    name: 'blockjob',
    help: 'Manage active block operations',
    desc: 'Query, adjust speed, or cancel active block operations.',
    options: [
      DOMAIN_OPT,
      PATH_OPT('fully-qualified path of disk'),
      { name: 'abort', type: 'bool', help: 'abort the active job on the specified disk' },
      { name: 'async', type: 'bool', help: 'implies --abort; request but don\'t wait for job end' },
      { name: 'pivot', type: 'bool', help: 'implies --abort; conclude and pivot a copy or commit job' },
      { name: 'info', type: 'bool', help: 'get active job information for the specified disk' },
      { name: 'bytes', type: 'bool', help: 'get/set bandwidth in bytes rather than MiB/s' },
      { name: 'raw', type: 'bool', help: 'implies --info; output details rather than human summary' },
      { name: 'bandwidth', type: 'int', help: 'set the bandwidth limit in MiB/s' },
    ],
    run: cmdBlockjob,
  },
  {
    name: 'blockpull',
    help: 'Populate a disk from its backing image.',
    desc: 'Populate a disk from its backing image.',
    options: [
      DOMAIN_OPT,
      PATH_OPT('fully-qualified path of disk'),
      BANDWIDTH_OPT,
      { name: 'base', type: 'string', help: 'path of backing file in chain for a partial pull' },
      { name: 'wait', type: 'bool', help: 'wait for job to finish' },
      VERBOSE_OPT,
      { name: 'timeout', type: 'int', help: 'with --wait, abort if pull exceeds timeout (in seconds)' },
      { name: 'async', type: 'bool', help: 'with --wait, don\'t wait for cancel to finish' },
      KEEP_RELATIVE_OPT,
      BYTES_OPT,
    ],
    run: cmdBlockpull,
  },
  {
    name: 'blockresize',
    help: 'Resize block device of domain.',
    desc: 'Resize block device of domain.',
    options: [
      DOMAIN_OPT,
      PATH_OPT('Fully-qualified path of block device'),
      { name: 'size', type: 'int', help: 'New size of the block device, as scaled integer (default KiB)', required: true },
    ],
    run: cmdBlockresize,
  },
  {
    name: 'backup-begin',
    help: 'Start a disk backup of a live domain',
    desc: 'Use XML to start a full or incremental disk backup of a live domain, optionally creating a checkpoint',
    options: [
      DOMAIN_OPT,
      { name: 'backupxml', type: 'string', help: 'domain backup XML' },
      { name: 'checkpointxml', type: 'string', help: 'domain checkpoint XML' },
      { name: 'reuse-external', type: 'bool', help: 'reuse files provided by caller' },
    ],
    run: cmdBackupBegin,
  },
  {
    name: 'backup-dumpxml',
    help: 'Dump XML for an ongoing domain block backup job',
    desc: 'Backup Dump XML',
    options: [
      DOMAIN_OPT,
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdBackupDumpxml,
  },
];
