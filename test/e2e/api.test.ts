import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CredentialType, DomainEventType, DomainState, ErrorCode, ErrorDomain, open, openAuth, openReadOnly, VirtError,
  type ConnectCredential,
} from '../../src/index.js';

const noConfig = { config: null, env: {} } as const;

test('open test:///default lists the built-in running domain', async () => {
  const conn = await open('test:///default', noConfig);
  const doms = await conn.listAllDomains();
  assert.deepEqual(doms.map((d) => [d.getID(), d.getName()]), [[1, 'test']]);
  assert.equal(doms[0]!.getUUIDString(), '6695eb01-f6a4-8304-79aa-97f2502e193f');
  const { state } = await doms[0]!.getState();
  assert.equal(state, DomainState.RUNNING);
  for (const d of doms) d.free();
  assert.equal(await conn.close(), 0);
});

test('close() returns the references still held by objects', async () => {
  const conn = await open('test:///default', noConfig);
  const dom = await conn.domainLookupByName('test');
  const net = await conn.networkLookupByName('default');
  assert.equal(await conn.close(), 2);
  // The connection stays usable while objects hold it.
  assert.equal(await dom.getOSType(), 'linux'); // testDomainGetOSType always says linux
  dom.free();
  net.free();
  await assert.rejects(conn.getType(), (e: unknown) => e instanceof VirtError && e.code === ErrorCode.INVALID_CONN);
});

test('await using closes the connection', async () => {
  let seen: Awaited<ReturnType<typeof open>> | null = null;
  {
    await using conn = await open('test:///default', noConfig);
    seen = conn;
    assert.equal(await conn.getType(), 'TEST');
  }
  assert.equal(await seen.isAlive(), false);
});

test('test:///default connections in one process share one state', async () => {
  const a = await open('test:///default', noConfig);
  const b = await open('test:///default', noConfig);
  const dom = await a.domainLookupByName('test');
  await dom.suspend();
  const other = await b.domainLookupByName('test');
  assert.equal((await other.getState()).state, DomainState.PAUSED);
  await dom.resume();
  assert.equal((await other.getState()).state, DomainState.RUNNING);
  dom.free();
  other.free();
  await a.close();
  await b.close();
});

test('read-only connections refuse writes with libvirt\'s error', async () => {
  const conn = await openReadOnly('test:///default', noConfig);
  const dom = await conn.domainLookupByName('test');
  await assert.rejects(dom.destroy(), (e: unknown) => {
    assert.ok(e instanceof VirtError);
    assert.equal(e.code, ErrorCode.OPERATION_DENIED);
    assert.equal(e.domain, ErrorDomain.DOMAIN);
    assert.equal(e.message, 'operation forbidden: read only access prevents virDomainDestroy');
    return true;
  });
  await assert.rejects(conn.networkDefineXML('<network/>'), /read only access prevents virNetworkDefineXML/);
  // Looking is fine.
  assert.equal((await dom.getInfo()).nrVirtCpu, 2);
  dom.free();
  await conn.close();
});

test('a missing domain is VIR_ERR_NO_DOMAIN', async () => {
  const conn = await open('test:///default', noConfig);
  await assert.rejects(conn.domainLookupByName('nope'),
    (e: unknown) => e instanceof VirtError && e.code === ErrorCode.NO_DOMAIN);
  await conn.close();
});

test('lifecycle events reach in-process listeners', async () => {
  const conn = await open('test:///default', noConfig);
  const seen: Array<[string, number, number]> = [];
  const id = conn.domainEventRegisterAny(null, 0, (_c, dom, event, detail) => {
    seen.push([dom.getName(), event, detail]);
  });
  const dom = await conn.domainLookupByName('test');
  await dom.suspend();
  await dom.resume();
  conn.domainEventDeregisterAny(id);
  await dom.suspend();
  await dom.resume();
  assert.deepEqual(seen, [['test', DomainEventType.SUSPENDED, 0], ['test', DomainEventType.RESUMED, 0]]);
  dom.free();
  await conn.close();
});

