import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isVirtError } from '../../errors.js';
import {
  formatDomainDef, normalizeCpuset, parseDomainXml, parseUUID,
} from '../../conf/domain-def.js';
import { diskNameToIndex, normalizeMac } from '../../conf/domain-devices.js';
import { testXMLOption, generateIfnames } from './domain-conf.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/test-driver/domains/', import.meta.url));

/** Random parts libvirt generates (MACs, Open vSwitch interface ids). */
function mask(s: string): string {
  return s.replace(/52:54:00(:[0-9a-f]{2}){3}/g, 'MAC').replace(/interfaceid='[^']*'/g, "interfaceid='ID'");
}

/** What `virsh define` + `virsh dumpxml --inactive` print, as the test driver stores it. */
function defineAndDump(xml: string): string {
  const def = parseDomainXml(xml, testXMLOption);
  generateIfnames(def);
  return formatDomainDef(def, testXMLOption, { inactive: true, secure: false });
}

// Golden files: inputs and the output of `virsh -c test:///default "define
// X.xml; dumpxml --inactive NAME"` from libvirt 9.0.0 (or its error line).
const inputs = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml') && !f.endsWith('.out.xml'));
for (const f of inputs) {
  const base = f.slice(0, -4);
  test(`domain XML round-trip matches virsh: ${base}`, () => {
    const xml = readFileSync(FIXTURES + f, 'utf8');
    if (existsSync(`${FIXTURES}${base}.err`)) {
      const expected = readFileSync(`${FIXTURES}${base}.err`, 'utf8').replace(/\n$/, '');
      assert.throws(() => defineAndDump(xml), (e: unknown) => isVirtError(e) && e.message === expected);
      return;
    }
    const expected = readFileSync(`${FIXTURES}${base}.out.xml`, 'utf8');
    assert.equal(mask(defineAndDump(xml)), mask(expected));
  });
}

test('formatting is stable: parse(format(x)) formats the same', () => {
  for (const f of inputs) {
    const base = f.slice(0, -4);
    // libvirt itself changes these when it re-reads its own output (checked
    // with virsh): gfx renumbers console ports once the implicit serial
    // console is explicit, ctrlidx sorts the controllers it had appended,
    // dev7 regroups disks whose buses are now written out.
    if (existsSync(`${FIXTURES}${base}.err`) || ['gfx', 'ctrlidx', 'dev7'].includes(base)) continue;
    const once = defineAndDump(readFileSync(FIXTURES + f, 'utf8'));
    assert.equal(defineAndDump(once), once, base);
  }
});

