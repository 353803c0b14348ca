/**
 * A domain XML may carry tens of thousands of devices (a REMOTE_STRING_MAX
 * string is 4 MiB), and the daemon runs driver calls on its one event
 * loop: define, format and start must grow about linearly with the number
 * of devices of every kind. Times are compared by ratio (N against 4N
 * devices), never against an absolute bound. The insertion rules that the
 * parser now applies by sorting are checked against libvirt's one-at-a-time
 * insertion (the old code, kept here only as the reference) on random input.
 */
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import { copyDomainDef, formatDomainDef, parseDomainXml } from '../../conf/domain-def.js';
import { ControllerList, diskInsertOrder, diskNameToIndex, type DiskInsertKey } from '../../conf/domain-devices.js';
import { getAttr, hasAttr, node, setAttr, type XNode } from '../../conf/domain-xml.js';
import { testXMLOption, generateIfnames } from './domain-conf.js';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const mac = (i: number) => `52:54:00:${hex((i >> 16) & 255, 2)}:${hex((i >> 8) & 255, 2)}:${hex(i & 255, 2)}`;

/** virDiskNameToIndex's inverse: 0 → a, 25 → z, 26 → aa. */
function diskName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(97 + ((n - 1) % 26)) + s;
  return s;
}

/** One generator per device kind (and per rule that assigns something: buses, indexes, ports, names). */
const KINDS: Record<string, (i: number, n: number) => string> = {
  'disk (virtio, in order)': (i) =>
    `<disk type='file' device='disk'><source file='/x${i}'/><target dev='vd${diskName(i)}' bus='virtio'/></disk>`,
  'disk (reverse order, default bus)': (i, n) =>
    `<disk type='file'><source file='/x${i}'/><target dev='vd${diskName(n - i)}'/></disk>`,
  'disk (four buses, drive addresses, implicit controllers)': (i) =>
    `<disk type='file'><source file='/x${i}'/><target dev='sd${diskName(i)}' bus='${['scsi', 'sata', 'ide', 'virtio'][i % 4]}'/></disk>`,
  'controller (with and without index)': (i) =>
    `<controller type='${['scsi', 'usb', 'pci', 'virtio-serial'][i % 4]}'${i % 3 ? ` index='${(i * 7919) % 100000}'` : ''}/>`,
  'controller (lowest free index)': () => `<controller type='scsi'/>`,
  'interface (ifname given)': (i) =>
    `<interface type='network'><mac address='${mac(i)}'/><source network='default'/><target dev='tap${i}'/></interface>`,
  // One in 32 gets a generated testnetN name: within the limit of 1024 up to 32768 interfaces.
  'interface (ifname and MAC generated)': (i) =>
    i % 32 === 0 ? `<interface type='bridge'><source bridge='br0'/></interface>`
      : `<interface type='user'><target dev='tap${i}'/></interface>`,
  'serial (ports assigned)': () => `<serial type='pty'/>`,
  parallel: () => `<parallel type='pty'/>`,
  console: () => `<console type='pty'><target type='virtio'/></console>`,
  'channel (virtio-serial controllers)': (i) =>
    `<channel type='pty'><target type='virtio' name='c${i}'/><address type='virtio-serial' controller='${i % 50}' bus='0' port='${(i % 30) + 1}'/></channel>`,
  'hostdev (usb)': (i) =>
    `<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0x${hex(i % 65536, 4)}'/></source></hostdev>`,
  'hostdev (pci addresses)': (i) =>
    `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='${(i >> 8) & 255}' slot='${(i >> 3) & 31}' function='${i & 7}'/></source><address type='pci' domain='0' bus='1' slot='${i & 31}' function='0'/></hostdev>`,
  'hostdev (scsi, drive addresses)': (i) =>
    `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='${i}'/></source><address type='drive' controller='${i % 100}' bus='0' target='0' unit='${i}'/></hostdev>`,
  input: (i) => `<input type='${['mouse', 'keyboard', 'tablet'][i % 3]}'/>`,
  graphics: (i) => `<graphics type='vnc' port='${5900 + i}' listen='127.0.0.1' passwd='x'/>`,
  video: () => `<video><model type='qxl'/></video>`,
  sound: () => `<sound model='ich6'><codec type='micro'/></sound>`,
  audio: (i) => `<audio id='${i + 1}' type='none'/>`,
  watchdog: () => `<watchdog model='i6300esb'/>`,
  rng: () => `<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`,
  memballoon: () => `<memballoon model='virtio'/>`,
  filesystem: (i) => `<filesystem type='mount'><source dir='/s${i}'/><target dir='t${i}'/></filesystem>`,
  lease: (i) => `<lease><lockspace>ls</lockspace><key>k${i}</key><target path='/p' offset='${i}'/></lease>`,
  redirdev: () => `<redirdev bus='usb' type='spicevmc'/>`,
  redirfilter: (i) => `<redirfilter><usbdev class='0x08' vendor='0x${hex(i % 65536, 4)}' version='2.0' allow='yes'/></redirfilter>`,
  'smartcard (ccid controllers)': (i) =>
    `<smartcard mode='passthrough' type='spicevmc'>${i % 2 ? `<address type='ccid' controller='${i % 40}' slot='0'/>` : ''}</smartcard>`,
  hub: () => `<hub type='usb'/>`,
  panic: () => `<panic model='isa'><address type='isa' iobase='0x505'/></panic>`,
  shmem: (i) => `<shmem name='s${i}'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>`,
  memory: (i) => `<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target><address type='dimm' slot='${i}'/></memory>`,
  iommu: () => `<iommu model='intel'/>`,
  vsock: (i) => `<vsock model='virtio'><cid auto='no' address='${i + 3}'/></vsock>`,
  tpm: () => `<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>`,
  nvram: () => `<nvram><address type='spapr-vio' reg='0x3000'/></nvram>`,
  'mixed (every kind, interleaved)': (i, n) => {
    const gens = Object.values(KINDS).slice(0, -1);
    const g = i % gens.length;
    const xml = gens[g]!(Math.floor(i / gens.length), Math.ceil(n / gens.length));
    // The two virtio disk generators get disjoint target names.
    return g === 1 ? xml.replace("dev='vd", "dev='ubd") : xml;
  },
};

