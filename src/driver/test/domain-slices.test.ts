/**
 * tsvirtd runs every driver call on one event loop, so the device-heavy
 * work of a definition (parse, format, copy) runs as generators, a slice
 * at a time. The sliced paths must give exactly what the sync ones give
 * (results and errors), and a define, create, start and dumpxml of a
 * 4 MiB many-device document must leave the event loop turning: the
 * largest gap between two 5 ms timers is compared with the call's own
 * time (a ratio, never an absolute bound).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from '../../index.js';
import { parseXml } from '../../util/xml.js';
import {
  copyDevicesSteps, copyDomainDef, formatDomainDef, formatDomainDefSteps, parseDomainElement,
  parseDomainElementSteps, parseDomainXml, parseDomainXmlAsync, type DomainDef,
} from '../../conf/domain-def.js';
import { runStepsAsync } from '../../conf/domain-xml.js';
import { testXMLOption } from './domain-conf.js';

/** Distinct MAC addresses and disk names (sdaaa, sdaab, …) from a number. */
const macOf = (i: number) => `52:54:00:${[16, 8, 0].map((b) => ((i >> b) & 255).toString(16).padStart(2, '0')).join(':')}`;
const letters = (i: number) => [676, 26, 1].map((d) => String.fromCharCode(97 + (Math.floor(i / d) % 26))).join('');

/** Device generators without random defaults (MACs given, a uuid in the document). */
const GENS: Array<(i: number) => string> = [
  (i) => `<disk type='file'><source file='/x${i}'/><target dev='sd${letters(i)}' bus='${['scsi', 'sata', 'ide', 'virtio'][i % 4]}'/></disk>`,
  (i) => `<controller type='${['scsi', 'usb', 'pci'][i % 3]}'${i % 2 ? ` index='${(i * 7919) % 1000}'` : ''}/>`,
  (i) => `<interface type='network'><mac address='${macOf(i)}'/><source network='default'/><target dev='tap${i}'/></interface>`,
  () => `<serial type='pty'/>`,
  (i) => `<console type='pty'>${i % 2 ? "<target type='virtio'/>" : ''}</console>`,
  (i) => `<channel type='unix'><target type='virtio' name='c${i}'/><address type='virtio-serial' controller='${i % 5}' bus='0' port='${(i % 30) + 1}'/></channel>`,
  (i) => `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='${(i >> 8) & 255}' slot='${(i >> 3) & 31}' function='${i & 7}'/></source></hostdev>`,
  (i) => `<smartcard mode='passthrough' type='spicevmc'>${i % 2 ? `<address type='ccid' controller='${i % 4}' slot='0'/>` : ''}</smartcard>`,
  (i) => `<graphics type='vnc' port='${5900 + i}' listen='127.0.0.1' passwd='x'/>`,
  () => `<video><model type='qxl'/></video>`,
  (i) => `<input type='${['mouse', 'keyboard', 'tablet'][i % 3]}'/>`,
  () => `<memballoon model='virtio'/>`,
];

function domainXml(name: string, devices: string, extra = ''): string {
  return `<domain type='test'><name>${name}</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>`
    + "<metadata><m:a xmlns:m='urn:m'><m:b x='1'>t</m:b></m:a></metadata>"
    + `<memory>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os>${extra}<devices>${devices}</devices></domain>`;
}

function manyDevices(n: number, gens = GENS): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(gens[i % gens.length]!(Math.floor(i / gens.length)));
  return out.join('');
}

const DOCS: Record<string, string> = {
  'no devices': domainXml('d0', ''),
  'every kind, interleaved': domainXml('d1', manyDevices(600), "<cputune><shares>2</shares></cputune><clock offset='localtime'/>"),
  'serials and a console': domainXml('d2', `<console type='pty'/>${manyDevices(500, [() => "<serial type='pty'/>"])}`),
  'scsi disks with implied controllers': domainXml('d3', manyDevices(300, [GENS[0]!])),
};

/** Every pause taken: a slice of 0 ms (the counter still spaces the clock checks). */
const EVERY = 0;

/** The error (code and message) `f` throws, or its result. */
async function outcome<T>(f: () => T | Promise<T>): Promise<T | { code: unknown; message: string }> {
  try {
    return await f();
  } catch (e) {
    return { code: (e as { code?: unknown }).code, message: (e as Error).message };
  }
}

const formats = (def: DomainDef): string[] => [
  formatDomainDef(def, testXMLOption, { inactive: true, secure: false }),
  formatDomainDef(def, testXMLOption, { inactive: false, secure: true }),
];

