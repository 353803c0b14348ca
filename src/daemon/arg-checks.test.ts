import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, ErrorDomain } from '../errors.js';
import { remote } from '../protocol/index.js';
import { CHECKED_PROCEDURES, checkCallArgs } from './arg-checks.js';

const DOM = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };
const RPC = [ErrorCode.RPC, ErrorDomain.RPC] as const;
const INTERNAL = [ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC] as const;
const TP_INTERNAL = [ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE] as const;
const UINT_MAX = 4294967295;
const INT_MIN = -2147483648;

type Want = readonly [code: number, domain: number, message: string] | null;
const rpc = (m: string): Want => [...RPC, m];
const internal = (m: string): Want => [...INTERNAL, `internal error: ${m}`];
const tooBig = (field: string): Want => [...TP_INTERNAL, `internal error: parameter ${field} too big for destination`];
const param = (field: string) => ({ field, type: 1, value: 1 });

function expect(name: string, args: unknown, want: Want): void {
  const got = checkCallArgs(name, args);
  if (want === null) {
    assert.equal(got, null, `${name} ${JSON.stringify(args)}: expected no error, got ${got?.message}`);
    return;
  }
  assert.ok(got, `${name} ${JSON.stringify(args)}: expected '${want[2]}'`);
  assert.deepEqual([got.code, got.domain, got.message], [...want]);
}