function hostWithAuth(): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-auth-'));
  const file = join(dir, 'host.xml');
  writeFileSync(file, `<node>
  <domain type='test'>
    <name>guarded</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
  </domain>
  <auth>
    <user password='secret'>alice</user>
  </auth>
</node>
`);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('openAuth asks the callback for the credentials a custom host requires', async (t) => {
  const { file, cleanup } = hostWithAuth();
  t.after(cleanup);
  const asked: ConnectCredential[] = [];
  const auth = {
    credtype: [CredentialType.AUTHNAME, CredentialType.PASSPHRASE],
    cb(creds: ConnectCredential[]) {
      for (const c of creds) {
        asked.push({ ...c });
        c.result = c.type === CredentialType.AUTHNAME ? 'alice' : 'secret';
      }
      return 0;
    },
  };
  const conn = await openAuth(`test://${file}`, auth, 0, noConfig);
  assert.deepEqual(asked.map((c) => [c.type, c.prompt, c.challenge]), [
    [CredentialType.AUTHNAME, 'Enter username for localhost', 'localhost'],
    [CredentialType.PASSPHRASE, "Enter alice's password for localhost", 'localhost'],
  ]);
  const names = (await conn.listAllDomains()).map((d) => { d.free(); return d.getName(); });
  assert.deepEqual(names, ['guarded']);
  await conn.close();
});

test('openAuth with a wrong password is libvirt\'s authentication error', async (t) => {
  const { file, cleanup } = hostWithAuth();
  t.after(cleanup);
  const auth = {
    credtype: [CredentialType.AUTHNAME, CredentialType.PASSPHRASE],
    cb(creds: ConnectCredential[]) {
      for (const c of creds) c.result = c.type === CredentialType.AUTHNAME ? 'alice' : 'wrong';
    },
  };
  await assert.rejects(openAuth(`test://${file}`, auth, 0, noConfig), (e: unknown) => {
    assert.ok(e instanceof VirtError);
    assert.equal(e.code, ErrorCode.AUTH_FAILED);
    assert.equal(e.message, 'authentication failed: authentication failed, see test XML for the correct username/password');
    return true;
  });
  await assert.rejects(open(`test://${file}`, noConfig), (e: unknown) => e instanceof VirtError);
});

test('a driver that is not embedded goes to the daemon, as in libvirt (here: no daemon listening)', async () => {
  const sock = '/nonexistent-tsvirt/libvirt-sock';
  await assert.rejects(open(`nosuch:///x?socket=${sock}`, noConfig), (e: unknown) => e instanceof VirtError
    && e.code === ErrorCode.SYSTEM_ERROR && e.domain === 7
    && e.message === `Failed to connect socket to '${sock}': No such file or directory`);
});

test('open(null) uses LIBVIRT_DEFAULT_URI, then uri_default; aliases resolve', async (t) => {
  const { parseClientConfig } = await import('../../src/config/index.js');
  const c1 = await open(null, { config: null, env: { LIBVIRT_DEFAULT_URI: 'test:///default' } });
  assert.equal(await c1.getURI(), 'test:///default');
  await c1.close();

  const cfg = parseClientConfig('uri_default = "test:///default"\nuri_aliases = [ "lab=test:///default" ]\n', '/x/libvirt.conf');
  const c2 = await open('', { config: cfg, env: {} });
  assert.equal(await c2.getType(), 'TEST');
  await c2.close();
  const c3 = await open('lab', { config: cfg, env: {} });
  assert.equal(await c3.getURI(), 'test:///default');
  await c3.close();
  // VIR_CONNECT_NO_ALIASES (2) turns the lookup off: 'lab' is then not a URI at all.
  await assert.rejects(openAuth('lab', null, 2, { config: cfg, env: {} }), (e: unknown) => e instanceof VirtError);
  t.diagnostic('default URI, uri_default and aliases all reached the test driver');
});

test('the missing-slash mistake gets libvirt\'s hint', async () => {
  await assert.rejects(open('qemu://system', noConfig), (e: unknown) =>
    e instanceof VirtError && e.message.includes('maybe you want qemu:///system'));
});