function domainXml(gen: (i: number, n: number) => string, n: number): string {
  const devs: string[] = [];
  for (let i = 0; i < n; i++) devs.push(gen(i, n));
  return `<domain type='test'><name>scale</name><memory>1048576</memory><os><type>hvm</type></os><devices>${devs.join('')}</devices></domain>`;
}

/** What a define, a dumpxml and a start cost in the driver; returns what they made. */
function defineDumpStart(xml: string): unknown[] {
  const def = parseDomainXml(xml, testXMLOption);
  generateIfnames(def);
  const inactive = formatDomainDef(def, testXMLOption, { inactive: true, secure: false });
  const live = copyDomainDef(def);
  live.id = 1;
  return [def, inactive, live, formatDomainDef(live, testXMLOption, { inactive: false, secure: true })];
}

// A full collection before each timing, so that one run does not pay for
// the garbage of the one before.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/**
 * The CPU time (ms) `runs` back-to-back define + dumpxml + start take:
 * CPU time, not elapsed time, so that other processes on a busy machine
 * count as little as possible.
 */
function timeRuns(xml: string, runs: number): number {
  collect();
  // What every run made stays alive until the end, as one larger run's
  // would: the collector then has the same live data to copy and mark
  // whether the devices come in one definition or in several.
  const kept: unknown[] = [];
  const t0 = process.cpuUsage();
  for (let r = 0; r < runs; r++) kept.push(defineDumpStart(xml));
  const t = process.cpuUsage(t0);
  kept.length = 0;
  return (t.user + t.system) / 1000;
}

