import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DomainRef, DriverConnection, DriverEvent } from '../driver.js';
import { isVirtError } from '../../errors.js';
import { AttachedStream, readAllFrom } from '../stream.js';
import { screenshotPNG, testScreenshot } from './domain-screenshot.js';
import { TestHost } from './host.js';
import { DomainEventType as Ev, ListDomainsFlags as LF } from '../../conf/domain-constants.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/test-driver/', import.meta.url));

/** The `<domain>` of libvirt's built-in test:///default host (defaultConnXML in test_driver.c). */
const DEFAULT_DOMAIN = "<domain type='test'>"
  + '  <name>test</name>'
  + '  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>'
  + '  <memory>8388608</memory>'
  + '  <currentMemory>2097152</currentMemory>'
  + '  <vcpu>2</vcpu>'
  + '  <os>'
  + '    <type>hvm</type>'
  + '  </os>'
  + '  <devices>'
  + "    <disk type='file' device='disk'>"
  + "      <source file='/guest/diskimage1'/>"
  + "      <target dev='vda' bus='virtio'/>"
  + "      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>"
  + '    </disk>'
  + "    <interface type='network'>"
  + "      <mac address='aa:bb:cc:dd:ee:ff'/>"
  + "      <source network='default' bridge='virbr0'/>"
  + "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/>"
  + '    </interface>'
  + "    <memballoon model='virtio'>"
  + "      <address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/>"
  + '    </memballoon>'
  + '  </devices>'
  + '</domain>';

interface Env {
  host: TestHost;
  m: Required<Pick<DriverConnection, keyof DriverConnection>>;
  events: Array<{ name: string; id: number; event: number; detail: number }>;
  test: DomainRef;
}

async function env(nodeXml = `<node>${DEFAULT_DOMAIN}</node>`, file = '(test driver)', baseDir = '/'): Promise<Env> {
  const host = TestHost.fromXml(nodeXml, file, baseDir);
  const m = host.methods() as Env['m'];
  const events: Env['events'] = [];
  host.events.subscribe((ev: DriverEvent) => {
    if (ev.kind === 'domain-lifecycle') events.push({ name: ev.dom.name, id: ev.dom.id, event: ev.event, detail: ev.detail });
  });
  let test: DomainRef = { name: '', uuid: '', id: -1 };
  if (nodeXml.includes('<name>test</name>')) test = (await m.domainLookupByName({ name: 'test' })).dom;
  return { host, m, events, test };
}

/** Asserts a libvirt error: code, error domain and exact message. */
async function rejects(p: Promise<unknown>, code: number, domain: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVirtError(e), String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    assert.equal(e.domain, domain);
    return true;
  });
}

const simple = (name: string, extra = '') =>
  `<domain type='test'><name>${name}</name><memory>4096</memory>${extra}<os><type>hvm</type></os></domain>`;

test('the default domain dumps as virsh dumpxml shows it, live and inactive', async () => {
  const { m, test: dom } = await env();
  const live = (await m.domainGetXMLDesc({ dom, flags: 0 })).xml;
  assert.equal(live, readFileSync(FIXTURES + 'default-test.running.xml', 'utf8'));
  const inactive = (await m.domainGetXMLDesc({ dom, flags: 2 })).xml;
  assert.equal(inactive, readFileSync(FIXTURES + 'default-test.inactive.xml', 'utf8'));
  assert.equal((await m.domainGetXMLDesc({ dom, flags: 8 })).xml, live);
  await rejects(m.domainGetXMLDesc({ dom, flags: 4 }), 8, 12, 'unsupported flags (0x4) in function testDomainGetXMLDesc');
});

