/**
 * Entry points outside the REMOTE program's driver contract:
 * virDomainFDAssociate (its descriptors travel beside the call) and the
 * QEMU and LXC programs' calls (libvirt-qemu.c, libvirt-lxc.c). No driver
 * here implements them, so after libvirt's own checks they end as an
 * unsupported call.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { Connection } from './connection.js';
import type { Domain } from './objects.js';

/** virCheckReadOnlyGoto for a call named by its public function. */
function checkWritable(conn: Connection, api: string): void {
  if (conn.isReadOnly) {
    throw VirtError.report(ErrorCode.OPERATION_DENIED, ErrorDomain.DOMAIN, `read only access prevents ${api}`);
  }
}

function unsupported(api: string): VirtError {
  return VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, api);
}

/** virDomainFDAssociate. */
export async function domainFDAssociate(dom: Domain, name: string, fds: readonly number[], flags: number):
  Promise<void> {
  if (fds.length === 0) {
    throw new VirtError(ErrorCode.INVALID_ARG, 'nfds in virDomainFDAssociate must not be zero', ErrorDomain.DOMAIN,
      { str1: 'virDomainFDAssociate', str2: 'nfds' });
  }
  checkWritable(dom.conn, 'virDomainFDAssociate');
  // Passing the descriptors themselves needs a driver that takes them.
  await dom.conn.call('domainFDAssociate', { dom: dom.ref, name, flags });
}

/** virDomainQemuMonitorCommand / virDomainQemuMonitorCommandWithFiles. */
export async function qemuMonitorCommand(dom: Domain, _cmd: string, withFiles: boolean, _flags: number): Promise<string> {
  const api = withFiles ? 'virDomainQemuMonitorCommandWithFiles' : 'virDomainQemuMonitorCommand';
  checkWritable(dom.conn, api);
  throw unsupported(api);
}

/** virDomainQemuAgentCommand. */
export async function qemuAgentCommand(dom: Domain, _cmd: string, _timeout: number, _flags: number): Promise<string> {
  checkWritable(dom.conn, 'virDomainQemuAgentCommand');
  throw unsupported('virDomainQemuAgentCommand');
}

/** virDomainQemuAttach. */
export async function qemuAttach(conn: Connection, _pid: number, _flags: number): Promise<Domain> {
  checkWritable(conn, 'virDomainQemuAttach');
  throw unsupported('virDomainQemuAttach');
}

/** virDomainLxcOpenNamespace. */
export async function lxcOpenNamespace(dom: Domain, _flags: number): Promise<number[]> {
  checkWritable(dom.conn, 'virDomainLxcOpenNamespace');
  throw unsupported('virDomainLxcOpenNamespace');
}