/**
 * 8× the devices may cost 8× the time, somewhat more with the collector
 * working on a larger heap (and n log n is 10×); quadratic code costs 64×.
 * Fail at three times linear: clearly superlinear, and far above what a
 * busy machine's noise makes of linear.
 */
const SCALE = 8;
const MAX_RATIO = 24;

/**
 * N devices timed SCALE times in a row against SCALE × N once: the same
 * work when linear, and as much garbage for the collector. The fastest of
 * up to three tries: a loaded machine may be slow, never fast.
 */
function ratio(gen: (i: number, n: number) => string, n: number): { ratio: number; detail: string } {
  const small = domainXml(gen, n);
  const large = domainXml(gen, SCALE * n);
  let a = Infinity;
  let b = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    a = Math.min(a, timeRuns(small, SCALE) / SCALE);
    b = Math.min(b, timeRuns(large, 1));
    if (b / a <= 2 * SCALE) break;
  }
  return { ratio: b / a, detail: `${n}: ${a.toFixed(1)} ms, ${SCALE * n}: ${b.toFixed(1)} ms` };
}

for (const [kind, gen] of Object.entries(KINDS)) {
  test(`define + dumpxml + start grow linearly with ${kind}`, (t) => {
    // Enough devices for the small case to take a measurable time, and for
    // a quadratic term with a small constant (the old serial port scan) to show.
    let n = 2000;
    while (n < 4000 && timeRuns(domainXml(gen, n), 1) < 20) n *= 2;
    const r = ratio(gen, n);
    t.diagnostic(`${r.ratio.toFixed(1)}× (${r.detail})`);
    assert.ok(r.ratio <= MAX_RATIO, `${SCALE}× the devices took ${r.ratio.toFixed(1)}× the time (${r.detail})`);
  });
}

// ---------------------------------------------------------------------------
// The insertion rules against libvirt's one-at-a-time insertion.

/** A seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

/** virDomainDiskInsert, one disk at a time (the old parser's loop). */
function referenceDiskOrder(keys: readonly DiskInsertKey[]): number[] {
  const list: number[] = [];
  keys.forEach((k, n) => {
    let insertAt = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      const o = keys[list[i]!]!;
      if (o.bus !== k.bus) continue;
      if (o.index > k.index) insertAt = i;
      else if (insertAt === -1) insertAt = i + 1;
    }
    if (insertAt < 0) list.push(n);
    else list.splice(insertAt, 0, n);
  });
  return list;
}

test('disks are ordered as inserting them one at a time with virDomainDiskInsert orders them', () => {
  const rnd = random(1);
  const names = ['vda', 'vdb', 'vdz', 'vdaa', 'sda', 'sdc', 'hdb', 'hdd', 'xvda', 'fda', 'ubdb', 'zzz', 'vd', 'sdzzz'];
  for (let round = 0; round < 3000; round++) {
    const n = Math.floor(rnd() * 40);
    const keys: DiskInsertKey[] = [];
    for (let i = 0; i < n; i++) {
      const name = rnd() < 0.5 ? names[Math.floor(rnd() * names.length)]! : `sd${diskName(Math.floor(rnd() * 30))}`;
      keys.push({ bus: ['', 'virtio', 'scsi', 'ide'][Math.floor(rnd() * 4)]!, index: diskNameToIndex(name) });
    }
    assert.deepEqual(diskInsertOrder(keys), referenceDiskOrder(keys), JSON.stringify(keys));
  }
});

/**
 * virDomainControllerInsertPreAlloced, the lowest free index for those
 * without one, then virDomainDefMaybeAddController (the old parser's code).
 */
