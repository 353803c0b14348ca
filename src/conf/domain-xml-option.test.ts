/**
 * The seam between the shared domain model and a driver: the same document
 * parsed with two drivers' options gets each driver's defaults, namespace,
 * post-parse and validation. The QEMU-like options here are a stand-in for
 * the QEMU driver's (their values are this test's, not claims about
 * libvirt's output); the test driver's own output is checked against virsh
 * by src/driver/test/domain-def.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ErrorDomain, VirtError, isVirtError } from '../errors.js';
import { escapeXml } from '../util/xml.js';
import { formatDomainDef, parseDomainXml, type DomainDef } from './domain-def.js';
import { node } from './domain-xml.js';
import type { DomainXMLOption } from './domain-xml-option.js';

const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';

interface CommandLine { args: string[] }

const qemuLike: DomainXMLOption<CommandLine> = {
  name: 'qemu',
  defaultArch: () => 'x86_64',
  defaultMachine: (_os, arch) => (arch === 'x86_64' ? 'pc-i440fx-7.2' : undefined),
  videoDefaultModel: () => 'vga',
  consoleDefaultTargetType: (ctx) => (ctx.arch.startsWith('s390') ? 'sclp' : 'serial'),
  ns: {
    uri: QEMU_NS,
    prefix: 'qemu',
    parse(el, prefix) {
      const args: string[] = [];
      for (const c of el.children) {
        if (c.name !== `${prefix}:commandline`) continue;
        for (const a of c.children) if (a.name === `${prefix}:arg`) args.push(a.attrs['value'] ?? '');
      }
      return { args };
    },
    format(data, depth) {
      const pad = '  '.repeat(depth);
      return `${pad}<qemu:commandline>\n`
        + data.args.map((a) => `${pad}  <qemu:arg value='${escapeXml(a)}'/>\n`).join('')
        + `${pad}</qemu:commandline>\n`;
    },
  },
  postParse(def) {
    // An implicit controller every definition gets.
    if (!def.devices.list.some((d) => d.kind === 'controller')) {
      def.devices.list.unshift({ kind: 'controller', node: node('controller', [['type', 'pci'], ['index', 0], ['model', 'pci-root']]) });
    }
  },
  validate(def) {
    if (def.virtType !== 'qemu' && def.virtType !== 'kvm') {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
        `Emulator '/usr/bin/qemu-system-x86_64' does not support virt type '${def.virtType}'`);
    }
  },
};

const plain: DomainXMLOption = {
  name: 'plain',
  defaultArch: () => 'i686',
  videoDefaultModel: () => 'cirrus',
  consoleDefaultTargetType: () => 'serial',
};

const DOC = (type: string, extra = '') => `<domain type='${type}' xmlns:q='${QEMU_NS}'>
  <name>d</name><memory>1024</memory><os><type>hvm</type></os>
  <devices><graphics type='vnc'/><console type='pty'/></devices>
  <q:commandline><q:arg value='-no-hpet'/><q:arg value="a'b"/></q:commandline>${extra}
</domain>`;

const dump = <NS>(def: DomainDef<NS>, xmlopt: DomainXMLOption<NS>) =>
  formatDomainDef(def, xmlopt, { inactive: true, secure: false });

test('a driver\'s options give its defaults: arch, machine, video model', () => {
  const q = dump(parseDomainXml(DOC('kvm'), qemuLike), qemuLike);
  assert.match(q, /<type arch='x86_64' machine='pc-i440fx-7\.2'>hvm<\/type>/);
  assert.match(q, /<model type='vga' vram='16384' heads='1' primary='yes'\/>/);
  const p = dump(parseDomainXml(DOC('kvm'), plain), plain);
  assert.match(p, /<type arch='i686'>hvm<\/type>/);
  assert.match(p, /<model type='cirrus' vram='16384' heads='1' primary='yes'\/>/);
});

test('the driver namespace is parsed with the document\'s prefix and written with the driver\'s', () => {
  const def = parseDomainXml(DOC('qemu'), qemuLike);
  assert.deepEqual(def.ns, { args: ['-no-hpet', "a'b"] });
  const xml = dump(def, qemuLike);
  assert.match(xml, /^<domain type='qemu' xmlns:qemu='http:\/\/libvirt\.org\/schemas\/domain\/qemu\/1\.0'>\n/);
  assert.match(xml, /  <qemu:commandline>\n    <qemu:arg value='-no-hpet'\/>\n    <qemu:arg value='a&apos;b'\/>\n  <\/qemu:commandline>\n<\/domain>\n$/);
  // Round trip: the written document parses to the same data.
  assert.deepEqual(parseDomainXml(xml, qemuLike).ns, def.ns);
  // Options without a namespace ignore the elements.
  const p = parseDomainXml(DOC('qemu'), plain);
  assert.equal(p.ns, undefined);
  assert.doesNotMatch(dump(p, plain), /commandline|xmlns/);
});

test('post-parse adds the driver\'s implicit devices; validate refuses what the driver cannot run', () => {
  const xml = dump(parseDomainXml(DOC('qemu'), qemuLike), qemuLike);
  assert.match(xml, /<controller type='pci' index='0' model='pci-root'\/>/);
  assert.doesNotMatch(dump(parseDomainXml(DOC('qemu'), plain), plain), /pci-root/);
  assert.throws(() => parseDomainXml(DOC('test'), qemuLike), (e: unknown) => isVirtError(e)
    && e.code === ErrorCode.CONFIG_UNSUPPORTED
    && e.message === "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'test'");
  // The generic checks come first, with libvirt's errors, whatever the driver.
  assert.throws(() => parseDomainXml("<domain type='bogus'><name>x</name></domain>", qemuLike),
    (e: unknown) => isVirtError(e) && e.message === 'unsupported configuration: invalid domain type bogus');
});

test('status XML keeps the live fields an inactive parse drops', () => {
  const live = `<domain type='qemu' id='7'><name>d</name><memory>1024</memory><os><type>hvm</type></os>
    <devices>
      <serial type='pty'><source path='/dev/pts/3'/><target port='0'/><alias name='serial0'/></serial>
      <console type='pty' tty='/dev/pts/3'><source path='/dev/pts/3'/><target type='serial' port='0'/><alias name='serial0'/></console>
    </devices></domain>`;
  const st = parseDomainXml(live, qemuLike, { status: true });
  assert.equal(st.id, 7);
  const xml = formatDomainDef(st, qemuLike, { inactive: false, secure: true });
  assert.match(xml, /^<domain type='qemu' id='7'>/);
  assert.match(xml, /<serial type='pty'>\n      <source path='\/dev\/pts\/3'\/>/);
  assert.match(xml, /<alias name='serial0'\/>/);
  const inactive = parseDomainXml(live, qemuLike);
  assert.equal(inactive.id, -1);
  const ixml = formatDomainDef(inactive, qemuLike, { inactive: false, secure: true });
  assert.doesNotMatch(ixml, /pts|alias|id='7'/);
  assert.throws(() => parseDomainXml(live.replace("id='7'", "id='x'"), qemuLike, { status: true }),
    (e: unknown) => isVirtError(e) && e.code === ErrorCode.XML_ERROR);
});
