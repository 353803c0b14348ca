import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DriverConnection, DriverEvent } from '../driver.js';
import { testUri } from './node-test-util.js';
import { TestDriver } from './test-driver.js';

type Conn = Required<DriverConnection>;

async function open(drv: TestDriver): Promise<Conn> {
  return await drv.open(testUri('/default'), { flags: 0 }) as Conn;
}

test('test:///default resets when its last connection closes, and only then', async () => {
  const drv = new TestDriver();
  const a = await open(drv);
  const { dom } = await a.domainLookupByName({ name: 'test' });
  await a.domainDestroy({ dom });
  assert.equal((await a.connectNumOfDomains()).num, 0);

  const b = await open(drv); // shares a's host
  assert.equal((await b.connectNumOfDomains()).num, 0);
  await a.connectClose();
  await a.connectClose(); // idempotent: must not release b's hold
  assert.equal((await b.connectNumOfDomains()).num, 0);
  const c = await open(drv); // still b's host
  assert.equal((await c.connectNumOfDomains()).num, 0);
  await c.connectClose();
  await b.connectClose();

  // Rebuilt from the (shared, parsed-once) definition: the domain runs again.
  for (let i = 0; i < 2; i++) {
    const c = await open(drv);
    assert.equal((await c.connectNumOfDomains()).num, 1);
    const { dom: d } = await c.domainLookupByName({ name: 'test' });
    await c.domainDestroy({ dom: d });
    await c.connectClose();
  }
});

test('connections share their methods but close and subscribe on their own', async () => {
  const drv = new TestDriver();
  const a = await open(drv);
  const b = await open(drv);
  assert.equal(a.domainLookupByName, b.domainLookupByName);
  assert.notEqual(a.connectClose, b.connectClose);
  for (const name of ['connectGetType', 'connectNumOfDomains', 'nodeGetInfo', 'subscribeEvents', 'connectClose']) {
    assert.equal(typeof (a as unknown as Record<string, unknown>)[name], 'function', name);
  }
  assert.deepEqual(await a.connectGetType.apply(a, []), { type: 'TEST' });

  const seenA: DriverEvent[] = [];
  const seenB: DriverEvent[] = [];
  const offA = a.subscribeEvents((ev) => seenA.push(ev));
  b.subscribeEvents((ev) => seenB.push(ev));
  offA();
  const { dom } = await b.domainLookupByName({ name: 'test' });
  await b.domainDestroy({ dom });
  assert.equal(seenA.length, 0);
  assert.equal(seenB.length, 1);
  await a.connectClose();
  await b.connectClose();
});

test('separate drivers do not share a default host (nor its methods)', async () => {
  const drv = new TestDriver();
  const a = await open(drv);
  const b = await new TestDriver().open(testUri('/default'), { flags: 0 }) as Conn;
  assert.notEqual(a.domainLookupByName, b.domainLookupByName);
  await a.connectClose();
  await b.connectClose();
});

test('a default host nobody changed is reused; one that saw a write call is not', async () => {
  const drv = new TestDriver();
  const a = await open(drv);
  const { dom } = await a.domainLookupByName({ name: 'test' });
  await a.domainGetInfo({ dom });
  await a.connectListAllDomains({ need_results: 1, flags: 0 });
  await a.connectClose();
  const b = await open(drv);
  // Same host, hence the same shared methods object: nothing was rebuilt.
  assert.equal(Object.getPrototypeOf(b), Object.getPrototypeOf(a));
  // A failed write call still counts: the host may have been half changed.
  await assert.rejects(b.domainSetMemory({ dom, memory: 1e12 }));
  await b.connectClose();
  const c = await open(drv);
  assert.notEqual(Object.getPrototypeOf(c), Object.getPrototypeOf(b));
  await c.domainSuspend({ dom });
  await c.connectClose();
  const d = await open(drv);
  assert.equal((await d.domainGetState({ dom, flags: 0 })).state, 1, 'a fresh host: test is running again');
  await d.connectClose();
});