test('default domain state and info', async () => {
  const { m, test: dom } = await env();
  assert.deepEqual(dom, { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 });
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 1, reason: 0 });
  const info = await m.domainGetInfo({ dom });
  assert.equal(info.state, 1);
  assert.equal(info.maxMem, 8388608);
  assert.equal(info.memory, 2097152);
  assert.equal(info.nrVirtCpu, 2);
  // g_get_real_time() * 1000: nanoseconds of wall-clock time.
  assert.ok(Math.abs(info.cpuTime / 1e6 - Date.now()) < 5000);
  assert.deepEqual(await m.domainGetOSType({ dom }), { type: 'linux' });
  assert.deepEqual(await m.domainGetMaxMemory({ dom }), { memory: 8388608 });
  assert.deepEqual(await m.domainGetMaxVcpus({ dom }), { num: 2 });
  assert.deepEqual(await m.domainGetSchedulerType({ dom }), { type: 'fair', nparams: 1 });
  assert.deepEqual(await m.domainGetSchedulerParameters({ dom, nparams: 1 }),
    { params: [{ field: 'weight', type: 2, value: 50 }] });
  assert.deepEqual(await m.domainGetSecurityLabel({ dom }), { label: 'libvirt-test', enforcing: 1 });
  assert.deepEqual(await m.domainGetAutostart({ dom }), { autostart: 0 });
  assert.deepEqual(await m.domainIsUpdated({ dom }), { updated: 0 });
  assert.deepEqual(await m.domainIsActive({ dom }), { active: 1 });
  assert.deepEqual(await m.domainIsPersistent({ dom }), { persistent: 1 });
  assert.deepEqual(await m.domainHasManagedSaveImage({ dom, flags: 0 }), { result: 0 });
  assert.deepEqual(await m.domainGetMessages({ dom, flags: 0 }), { msgs: [] });
  await rejects(m.domainGetMessages({ dom, flags: 4 }), 8, 12, 'unsupported flags (0x4) in function testDomainGetMessages');
  await rejects(m.domainGetSchedulerParametersFlags({ dom, nparams: 1, flags: 5 }), 8, 12,
    'unsupported flags (0x5) in function testDomainGetSchedulerParametersFlags');
});

test('lookups fail with a bare "Domain not found"; stale references name the UUID', async () => {
  const { m, test: dom } = await env();
  await rejects(m.domainLookupByName({ name: 'nope' }), 42, 12, 'Domain not found');
  await rejects(m.domainLookupByID({ id: 99 }), 42, 12, 'Domain not found');
  await rejects(m.domainLookupByUUID({ uuid: '6695eb01-f6a4-8304-79aa-97f2502e193e' }), 42, 12, 'Domain not found');
  assert.deepEqual((await m.domainLookupByID({ id: 1 })).dom, dom);
  assert.deepEqual((await m.domainLookupByUUID({ uuid: dom.uuid.toUpperCase() })).dom, dom);
  await rejects(m.domainGetInfo({ dom: { ...dom, uuid: '00000000-0000-0000-0000-000000000000' } }), 42, 12,
    "Domain not found: no domain with matching uuid '00000000-0000-0000-0000-000000000000' (test)");
});

