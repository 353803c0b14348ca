/**
 * virNodeGetCPUStats and virNodeGetMemoryStats with the argument checks
 * libvirt-host.c makes before it calls the driver (so a bad CPU or cell
 * number is refused the same way whatever the driver supports).
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { Connection } from './connection.js';

/** VIR_NODE_CPU_STATS_ALL_CPUS and VIR_NODE_MEMORY_STATS_ALL_CELLS. */
const ALL = -1;

/** virReportInvalidArg: the message as given, without the code's "invalid argument" prefix. */
function invalidArg(msg: string): VirtError {
  return new VirtError(ErrorCode.INVALID_ARG, msg, ErrorDomain.NONE);
}

function onlyMinusOne(what: string, api: string): VirtError {
  return invalidArg(`${what} in ${api} only accepts ${ALL} as a negative value`);
}

/**
 * virNodeGetCPUStats: with `nparams` 0 the number of counters (`nparams`
 * of the result), else up to that many counters.
 */
export async function nodeGetCPUStats(conn: Connection, cpuNum: number, nparams: number, flags = 0):
  Promise<{ params: Array<{ field: string; value: bigint }>; nparams: number }> {
  if (nparams < 0) throw invalidArg('nparams in virNodeGetCPUStats must be zero or greater');
  if (cpuNum < 0 && cpuNum !== ALL) throw onlyMinusOne('cpuNum', 'virNodeGetCPUStats');
  return conn.call('nodeGetCPUStats', { cpuNum, nparams, flags });
}

/** virNodeGetMemoryStats, likewise, in KiB. */
export async function nodeGetMemoryStats(conn: Connection, cellNum: number, nparams: number, flags = 0):
  Promise<{ params: Array<{ field: string; value: number }>; nparams: number }> {
  if (nparams < 0) throw invalidArg('nparams in virNodeGetMemoryStats must be zero or greater');
  if (cellNum < 0 && cellNum !== ALL) throw onlyMinusOne('cellNum', 'virNodeGetMemoryStats');
  return conn.call('nodeGetMemoryStats', { nparams, cellNum, flags });
}
