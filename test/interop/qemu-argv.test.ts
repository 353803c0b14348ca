/**
 * tsvirt's QEMU command line (src/driver/qemu/command.ts) against stock
 * libvirt 9.0's, asked of a private stock libvirtd with its QEMU driver
 * (qemu-harness.ts):
 *
 * - every domain XML in test/fixtures/qemu-argv/ through
 *   `virsh domxml-to-native qemu-argv FILE` (qemuConnectDomainXMLToNative:
 *   a pretend start with domain id -1, every interface rewritten to
 *   type='ethernet' with a tap fd), compared with ours built the same way;
 * - the same XMLs defined and read back (`virsh dumpxml --inactive`), compared
 *   with our definition after the QEMU driver's defaults (domain-defaults.ts),
 *   and libvirt's XML parsed again by us with libvirt's XML defined again;
 * - the same XMLs through a qemu:///session daemon (those without NICs);
 * - four real starts of the test guest (pc; q35 with a qcow2 disk, a user
 *   NIC, VNC, balloon and panic device; file serial, VNC socket, sound,
 *   watchdog; SPICE): the command block libvirt wrote to the domain log,
 *   compared line by line with ours for the same domain id and ports.
 *
 * {@link normalise} masks only what legitimately differs (each rule says
 * why). Needs root, QEMU, libvirtd and virsh: outside CI a missing oracle
 * skips; under CI=true it fails.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { buildQemuCommandLine, commandToLogLines, commandToString } from '../../src/driver/qemu/command.js';
import { aliasOf, devicesOf, dropAliases, parseQemuDomainXml, qemuXMLOption } from '../../src/driver/qemu/domain-defaults.js';
import { formatDomainDef } from '../../src/conf/domain-def.js';
import { getAttr } from '../../src/conf/domain-xml.js';
import { ROOT, run } from './harness.js';
import { canUnsharePid, hasLibvirtd, hasQemu, hasVirsh, isCI, requireOracles } from './oracle.js';
import { ensureTestGuest, guestXml, startQemuLibvirtd, type QemuLibvirtd, type TestGuest } from './qemu-harness.js';

const FIXTURES = join(ROOT, 'test/fixtures/qemu-argv');

/** What may differ between libvirtd's command line and ours, and why. */
function normalise(s: string): string {
  return s.trim()
    // PATH (and nothing else) is passed through from the daemon's own
    // environment (virCommandAddEnvPassCommon); HOME is overridden.
    .replace(/(^|[ \n])PATH=\S+/, '$1PATH=<daemon PATH>')
    // Pre-opened fds (monitor and unix chardev sockets on a real start, tap
    // fds in a pretend one) are numbered by the daemon's open files.
    .replace(/([,"])fd(=|":")\d+/g, '$1fd$2<fd>');
}

/** The command block of the last start in a domain log: the lines after the header, up to the first without ` \`. */
function lastLoggedCommand(log: string): string {
  const at = log.lastIndexOf(': starting up ');
  assert.ok(at >= 0, `no start in the domain log:\n${log}`);
  const lines = log.slice(log.indexOf('\n', at) + 1).split('\n');
  const out: string[] = [];
  for (const l of lines) {
    out.push(l);
    if (!l.endsWith(' \\')) break;
  }
  return out.join('\n');
}

/** The first differing option of two command lines, for a readable failure. */
function firstDifference(ours: string, theirs: string): string {
  const a = ours.split(/ (?=-)|\n/);
  const b = theirs.split(/ (?=-)|\n/);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `ours:   ${a[i]}\ntheirs: ${b[i]}`;
  }
  return '';
}

describe('qemu command line: tsvirt vs stock libvirtd', { timeout: 600_000 }, () => {
  let lv: QemuLibvirtd | undefined;
  let lvError: unknown;
  const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-argv-'));
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml')).sort();
  const matched: string[] = [];

  before(async () => {
    if (!(hasVirsh() && hasLibvirtd() && canUnsharePid() && hasQemu())) return;
    try { lv = await startQemuLibvirtd(); } catch (e) { lvError = e; }
  });
  after(async () => {
    await lv?.stop();
    rmSync(tmp, { recursive: true, force: true });
    if (fixtures.length > 0) console.log(`qemu-argv: ${matched.length}/${fixtures.length} domain XMLs match libvirt exactly`);
  });

  function need(t: TestContext): QemuLibvirtd | undefined {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'pidns', 'qemu')) return undefined;
    if (lvError !== undefined) throw lvError;
    assert.ok(lv, 'libvirtd was not started');
    return lv;
  }

  it('has at least 20 domain XMLs', () => {
    assert.ok(fixtures.length >= 20, `${fixtures.length} fixtures`);
  });

  for (const f of fixtures) {
    it(`domxml-to-native qemu-argv ${f}`, async (t) => {
      const d = need(t);
      if (!d) return;
      const file = join(FIXTURES, f);
      const r = await d.virsh('domxml-to-native', 'qemu-argv', file);
      assert.equal(r.status, 0, `virsh failed: ${r.stderr}`);
      const def = parseQemuDomainXml(readFileSync(file, 'utf8'));
      // qemuConnectDomainXMLToNative gives each (rewritten) interface a tap fd.
      const tapFds: Record<string, number> = {};
      devicesOf(def, 'interface').forEach((n, i) => { tapFds[aliasOf(n)] = 25 + i; });
      const ours = commandToString(buildQemuCommandLine(def, {
        id: -1, privileged: true, env: process.env, tapFds, interfacesAsTap: true,
      }));
      const a = normalise(ours);
      const b = normalise(r.stdout);
      assert.equal(a, b, firstDifference(a, b));
      matched.push(f);
    });
  }

  for (const f of fixtures) {
    it(`define + dumpxml --inactive ${f}`, async (t) => {
      const d = need(t);
      if (!d) return;
      const file = join(FIXTURES, f);
      const def = parseQemuDomainXml(readFileSync(file, 'utf8'));
      const r = await d.virsh('define', file);
      assert.equal(r.status, 0, `virsh define failed: ${r.stderr}`);
      let theirs: string;
      let theirsAgain: string;
      try {
        const x = await d.virsh('dumpxml', '--inactive', def.name);
        assert.equal(x.status, 0, `virsh dumpxml failed: ${x.stderr}`);
        theirs = x.stdout;
        // libvirt's XML defined again (as a daemon restart reads it back).
        const again = join(tmp, `again-${f}`);
        writeFileSync(again, theirs);
        const r2 = await d.virsh('define', again);
        assert.equal(r2.status, 0, `virsh define (again) failed: ${r2.stderr}`);
        const x2 = await d.virsh('dumpxml', '--inactive', def.name);
        assert.equal(x2.status, 0, `virsh dumpxml (again) failed: ${x2.stderr}`);
        theirsAgain = x2.stdout;
      } finally {
        await d.virsh('undefine', def.name);
      }
      dropAliases(def);
      // virsh prints the XML and a newline.
      assert.equal(`${formatDomainDef(def, qemuXMLOption, { inactive: true, secure: false })}\n`, theirs);
      // The defaults are idempotent: a driver keeps the defaulted XML and
      // parses it again at each start and daemon restart.
      const again = parseQemuDomainXml(theirs);
      dropAliases(again);
      assert.equal(`${formatDomainDef(again, qemuXMLOption, { inactive: true, secure: false })}\n`, theirsAgain, 'reparsed');
    });
  }

  describe('qemu:///session (a session libvirtd virsh spawns for nobody)', () => {
    // The XMLs without interfaces: domxml-to-native opens a tap for each
    // rewritten interface, which an unprivileged daemon may not.
    const noNics = fixtures.filter((f) => devicesOf(parseQemuDomainXml(readFileSync(join(FIXTURES, f), 'utf8')), 'interface').length === 0);
    const sess = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-session-'));
    const home = join(sess, 'home');
    const runtime = join(sess, 'run');
    const NOBODY = 65534;
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home };
    before(() => {
      // Only root can hand the dirs to nobody; the tests then skip (or fail in CI).
      if (process.getuid?.() !== 0) return;
      chmodSync(sess, 0o755);
      for (const d of [home, runtime]) {
        mkdirSync(d, { mode: 0o700 });
        chownSync(d, NOBODY, NOBODY);
      }
    });
    after(() => {
      // virsh autospawned `libvirtd --timeout=120` for nobody: stop it now.
      try {
        const pid = Number(readFileSync(join(runtime, 'libvirt', 'libvirtd.pid'), 'utf8').trim());
        if (pid > 0) process.kill(pid, 'SIGTERM');
      } catch { /* not started */ }
      rmSync(sess, { recursive: true, force: true });
    });

    for (const f of noNics) {
      it(`domxml-to-native qemu-argv ${f}`, async (t) => {
        // Root is needed to run virsh as nobody.
        if (!requireOracles(t, 'virsh', 'libvirtd', 'qemu', 'unshare')) return;
        const copy = join(sess, f);
        writeFileSync(copy, readFileSync(join(FIXTURES, f)));
        chmodSync(copy, 0o644);
        const r = await run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', '-i',
          `PATH=${env.PATH}`, `HOME=${home}`, `XDG_RUNTIME_DIR=${runtime}`,
          'virsh', '-c', 'qemu:///session', 'domxml-to-native', 'qemu-argv', copy], { timeoutMs: 120_000 });
        assert.equal(r.status, 0, `virsh failed: ${r.stderr}`);
        const def = parseQemuDomainXml(readFileSync(copy, 'utf8'));
        const ours = commandToString(buildQemuCommandLine(def, {
          id: -1, privileged: false, env, libRoot: join(home, '.config/libvirt/qemu/lib'),
          channelRoot: join(home, '.config/libvirt/qemu/channel/target'),
        }));
        const a = normalise(ours);
        const b = normalise(r.stdout);
        assert.equal(a, b, firstDifference(a, b));
      });
    }
  });

  describe('real starts (domain log)', () => {
    let guest: TestGuest | undefined;
    let guestError: unknown;
    before(async () => {
      if (!lv) return;
      try { guest = await ensureTestGuest(); } catch (e) { guestError = e; }
    });

    /** The daemon and the guest, or undefined when the test was skipped. */
    function needGuest(t: TestContext): { d: QemuLibvirtd; guest: TestGuest } | undefined {
      const d = need(t);
      if (!d) return undefined;
      if (guestError !== undefined) {
        // A build needs the Debian mirror: outside CI its absence is a skip.
        if (isCI()) throw guestError;
        t.skip(`the test guest could not be built (${String((guestError as Error).message).split('\n')[0]}); skipped`);
        return undefined;
      }
      assert.ok(guest, 'no guest');
      return { d, guest };
    }

    async function startAndCompare(d: QemuLibvirtd, name: string, xml: string, qcow2Aliases: string[], fileSerials: string[] = []): Promise<void> {
      const file = join(tmp, `${name}.xml`);
      writeFileSync(file, xml);
      const c = await d.virsh('create', file);
      assert.equal(c.status, 0, `virsh create failed: ${c.stderr}\n${d.domainLog(name)}`);
      try {
        const id = Number((await d.virsh('domid', name)).stdout.trim());
        const disp = (await d.virsh('domdisplay', name)).stdout.trim();
        // vnc://HOST:DISPLAY or spice://HOST:PORT
        const m = /^(vnc|spice):\/\/.*:(\d+)$/.exec(disp);
        const port = m ? (m[1] === 'vnc' ? 5900 : 0) + Number(m[2]) : undefined;
        const def = parseQemuDomainXml(xml);
        const chardevFds: Record<string, number> = {};
        for (const ch of devicesOf(def, 'channel')) if (getAttr(ch, 'type') === 'unix') chardevFds[`char${aliasOf(ch)}`] = 0;
        const ours = commandToLogLines(buildQemuCommandLine(def, {
          id, privileged: true, env: process.env, monitor: { fd: 0 }, chardevFds,
          graphicsPorts: [port], probedNoBacking: new Set(qcow2Aliases),
          fileFdsets: Object.fromEntries(fileSerials.map((alias, i) => [`char${alias}`, { set: i, fd: 0 }])),
        }));
        const a = normalise(ours);
        const b = normalise(lastLoggedCommand(d.domainLog(name)));
        assert.equal(a, b, firstDifference(a, b));
      } finally {
        await d.virsh('destroy', name);
      }
    }

    it('pc: kernel boot, serial console, unix channel', async (t) => {
      const env = needGuest(t);
      if (!env) return;
      await startAndCompare(env.d, 'argv-real-pc', guestXml('argv-real-pc', { guest: env.guest, uuid: 'a1a1a1a1-0000-4000-8000-000000000001' }), []);
    });

    it('q35: qcow2 virtio disk, user NIC, VNC + VGA, balloon, panic', async (t) => {
      const env = needGuest(t);
      if (!env) return;
      const disk = join(tmp, 'disk.qcow2');
      chmodSync(tmp, 0o755);
      const img = await run('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
      assert.equal(img.status, 0, img.stderr);
      chmodSync(disk, 0o666);
      const devices = [
        `    <disk type='file' device='disk'>`,
        `      <driver name='qemu' type='qcow2'/>`,
        `      <source file='${disk}'/>`,
        `      <target dev='vda' bus='virtio'/>`,
        `    </disk>`,
        `    <interface type='user'>`,
        `      <mac address='52:54:00:7a:51:99'/>`,
        `      <model type='virtio'/>`,
        `    </interface>`,
      ].join('\n');
      const xml = guestXml('argv-real-q35', { guest: env.guest, uuid: 'a1a1a1a1-0000-4000-8000-000000000002', machine: 'q35', vnc: true, balloon: true, panic: true, devices });
      await startAndCompare(env.d, 'argv-real-q35', xml, ['virtio-disk0']);
    });

    it('pc: file serial, VNC on a unix socket, HDA sound, watchdog, boot menu, iothread', async (t) => {
      const env = needGuest(t);
      if (!env) return;
      chmodSync(tmp, 0o755);
      const devices = [
        `    <serial type='file'>`,
        `      <source path='${join(tmp, 'serial1.log')}'/>`,
        `      <target port='1'/>`,
        `    </serial>`,
        `    <graphics type='vnc'>`,
        `      <listen type='socket'/>`,
        `    </graphics>`,
        `    <sound model='ich6'/>`,
        `    <watchdog model='i6300esb' action='poweroff'/>`,
      ].join('\n');
      const xml = guestXml('argv-real-misc', { guest: env.guest, uuid: 'a1a1a1a1-0000-4000-8000-000000000003', video: true, devices })
        .replace('</os>', `  <bootmenu enable='yes' timeout='1000'/>\n  </os>\n  <iothreads>1</iothreads>`);
      await startAndCompare(env.d, 'argv-real-misc', xml, [], ['serial1']);
    });

    it('q35: SPICE with its agent channel, QXL, ICH9 sound, USB redirection', async (t) => {
      const env = needGuest(t);
      if (!env) return;
      const devices = [
        `    <channel type='spicevmc'>`,
        `      <target type='virtio' name='com.redhat.spice.0'/>`,
        `    </channel>`,
        `    <input type='tablet' bus='usb'/>`,
        `    <graphics type='spice' autoport='yes'>`,
        `      <listen type='address'/>`,
        `    </graphics>`,
        `    <sound model='ich9'/>`,
        `    <video>`,
        `      <model type='qxl' heads='1'/>`,
        `    </video>`,
        `    <redirdev bus='usb' type='spicevmc'/>`,
      ].join('\n');
      const xml = guestXml('argv-real-spice', { guest: env.guest, uuid: 'a1a1a1a1-0000-4000-8000-000000000004', machine: 'q35', devices });
      await startAndCompare(env.d, 'argv-real-spice', xml, []);
    });
  });
});
