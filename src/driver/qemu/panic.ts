/**
 * A guest panic (QEMU's GUEST_PANICKED; qemu_process.c
 * qemuProcessHandleGuestPanic, handled later in a worker as qemu_driver.c
 * processGuestPanicEvent does): the domain becomes crashed (panicked) with
 * a Crashed/Panicked event, then `<on_crash>` decides: destroy stops it as
 * shut off (crashed) with Stopped/Crashed, restart reboots it in place (a
 * fake reboot: running (crashed) again), preserve leaves it crashed. The
 * coredump-* actions would dump memory first; tsvirt does not dump and
 * acts as their plain counterparts. With QEMU's default panic action
 * (pause) the STOP that follows GUEST_PANICKED is seen first, as the
 * worker runs after libvirt's monitor thread handled it: "Suspended Paused",
 * then "Crashed Panicked". Reference: qemu-driver.md §3.3, §3.4.
 */
import type { DriverEvent } from '../driver.js';
import {
  DomainEventType as Ev, EventStoppedDetail,
} from '../../conf/domain-constants.js';
import { QemuDomainObj, ShutoffReason, St } from './domain-obj.js';

/** VIR_DOMAIN_EVENT_CRASHED_PANICKED. */
export const EventCrashedDetail = { PANICKED: 0, CRASHLOADED: 1 } as const;
/** VIR_DOMAIN_CRASHED_PANICKED. */
export const CrashedReason = { UNKNOWN: 0, PANICKED: 1 } as const;

/** What the panic handling needs from the process code. */
export interface PanicHost {
  emit(ev: DriverEvent): void;
  saveStatus(vm: QemuDomainObj): void;
  /** qemuProcessStop with reason crashed (the caller holds the job). */
  stop(vm: QemuDomainObj, reason: number): Promise<void>;
  /** qemuProcessShutdownOrReboot with fakeReboot set. */
  reboot(vm: QemuDomainObj): void;
  removeTransient(vm: QemuDomainObj): void;
  appendLog(vm: QemuDomainObj, text: string): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** GUEST_PANICKED: queue processGuestPanicEvent as a job of the domain. */
export function handleGuestPanic(h: PanicHost, vm: QemuDomainObj, data: Record<string, unknown>): void {
  const action = data['action'];
  void vm.job(async () => {
    // QEMU pauses a panicked guest (action "pause") and says STOP right after.
    for (let i = 0; action === 'pause' && vm.isActive && vm.state === St.RUNNING && i < 20; i++) await sleep(50);
    await processGuestPanic(h, vm, data);
  }).catch(() => undefined);
}

/** processGuestPanicEvent. */
export async function processGuestPanic(h: PanicHost, vm: QemuDomainObj, data: Record<string, unknown>): Promise<void> {
  if (!vm.isActive) return;
  const info = data['info'] as Record<string, unknown> | undefined;
  if (info && typeof info === 'object') {
    // qemuProcessGuestPanicEventInfo: the panic's details go to the domain log.
    const detail = Object.entries(info).filter(([k]) => k !== 'type').map(([k, v]) => `${k}=${String(v)}`).join(' ');
    h.appendLog(vm, `panic ${String(info['type'] ?? '')}: ${detail}\n`);
  }
  vm.setState(St.CRASHED, CrashedReason.PANICKED);
  h.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.CRASHED, detail: EventCrashedDetail.PANICKED });
  h.saveStatus(vm);
  switch (vm.def.onCrash) {
    case 'destroy':
    case 'coredump-destroy': {
      const ref = vm.ref();
      await h.stop(vm, ShutoffReason.CRASHED);
      h.emit({ kind: 'domain-lifecycle', dom: ref, event: Ev.STOPPED, detail: EventStoppedDetail.CRASHED });
      if (!vm.persistent) h.removeTransient(vm);
      return;
    }
    case 'restart':
    case 'coredump-restart':
      vm.fakeReboot = true;
      h.saveStatus(vm);
      h.reboot(vm);
      return;
    default:
      // preserve: it stays crashed until destroyed or reset.
  }
}