test('lifecycle: suspend, resume, shutdown, create, destroy — states, errors and events', async () => {
  const { m, test: dom, events } = await env();
  await rejects(m.domainCreate({ dom }), 1, 12, "internal error: Domain 'test' is already running");
  await rejects(m.domainResume({ dom }), 1, 12, "internal error: domain 'test' not paused");
  await m.domainSuspend({ dom });
  await rejects(m.domainSuspend({ dom }), 1, 12, "internal error: domain 'test' not running");
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 3, reason: 1 });
  await m.domainResume({ dom });
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 1, reason: 5 });
  await m.domainShutdown({ dom });
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 5, reason: 1 });
  await rejects(m.domainShutdown({ dom }), 1, 12, "internal error: domain 'test' not running");
  await rejects(m.domainDestroy({ dom }), 55, 20, 'Requested operation is not valid: domain is not running');
  await rejects(m.domainSuspend({ dom }), 1, 12, "internal error: domain 'test' not running");
  await rejects(m.domainReboot({ dom, flags: 0 }), 55, 20, 'Requested operation is not valid: domain is not running');
  await rejects(m.domainReset({ dom, flags: 0 }), 55, 20, 'Requested operation is not valid: domain is not running');
  assert.deepEqual(await m.domainGetSecurityLabel({ dom }), { label: '', enforcing: 0 });
  const { dom: started } = await m.domainCreateWithFlags({ dom, flags: 0 });
  assert.equal(started.id, 2);
  assert.deepEqual(await m.connectListDomains({ maxids: 10 }), { ids: [2] });
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 1, reason: 1 });
  await m.domainDestroy({ dom });
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 5, reason: 2 });
  await m.domainCreate({ dom });
  assert.equal((await m.domainLookupByName({ name: 'test' })).dom.id, 3);
  await rejects(m.domainShutdownFlags({ dom, flags: 1 }), 8, 12, 'unsupported flags (0x1) in function testDomainShutdownFlags');
  await rejects(m.domainDestroyFlags({ dom, flags: 2 }), 8, 12, 'unsupported flags (0x2) in function testDomainDestroyFlags');
  await m.domainReboot({ dom, flags: 0 });
  await m.domainReset({ dom, flags: 0 });
  assert.deepEqual(events, [
    { name: 'test', id: 1, event: Ev.SUSPENDED, detail: 0 },
    { name: 'test', id: 1, event: Ev.RESUMED, detail: 0 },
    { name: 'test', id: -1, event: Ev.STOPPED, detail: 0 },
    { name: 'test', id: 2, event: Ev.STARTED, detail: 0 },
    { name: 'test', id: -1, event: Ev.STOPPED, detail: 1 },
    { name: 'test', id: 3, event: Ev.STARTED, detail: 0 },
  ]);
});

test('shutdown and reboot follow on_poweroff / on_reboot', async () => {
  const { m, events } = await env(`<node>${simple('r', '')}</node>`.replace('<os>', '<on_poweroff>restart</on_poweroff><os>'));
  const { dom } = await m.domainLookupByName({ name: 'r' });
  await m.domainSuspend({ dom });
  await m.domainShutdown({ dom });
  // restart: back to running (booted), no stop event.
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 1, reason: 1 });
  await m.domainReboot({ dom, flags: 0 });
  assert.deepEqual(await m.domainGetState({ dom, flags: 0 }), { state: 1, reason: 1 });
  assert.deepEqual(events.map((e) => e.event), [Ev.SUSPENDED]);
  const d = await env(`<node>${simple('d', '<on_reboot>destroy</on_reboot>')}</node>`);
  const { dom: dd } = await d.m.domainLookupByName({ name: 'd' });
  await d.m.domainReboot({ dom: dd, flags: 0 });
  assert.deepEqual(await d.m.domainGetState({ dom: dd, flags: 0 }), { state: 5, reason: 1 });
  assert.deepEqual(d.events, [{ name: 'd', id: -1, event: Ev.STOPPED, detail: 0 }]);
});

