/**
 * Hostile arguments, differentially: every argument check libvirtd's remote
 * dispatcher makes before it calls a driver (src/daemon/arg-checks.ts) is
 * sent as a raw CALL to a private stock libvirtd and to tsvirtd, over the
 * unix socket with test:///default open, and both must answer with the same
 * error code, domain and message. Negative counts, counts one past each
 * REMOTE_*_MAX, products that overflow, typed-parameter names past
 * VIR_TYPED_PARAM_FIELD_LENGTH, on read-write and read-only connections
 * (the checks come before the read-only verdict). Lists longer than their
 * XDR bound go as raw bodies: both daemons must refuse to decode them.
 * Afterwards both daemons must still be alive and serving.
 *
 * One libvirtd and one tsvirtd serve the whole file; each keeps one
 * read-write and one read-only connection, reopened if a daemon drops it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  decodeRet, domainRef, encodeArgs, remote, str, type Frame, type Procedure, type RemoteArgs, type RemoteName,
} from '../../src/protocol/index.js';
import { array, struct, toXdr, typedParam, uint } from '../../src/xdr/index.js';
import { startLibvirtd, startTsvirtd, type Daemon } from './harness.js';
import { canUnshare, hasLibvirtd, requireOracles } from './oracle.js';
import { describeReply, errorReply, RawRpcClient, type NextFrame } from './raw-rpc.js';

const DOM = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };
const POOL = { name: 'default-pool', uuid: 'dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566' };
const NET = { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df' };
const PORT = { net: NET, uuid: '00000000-0000-0000-0000-000000000000' };
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
const NO_COOKIE = new Uint8Array(0);

type AnyProc = Procedure<unknown, unknown, unknown, unknown>;

interface Case {
  name: string;
  proc: RemoteName;
  /** Args for the table's encoder, or the raw payload. */
  payload: { args: unknown } | { body: Uint8Array };
  readonly: boolean;
  /** A known difference, with why it is not fixed here (node:test todo). */
  todo?: string;
}

/** A case whose args the REMOTE table encodes (and type-checks). */
function call<N extends RemoteName>(name: string, proc: N, args: RemoteArgs<N>, o: { readonly?: boolean; todo?: string } = {}): Case {
  return { name, proc, payload: { args }, readonly: o.readonly ?? false, ...(o.todo ? { todo: o.todo } : {}) };
}

/** A case whose payload is `body`, for lists past their XDR bound. */
function raw(name: string, proc: RemoteName, body: Uint8Array): Case {
  return { name, proc, payload: { body }, readonly: false };
}

const param = (field: string, type = 1, value: number | string = 1) => ({ field, type, value });

// ------------------------------------------------------------------ the cases

const CASES: Case[] = [];

const LISTS = [
  ['connectListDomains', 'maxids', 16384, {}],
  ['connectListDefinedDomains', 'maxnames', 16384, {}],
  ['connectListNetworks', 'maxnames', 16384, {}],
  ['connectListDefinedNetworks', 'maxnames', 16384, {}],
  ['connectListStoragePools', 'maxnames', 16384, {}],
  ['connectListDefinedStoragePools', 'maxnames', 16384, {}],
  ['storagePoolListVolumes', 'maxnames', 16384, { pool: POOL }],
  ['nodeListDevices', 'maxnames', 65536, { cap: null, flags: 0 }],
  ['nodeDeviceListCaps', 'maxnames', 65536, { name: 'computer' }],
  ['connectListInterfaces', 'maxnames', 16384, {}],
  ['connectListDefinedInterfaces', 'maxnames', 16384, {}],
  ['connectListSecrets', 'maxuuids', 16384, {}],
  ['connectListNWFilters', 'maxnames', 16384, {}],
  ['domainSnapshotListNames', 'maxnames', 16384, { dom: DOM, flags: 0 }],
  ['domainSnapshotListChildrenNames', 'maxnames', 16384, { snap: { name: 'snap', dom: DOM }, flags: 0 }],
  ['nodeGetCellsFreeMemory', 'maxcells', 1024, { startCell: 0 }],
] as const;
for (const [proc, field, max, base] of LISTS) {
  for (const v of [-1, INT_MIN, max + 1, INT_MAX]) {
    CASES.push(call(`${proc} ${field}=${v}`, proc, { ...base, [field]: v } as never));
  }
}
CASES.push(call('connectListDomains maxids=-1 read-only', 'connectListDomains', { maxids: -1 }, { readonly: true }));
CASES.push(call('nodeListDevices maxnames=65537 read-only', 'nodeListDevices', { cap: null, maxnames: 65537, flags: 0 },
  { readonly: true }));

