/**
 * The live chardev facts chardev.ts keeps (qemu-driver.md §3.3, §4.4):
 * unix virtio channels get a path in the domain's channel dir, the guest
 * side of virtio channels follows query-chardev and VSERPORT_CHANGE. The
 * same against libvirtd on real guests: test/interop/qemu-chardev.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDomainXml } from '../../conf/domain-def.js';
import { getAttr, kid } from '../../conf/domain-xml.js';
import { qemuXMLOption } from './domain-conf.js';
import { applyQemuDefaults, devicesOf } from './domain-defaults.js';
import { prepareChannelSources, refreshChannelStates, serialChanged } from './chardev.js';

function def() {
  const d = parseDomainXml(`<domain type='qemu'><name>g1</name><memory>131072</memory>
    <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>
    <channel type='unix'><target type='virtio' name='org.tsvirt.echo.0'/></channel>
    <channel type='unix'><source mode='bind' path='/tmp/own.sock'/><target type='virtio' name='own'/></channel>
    <channel type='pty'><target type='virtio' name='org.tsvirt.pty.0'/></channel>
    </devices></domain>`, qemuXMLOption(() => undefined, () => false));
  applyQemuDefaults(d);
  return d;
}

test('unix virtio channels without a path get one in the channel dir; others keep theirs', () => {
  const d = def();
  prepareChannelSources(d, '/var/lib/libvirt/qemu/channel/target/domain-1-g1');
  const src = devicesOf(d, 'channel').map((c) => kid(c, 'source')?.attrs);
  assert.deepEqual(src, [
    [['mode', 'bind'], ['path', '/var/lib/libvirt/qemu/channel/target/domain-1-g1/org.tsvirt.echo.0']],
    [['mode', 'bind'], ['path', '/tmp/own.sock']],
    undefined,
  ]);
});

test('channel states from query-chardev, then VSERPORT_CHANGE', () => {
  const d = def();
  refreshChannelStates(d, [
    { label: 'charchannel0', filename: 'unix:/x', 'frontend-open': true },
    { label: 'charchannel2', filename: 'pty:/dev/pts/3', 'frontend-open': false },
  ]);
  const states = () => devicesOf(d, 'channel').map((c) => getAttr(kid(c, 'target'), 'state'));
  assert.deepEqual(states(), ['connected', undefined, 'disconnected']);
  assert.equal(serialChanged(d, { id: 'channel1', open: true }), true);
  assert.equal(serialChanged(d, { id: 'channel0', open: false }), true);
  assert.equal(serialChanged(d, { id: 'serial0', open: true }), false);
  assert.deepEqual(states(), ['disconnected', 'connected', 'disconnected']);
});
