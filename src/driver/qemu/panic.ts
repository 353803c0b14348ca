/**
 * A guest panic (QEMU's GUEST_PANICKED; qemu_process.c
 * qemuProcessHandleGuestPanic, handled later in a worker as qemu_driver.c
 * processGuestPanicEvent does): the domain becomes crashed (panicked) with
 * a Crashed/Panicked event, then `<on_crash>` decides: destroy stops it as
 * shut off (crashed) with Stopped/Crashed, restart reboots it in place (a
 * fake reboot: running (crashed) again), preserve leaves it crashed. The
 * coredump-* actions would dump memory first; tsvirt does not dump and
 * acts as their plain counterparts. Reference: qemu-driver.md §3.3, §3.4.
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

/**
 * GUEST_PANICKED. With QEMU's panic action "pause" a STOP follows; in
 * libvirt the monitor thread handles that STOP while a worker handles the
 * panic, so whether "Suspended Paused" comes before "Crashed Panicked" is
 * a race (seen both ways with on_crash=destroy; never with preserve or
 * restart). Here the domain is crashed at once, so the STOP finds it no
 * longer running and changes nothing; <on_crash> is then acted on as a job.
 */
export function handleGuestPanic(h: PanicHost, vm: QemuDomainObj, data: Record<string, unknown>): void {
  if (!vm.isActive) return;
  markCrashed(h, vm, data);
  void vm.job(() => applyOnCrash(h, vm)).catch(() => undefined);
}

/**
 * qemuMonitorGuestPanicEventInfoFormatMsg for Hyper-V's crash MSRs (the
 * form in libvirt's source; not observed here: pvpanic reports no info).
 */
function panicInfoMessage(info: unknown): string | undefined {
  if (!info || typeof info !== 'object') return undefined;
  const i = info as Record<string, unknown>;
  if (i['type'] !== 'hyper-v') return undefined;
  const hex = (v: unknown) => `0x${BigInt(Number(v ?? 0)).toString(16)}`;
  return `hyper-v: ${[1, 2, 3, 4, 5].map((n) => `arg${n}='${hex(i[`arg${n}`])}'`).join(', ')}`;
}

/** processGuestPanicEvent, first half: the panic's details in the log, crashed (panicked), the event. */
function markCrashed(h: PanicHost, vm: QemuDomainObj, data: Record<string, unknown>): void {
  if (!vm.isActive) return;
  const msg = panicInfoMessage(data['info']);
  if (msg !== undefined) h.appendLog(vm, `panic ${msg}\n`);
  vm.setState(St.CRASHED, CrashedReason.PANICKED);
  h.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.CRASHED, detail: EventCrashedDetail.PANICKED });
  h.saveStatus(vm);
}

/** processGuestPanicEvent, second half: what <on_crash> says. */
async function applyOnCrash(h: PanicHost, vm: QemuDomainObj): Promise<void> {
  if (!vm.isActive || vm.state !== St.CRASHED) return;
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
