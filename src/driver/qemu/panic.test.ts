/**
 * Guest panics per <on_crash> (panic.ts) against a fake process host: the
 * lifecycle events and states libvirt 9.0 was seen to produce with QEMU
 * 7.2 (test/interop/qemu-chardev.test.ts checks destroy and preserve on
 * real guests; restart was observed as Crashed Panicked, reboot, Resumed
 * Unpaused, running (crashed)). libvirt sometimes sends Suspended Paused
 * before Crashed Panicked (a race between its threads); tsvirt never does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDomainXml } from '../../conf/domain-def.js';
import { DomainEventType as Ev, EventSuspendedDetail } from '../../conf/domain-constants.js';
import type { DriverEvent } from '../driver.js';
import { qemuXMLOption } from './domain-conf.js';
import { QemuDomainObj, ShutoffReason, St } from './domain-obj.js';
import { CrashedReason, handleGuestPanic, type PanicHost } from './panic.js';

function running(onCrash: string): QemuDomainObj {
  const def = parseDomainXml(`<domain type='qemu'><name>g1</name><memory>131072</memory>
    <os><type arch='x86_64' machine='pc'>hvm</type></os><on_crash>${onCrash}</on_crash></domain>`, qemuXMLOption(() => undefined));
  def.id = 1;
  const vm = new QemuDomainObj(def);
  vm.persistent = true;
  vm.stopped = false;
  vm.setState(St.RUNNING, 1);
  return vm;
}

function fakeHost(vm: QemuDomainObj): { host: PanicHost; events: string[]; calls: string[] } {
  const events: string[] = [];
  const calls: string[] = [];
  const host: PanicHost = {
    emit: (ev: DriverEvent) => { if (ev.kind === 'domain-lifecycle') events.push(`${ev.event}/${ev.detail}`); },
    saveStatus: () => undefined,
    stop: async (v, reason) => { calls.push(`stop ${reason}`); v.def.id = -1; v.setState(St.SHUTOFF, reason); },
    reboot: (v) => { calls.push(`reboot fakeReboot=${v.fakeReboot}`); },
    removeTransient: () => { calls.push('remove'); },
    appendLog: (_v, text) => { calls.push(`log ${text}`); },
  };
  return { host, events, calls };
}

/** The STOP handler's effect (process.ts): a running domain becomes paused. */
function stopEvent(h: PanicHost, vm: QemuDomainObj): void {
  if (vm.state !== St.RUNNING) return;
  vm.setState(St.PAUSED, 0);
  h.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.SUSPENDED, detail: EventSuspendedDetail.PAUSED });
}

const settle = () => new Promise<void>((r) => setTimeout(r, 200));

const ON_CRASH: { onCrash: string; says: string; events: string[]; calls: string[]; state?: [number, number] }[] = [
  { onCrash: 'destroy', says: 'Crashed Panicked, Stopped Crashed (the STOP after the panic changes nothing); shut off (crashed)',
    events: [`${Ev.CRASHED}/0`, `${Ev.STOPPED}/2`], calls: [`stop ${ShutoffReason.CRASHED}`], state: [St.SHUTOFF, ShutoffReason.CRASHED] },
  { onCrash: 'preserve', says: 'Crashed Panicked only (the STOP after it changes nothing); crashed (panicked)',
    events: [`${Ev.CRASHED}/0`], calls: [], state: [St.CRASHED, CrashedReason.PANICKED] },
  { onCrash: 'restart', says: 'crashed, then a fake reboot', events: [`${Ev.CRASHED}/0`], calls: ['reboot fakeReboot=true'] },
];

for (const c of ON_CRASH) {
  test(`on_crash=${c.onCrash}: ${c.says}`, async () => {
    const vm = running(c.onCrash);
    const { host, events, calls } = fakeHost(vm);
    handleGuestPanic(host, vm, { action: 'pause' });
    stopEvent(host, vm);
    await settle();
    assert.deepEqual(events, c.events);
    assert.deepEqual(calls, c.calls);
    if (c.state) assert.deepEqual([vm.state, vm.reason], c.state);
  });
}

test('Hyper-V panic details go to the domain log', async () => {
  const vm = running('preserve');
  const { host, calls } = fakeHost(vm);
  handleGuestPanic(host, vm, { action: 'pause', info: { type: 'hyper-v', arg1: 1, arg2: 255, arg3: 0, arg4: 0, arg5: 0 } });
  await settle();
  assert.deepEqual(calls, ["log panic hyper-v: arg1='0x1', arg2='0xff', arg3='0x0', arg4='0x0', arg5='0x0'\n"]);
});

test('a panic of a domain that is no longer running is ignored', async () => {
  const vm = running('destroy');
  vm.def.id = -1;
  const { host, events } = fakeHost(vm);
  handleGuestPanic(host, vm, { action: 'pause' });
  await settle();
  assert.deepEqual(events, []);
});