test('define, redefine and undefine: events, persistence and ids', async () => {
  const { m, events } = await env();
  const { dom } = await m.domainDefineXML({ xml: simple('x') });
  assert.equal(dom.id, -1);
  await m.domainDefineXMLFlags({ xml: simple('x').replace('<name>x</name>', `<name>x</name><uuid>${dom.uuid}</uuid>`), flags: 0 });
  assert.deepEqual(await m.connectNumOfDefinedDomains(), { num: 1 });
  assert.deepEqual(await m.connectListDefinedDomains({ maxnames: 5 }), { names: ['x'] });
  await rejects(m.domainDefineXML({ xml: simple('test') }), 9, 20,
    "operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f");
  await rejects(m.domainDefineXML({ xml: simple('y').replace('<name>y</name>', '<name>y</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>') }),
    9, 20, "operation failed: domain 'test' is already defined with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f");
  await rejects(m.domainDefineXML({ xml: simple('a\nb') }), 35, 5, 'invalid char in name: \n');
  await rejects(m.domainDefineXMLFlags({ xml: simple('z'), flags: 2 }), 8, 12,
    'unsupported flags (0x2) in function testDomainDefineXMLFlags');
  await m.domainCreate({ dom });
  // Defining a running persistent domain replaces its next-boot config.
  await m.domainDefineXML({ xml: simple('x').replace('4096', '8192').replace('<name>x</name>', `<name>x</name><uuid>${dom.uuid}</uuid>`) });
  const running = (await m.domainLookupByName({ name: 'x' })).dom;
  assert.match((await m.domainGetXMLDesc({ dom: running, flags: 0 })).xml, /<memory unit='KiB'>4096</);
  assert.match((await m.domainGetXMLDesc({ dom: running, flags: 2 })).xml, /<memory unit='KiB'>8192</);
  // Undefining a running domain makes it transient; stopping it removes it.
  await m.domainUndefine({ dom: running });
  assert.deepEqual(await m.domainIsPersistent({ dom: running }), { persistent: 0 });
  await m.domainDestroy({ dom: running });
  await rejects(m.domainLookupByName({ name: 'x' }), 42, 12, 'Domain not found');
  assert.deepEqual(events, [
    { name: 'x', id: -1, event: Ev.DEFINED, detail: 0 },
    { name: 'x', id: -1, event: Ev.DEFINED, detail: 1 },
    { name: 'x', id: 2, event: Ev.STARTED, detail: 0 },
    { name: 'x', id: 2, event: Ev.DEFINED, detail: 1 },
    { name: 'x', id: 2, event: Ev.UNDEFINED, detail: 0 },
    { name: 'x', id: -1, event: Ev.STOPPED, detail: 1 },
  ]);
});

test('createXML: transient domains vanish when stopped; it can boot a defined domain', async () => {
  const { m, events } = await env();
  const { dom: t } = await m.domainCreateXML({ xml_desc: simple('t'), flags: 0 });
  assert.equal(t.id, 2);
  assert.deepEqual(await m.domainIsPersistent({ dom: t }), { persistent: 0 });
  await rejects(m.domainSetMemoryFlags({ dom: t, memory: 100, flags: 2 }), 55, 20,
    'Requested operation is not valid: transient domains do not have any persistent config');
  await m.domainSuspend({ dom: t });
  await m.domainShutdown({ dom: t });
  await rejects(m.domainLookupByName({ name: 't' }), 42, 12, 'Domain not found');
  await rejects(m.domainCreateXML({ xml_desc: simple('test'), flags: 0 }), 9, 20,
    "operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f");
  await rejects(m.domainCreateXML({ xml_desc: simple('test').replace('<name>test</name>',
    '<name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>'), flags: 0 }), 55, 20,
  "Requested operation is not valid: domain 'test' is already active");
  // Booting new XML over a defined domain keeps its persistent config.
  const { dom: x } = await m.domainDefineXML({ xml: simple('x') });
  const { dom: x2 } = await m.domainCreateXML({
    xml_desc: simple('x').replace('4096', '8192').replace('<name>x</name>', `<name>x</name><uuid>${x.uuid}</uuid>`), flags: 0,
  });
  assert.equal(x2.id, 3);
  assert.match((await m.domainGetXMLDesc({ dom: x2, flags: 0 })).xml, /<memory unit='KiB'>8192</);
  assert.match((await m.domainGetXMLDesc({ dom: x2, flags: 2 })).xml, /<memory unit='KiB'>4096</);
  await m.domainDestroy({ dom: x2 });
  assert.match((await m.domainGetXMLDesc({ dom: x2, flags: 0 })).xml, /<memory unit='KiB'>4096</);
  assert.deepEqual(events.map((e) => [e.name, e.event, e.detail]), [
    ['t', Ev.STARTED, 0], ['t', Ev.SUSPENDED, 0], ['t', Ev.STOPPED, 0], ['x', Ev.DEFINED, 0], ['x', Ev.STARTED, 0],
    ['x', Ev.STOPPED, 1],
  ]);
});

