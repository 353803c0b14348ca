/**
 * The QEMU program (0x20008087 v1, qemu_protocol.x) and the LXC program
 * (0x00068000 v1, lxc_protocol.x): the hypervisor-specific APIs carried on
 * the same connection as REMOTE (libvirt-rpc.md §20). Read-only permissions
 * were checked live against libvirtd 9.0: everything but monitor-event
 * deregistration is denied on a read-only connection (code 29, domain 0).
 */
import { hyper, int, struct, uint } from '../xdr/index.js';
import { ProgramNumber } from './header.js';
import { event, proc, program, type Entry } from './program.js';
import { domainRef, optDomainRef, optStr, str } from './remote-types.js';

/** The QEMU program table. */
export const qemu = program(ProgramNumber.QEMU, 1, {
  domainMonitorCommand: proc(1, { // QEMU_PROC_DOMAIN_MONITOR_COMMAND
    args: struct({ dom: domainRef, cmd: str, flags: uint }),
    ret: struct({ result: str }),
  }),
  domainAttach: proc(2, { // QEMU_PROC_DOMAIN_ATTACH
    args: struct({ pid_value: uint, flags: uint }),
    ret: struct({ dom: domainRef }),
  }),
  domainAgentCommand: proc(3, { // QEMU_PROC_DOMAIN_AGENT_COMMAND
    args: struct({ dom: domainRef, cmd: str, timeout: int, flags: uint }),
    ret: struct({ result: optStr }),
  }),
  connectDomainMonitorEventRegister: proc(4, { // QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER
    args: struct({ dom: optDomainRef, event: optStr, flags: uint }),
    ret: struct({ callbackID: int }),
    priority: 'high',
  }),
  connectDomainMonitorEventDeregister: proc(5, { // QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER
    args: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  domainMonitorEvent: event(6, struct({ // QEMU_PROC_DOMAIN_MONITOR_EVENT
    callbackID: int, dom: domainRef, event: str, seconds: hyper, micros: uint, details: optStr,
  })),
  domainMonitorCommandWithFiles: proc(7, { // QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES
    args: struct({ dom: domainRef, cmd: str, flags: uint }),
    ret: struct({ result: str }),
    fds: 'both',
  }),
});

/** The LXC program table. */
export const lxc = program(ProgramNumber.LXC, 1, {
  domainOpenNamespace: proc(1, { // LXC_PROC_DOMAIN_OPEN_NAMESPACE: the namespace FDs come back with REPLY_WITH_FDS
    args: struct({ dom: domainRef, flags: uint }),
    fds: 'in',
  }),
});

export type Qemu = typeof qemu;
export type Lxc = typeof lxc;

/**
 * The driver-contract name of a procedure: the REMOTE table's own name, and
 * for the QEMU and LXC programs the name with `qemu`/`lxc` in front
 * (`qemuDomainMonitorCommand`), so one contract holds all three programs.
 */
export function contractName(e: { prog: number; name: string }): string {
  if (e.prog === ProgramNumber.QEMU) return `qemu${e.name[0]!.toUpperCase()}${e.name.slice(1)}`;
  if (e.prog === ProgramNumber.LXC) return `lxc${e.name[0]!.toUpperCase()}${e.name.slice(1)}`;
  return e.name;
}

/** The entry of a contract name in the REMOTE, QEMU or LXC table, if any. */
export function entryOfContractName(name: string, remoteTable: object): Entry | undefined {
  const m = /^(qemu|lxc)([A-Z].*)$/.exec(name);
  const table = (m ? (m[1] === 'qemu' ? qemu : lxc) : remoteTable) as unknown as Record<string, Entry>;
  const key = m ? m[2]![0]!.toLowerCase() + m[2]!.slice(1) : name;
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
