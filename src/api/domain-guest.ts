/**
 * Domain calls whose public libvirt entry point does more than forward its
 * arguments (src/libvirt-domain.c): argument checks made on the client side
 * before any driver is asked, and flags the entry point adds itself.
 */
import { DriverFeature, TYPED_PARAM_STRING_OKAY, type TypedParam } from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { Connection } from './connection.js';
import type { Domain } from './objects.js';

/** Whether the driver takes VIR_TYPED_PARAM_STRING_OKAY (VIR_DRV_SUPPORTS_FEATURE(…TYPED_PARAM_STRING)). */
async function stringParamsOkay(conn: Connection): Promise<boolean> {
  const drv = conn.driver;
  if (!drv.connectSupportsFeature) return false;
  return (await drv.connectSupportsFeature({ feature: DriverFeature.TYPED_PARAM_STRING })).supported !== 0;
}

/**
 * virDomainSendProcessSignal: a zero pid is refused before anything else,
 * even on a read-only connection.
 */
export async function domainSendProcessSignal(dom: Domain, pid: number, signum: number, flags = 0): Promise<void> {
  if (pid === 0) {
    throw new VirtError(ErrorCode.INVALID_ARG, 'pid_value in virDomainSendProcessSignal must not be zero',
      ErrorDomain.DOMAIN);
  }
  await dom.conn.call('domainSendProcessSignal', { dom: dom.ref, pid_value: pid, signum, flags });
}

/**
 * virDomainGetLaunchSecurityInfo: string parameters are asked for whenever
 * the driver can return them (the entry point adds the flag itself).
 */
export async function domainGetLaunchSecurityInfo(dom: Domain, flags = 0): Promise<TypedParam[]> {
  if (await stringParamsOkay(dom.conn)) flags |= TYPED_PARAM_STRING_OKAY;
  return (await dom.conn.call('domainGetLaunchSecurityInfo', { dom: dom.ref, flags })).params;
}