const H = "<domain type='test'>";
const OS = '<os><type>hvm</type></os>';
/** Errors as libvirt 9.0 reports them (code, error domain, message), checked with the Python binding. */
const ERRORS: Array<[string, string, number, number, string]> = [
  ['no name', `${H}<memory>1024</memory>${OS}</domain>`, 21, 20, 'missing name information'],
  ['empty name', `${H}<name></name><memory>1024</memory>${OS}</domain>`, 21, 20, 'missing name information'],
  ['no memory', `${H}<name>x</name>${OS}</domain>`, 27, 20,
    'XML error: Memory size must be specified via <memory> or in the <numa> configuration'],
  ['zero memory', `${H}<name>x</name><memory>0</memory>${OS}</domain>`, 27, 20,
    'XML error: Memory size must be specified via <memory> or in the <numa> configuration'],
  ['no os', `${H}<name>x</name><memory>1024</memory></domain>`, 27, 20, 'XML error: an os <type> must be specified'],
  ['no type', `<domain><name>x</name><memory>1024</memory>${OS}</domain>`, 1, 20,
    'internal error: missing domain type attribute'],
  ['bad type', `<domain type='bogus'><name>x</name><memory>1024</memory>${OS}</domain>`, 67, 20,
    'unsupported configuration: invalid domain type bogus'],
  ['bad os type', `${H}<name>x</name><memory>1024</memory><os><type>bogus</type></os></domain>`, 67, 20,
    "unsupported configuration: unknown OS type 'bogus'"],
  ['exe without init', `${H}<name>x</name><memory>1024</memory><os><type>exe</type></os></domain>`, 27, 20,
    'XML error: init binary must be specified'],
  ['bad memory', `${H}<name>x</name><memory>abc</memory>${OS}</domain>`, 27, 5,
    "XML error: Invalid value 'abc' for element or attribute './memory[1]'"],
  ['bad unit', `${H}<name>x</name><memory unit='zz'>1</memory>${OS}</domain>`, 8, 0, "invalid argument: unknown suffix 'zz'"],
  ['bad uuid', `${H}<name>x</name><uuid>zzz</uuid><memory>1024</memory>${OS}</domain>`, 1, 20,
    'internal error: malformed uuid element'],
  ['zero vcpus', `${H}<name>x</name><memory>1024</memory><vcpu>0</vcpu>${OS}</domain>`, 1, 20,
    'internal error: CPU IDs in <numa> exceed the <vcpu> count'],
  ['current > max', `${H}<name>x</name><memory>1024</memory><vcpu current='4'>2</vcpu>${OS}</domain>`, 67, 20,
    'unsupported configuration: maximum vCPU count must not be less than current vCPU count'],
  ['bad vcpus', `${H}<name>x</name><memory>1024</memory><vcpu>abc</vcpu>${OS}</domain>`, 27, 20,
    'XML error: maximum vcpus count must be an integer'],
  ['bad lifecycle', `${H}<name>x</name><memory>1024</memory>${OS}<on_poweroff>zap</on_poweroff></domain>`, 67, 20,
    'unsupported configuration: unknown on_poweroff action: zap'],
  ['bad boot', `${H}<name>x</name><memory>1024</memory><os><type>hvm</type><boot dev='zz'/></os></domain>`, 27, 5,
    "XML error: Invalid value for attribute 'dev' in element 'boot': 'zz'."],
  ['slash in name', `${H}<name>a/b</name><memory>1024</memory>${OS}</domain>`, 27, 20,
    "XML error: name a/b cannot contain '/'"],
  ['disk without target', `${H}<name>x</name><memory>1024</memory>${OS}<devices><disk type='file'><source file='/a'/></disk></devices></domain>`,
    20, 20, 'missing target information for device /a'],
  ['unknown disk name', `${H}<name>x</name><memory>1024</memory>${OS}<devices><disk type='file'><source file='/a'/><target dev='foo' bus='ide'/></disk></devices></domain>`,
    27, 20, "XML error: Unknown disk name 'foo' and no address specified"],
  ['duplicate disk target', `${H}<name>x</name><memory>1024</memory>${OS}<devices><disk type='file'><source file='/a'/><target dev='vda'/></disk><disk type='file'><source file='/b'/><target dev='vda'/></disk></devices></domain>`,
    27, 20, "XML error: target 'vda' duplicated for disk sources '/a' and '/b'"],
  ['bad mac', `${H}<name>x</name><memory>1024</memory>${OS}<devices><interface type='user'><mac address='zz'/></interface></devices></domain>`,
    27, 20, "XML error: unable to parse mac address 'zz'"],
  ['bad interface type', `${H}<name>x</name><memory>1024</memory>${OS}<devices><interface type='zz'/></devices></domain>`,
    27, 5, "XML error: Invalid value for attribute 'type' in element 'interface': 'zz'."],
  ['wrong root', '<foo/>', 27, 5, "XML error: expecting root element of 'domain', not 'foo'"],
];

for (const [label, xml, code, domain, message] of ERRORS) {
  test(`domain XML error as libvirt: ${label}`, () => {
    assert.throws(() => parseDomainXml(xml, testXMLOption), (e: unknown) => {
      assert.ok(isVirtError(e));
      assert.equal(e.message, message);
      assert.equal(e.code, code);
      assert.equal(e.domain, domain);
      return true;
    });
  });
}

