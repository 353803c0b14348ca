/**
 * libvirt's log line format (src/util/virlog.c), shared by tsvirtd's log
 * (daemon/log.ts) and the client library's stderr warnings (client-log.ts):
 *
 *     2024-05-01 10:00:00.123+0000: 4242: info : libvirt version: 9.0.0, package: tsvirt
 *
 * libvirt prints the thread id where we print the pid, and adds
 * `function:line : ` for messages that carry a source position; ours don't.
 */
import { LIB_VERSION_STRING } from '../version.js';

/** virLogPriority. */
export const LogPriority = { DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 } as const;
export type LogPriority = (typeof LogPriority)[keyof typeof LogPriority];

const LEVEL_NAMES: Record<LogPriority, string> = { 1: 'debug', 2: 'info', 3: 'warning', 4: 'error' };

/** virTimeStringNowRaw: `YYYY-MM-DD HH:MM:SS.mmm+0000`, always UTC. */
export function formatTimestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} `
    + `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

/** One log line without its timestamp (virLogFormatString, no source position). */
export function formatLogLine(pid: number, priority: LogPriority, message: string): string {
  return `${pid}: ${LEVEL_NAMES[priority]} : ${message}\n`;
}

/** The first line each output gets (VIR_LOG_VERSION_STRING). */
export const LOG_VERSION_STRING = `libvirt version: ${LIB_VERSION_STRING}, package: tsvirt`;

/** The two lines an output starts with (virLogVersionString, virLogHostnameString). */
export function logHeader(ts: string, pid: number, host: string): string[] {
  return [`${ts}: ${formatLogLine(pid, LogPriority.INFO, LOG_VERSION_STRING)}`,
    `${ts}: ${formatLogLine(pid, LogPriority.INFO, `hostname: ${host}`)}`];
}