function referenceControllers(xmlControllers: XNode[], implicit: Array<[string, number]>): XNode[] {
  const controllers: XNode[] = [];
  const ctrlIndex = (c: XNode) => parseInt(getAttr(c, 'index') ?? '-1', 10);
  const addController = (c: XNode) => {
    const type = getAttr(c, 'type');
    const idx = ctrlIndex(c);
    let insertAt = -1;
    for (let i = controllers.length - 1; i >= 0; i--) {
      const cur = controllers[i]!;
      if (getAttr(cur, 'type') !== type) continue;
      if (idx === -1) {
        insertAt = i + 1;
        break;
      }
      if (ctrlIndex(cur) > idx) insertAt = i;
      else if (insertAt === -1) insertAt = i + 1;
    }
    if (insertAt < 0) controllers.push(c);
    else controllers.splice(insertAt, 0, c);
  };
  for (const c of xmlControllers) addController(c);
  for (const c of controllers) {
    if (hasAttr(c, 'index')) continue;
    const used = new Set(controllers.filter((x) => getAttr(x, 'type') === getAttr(c, 'type')).map(ctrlIndex));
    let i = 0;
    while (used.has(i)) i++;
    setAttr(c, 'index', i);
  }
  for (const [type, idx] of implicit) {
    if (controllers.some((c) => getAttr(c, 'type') === type && getAttr(c, 'index') === String(idx))) continue;
    addController(node('controller', [['type', type], ['index', idx]]));
  }
  return controllers;
}

test('controllers are ordered and numbered as libvirt inserts them one at a time', () => {
  const rnd = random(2);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  // Index attributes as the parser leaves them: absent, or String() of a parsed number.
  const indexes = [undefined, undefined, '0', '1', '2', '3', '5', '7', '-1', '-3', '1e+21', 'NaN', 'Infinity'];
  const types = ['scsi', 'ide', 'usb', 'virtio-serial'];
  for (let round = 0; round < 3000; round++) {
    const make = () => {
      const n = Math.floor(rnd() * 25);
      const list: Array<[string, string | undefined]> = [];
      for (let i = 0; i < n; i++) list.push([pick(types), pick(indexes)]);
      return list.map(([type, index]) => node('controller', [['type', type], ['index', index]]));
    };
    const implicit: Array<[string, number]> = [];
    for (let i = Math.floor(rnd() * 10); i > 0; i--) implicit.push([pick([...types, 'ccid']), Math.floor(rnd() * 6)]);
    const mine = make();
    const theirs = mine.map((c) => node(c.name, c.attrs));
    const list = new ControllerList();
    for (const c of mine) list.add(c);
    list.assignIndexes();
    for (const [type, idx] of implicit) {
      if (!list.has(type, idx)) list.add(node('controller', [['type', type], ['index', idx]]));
    }
    const show = (cs: XNode[]) => cs.map((c) => c.attrs.map(([k, v]) => `${k}=${v}`).join(' '));
    const want = show(referenceControllers(theirs, implicit));
    assert.deepEqual(show(list.ordered()), want, JSON.stringify(theirs.map((c) => c.attrs)));
  }
});

test('a drive address implying millions of controllers is refused, not built', () => {
  const xml = (controller: number) => "<domain type='test'><name>cc</name><memory>1024</memory><os><type>hvm</type></os>"
    + "<devices><disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi'/>"
    + `<address type='drive' controller='${controller}' bus='0' target='0' unit='0'/></disk></devices></domain>`;
  const def = parseDomainXml(xml(3), testXMLOption);
  assert.equal(formatDomainDef(def, testXMLOption, { inactive: true, secure: false }).match(/<controller type='scsi'/g)?.length, 4);
  const t0 = Date.now();
  assert.throws(() => parseDomainXml(xml(4294967295), testXMLOption), (e: Error & { code?: number }) => e.code === 67
    && e.message === 'unsupported configuration: scsi controller index 4294967295 would add 4294967296 controllers, '
      + 'more than the 65536 tsvirt adds');
  assert.ok(Date.now() - t0 < 1000);
});