describe('checkCallArgs', () => {
  it('keys its table by REMOTE procedure names', () => {
    for (const n of CHECKED_PROCEDURES) assert.ok(n in remote, `${n} is not a REMOTE procedure`);
  });

  it('lets unchecked procedures, foreign names and non-object args through', () => {
    expect('connectGetType', {}, null);
    expect('constructor', { maxids: -1 }, null);
    expect('toString', {}, null);
    expect('connectListDomains', null, null);
    expect('connectListDomains', 7, null);
    expect('connectListDomains', {}, null);
  });

  it('bounds the generated list stubs: negative first, then the list limit (VIR_ERR_RPC)', () => {
    const lists: [string, string, string, number][] = [
      ['connectListDomains', 'maxids', 'DOMAIN_LIST_MAX', 16384],
      ['connectListDefinedDomains', 'maxnames', 'DOMAIN_LIST_MAX', 16384],
      ['connectListNetworks', 'maxnames', 'NETWORK_LIST_MAX', 16384],
      ['connectListDefinedNetworks', 'maxnames', 'NETWORK_LIST_MAX', 16384],
      ['connectListStoragePools', 'maxnames', 'STORAGE_POOL_LIST_MAX', 16384],
      ['connectListDefinedStoragePools', 'maxnames', 'STORAGE_POOL_LIST_MAX', 16384],
      ['storagePoolListVolumes', 'maxnames', 'STORAGE_VOL_LIST_MAX', 16384],
      ['nodeListDevices', 'maxnames', 'NODE_DEVICE_LIST_MAX', 65536],
      ['nodeDeviceListCaps', 'maxnames', 'NODE_DEVICE_CAPS_LIST_MAX', 65536],
      ['connectListInterfaces', 'maxnames', 'INTERFACE_LIST_MAX', 16384],
      ['connectListDefinedInterfaces', 'maxnames', 'INTERFACE_LIST_MAX', 16384],
      ['connectListSecrets', 'maxuuids', 'SECRET_LIST_MAX', 16384],
      ['connectListNWFilters', 'maxnames', 'NWFILTER_LIST_MAX', 16384],
      ['domainSnapshotListNames', 'maxnames', 'DOMAIN_SNAPSHOT_LIST_MAX', 16384],
      ['domainSnapshotListChildrenNames', 'maxnames', 'DOMAIN_SNAPSHOT_LIST_MAX', 16384],
      ['nodeGetCellsFreeMemory', 'maxcells', 'NODE_MAX_CELLS', 1024],
    ];
    for (const [name, field, limit, max] of lists) {
      expect(name, { [field]: -1 }, rpc(`${field} must be non-negative`));
      expect(name, { [field]: INT_MIN }, rpc(`${field} must be non-negative`));
      expect(name, { [field]: max + 1 }, rpc(`${field} > REMOTE_${limit}`));
      expect(name, { [field]: max }, null);
      expect(name, { [field]: 0 }, null);
    }
  });

  it('bounds nparams of the typed-parameter getters (internal errors)', () => {
    const getters: [string, number][] = [
      ['domainGetSchedulerParameters', 16], ['domainGetSchedulerParametersFlags', 16], ['domainGetMemoryParameters', 16],
      ['domainGetNumaParameters', 16], ['domainGetBlkioParameters', 16], ['domainGetBlockIoTune', 32],
      ['domainGetInterfaceParameters', 16], ['domainBlockStatsFlags', 16], ['nodeGetCPUStats', 16],
      ['nodeGetMemoryStats', 16], ['nodeGetMemoryParameters', 64],
    ];
    for (const [name, max] of getters) {
      expect(name, { dom: DOM, nparams: -1, flags: 0 }, internal('nparams must be non-negative'));
      expect(name, { dom: DOM, nparams: max + 1, flags: 0 }, internal('nparams too large'));
      expect(name, { dom: DOM, nparams: max, flags: 0 }, null);
    }
    // The getters that take nparams but never look at it.
    expect('nodeGetSEVInfo', { nparams: -1, flags: 0 }, null);
    expect('networkPortGetParameters', { nparams: 1000, flags: 0 }, null);
  });

  it('checks DOMAIN_GET_CPU_STATS nparams against the node limit before ncpus', () => {
    const stats = (nparams: number, ncpus: number) => ({ dom: DOM, nparams, start_cpu: 0, ncpus, flags: 0 });
    expect('domainGetCPUStats', stats(16, 128), null);
    expect('domainGetCPUStats', stats(17, 128), internal('nparams too large'));
    expect('domainGetCPUStats', stats(16, 129), internal('ncpus too large'));
    expect('domainGetCPUStats', stats(17, 129), internal('nparams too large'));
    expect('domainGetCPUStats', stats(UINT_MAX, 1), internal('nparams too large'));
    expect('domainGetCPUStats', stats(1, UINT_MAX), internal('ncpus too large'));
  });

  it('checks the cpumap buffers in libvirt order, quirks included', () => {
    const vcpus = (maxinfo: number, maplen: number) => ({ dom: DOM, maxinfo, maplen });
    const pins = (ncpumaps: number, maplen: number) => ({ dom: DOM, ncpumaps, maplen, flags: 0 });
    expect('domainGetVcpus', vcpus(-1, 1), internal('maxinfo must be non-negative'));
    expect('domainGetVcpus', vcpus(1, -1), internal('maxinfo must be non-negative'));
    expect('domainGetVcpus', vcpus(16385, -1), internal('maxinfo must be non-negative'));
    expect('domainGetVcpus', vcpus(16385, 1), internal('maxinfo > REMOTE_VCPUINFO_MAX'));
    expect('domainGetVcpus', vcpus(16384, 513), internal('maxinfo * maplen > REMOTE_CPUMAPS_MAX'));
    expect('domainGetVcpus', vcpus(2, 2147483647), internal('maxinfo * maplen > REMOTE_CPUMAPS_MAX'));
    expect('domainGetVcpus', vcpus(16384, 512), null);
    expect('domainGetVcpus', vcpus(0, 0), null);
    expect('domainGetVcpuPinInfo', pins(-1, -1), internal('ncpumaps must be non-negative'));
    expect('domainGetVcpuPinInfo', pins(16385, -1), internal('maplen must be non-negative'));
    expect('domainGetVcpuPinInfo', pins(16385, 1), internal('ncpumaps > REMOTE_VCPUINFO_MAX'));
    expect('domainGetVcpuPinInfo', pins(16384, 513), internal('maxinfo * maplen > REMOTE_CPUMAPS_MAX'));
    expect('domainGetVcpuPinInfo', pins(16384, 512), null);
    expect('domainGetEmulatorPinInfo', { dom: DOM, maplen: -1, flags: 0 }, internal('maplen must be non-negative'));
    expect('domainGetEmulatorPinInfo', { dom: DOM, maplen: 2147483647, flags: 0 }, null);
  });

  it('bounds the peek, memory-stats and disk-error buffers', () => {
    expect('domainBlockPeek', { dom: DOM, path: 'x', offset: 0, size: 4194305, flags: 0 },
      internal('size > maximum buffer size'));
    expect('domainBlockPeek', { dom: DOM, path: 'x', offset: 0, size: 4194304, flags: 0 }, null);
    expect('domainMemoryPeek', { dom: DOM, offset: 0, size: UINT_MAX, flags: 0 }, internal('size > maximum buffer size'));
    expect('domainMemoryPeek', { dom: DOM, offset: 0, size: 4194304, flags: 0 }, null);
    expect('domainMemoryStats', { dom: DOM, maxStats: 1025, flags: 0 },
      internal('maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX'));
    expect('domainMemoryStats', { dom: DOM, maxStats: 1024, flags: 0 }, null);
    expect('domainGetDiskErrors', { dom: DOM, maxerrors: 257, flags: 0 }, internal('maxerrors too large'));
    expect('domainGetDiskErrors', { dom: DOM, maxerrors: 256, flags: 0 }, null);
  });

  it('bounds NODE_GET_FREE_PAGES by the exact product, which C lets wrap', () => {
    const pages = (n: number, cellCount: number) => ({ pages: Array<number>(n).fill(4), startCell: 0, cellCount, flags: 0 });
    const wontFit = internal("the result won't fit into REMOTE_NODE_MAX_CELLS");
    expect('nodeGetFreePages', pages(1, 1025), wontFit);
    expect('nodeGetFreePages', pages(2, 513), wontFit);
    expect('nodeGetFreePages', pages(1024, 1), null);
    expect('nodeGetFreePages', pages(2, 512), null);
    expect('nodeGetFreePages', pages(2, 2147483648), wontFit); // wraps to 0 in C, then overruns
    expect('nodeGetFreePages', pages(1024, UINT_MAX), wontFit);
  });

  it('deserializes typed parameters as virTypedParamsDeserialize does', () => {
    const sched = (...fields: string[]) => ({ dom: DOM, params: fields.map(param), flags: 0 });
    expect('domainSetSchedulerParametersFlags', sched('f'.repeat(79)), null);
    expect('domainSetSchedulerParametersFlags', sched('f'.repeat(80)), tooBig('f'.repeat(80)));
    expect('domainSetSchedulerParametersFlags', sched('a', 'b'.repeat(99), 'c'.repeat(90)), tooBig('b'.repeat(99)));
    // Bytes count, not characters: 40 × 'é' is 80 bytes of UTF-8.
    expect('domainSetSchedulerParametersFlags', sched('é'.repeat(40)), tooBig('é'.repeat(40)));
    expect('domainSetSchedulerParametersFlags', sched(`${'é'.repeat(39)}a`), null);
    // C sees the name up to its first NUL, and prints no further.
    expect('domainSetSchedulerParametersFlags', sched(`ab\0${'x'.repeat(100)}`), null);
    expect('domainSetSchedulerParametersFlags', sched(`${'f'.repeat(85)}\0x`), tooBig('f'.repeat(85)));
    // Too many for the limit comes first (unreachable on the wire: the XDR bound is the same).
    const many = { dom: DOM, params: Array.from({ length: 17 }, () => param('f'.repeat(90))), flags: 0 };
    expect('domainSetSchedulerParametersFlags', many,
      [ErrorCode.RPC, ErrorDomain.NONE, "too many parameters '17' for limit '16'"]);
    expect('connectSetIdentity', { params: Array.from({ length: 21 }, () => param('x')), flags: 0 },
      [ErrorCode.RPC, ErrorDomain.NONE, "too many parameters '21' for limit '20'"]);
    for (const name of ['domainSetMemoryParameters', 'domainSetBlkioParameters', 'domainSetBlockIoTune',
      'domainSetNumaParameters', 'domainSetInterfaceParameters', 'nodeSetMemoryParameters', 'domainBlockCopy',
      'domainSetPerfEvents', 'domainSetIOThreadParams', 'networkPortSetParameters', 'domainSetLaunchSecurityState',
      'domainSaveParams', 'domainRestoreParams', 'connectSetIdentity', 'domainSetSchedulerParameters']) {
      expect(name, { params: [param('k'.repeat(80))] }, tooBig('k'.repeat(80)));
      expect(name, { params: [param('k'.repeat(79))] }, null);
    }
  });

  it('counts migration parameters before deserializing them without a limit', () => {
    for (const name of ['domainMigrateBegin3Params', 'domainMigratePrepare3Params', 'domainMigratePrepareTunnel3Params',
      'domainMigratePerform3Params', 'domainMigrateFinish3Params', 'domainMigrateConfirm3Params']) {
      expect(name, { params: Array.from({ length: 65 }, () => param('f'.repeat(90))) },
        rpc("Too many migration parameters '65' for limit '64'"));
      expect(name, { params: Array.from({ length: 64 }, () => param('x')) }, null);
      expect(name, { params: [param('x'), param('f'.repeat(80))] }, tooBig('f'.repeat(80)));
    }
  });

  it('keeps 9.0 text for too many authorized SSH keys', () => {
    expect('domainAuthorizedSSHKeysSet', { dom: DOM, user: 'root', keys: Array<string>(2049).fill('k'), flags: 0 },
      internal('Number of keys 2049, which exceeds max liit: 2048'));
    expect('domainAuthorizedSSHKeysSet', { dom: DOM, user: 'root', keys: Array<string>(2048).fill('k'), flags: 0 }, null);
  });

  it('rejects event IDs outside each family', () => {
    expect('connectDomainEventRegisterAny', { eventID: 16 }, internal('unsupported event ID 16'));
    expect('connectDomainEventRegisterAny', { eventID: 15 }, null);
    expect('connectDomainEventDeregisterAny', { eventID: -1 }, internal('unsupported event ID -1'));
    expect('connectDomainEventCallbackRegisterAny', { eventID: 27, dom: null }, internal('unsupported event ID 27'));
    expect('connectDomainEventCallbackRegisterAny', { eventID: 26, dom: null }, null);
    expect('connectNetworkEventRegisterAny', { eventID: 1, net: null }, internal('unsupported network event ID 1'));
    expect('connectStoragePoolEventRegisterAny', { eventID: 2, pool: null },
      internal('unsupported storage pool event ID 2'));
    expect('connectNodeDeviceEventRegisterAny', { eventID: -3, dev: null },
      internal('unsupported node device event ID -3'));
    expect('connectSecretEventRegisterAny', { eventID: 9, secret: null }, internal('unsupported secret event ID 9'));
    expect('connectSecretEventRegisterAny', { eventID: 1, secret: null }, null);
  });
});