test('malformed XML is an XML_DETAIL error from the domain config domain, worded as libxml2 via libvirt', () => {
  // virsh -c test:///default create on this text, libvirt 9.0 / libxml2 2.9.14.
  assert.throws(() => parseDomainXml("<domain type='test'><name>x</name><memory>1024", testXMLOption),
    (e: unknown) => isVirtError(e) && e.code === 35 && e.domain === 20
      && e.message === "(domain_definition):1: Premature end of data in tag memory line 1\n"
        + "<domain type='test'><name>x</name><memory>1024\n"
        + '----------------------------------------------^');
});

test('currentMemory above memory is clamped; units scale to KiB rounding up', () => {
  const def = parseDomainXml(`${H}<name>x</name><memory unit='b'>1000000</memory><currentMemory unit='G'>5</currentMemory>${OS}</domain>`, testXMLOption);
  assert.equal(def.memory, 977);
  assert.equal(def.currentMemory, 977);
  const def2 = parseDomainXml(`${H}<name>x</name><memory unit='MB'>100</memory><currentMemory unit='KB'>5000</currentMemory>${OS}</domain>`, testXMLOption);
  assert.equal(def2.memory, 97657);
  assert.equal(def2.currentMemory, 4883);
});

test('a missing UUID is generated; UUIDs are normalised', () => {
  const def = parseDomainXml(`${H}<name>x</name><memory>1</memory>${OS}</domain>`, testXMLOption);
  assert.match(def.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(parseUUID('1234567812341234123412345678ABCD'), '12345678-1234-1234-1234-12345678abcd');
  assert.equal(parseUUID(' 12345678-1234-1234-1234-12345678abcd '), '12345678-1234-1234-1234-12345678abcd');
  assert.equal(parseUUID('1234'), null);
});

test('helpers: disk names, cpusets, MACs', () => {
  assert.equal(diskNameToIndex('vda'), 0);
  assert.equal(diskNameToIndex('hdc'), 2);
  assert.equal(diskNameToIndex('sdz'), 25);
  assert.equal(diskNameToIndex('sdaa'), 26);
  assert.equal(diskNameToIndex('xvdb1'), 1);
  assert.equal(diskNameToIndex('foo'), -1);
  assert.equal(normalizeCpuset('0-7,^3'), '0-2,4-7');
  assert.equal(normalizeCpuset('5,1,2,3'), '1-3,5');
  assert.equal(normalizeCpuset('x'), null);
  assert.equal(normalizeMac('AA:B:cc:0:11:22'), 'aa:0b:cc:00:11:22');
  assert.equal(normalizeMac('aa:bb'), null);
});

test('SECURE shows the graphics password, INACTIVE drops the id', () => {
  const def = parseDomainXml(`${H}<name>x</name><memory>1</memory>${OS}<devices><graphics type='vnc' passwd='s3cret'/></devices></domain>`, testXMLOption);
  def.id = 7;
  const plain = formatDomainDef(def, testXMLOption, { inactive: false, secure: false });
  assert.match(plain, /^<domain type='test' id='7'>/);
  assert.doesNotMatch(plain, /passwd/);
  const secure = formatDomainDef(def, testXMLOption, { inactive: true, secure: true });
  assert.match(secure, /^<domain type='test'>/);
  assert.match(secure, /<graphics type='vnc' port='-1' autoport='yes' passwd='s3cret'>/);
});

test('ifnames: generated testnetN skip names in use; reserved prefixes are dropped', () => {
  const def = parseDomainXml(`${H}<name>x</name><memory>1</memory>${OS}<devices>`
    + "<interface type='user'/><interface type='user'><target dev='testnet0'/></interface>"
    + "<interface type='user'><target dev='vnet3'/></interface><interface type='user'><target dev='tap9'/></interface>"
    + '</devices></domain>', testXMLOption);
  generateIfnames(def);
  const xml = formatDomainDef(def, testXMLOption, { inactive: true, secure: false });
  const devs = [...xml.matchAll(/<target dev='([^']+)'\/>/g)].map((m) => m[1]);
  assert.deepEqual(devs, ['testnet1', 'testnet0', 'testnet2', 'tap9']);
});

const MORE_ERRORS: Array<[string, string, number, number, string]> = [
  ['title with newline', `${H}<name>x</name><memory>1024</memory><title>a\nb</title>${OS}</domain>`, 27, 20,
    "XML error: Domain title can't contain newlines"],
  ['bad cpuset', `${H}<name>x</name><memory>1024</memory><vcpu cpuset='x'>2</vcpu>${OS}</domain>`, 8, 0,
    "invalid argument: Failed to parse bitmap 'x'"],
  ['bad placement', `${H}<name>x</name><memory>1024</memory><vcpu placement='zz'>2</vcpu>${OS}</domain>`, 27, 5,
    "XML error: Invalid value for attribute 'placement' in element 'vcpu': 'zz'."],
  ['bad current', `${H}<name>x</name><memory>1024</memory><vcpu current='x'>2</vcpu>${OS}</domain>`, 27, 5,
    "XML error: Invalid value for attribute 'current' in element 'vcpu': 'x'. Expected non-negative integer value"],
  ['bad lockfailure', `${H}<name>x</name><memory>1024</memory>${OS}<on_lockfailure>zz</on_lockfailure></domain>`, 67, 20,
    'unsupported configuration: unknown on_lockfailure action: zz'],
  ['second serial console', `${H}<name>x</name><memory>1024</memory>${OS}<devices><console type='pty'/><console type='pty'><target type='serial'/></console></devices></domain>`,
    67, 20, 'unsupported configuration: Only the first console can be a serial port'],
  ['os and device boot', `${H}<name>x</name><memory>1024</memory><os><type>hvm</type><boot dev='hd'/></os><devices><disk type='file'><source file='/a'/><target dev='vda'/><boot order='1'/></disk></devices></domain>`,
    67, 20, 'unsupported configuration: per-device boot elements cannot be used together with os/boot elements'],
  ['bad chardev type', `${H}<name>x</name><memory>1024</memory>${OS}<devices><serial type='zz'/></devices></domain>`, 67, 20,
    'unsupported configuration: unknown type presented to host for character device: zz'],
  ['bad disk device', `${H}<name>x</name><memory>1024</memory>${OS}<devices><disk type='file' device='zz'><source file='/a'/><target dev='vda'/></disk></devices></domain>`,
    27, 5, "XML error: Invalid value for attribute 'device' in element 'disk': 'zz'."],
  ['bad disk bus', `${H}<name>x</name><memory>1024</memory>${OS}<devices><disk type='file'><source file='/a'/><target dev='vda' bus='zz'/></disk></devices></domain>`,
    27, 5, "XML error: Invalid value for attribute 'bus' in element 'target': 'zz'."],
  ['bad disk type', `${H}<name>x</name><memory>1024</memory>${OS}<devices><disk type='zz'><source file='/a'/><target dev='vda'/></disk></devices></domain>`,
    27, 5, "XML error: Invalid value for attribute 'type' in element 'disk': 'zz'."],
  ['test: runstate and transient', "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>x</name><memory>1024</memory><os><type>hvm</type></os><test:runstate>5</test:runstate><test:transient/></domain>",
    27, 12, "XML error: transient domain cannot have runstate 'shutoff'"],
];

for (const [label, xml, code, domain, message] of MORE_ERRORS) {
  test(`domain XML error as libvirt: ${label}`, () => {
    assert.throws(() => parseDomainXml(xml, testXMLOption), (e: unknown) => {
      assert.ok(isVirtError(e));
      assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
      return true;
    });
  });
}
