import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { WRITE_METHODS } from '../driver/driver.js';
import { fromXdr, toXdr, XdrError, XdrReader } from '../xdr/index.js';
import { repoRoot, SNAPSHOTS } from './gen-snapshot.js';
import {
  decodeArgs, decodeMsg, decodeRet, encodeArgs, encodeMsg, encodeRet, formatSnapshot, keepalive, programSnapshot, remote,
  type ArgsOf, type Remote, type RemoteArgs, type RemoteRet, type RemoteStream, type RetOf,
} from './index.js';

// ArgsOf/RetOf are the contract-side types of a table entry.
const xmlArgs: ArgsOf<typeof remote.domainGetXMLDesc> = {
  dom: { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 }, flags: 0,
};
const shot: RetOf<typeof remote.domainScreenshot> = { mime: 'image/png' };
void shot;

const CLIENT_SIDE = ['subscribeEvents', 'eventsReady', 'connectIsAlive', 'connectIsEncrypted', 'connectSetKeepAlive'];

// -------------------------------------------------------------- the tests

const dom = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };

describe('REMOTE program table', () => {
  test('program 0x20008086 version 1; procedures 1..443 of libvirt 9.0, each number once', () => {
    assert.equal(remote.prog, 0x20008086);
    assert.equal(remote.vers, 1);
    const entries = remote.entries();
    assert.deepEqual(entries.map((e) => e.number), Array.from({ length: 443 }, (_, i) => i + 1));
    assert.equal(entries.filter((e) => e.kind === 'event').length, 51);
    for (const e of entries) {
      assert.equal(remote.byNumber(e.number), e);
      assert.equal((remote as unknown as Record<string, unknown>)[e.name], e);
      assert.equal(e.prog, 0x20008086);
    }
    assert.equal(remote.byNumber(444), undefined);
    assert.equal(Object.keys(remote).length, 443, 'only entries are enumerable');
  });

  test('the contract methods without a wire procedure have none in libvirt either', () => {
    for (const m of CLIENT_SIDE) assert.ok(!(m in remote), m);
  });

  test('WRITE_METHODS (read-only denials of the API and driver layers) is the table\'s read-only column', () => {
    const denied = remote.entries().filter((e) => e.kind === 'call' && e.readonly === false).map((e) => e.name);
    assert.deepEqual([...WRITE_METHODS].sort(), denied.sort());
  });

  test('the procedures the brief and the virsh traces need, with libvirt\'s numbers', () => {
    const need: Record<string, number> = {
      connectOpen: 1, connectClose: 2, connectGetType: 3, connectGetVersion: 4, nodeGetInfo: 6,
      connectGetCapabilities: 7, domainCreate: 9, domainDefineXML: 11, domainDestroy: 12, domainGetXMLDesc: 14,
      domainGetAutostart: 15, domainGetInfo: 16, domainGetOSType: 19, domainLookupByID: 22, domainLookupByName: 23,
      domainLookupByUUID: 24, domainReboot: 27, domainResume: 28, domainSetAutostart: 29, domainShutdown: 33,
      domainSuspend: 34, networkGetXMLDesc: 43, networkGetAutostart: 44, networkGetBridgeName: 45,
      networkLookupByName: 46, connectGetHostname: 59, connectSupportsFeature: 60, authList: 66, authSaslInit: 67,
      authSaslStart: 68, authSaslStep: 69, authPolkit: 70, storagePoolLookupByName: 84, storagePoolLookupByVolume: 86,
      storagePoolGetInfo: 87, storagePoolGetAutostart: 89, storageVolCreateXML: 93, storageVolDelete: 94,
      storageVolLookupByName: 95, storageVolGetPath: 100, nodeGetFreeMemory: 102, connectGetURI: 110,
      domainGetSecurityLabel: 121, nodeGetSecurityModel: 122, domainIsActive: 150, domainIsPersistent: 151,
      networkIsActive: 152, networkIsPersistent: 153, storagePoolIsActive: 154, storagePoolIsPersistent: 155,
      interfaceIsActive: 156, connectGetLibVersion: 157, domainHasManagedSaveImage: 183, domainSnapshotNum: 187,
      domainOpenConsole: 201, connectGetSysinfo: 203, storageVolUpload: 208, storageVolDownload: 209,
      domainScreenshot: 211, domainGetState: 212, domainUndefineFlags: 231, connectListAllDomains: 273,
      connectListAllStoragePools: 281, storagePoolListAllVolumes: 282, connectListAllNetworks: 283,
      connectListAllInterfaces: 284, connectListAllNodeDevices: 285, domainOpenChannel: 296,
      connectNetworkEventRegisterAny: 313, connectNetworkEventDeregisterAny: 314, networkEventLifecycle: 315,
      connectDomainEventCallbackRegisterAny: 316, connectDomainEventCallbackDeregisterAny: 317,
      domainEventCallbackLifecycle: 318, domainEventCallbackReboot: 319, connectGetDomainCapabilities: 342,
      connectRegisterCloseCallback: 360, connectUnregisterCloseCallback: 361, connectEventConnectionClosed: 362,
      connectStoragePoolEventRegisterAny: 368, connectStoragePoolEventDeregisterAny: 369,
      storagePoolEventLifecycle: 370, storagePoolEventRefresh: 373, domainGetMessages: 426,
    };
    const table = remote as unknown as Record<string, { number: number }>;
    for (const [name, n] of Object.entries(need)) assert.equal(table[name]?.number, n, name);
  });

  test('event messages are MESSAGE payloads, not calls', () => {
    for (const n of [107, 315, 318, 319, 362, 370, 373]) assert.equal(remote.byNumber(n)?.kind, 'event', String(n));
    assert.equal(remote.domainEventCallbackLifecycle.msg.shape,
      'struct { int callbackID; remote_domain_event_lifecycle_msg msg; }');
    assert.equal(remote.connectEventConnectionClosed.msg.shape, 'struct { int reason; }');
  });

  test('read-only permission as libvirt 9.0 enforces it (the cases verified live, §17)', () => {
    assert.equal(remote.domainSuspend.readonly, false);
    assert.equal(remote.domainDestroy.readonly, false);
    assert.equal(remote.domainScreenshot.readonly, false);
    assert.equal(remote.domainGetHostname.readonly, false);
    assert.equal(remote.domainSetAutostart.readonly, false);
    assert.equal(remote.domainOpenConsole.readonly, false);
    assert.equal(remote.domainGetXMLDesc.readonly, 'flags');
    assert.equal(remote.domainGetVcpusFlags.readonly, 'flags');
    assert.equal(remote.nodeGetInfo.readonly, true);
    assert.equal(remote.connectDomainEventCallbackRegisterAny.readonly, true);
    assert.equal(remote.domainGetState.readonly, true);
    for (const p of [remote.authList, remote.authSaslInit, remote.authSaslStart, remote.authSaslStep, remote.authPolkit]) {
      assert.equal(p.preAuth, true, p.name);
    }
    assert.equal(remote.connectOpen.preAuth, false);
  });

  test('priority, streams and FD passing', () => {
    assert.equal(remote.domainLookupByName.priority, 'high');
    assert.equal(remote.domainDestroy.priority, 'high');
    assert.equal(remote.domainGetXMLDesc.priority, 'normal');
    assert.equal(remote.domainSuspend.priority, 'normal');
    assert.equal(remote.domainScreenshot.stream, 'in');
    assert.equal(remote.storageVolDownload.stream, 'in');
    assert.equal(remote.storageVolDownload.sparse, true);
    assert.equal(remote.storageVolUpload.stream, 'out');
    assert.equal(remote.storageVolUpload.sparse, true);
    assert.equal(remote.domainOpenConsole.stream, 'both');
    assert.equal(remote.domainOpenChannel.stream, 'both');
    assert.equal(remote.domainMigratePrepareTunnel3Params.stream, 'out');
    assert.equal(remote.domainGetXMLDesc.stream, null);
    assert.equal(remote.domainOpenGraphics.fds, 'out');
    assert.equal(remote.domainOpenGraphicsFD.fds, 'in');
    const streams = remote.entries().filter((e) => e.kind === 'call' && e.stream).map((e) => e.number);
    assert.deepEqual(streams, [148, 201, 208, 209, 211, 215, 296, 304]);
  });

  test('char-array fields: SASL data are bytes, labels/models are C strings', () => {
    assert.equal(remote.authSaslStart.args.shape,
      'struct { remote_nonnull_string mech; int nil; char<65536> data; }');
    const sasl = { mech: 'SCRAM-SHA-256', nil: 0, data: new Uint8Array([0x6e, 0x2c, 0xc3]) };
    assert.deepEqual(decodeArgs(remote.authSaslStart, encodeArgs(remote.authSaslStart, sasl)), sasl);
    assert.equal(remote.nodeGetSecurityModel.ret.shape, 'struct { char<257> model; char<257> doi; }');
    assert.equal(remote.domainGetSecurityLabel.ret.shape, 'remote_domain_get_security_label_ret');
    assert.equal(remote.nodeGetInfo.ret.shape.startsWith('struct { char[32] model;'), true);
  });

  test('domainGetInfo: cpuTime exact (bigint) on the wire, a number in the contract', () => {
    const contract = { state: 1, maxMem: 8388608, memory: 2097152, nrVirtCpu: 2, cpuTime: 1795283215719562000 };
    const { body } = encodeRet(remote.domainGetInfo, contract);
    assert.equal(body.length, 32);
    const wire = fromXdr(remote.domainGetInfo.ret, body);
    assert.equal(typeof wire.cpuTime, 'bigint');
    assert.equal(decodeRet(remote.domainGetInfo, body).cpuTime, Number(wire.cpuTime));
    assert.throws(() => encodeRet(remote.domainGetInfo, { ...contract, cpuTime: 1.5 }), XdrError);
  });

  test('domainScreenshot: the reply carries {mime}; the image travels on the stream like any other', () => {
    const out = encodeRet(remote.domainScreenshot, { mime: 'image/png' });
    assert.deepEqual(fromXdr(remote.domainScreenshot.ret, out.body), { mime: 'image/png' });
    assert.equal(out.data, undefined);
    assert.equal(remote.domainScreenshot.override, null);
  });

  test('contract-shaped values encode with the table\'s codecs (a few common procedures)', () => {
    const body = encodeArgs(remote.domainGetXMLDesc, xmlArgs);
    assert.equal(body.length, 32);
    assert.deepEqual(decodeArgs(remote.domainGetXMLDesc, body), xmlArgs);
    const list = { domains: [dom], ret: 1 };
    assert.deepEqual(decodeRet(remote.connectListAllDomains, encodeRet(remote.connectListAllDomains, list).body), list);
    const ev = { callbackID: 28, msg: { dom, event: 3, detail: 0 } };
    assert.equal(encodeMsg(remote.domainEventCallbackLifecycle, ev).length, 40);
    assert.deepEqual(decodeMsg(remote.domainEventCallbackLifecycle, encodeMsg(remote.domainEventCallbackLifecycle, ev)), ev);
    const sched = { params: [{ field: 'weight', type: 2, value: 50 }] };
    assert.deepEqual(decodeRet(remote.domainGetSchedulerParameters,
      encodeRet(remote.domainGetSchedulerParameters, sched).body), sched);
    // libvirt ignores trailing payload bytes; so do decodeArgs/decodeRet
    assert.deepEqual(decodeArgs(remote.domainGetXMLDesc, Buffer.concat([body, new Uint8Array(8)])), xmlArgs);
  });

  test('list maxima come from remote_protocol.x', () => {
    assert.equal(remote.connectListAllDomains.ret.shape, 'struct { remote_nonnull_domain<16384> domains; unsigned int ret; }');
    assert.equal(remote.connectListAllNodeDevices.ret.shape,
      'struct { remote_nonnull_node_device<65536> devices; unsigned int ret; }');
    assert.equal(remote.authList.ret.shape, 'struct { remote_auth_type<20> types; }');
    assert.equal(remote.domainGetMessages.ret.shape, 'struct { remote_nonnull_string<2048> msgs; }');
    const tooMany = { domains: Array.from({ length: 16385 }, () => dom), ret: 16385 };
    assert.throws(() => encodeRet(remote.connectListAllDomains, tooMany), XdrError);
  });

  test('decoding garbage fails with XdrError only, never a RangeError (every entry, seeded fuzz)', () => {
    let seed = 0x2545f491;
    const rnd = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32; };
    for (const e of remote.entries()) {
      const codecs = e.kind === 'event' ? [e.msg] : [e.args, e.ret];
      for (const c of codecs) {
        for (let i = 0; i < 40; i++) {
          const buf = new Uint8Array(Math.floor(rnd() * 96));
          for (let k = 0; k < buf.length; k++) buf[k] = rnd() < 0.6 ? 0 : Math.floor(rnd() * 256);
          try {
            c.decode(new XdrReader(buf));
          } catch (err) {
            assert.ok(err instanceof XdrError, `${e.name}: ${String(err)}`);
          }
        }
      }
    }
  });
});

describe('wire snapshot', () => {
  for (const [rel, table] of SNAPSHOTS) {
    test(`${rel} matches the table (regenerate with node dist/src/protocol/gen-snapshot.js)`, () => {
      const want = readFileSync(`${repoRoot()}/${rel}`, 'utf8');
      assert.equal(formatSnapshot(programSnapshot(table)), want);
    });
  }

  test('the snapshot lists { name, number, shape } for every entry', () => {
    const s = programSnapshot(remote);
    assert.equal(s.entries.length, 443);
    assert.deepEqual(s.entries[13], {
      name: 'domainGetXMLDesc', number: 14,
      shape: {
        kind: 'call', args: 'struct { remote_nonnull_domain dom; unsigned int flags; }',
        ret: 'struct { remote_nonnull_string xml; }', priority: 'normal', readonly: 'flags',
      },
    });
    assert.equal(s.types['remote_nonnull_domain'], 'struct { remote_nonnull_string name; remote_uuid uuid; int id; }');
    assert.equal(programSnapshot(keepalive).entries.length, 2);
    assert.equal(toXdr(keepalive.ping.msg, undefined).length, 0);
  });
});
