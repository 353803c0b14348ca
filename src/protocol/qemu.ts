/**
 * The QEMU program (0x20008087 v1, qemu_protocol.x) and the LXC program
 * (0x00068000 v1, lxc_protocol.x): the hypervisor-specific APIs carried on
 * the same connection as REMOTE (libvirt-rpc.md §20). Read-only permissions
 * were checked live against libvirtd 9.0: everything but monitor-event
 * deregistration is denied on a read-only connection (code 29, domain 0).
 */
import { hyper, int, struct, uint } from '../xdr/index.js';
import { ProgramNumber } from './header.js';
import { event, proc, program } from './program.js';
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