const NPARAMS = [
  ['domainGetSchedulerParameters', 16, { dom: DOM }],
  ['domainGetSchedulerParametersFlags', 16, { dom: DOM, flags: 0 }],
  ['domainGetMemoryParameters', 16, { dom: DOM, flags: 0 }],
  ['domainGetNumaParameters', 16, { dom: DOM, flags: 0 }],
  ['domainGetBlkioParameters', 16, { dom: DOM, flags: 0 }],
  ['domainGetBlockIoTune', 32, { dom: DOM, disk: 'vda', flags: 0 }],
  ['domainGetInterfaceParameters', 16, { dom: DOM, device: 'x', flags: 0 }],
  ['domainBlockStatsFlags', 16, { dom: DOM, path: 'x', flags: 0 }],
  ['nodeGetCPUStats', 16, { cpuNum: 0, flags: 0 }],
  ['nodeGetMemoryStats', 16, { cellNum: 0, flags: 0 }],
  ['nodeGetMemoryParameters', 64, { flags: 0 }],
] as const;
for (const [proc, max, base] of NPARAMS) {
  for (const v of [-1, INT_MIN, max + 1, INT_MAX]) {
    CASES.push(call(`${proc} nparams=${v}`, proc, { ...base, nparams: v } as never));
  }
}
CASES.push(call('domainGetMemoryParameters nparams=17 read-only', 'domainGetMemoryParameters',
  { dom: DOM, nparams: 17, flags: 0 }, { readonly: true }));

for (const [nparams, ncpus] of [[17, 128], [16, 129], [17, 129], [UINT_MAX, 1], [1, UINT_MAX]] as const) {
  CASES.push(call(`domainGetCPUStats nparams=${nparams} ncpus=${ncpus}`, 'domainGetCPUStats',
    { dom: DOM, nparams, start_cpu: -1, ncpus, flags: 0 }));
}

for (const [n, maplen] of [[-1, 1], [1, -1], [-1, -1], [INT_MIN, 0], [16385, 1], [16385, -1], [16384, 513], [2, INT_MAX],
  [16384, INT_MAX]] as const) {
  CASES.push(call(`domainGetVcpus maxinfo=${n} maplen=${maplen}`, 'domainGetVcpus', { dom: DOM, maxinfo: n, maplen }));
  CASES.push(call(`domainGetVcpuPinInfo ncpumaps=${n} maplen=${maplen}`, 'domainGetVcpuPinInfo',
    { dom: DOM, ncpumaps: n, maplen, flags: 0 }));
}
CASES.push(call('domainGetVcpus maxinfo=16384 maplen=513 read-only', 'domainGetVcpus',
  { dom: DOM, maxinfo: 16384, maplen: 513 }, { readonly: true }));
for (const maplen of [-1, INT_MIN]) {
  CASES.push(call(`domainGetEmulatorPinInfo maplen=${maplen}`, 'domainGetEmulatorPinInfo', { dom: DOM, maplen, flags: 0 }));
}

for (const size of [4194305, UINT_MAX]) {
  CASES.push(call(`domainBlockPeek size=${size}`, 'domainBlockPeek', { dom: DOM, path: 'hda', offset: 0, size, flags: 0 }));
  CASES.push(call(`domainMemoryPeek size=${size}`, 'domainMemoryPeek', { dom: DOM, offset: 0, size, flags: 0 }));
}
for (const maxStats of [1025, UINT_MAX]) {
  CASES.push(call(`domainMemoryStats maxStats=${maxStats}`, 'domainMemoryStats', { dom: DOM, maxStats, flags: 0 }));
}
for (const maxerrors of [257, UINT_MAX]) {
  CASES.push(call(`domainGetDiskErrors maxerrors=${maxerrors}`, 'domainGetDiskErrors', { dom: DOM, maxerrors, flags: 0 }));
}
for (const [npages, cellCount] of [[1, 1025], [2, 513], [1024, 2], [1024, UINT_MAX]] as const) {
  CASES.push(call(`nodeGetFreePages pages=${npages} cellCount=${cellCount}`, 'nodeGetFreePages',
    { pages: Array<number>(npages).fill(4), startCell: 0, cellCount, flags: 0 }));
}