test('setMemory / setMaxMemory / flags as testDomainSetMemoryFlags', async () => {
  const { m, test: dom } = await env();
  await m.domainSetMemory({ dom, memory: 100 });
  await rejects(m.domainSetMemory({ dom, memory: 100000000 }), 8, 12,
    'invalid argument: cannot set memory higher than max memory');
  await rejects(m.domainSetMaxMemory({ dom, memory: 100000 }), 55, 12,
    'Requested operation is not valid: cannot resize the maximum memory on an active domain');
  await rejects(m.domainSetMemoryFlags({ dom, memory: 100, flags: 3 }), 8, 20,
    "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
  await rejects(m.domainSetMemoryFlags({ dom, memory: 100, flags: 8 }), 8, 12,
    'unsupported flags (0x8) in function testDomainSetMemoryFlags');
  await m.domainSetMemoryFlags({ dom, memory: 200, flags: 2 });
  assert.match((await m.domainGetXMLDesc({ dom, flags: 0 })).xml, /<currentMemory unit='KiB'>100</);
  assert.match((await m.domainGetXMLDesc({ dom, flags: 2 })).xml, /<currentMemory unit='KiB'>200</);
  const { dom: x } = await m.domainDefineXML({ xml: simple('x') });
  await rejects(m.domainSetMemory({ dom: x, memory: 100 }), 55, 20, 'Requested operation is not valid: domain is not running');
  await m.domainSetMaxMemory({ dom: x, memory: 2048 });
  await m.domainSetMemoryFlags({ dom: x, memory: 100, flags: 0 });
  const info = await m.domainGetInfo({ dom: x });
  assert.deepEqual([info.state, info.maxMem, info.memory], [5, 2048, 100]);
  await m.domainSetMaxMemory({ dom: x, memory: 50 });
  assert.equal((await m.domainGetInfo({ dom: x })).memory, 50);
  const { dom: n } = await m.domainDefineXML({
    xml: simple('n', "<cpu><numa><cell id='0' cpus='0' memory='4096' unit='KiB'/></numa></cpu>"),
  });
  await rejects(m.domainSetMaxMemory({ dom: n, memory: 2048 }), 55, 12,
    'Requested operation is not valid: initial memory size of a domain with NUMA nodes cannot be modified with this API');
  const { dom: mx } = await m.domainDefineXML({ xml: simple('mx', "<maxMemory slots='2' unit='KiB'>8192</maxMemory>") });
  await rejects(m.domainSetMaxMemory({ dom: mx, memory: 9000 }), 55, 12,
    'Requested operation is not valid: cannot set initial memory size greater than the maximum memory size');
});

test('setVcpus / getVcpusFlags as testDomainSetVcpusFlags', async () => {
  const { m, test: dom } = await env();
  await m.domainSetVcpus({ dom, nvcpus: 1 });
  await rejects(m.domainSetVcpus({ dom, nvcpus: 40 }), 8, 12,
    'invalid argument: requested cpu amount exceeds maximum supported amount (40 > 32)');
  await rejects(m.domainSetVcpus({ dom, nvcpus: 3 }), 8, 12, 'invalid argument: requested cpu amount exceeds maximum (3 > 2)');
  assert.deepEqual(await m.domainGetVcpusFlags({ dom, flags: 0 }), { num: 1 });
  assert.deepEqual(await m.domainGetVcpusFlags({ dom, flags: 4 }), { num: 2 });
  assert.deepEqual(await m.domainGetVcpusFlags({ dom, flags: 2 }), { num: 2 });
  assert.match((await m.domainGetXMLDesc({ dom, flags: 0 })).xml, /<vcpu placement='static' current='1'>2<\/vcpu>/);
  await rejects(m.domainGetVcpusFlags({ dom, flags: 3 }), 8, 20,
    "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
  const { dom: x } = await m.domainDefineXML({ xml: simple('x', "<vcpu current='1'>3</vcpu>") });
  await rejects(m.domainGetMaxVcpus({ dom: x }), 55, 20, 'Requested operation is not valid: domain is not running');
  await m.domainSetVcpusFlags({ dom: x, nvcpus: 5, flags: 2 | 4 });
  assert.deepEqual([(await m.domainGetVcpusFlags({ dom: x, flags: 2 })).num,
    (await m.domainGetVcpusFlags({ dom: x, flags: 6 })).num], [1, 5]);
  await m.domainSetVcpusFlags({ dom: x, nvcpus: 1, flags: 2 | 4 });
  assert.deepEqual([(await m.domainGetVcpusFlags({ dom: x, flags: 2 })).num,
    (await m.domainGetVcpusFlags({ dom: x, flags: 6 })).num], [1, 1]);
  await rejects(m.domainSetVcpusFlags({ dom: x, nvcpus: 2, flags: 2 }), 8, 12,
    'invalid argument: requested cpu amount exceeds maximum (2 > 1)');
});

test('scheduler parameters are validated like virTypedParamsValidate', async () => {
  const { m, test: dom } = await env();
  await m.domainSetSchedulerParameters({ dom, params: [{ field: 'weight', type: 2, value: 10 }] });
  assert.deepEqual((await m.domainGetSchedulerParameters({ dom, nparams: 1 })).params[0]?.value, 50);
  await rejects(m.domainSetSchedulerParameters({ dom, params: [{ field: 'cap', type: 2, value: 1 }] }), 74, 0,
    "argument unsupported: parameter 'cap' not supported");
  await rejects(m.domainSetSchedulerParameters({ dom, params: [{ field: 'weight', type: 1, value: 1 }] }), 8, 0,
    "invalid argument: invalid type 'int' for parameter 'weight', expected 'uint'");
  await rejects(m.domainSetSchedulerParameters({ dom, params: [{ field: 'weight', type: 2, value: 1 }, { field: 'weight', type: 2, value: 2 }] }),
    8, 0, "invalid argument: parameter 'weight' occurs multiple times");
});

test('connectListAllDomains filters', async () => {
  const { m, test: dom } = await env();
  const { dom: x } = await m.domainDefineXML({ xml: simple('x') });
  await m.domainCreateXML({ xml_desc: simple('t'), flags: 0 });
  const { dom: p } = await m.domainDefineXML({ xml: simple('p') });
  await m.domainCreate({ dom: p });
  await m.domainSuspend({ dom: p });
  await m.domainSetAutostart({ dom: x, autostart: 1 });
  const names = async (flags: number) =>
    (await m.connectListAllDomains({ need_results: 1, flags })).domains.map((d) => d.name).sort();
  assert.deepEqual(await names(0), ['p', 't', 'test', 'x']);
  assert.deepEqual(await names(LF.ACTIVE), ['p', 't', 'test']);
  assert.deepEqual(await names(LF.INACTIVE), ['x']);
  assert.deepEqual(await names(LF.ACTIVE | LF.INACTIVE), ['p', 't', 'test', 'x']);
  assert.deepEqual(await names(LF.TRANSIENT), ['t']);
  assert.deepEqual(await names(LF.PERSISTENT), ['p', 'test', 'x']);
  assert.deepEqual(await names(LF.RUNNING), ['t', 'test']);
  assert.deepEqual(await names(LF.PAUSED), ['p']);
  assert.deepEqual(await names(LF.SHUTOFF), ['x']);
  assert.deepEqual(await names(LF.OTHER), []);
  assert.deepEqual(await names(LF.AUTOSTART), ['x']);
  assert.deepEqual(await names(LF.NO_AUTOSTART), ['p', 't', 'test']);
  assert.deepEqual(await names(LF.MANAGEDSAVE), []);
  assert.deepEqual(await names(LF.NO_MANAGEDSAVE), ['p', 't', 'test', 'x']);
  assert.deepEqual(await names(LF.NO_CHECKPOINT), ['p', 't', 'test', 'x']);
  assert.deepEqual(await names(LF.HAS_CHECKPOINT), []);
  await m.domainSnapshotCreateXML({ dom, xml_desc: '<domainsnapshot/>', flags: 0 });
  assert.deepEqual(await names(LF.HAS_SNAPSHOT), ['test']);
  assert.deepEqual(await names(LF.NO_SNAPSHOT | LF.RUNNING), ['t']);
  assert.deepEqual(await m.connectListAllDomains({ need_results: 0, flags: LF.ACTIVE }), { domains: [], ret: 3 });
  await rejects(m.connectListAllDomains({ need_results: 1, flags: 1 << 16 }), 8, 12,
    'unsupported flags (0x10000) in function testConnectListAllDomains');
  assert.deepEqual(await m.connectNumOfDomains(), { num: 3 });
  assert.deepEqual((await m.connectListDomains({ maxids: 2 })).ids.length, 2);
});

test('undefine refuses managed save and snapshots without the flags', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-dom-'));
  try {
    writeFileSync(join(dir, 'ms.xml'), simple('ms'));
    const nodeXml = `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
      <domain file='ms.xml'/>
      <domain type='test'><name>ms2</name><memory>1024</memory><os><type>hvm</type></os>
        <test:runstate>5</test:runstate><test:hasmanagedsave/></domain>
    </node>`;
    const { m } = await env(nodeXml, join(dir, 'host.xml'), dir);
    const { dom } = await m.domainLookupByName({ name: 'ms2' });
    assert.deepEqual(await m.domainHasManagedSaveImage({ dom, flags: 0 }), { result: 1 });
    assert.deepEqual((await m.connectListAllDomains({ need_results: 1, flags: LF.MANAGEDSAVE })).domains.map((d) => d.name), ['ms2']);
    await rejects(m.domainUndefine({ dom }), 55, 12,
      'Requested operation is not valid: Refusing to undefine while domain managed save image exists');
    await m.domainSnapshotCreateXML({ dom, xml_desc: '<domainsnapshot><name>s</name></domainsnapshot>', flags: 0 });
    await rejects(m.domainUndefineFlags({ dom, flags: 1 }), 55, 12,
      'Requested operation is not valid: cannot delete inactive domain with 1 snapshots');
    await rejects(m.domainUndefineFlags({ dom, flags: 4 }), 8, 12, 'unsupported flags (0x4) in function testDomainUndefineFlags');
    await m.domainUndefineFlags({ dom, flags: 3 });
    await rejects(m.domainLookupByName({ name: 'ms2' }), 42, 12, 'Domain not found');
    // The file-referenced domain was loaded and started.
    assert.equal((await m.domainLookupByName({ name: 'ms' })).dom.id, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('host files: test: namespace runstate/transient, taint messages, snapshots', async () => {
  const nodeXml = `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <domain type='test'><name>paused</name><memory>1024</memory><os><type>hvm</type></os><test:runstate>3</test:runstate></domain>
    <domain type='test'><name>off</name><memory>1024</memory><os><type>hvm</type></os>
      <test:runstate>5</test:runstate>
      <test:domainsnapshot><name>a</name><state>shutoff</state><creationTime>100</creationTime><active>1</active></test:domainsnapshot>
    </domain>
    <domain type='test'><name>tr</name><memory>1024</memory><os><type>hvm</type></os>
      <devices><disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='hdc'/></disk></devices>
      <test:transient/></domain>
  </node>`;
  const { m } = await env(nodeXml);
  const paused = (await m.domainLookupByName({ name: 'paused' })).dom;
  assert.equal(paused.id, 1);
  assert.deepEqual(await m.domainGetState({ dom: paused, flags: 0 }), { state: 3, reason: 0 });
  const off = (await m.domainLookupByName({ name: 'off' })).dom;
  assert.deepEqual(await m.domainGetState({ dom: off, flags: 0 }), { state: 5, reason: 0 });
  assert.equal((await m.domainSnapshotCurrent({ dom: off, flags: 0 })).snap.name, 'a');
  assert.equal((await m.domainSnapshotGetXMLDesc({ snap: { name: 'a', dom: off }, flags: 0 })).xml,
    `<domainsnapshot>\n  <name>a</name>\n  <state>shutoff</state>\n  <creationTime>100</creationTime>\n  <memory snapshot='no'/>\n  <domain>\n    <uuid>${off.uuid}</uuid>\n  </domain>\n</domainsnapshot>\n`);
  const tr = (await m.domainLookupByName({ name: 'tr' })).dom;
  assert.equal(tr.id, 2);
  assert.deepEqual(await m.domainIsPersistent({ dom: tr }), { persistent: 0 });
  assert.deepEqual(await m.domainGetMessages({ dom: tr, flags: 0 }), { msgs: ['tainted: use of host cdrom passthrough'] });
  assert.deepEqual(await m.domainGetMessages({ dom: tr, flags: 1 }), { msgs: [] });
});

test('host files: invalid test: data is refused as libvirt does', () => {
  const ns = "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'";
  const dom = (extra: string) => `<node ${ns}><domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os>${extra}</domain></node>`;
  assert.throws(() => TestHost.fromXml(dom('<test:transient/><test:runstate>5</test:runstate>'), 'f', '/'),
    (e: unknown) => isVirtError(e) && e.message === "XML error: transient domain cannot have runstate 'shutoff'");
  assert.throws(() => TestHost.fromXml(dom('<test:hasmanagedsave/>'), 'f', '/'),
    (e: unknown) => isVirtError(e) && e.message === "XML error: domain with managedsave data can only have runstate 'shutoff'");
  assert.throws(() => TestHost.fromXml(dom('<test:runstate>9</test:runstate>'), 'f', '/'),
    (e: unknown) => isVirtError(e) && e.message === "XML error: runstate '9' out of range'");
  assert.throws(() => TestHost.fromXml("<node><domain file='/nonexistent/tsvirt.xml'/></node>", 'f', '/'),
    (e: unknown) => isVirtError(e) && e.message === "XML error: failed to parse xml document '/nonexistent/tsvirt.xml'");
});

test('screenshot: a PNG of libvirt\'s geometry, no domain lookup', async () => {
  const { m, test: dom } = await env();
  const st = new AttachedStream();
  const shot = await m.domainScreenshot({ dom: { ...dom, uuid: '00000000-0000-0000-0000-000000000000' }, screen: 0, flags: 0 }, st);
  assert.equal(shot.mime, 'image/png');
  const b = Buffer.from(await readAllFrom(st.driver!));
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(b.toString('ascii', 12, 16), 'IHDR');
  assert.deepEqual([b.readUInt32BE(16), b.readUInt32BE(20), b[24], b[25]], [1120, 832, 8, 0]);
  assert.equal(b.toString('ascii', b.length - 8, b.length - 4), 'IEND');
  await rejects(m.domainScreenshot({ dom, screen: 0, flags: 1 }, new AttachedStream()), 8, 12, 'unsupported flags (0x1) in function testDomainScreenshot');
  // Without libvirt's image on the machine, the built-in picture.
  assert.deepEqual(testScreenshot('/nonexistent/test-screenshot.png'), screenshotPNG());
});

test('the built-in test:///default host (DEFAULT_HOST_XML) loads the `test` domain as libvirt does', async () => {
  const { DEFAULT_HOST_XML } = await import('./default-host.js');
  const { m, test: dom } = await env(DEFAULT_HOST_XML);
  assert.deepEqual(dom, { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 });
  assert.equal((await m.domainGetXMLDesc({ dom, flags: 0 })).xml,
    readFileSync(FIXTURES + 'default-test.running.xml', 'utf8'));
  assert.deepEqual(await m.connectListAllDomains({ need_results: 1, flags: 0 }), { domains: [dom], ret: 1 });
});
