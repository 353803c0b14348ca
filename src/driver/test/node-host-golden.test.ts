/**
 * Replays test/fixtures/test-host/scenarios.json against the test driver and
 * compares every result and error with expected.json, which generate.py
 * recorded from libvirt 9.0's own test driver (python3-libvirt).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type {
  DriverConnection, InterfaceRef, NetworkRef, NodeDeviceRef, StoragePoolRef, StorageVolRef,
} from '../driver.js';
import type { ParsedURI } from '../../uri/index.js';
import { TestDriver } from './test-driver.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/driver/test → repository root. */
const root = resolve(here, '../../../..');
const fixtures = join(root, 'test/fixtures/test-host');

type Step = [string, ...unknown[]];
interface Scenario { uri: string; steps: Step[] }
type Outcome = ['ok', unknown] | ['error', number, number, string];

const UUID4 = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;

function norm(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(UUID4, 'UUID4');
  if (Array.isArray(v)) return v.map(norm);
  return v;
}

function uri(path: string): ParsedURI {
  return {
    scheme: 'test', server: null, user: null, port: 0, path, query: null, fragment: null,
    params: [], driver: 'test', transport: null,
  };
}

/** Mirrors generate.py's Runner over the driver contract. */
class Runner {
  readonly refs = new Map<string, unknown>();
  constructor(readonly c: Required<DriverConnection>) {}