// Typed parameters: every procedure that deserializes some from its args.
type Params = ReturnType<typeof param>[];
const TYPED: [RemoteName, (params: Params) => unknown][] = [
  ['domainSetSchedulerParameters', (params) => ({ dom: DOM, params })],
  ['domainSetSchedulerParametersFlags', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainSetMemoryParameters', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainSetBlkioParameters', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainSetBlockIoTune', (params) => ({ dom: DOM, disk: 'vda', params, flags: 0 })],
  ['domainSetNumaParameters', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainSetInterfaceParameters', (params) => ({ dom: DOM, device: 'x', params, flags: 0 })],
  ['nodeSetMemoryParameters', (params) => ({ params, flags: 0 })],
  ['domainBlockCopy', (params) => ({ dom: DOM, path: 'x', destxml: '<disk/>', params, flags: 0 })],
  ['domainSetPerfEvents', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainSetIOThreadParams', (params) => ({ dom: DOM, iothread_id: 1, params, flags: 0 })],
  ['networkPortSetParameters', (params) => ({ port: PORT, params, flags: 0 })],
  ['domainSetLaunchSecurityState', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainSaveParams', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainRestoreParams', (params) => ({ params, flags: 0 })],
  ['connectSetIdentity', (params) => ({ params, flags: 0 })],
  ['domainMigrateBegin3Params', (params) => ({ dom: DOM, params, flags: 0 })],
  ['domainMigratePrepare3Params', (params) => ({ params, cookie_in: NO_COOKIE, flags: 0 })],
  ['domainMigratePrepareTunnel3Params', (params) => ({ params, cookie_in: NO_COOKIE, flags: 0 })],
  ['domainMigratePerform3Params', (params) => ({ dom: DOM, dconnuri: null, params, cookie_in: NO_COOKIE, flags: 0 })],
  ['domainMigrateFinish3Params', (params) => ({ params, cookie_in: NO_COOKIE, flags: 0, cancelled: 0 })],
  ['domainMigrateConfirm3Params', (params) => ({ dom: DOM, params, cookie_in: NO_COOKIE, flags: 0, cancelled: 0 })],
];
for (const [proc, args] of TYPED) {
  CASES.push(call(`${proc} field of 80 bytes`, proc, args([param('f'.repeat(80))]) as never));
  CASES.push(call(`${proc} second field of 100 bytes, read-only`, proc,
    args([param('a'), param('b'.repeat(100), 7, 's')]) as never, { readonly: true }));
}
const sched = (params: Params) => ({ dom: DOM, params, flags: 0 });
CASES.push(call('typed field of 40 × é (80 bytes)', 'domainSetSchedulerParametersFlags', sched([param('é'.repeat(40))])));
CASES.push(call('typed field of 85 bytes before a NUL', 'domainSetSchedulerParametersFlags',
  sched([param(`${'f'.repeat(85)}\0tail`)])));
CASES.push(call('typed field of 4000 bytes', 'domainSetSchedulerParametersFlags', sched([param('f'.repeat(4000))])));

// Past the XDR bound: the limits the dispatcher re-checks can only be reached by a list the decoder refuses.
const typedOver = (n: number) => Array.from({ length: n }, () => param('x'));
CASES.push(raw('domainSetSchedulerParametersFlags 17 params (XDR bound 16)', 'domainSetSchedulerParametersFlags',
  toXdr(struct({ dom: domainRef, params: array(typedParam, 1000), flags: uint }), sched(typedOver(17)))));
CASES.push(raw('connectSetIdentity 21 params (XDR bound 20)', 'connectSetIdentity',
  toXdr(struct({ params: array(typedParam, 1000), flags: uint }), { params: typedOver(21), flags: 0 })));
CASES.push(raw('domainMigrateBegin3Params 65 params (XDR bound 64)', 'domainMigrateBegin3Params',
  toXdr(struct({ dom: domainRef, params: array(typedParam, 1000), flags: uint }),
    { dom: DOM, params: typedOver(65), flags: 0 })));
CASES.push(raw('domainAuthorizedSSHKeysSet 2049 keys (XDR bound 2048)', 'domainAuthorizedSSHKeysSet',
  toXdr(struct({ dom: domainRef, user: str, keys: array(str, 4096), flags: uint }),
    { dom: DOM, user: 'root', keys: Array<string>(2049).fill('k'), flags: 0 })));

// Event IDs: the session answers these procedures itself, after the same checks.
CASES.push(call('connectDomainEventRegisterAny eventID=16', 'connectDomainEventRegisterAny', { eventID: 16 }));
CASES.push(call('connectDomainEventCallbackRegisterAny eventID=-1', 'connectDomainEventCallbackRegisterAny',
  { eventID: -1, dom: null }));
CASES.push(call('connectDomainEventDeregisterAny eventID=99', 'connectDomainEventDeregisterAny', { eventID: 99 }));
CASES.push(call('connectNetworkEventRegisterAny eventID=1', 'connectNetworkEventRegisterAny', { eventID: 1, net: null }));
CASES.push(call('connectStoragePoolEventRegisterAny eventID=2', 'connectStoragePoolEventRegisterAny',
  { eventID: 2, pool: null }));
CASES.push(call('connectNodeDeviceEventRegisterAny eventID=2', 'connectNodeDeviceEventRegisterAny',
  { eventID: 2, dev: null }));
CASES.push(call('connectSecretEventRegisterAny eventID=-1', 'connectSecretEventRegisterAny',
  { eventID: -1, secret: null }));

// ------------------------------------------------------------------ running them

/** One daemon and its open connections (test:///default), reopened when dropped. */
class Target {
  readonly #sessions = new Map<boolean, RawRpcClient>();
  constructor(readonly daemon: Daemon) {}

  async session(readonly: boolean): Promise<RawRpcClient> {
    const s = this.#sessions.get(readonly);
    if (s && !s.isClosed) return s;
    const c = await RawRpcClient.connect(readonly ? this.daemon.roSocket : this.daemon.rwSocket);
    const opened = await c.call(remote.connectOpen, { name: 'test:///default', flags: readonly ? 1 : 0 });
    if (typeof opened === 'string' || errorReply(opened)) {
      c.close();
      throw new Error(`connectOpen failed: ${describeReply(opened)}`);
    }
    this.#sessions.set(readonly, c);
    return c;
  }

  async send(c: Case): Promise<NextFrame> {
    const s = await this.session(c.readonly);
    const p = remote[c.proc] as unknown as AnyProc;
    if ('body' in c.payload) s.sendBody(p, c.payload.body);
    else s.send(p, c.payload.args);
    return s.next(10_000);
  }

  isAlive(): boolean {
    try {
      process.kill(this.daemon.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    for (const s of this.#sessions.values()) s.close();
    this.#sessions.clear();
  }
}

const ORACLES = ['libvirtd', 'unshare'] as const;

describe('hostile arguments: tsvirtd answers as libvirtd does', () => {
  let libvirtd: Target | undefined;
  let tsvirtd: Target | undefined;
  let startError: unknown;

  before(async () => {
    if (!hasLibvirtd() || !canUnshare()) return;
    const started = await Promise.allSettled([startLibvirtd({ tcp: false }), startTsvirtd({ tcp: false })]);
    const [lv, ts] = started;
    if (lv.status === 'fulfilled') libvirtd = new Target(lv.value);
    if (ts.status === 'fulfilled') tsvirtd = new Target(ts.value);
    startError = started.find((r) => r.status === 'rejected')?.reason;
  });

  after(async () => {
    for (const t of [libvirtd, tsvirtd]) {
      t?.close();
      await t?.daemon.stop();
    }
  });

  it('every case encodes', () => {
    for (const { name, proc, payload } of CASES) {
      if ('args' in payload) assert.doesNotThrow(() => encodeArgs(remote[proc] as unknown as AnyProc, payload.args), name);
    }
  });

  for (const c of CASES) {
    it(c.name, c.todo ? { todo: c.todo } : {}, async (t) => {
      if (!requireOracles(t, ...ORACLES)) return;
      if (startError !== undefined || !libvirtd || !tsvirtd) throw startError ?? new Error('a daemon did not start');
      const want = await libvirtd.send(c);
      const got = await tsvirtd.send(c);
      const expected = errorReply(want);
      assert.ok(expected, `libvirtd did not answer with an error: ${describeReply(want)}`);
      assert.deepEqual(errorReply(got), expected,
        `${c.proc}\nlibvirtd: ${describeReply(want)}\ntsvirtd:  ${describeReply(got)}`);
    });
  }

  // The inputs that once ended tsvirtd (an error or reply past REMOTE_STRING_MAX,
  // a device as a host file): each gets libvirtd's answer, which for an error
  // that cannot be encoded is dropping that client.
  const BIG = 4194304;
  const outcome = (f: NextFrame): string => (f === 'closed' ? 'closed' : describeReply(f).slice(0, 300));
  const fresh = async (target: Target, open = true): Promise<RawRpcClient> => {
    const c = await RawRpcClient.connect(target.daemon.rwSocket);
    if (open) {
      const r = await c.call(remote.connectOpen, { name: 'test:///default', flags: 0 });
      assert.equal(errorReply(r), null, describeReply(r));
    }
    return c;
  };
  const ONCE_FATAL: Array<[string, (target: Target) => Promise<string>]> = [
    ['CONNECT_OPEN of a name near the string limit (the error quoting it does not encode)', async (target) => {
      const c = await fresh(target, false);
      try { return outcome(await c.call(remote.connectOpen, { name: 'x'.repeat(BIG - 4), flags: 0 }, 20_000)); } finally { c.close(); }
    }],
    ['DOMAIN_DEFINE_XML whose syntax error quotes a 4 MiB line', async (target) => {
      const c = await fresh(target);
      const xml = `<domain type='test'><name>q</name><description>${'y'.repeat(BIG - 400)}</description></domain`;
      try { return outcome(await c.call(remote.domainDefineXML, { xml }, 20_000)); } finally { c.close(); }
    }],
    ['DOMAIN_GET_XML_DESC of a domain with a 4 MiB description', async (target) => {
      const c = await fresh(target);
      try {
        const xml = `<domain type='test'><name>huge</name><description>${'d'.repeat(BIG - 300)}</description>`
          + '<memory>1024</memory><os><type>hvm</type></os></domain>';
        const d = await c.call(remote.domainDefineXML, { xml }, 20_000);
        assert.equal(errorReply(d), null, describeReply(d));
        const l = await c.call(remote.domainLookupByName, { name: 'huge' });
        assert.ok(typeof l !== 'string' && errorReply(l) === null, describeReply(l));
        const { dom } = decodeRet(remote.domainLookupByName, (l as Frame).body);
        const got = outcome(await c.call(remote.domainGetXMLDesc, { dom, flags: 0 }, 20_000));
        await c.call(remote.domainUndefine, { dom });
        return got;
      } finally { c.close(); }
    }],
    ['CONNECT_OPEN test:///dev/zero', async (target) => {
      const c = await fresh(target, false);
      try { return outcome(await c.call(remote.connectOpen, { name: 'test:///dev/zero', flags: 0 })); } finally { c.close(); }
    }],
  ];
  for (const [name, run] of ONCE_FATAL) {
    it(name, async (t) => {
      if (!requireOracles(t, ...ORACLES)) return;
      if (startError !== undefined || !libvirtd || !tsvirtd) throw startError ?? new Error('a daemon did not start');
      assert.equal(await run(tsvirtd), await run(libvirtd));
    });
  }

  it('both daemons are alive and serving afterwards', async (t) => {
    if (!requireOracles(t, ...ORACLES)) return;
    for (const target of [libvirtd, tsvirtd]) {
      assert.ok(target, 'a daemon did not start');
      assert.ok(target.isAlive(), `${target.daemon.dir}: the daemon has exited`);
      const c = await RawRpcClient.connect(target.daemon.rwSocket);
      try {
        const opened = await c.call(remote.connectOpen, { name: 'test:///default', flags: 0 });
        assert.equal(errorReply(opened), null, describeReply(opened));
        const listed = await c.call(remote.connectListDomains, { maxids: 10 });
        assert.ok(typeof listed !== 'string' && errorReply(listed) === null, describeReply(listed));
      } finally {
        c.close();
      }
    }
  });
});