test('the sliced parse, format and copy give byte-identical results', async () => {
  for (const [name, xml] of Object.entries(DOCS)) {
    const sync = parseDomainXml(xml, testXMLOption);
    const root = parseXml(xml);
    const sliced = await runStepsAsync((s) => parseDomainElementSteps(root, testXMLOption, {}, s), EVERY);
    assert.deepEqual(sliced, sync, name);
    assert.deepEqual(await parseDomainXmlAsync(xml, testXMLOption), sync, name);
    const want = formats(sync);
    assert.deepEqual(formats(sliced), want, name);
    for (const [i, opts] of [{ inactive: true, secure: false }, { inactive: false, secure: true }].entries()) {
      assert.equal(await runStepsAsync((s) => formatDomainDefSteps(sync, testXMLOption, opts, 0, s), EVERY), want[i], name);
      assert.equal(await runStepsAsync((s) => formatDomainDefSteps(sync, testXMLOption, opts, 1, s), EVERY),
        formatDomainDef(sync, testXMLOption, opts, 1), name);
    }
    const devices = await runStepsAsync((s) => copyDevicesSteps(sync.devices, s), EVERY);
    const copy = copyDomainDef(sync, devices);
    assert.deepEqual(copy, copyDomainDef(sync), name);
    assert.notEqual(copy.devices.list[0]?.node ?? null, sync.devices.list[0]?.node ?? undefined, `${name}: a deep copy`);
    assert.deepEqual(formats(copy), want, name);
  }
});

test('the sliced parse fails as the sync one does, with the same first error', async () => {
  const late = (bad: string) => domainXml('e', manyDevices(400) + bad);
  const bad = [
    late(`<disk type='file'><source file='/y'/><target dev='sdaaa' bus='scsi'/></disk>`),
    late(`<serial type='bogus'/>`),
    late(`<disk type='file'><source file='/y'/><target dev='vdzz' bus='nope'/></disk>`),
    late(`<console type='pty'><target type='serial'/></console><console type='pty'><target type='serial'/></console>`),
    late(`<disk type='file'><source file='/y'/></disk>`),
    late(`<disk type='file'><source file='/y'/><target dev='sdzzz' bus='scsi'/><address type='drive' controller='70000'/></disk>`),
    domainXml('e', `<disk type='file'><target dev='hda'/><boot order='1'/></disk>`, "<os><type>hvm</type><boot dev='hd'/></os>")
      .replace('<os><type>hvm</type></os>', ''),
    domainXml('e', manyDevices(400)).replace('<memory>1048576</memory>', ''),
  ];
  for (const xml of bad) {
    const sync = await outcome(() => parseDomainElement(parseXml(xml), testXMLOption));
    assert.ok('message' in sync, `fails: ${xml.slice(-160)}`);
    const root = parseXml(xml);
    assert.deepEqual(await outcome(() => runStepsAsync((s) => parseDomainElementSteps(root, testXMLOption, {}, s), EVERY)), sync);
    assert.deepEqual(await outcome(() => parseDomainXmlAsync(xml, testXMLOption)), sync);
  }
});

/**
 * Runs `f` with a 5 ms timer beside it; returns how long `f` took and the
 * largest time between two timer callbacks meanwhile.
 */
async function gapDuring<T>(f: () => Promise<T>): Promise<{ value: T; total: number; gap: number }> {
  let gap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  try {
    const value = await f();
    const total = performance.now() - t0;
    gap = Math.max(gap, performance.now() - last);
    return { value, total, gap };
  } finally {
    clearInterval(timer);
  }
}

test('define, create, start and dumpxml of a 4 MiB many-device document leave the event loop turning', async (t) => {
  const conn = await open('test:///default');
  t.after(() => conn.close());
  const serials: string[] = [];
  for (let used = 0; used < 4 * 1024 * 1024 - 400; used += 20) serials.push("<serial type='pty'/>");
  const xml = `<domain type='test'><name>many</name><memory>1024</memory><os><type>hvm</type></os><devices>${serials.join('')}</devices></domain>`;
  const check = (what: string, r: { total: number; gap: number }) =>
    assert.ok(r.gap < r.total / 3, `${what}: a gap of ${r.gap.toFixed(0)} ms in ${r.total.toFixed(0)} ms`);

  const defined = await gapDuring(() => conn.domainDefineXML(xml));
  check('define', defined);
  const dom = defined.value;
  const want = formatDomainDef(parseDomainXml(xml.replace('<name>', '<uuid>' + dom.getUUIDString() + '</uuid><name>'), testXMLOption),
    testXMLOption, { inactive: true, secure: false });
  const inactive = await gapDuring(() => dom.getXMLDesc(0));
  check('dumpxml', inactive);
  assert.equal(inactive.value, want);
  check('start', await gapDuring(() => dom.create()));
  const live = await gapDuring(() => dom.getXMLDesc(0));
  check('dumpxml of the running domain', live);
  assert.match(live.value, /^<domain type='test' id='\d+'>/);
  assert.equal(live.value.replace(/ id='\d+'/, ''), want);
  assert.equal(await dom.getXMLDesc(2), want, 'the persistent config, copied in slices');
  await dom.destroy();
  await dom.undefine();
  dom.free();

  const created = await gapDuring(() => conn.domainCreateXML(xml.replace('<name>many<', '<name>many2<'), 0));
  check('create', created);
  await created.value.destroy();
  created.value.free();
});