  async #ref<T>(key: string, lookup: () => Promise<T>): Promise<T> {
    if (!this.refs.has(key)) this.refs.set(key, await lookup());
    return this.refs.get(key) as T;
  }

  net(name: string): Promise<NetworkRef> {
    return this.#ref(`net/${name}`, async () => (await this.c.networkLookupByName({ name })).net);
  }

  pool(name: string): Promise<StoragePoolRef> {
    return this.#ref(`pool/${name}`, async () => (await this.c.storagePoolLookupByName({ name })).pool);
  }

  vol(pool: string, name: string): Promise<StorageVolRef> {
    return this.#ref(`vol/${pool}/${name}`, async () =>
      (await this.c.storageVolLookupByName({ pool: await this.pool(pool), name })).vol);
  }

  iface(name: string): Promise<InterfaceRef> {
    return this.#ref(`iface/${name}`, async () => (await this.c.interfaceLookupByName({ name })).iface);
  }

  dev(name: string): Promise<NodeDeviceRef> {
    return this.#ref(`dev/${name}`, async () => (await this.c.nodeDeviceLookupByName({ name })).dev);
  }

  async run(step: Step): Promise<unknown> {
    const c = this.c;
    const [op, ...a] = step;
    const s = (i: number): string => a[i] as string;
    const n = (i: number): number => a[i] as number;
    switch (op) {
      case 'netDefine': {
        const { net } = await c.networkDefineXML({ xml: s(0) });
        this.refs.set(`net/${net.name}`, net);
        return net.name;
      }
      case 'netCreateXML': {
        const { net } = await c.networkCreateXML({ xml: s(0) });
        this.refs.set(`net/${net.name}`, net);
        return net.name;
      }
      case 'netList': return (await c.connectListAllNetworks({ need_results: 1, flags: n(0) })).nets.map((x) => x.name).sort();
      case 'netByUUID': return (await c.networkLookupByUUID({ uuid: s(0) })).net.name;
      case 'netXML': return (await c.networkGetXMLDesc({ net: await this.net(s(0)), flags: n(1) })).xml;
      case 'netUndefine': await c.networkUndefine({ net: await this.net(s(0)) }); return 0;
      case 'netCreate': await c.networkCreate({ net: await this.net(s(0)) }); return 0;
      case 'netDestroy': await c.networkDestroy({ net: await this.net(s(0)) }); return 0;
      case 'netBridge': return (await c.networkGetBridgeName({ net: await this.net(s(0)) })).name;
      case 'netAutostart': return (await c.networkGetAutostart({ net: await this.net(s(0)) })).autostart;
      case 'netSetAutostart': await c.networkSetAutostart({ net: await this.net(s(0)), autostart: n(1) }); return 0;
      case 'netState': {
        const net = await this.net(s(0));
        return [(await c.networkIsActive({ net })).active, (await c.networkIsPersistent({ net })).persistent];
      }
      case 'poolDefine': {
        const { pool } = await c.storagePoolDefineXML({ xml: s(0), flags: n(1) });
        this.refs.set(`pool/${pool.name}`, pool);
        return pool.name;
      }
      case 'poolCreateXML': {
        const { pool } = await c.storagePoolCreateXML({ xml: s(0), flags: n(1) });
        this.refs.set(`pool/${pool.name}`, pool);
        return pool.name;
      }
      case 'poolList': return (await c.connectListAllStoragePools({ need_results: 1, flags: n(0) })).pools.map((x) => x.name).sort();
      case 'poolByUUID': return (await c.storagePoolLookupByUUID({ uuid: s(0) })).pool.name;
      case 'poolXML': return (await c.storagePoolGetXMLDesc({ pool: await this.pool(s(0)), flags: n(1) })).xml;
      case 'poolInfo': {
        const i = await c.storagePoolGetInfo({ pool: await this.pool(s(0)) });
        return [i.state, i.capacity, i.allocation, i.available];
      }
      case 'poolStart': await c.storagePoolCreate({ pool: await this.pool(s(0)), flags: n(1) }); return 0;
      case 'poolDestroy': await c.storagePoolDestroy({ pool: await this.pool(s(0)) }); return 0;
      case 'poolUndefine': await c.storagePoolUndefine({ pool: await this.pool(s(0)) }); return 0;
      case 'poolBuild': await c.storagePoolBuild({ pool: await this.pool(s(0)), flags: n(1) }); return 0;
      case 'poolDelete': await c.storagePoolDelete({ pool: await this.pool(s(0)), flags: n(1) }); return 0;
      case 'poolRefresh': await c.storagePoolRefresh({ pool: await this.pool(s(0)), flags: n(1) }); return 0;
      case 'poolAutostart': return (await c.storagePoolGetAutostart({ pool: await this.pool(s(0)) })).autostart;
      case 'poolSetAutostart': await c.storagePoolSetAutostart({ pool: await this.pool(s(0)), autostart: n(1) }); return 0;
      case 'poolState': {
        const pool = await this.pool(s(0));
        return [(await c.storagePoolIsActive({ pool })).active, (await c.storagePoolIsPersistent({ pool })).persistent];
      }
      case 'poolNumVols': return (await c.storagePoolNumOfVolumes({ pool: await this.pool(s(0)) })).num;
      case 'volCreate': {
        const { vol } = await c.storageVolCreateXML({ pool: await this.pool(s(0)), xml: s(1), flags: n(2) });
        this.refs.set(`vol/${s(0)}/${vol.name}`, vol);
        return [vol.name, vol.key];
      }
      case 'volList': {
        const r = await c.storagePoolListAllVolumes({ pool: await this.pool(s(0)), need_results: 1, flags: n(1) });
        return r.vols.map((v) => [v.name, v.key]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
      }
      case 'volXML': return (await c.storageVolGetXMLDesc({ vol: await this.vol(s(0), s(1)), flags: n(2) })).xml;
      case 'volInfo': {
        const i = await c.storageVolGetInfo({ vol: await this.vol(s(0), s(1)) });
        return [i.type, i.capacity, i.allocation];
      }
      case 'volPath': return (await c.storageVolGetPath({ vol: await this.vol(s(0), s(1)) })).name;
      case 'volDelete': await c.storageVolDelete({ vol: await this.vol(s(0), s(1)), flags: n(2) }); return 0;
      case 'volPool': return (await c.storagePoolLookupByVolume({ vol: await this.vol(s(0), s(1)) })).pool.name;
      case 'volByKey': {
        const { vol } = await c.storageVolLookupByKey({ key: s(0) });
        return [(await c.storagePoolLookupByVolume({ vol })).pool.name, vol.name];
      }
      case 'volByPath': {
        const { vol } = await c.storageVolLookupByPath({ path: s(0) });
        return [(await c.storagePoolLookupByVolume({ vol })).pool.name, vol.name];
      }
      case 'ifaceList':
        return (await c.connectListAllInterfaces({ need_results: 1, flags: n(0) })).ifaces
          .map((i) => [i.name, i.mac]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
      case 'ifaceXML': return (await c.interfaceGetXMLDesc({ iface: await this.iface(s(0)), flags: n(1) })).xml;
      case 'ifaceByMac': {
        const { iface } = await c.interfaceLookupByMACString({ mac: s(0) });
        return [iface.name, iface.mac];
      }
      case 'ifaceActive': return (await c.interfaceIsActive({ iface: await this.iface(s(0)) })).active;
      case 'devList': return (await c.connectListAllNodeDevices({ need_results: 1, flags: n(0) })).devices.map((d) => d.name).sort();
      case 'devNum': return (await c.nodeNumOfDevices({ cap: a[0] as string | null, flags: n(1) })).num;
      case 'devNames': {
        const cap = a[0] as string | null;
        const num = (await c.nodeNumOfDevices({ cap, flags: 0 })).num;
        return (await c.nodeListDevices({ cap, maxnames: num, flags: 0 })).names.sort();
      }
      case 'devXML': return (await c.nodeDeviceGetXMLDesc({ name: (await this.dev(s(0))).name, flags: n(1) })).xml;
      case 'devParent': return (await c.nodeDeviceGetParent({ name: (await this.dev(s(0))).name })).parentName;
      case 'nodeInfo': {
        const i = await c.nodeGetInfo();
        return [i.model, Math.floor(i.memory / 1024), i.cpus, i.mhz, i.nodes, i.sockets, i.cores, i.threads];
      }
      case 'freeMem': return (await c.nodeGetFreeMemory()).freeMem;
      case 'cells': return (await c.nodeGetCellsFreeMemory({ startCell: n(0), maxcells: n(1) })).cells;
      case 'caps': return (await c.connectGetCapabilities()).capabilities;
      case 'secModel': {
        const m = await c.nodeGetSecurityModel();
        return [m.model, m.doi];
      }
      default: throw new Error(`unknown op ${op}`);
    }
  }
}

function errorOutcome(e: unknown): Outcome {
  const err = e as { code?: number; domain?: number; message?: string };
  if (typeof err.code !== 'number') throw e;
  return ['error', err.code, err.domain ?? -1, norm(err.message) as string];
}

const scenarios = JSON.parse(readFileSync(join(fixtures, 'scenarios.json'), 'utf8')) as Record<string, Scenario>;
// The goldens were recorded in one checkout; paths in them name the fixture
// folder as '@FIXTURES@' so they hold in any clone.
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')
  .replaceAll('@FIXTURES@', fixtures)) as Record<string, Outcome[]>;

for (const [name, sc] of Object.entries(scenarios)) {
  test(`test host matches libvirt 9.0: ${name}`, async () => {
    const driver = new TestDriver();
    const path = sc.uri === 'test:///default' ? '/default' : join(fixtures, sc.uri);
    let conn: DriverConnection;
    try {
      conn = await driver.open(uri(path), { flags: 0 });
    } catch (e) {
      assert.deepEqual([errorOutcome(e)], expected[name]);
      return;
    }
    const runner = new Runner(conn as Required<DriverConnection>);
    const got: Outcome[] = [];
    for (const step of sc.steps) {
      try {
        got.push(['ok', norm(await runner.run(step))]);
      } catch (e) {
        got.push(errorOutcome(e));
      }
    }
    await conn.connectClose();
    const want = expected[name]!;
    for (let i = 0; i < want.length; i++) {
      assert.deepEqual(got[i], want[i], `${name} step ${i}: ${JSON.stringify(sc.steps[i]).slice(0, 300)}`);
    }
    assert.equal(got.length, want.length);
  });
}
