/**
 * The client library's own log, as libvirt's: without configuration a
 * libvirt client writes warnings and errors it logs (VIR_WARN…, not the
 * errors it reports) to stderr, in the log line format, after the version
 * and hostname lines on the first one (virLogSetDefaults,
 * virLogOutputToFd). virsh shows them, e.g. before
 * `error: authentication failed: Failed to verify peer's certificate`:
 *
 *     … warning : Certificate check failed Certificate failed validation: The certificate hasn't got a known issuer.
 *
 * LIBVIRT_DEBUG sets the level (1-4 or debug/info/warning/error, default
 * warning); LIBVIRT_LOG_OUTPUTS, when set, is honoured for its `N:stderr`
 * outputs only (files, syslog and journald are not written by the library).
 * Not done: with LIBVIRT_LOG_OUTPUTS set, libvirt also logs each error it
 * reports (virRaiseErrorFull); ours are only returned.
 */
import { hostname } from 'node:os';
import { formatLogLine, formatTimestamp, logHeader, LogPriority } from './log-format.js';

const NAMES: Record<string, LogPriority> = { debug: 1, info: 2, warning: 3, warn: 3, error: 4 };

function priorityOf(text: string | undefined): LogPriority | null {
  if (text === undefined || text === '') return null;
  if (/^[1-4]$/.test(text)) return Number(text) as LogPriority;
  return NAMES[text.toLowerCase()] ?? null;
}

/** The lowest priority that reaches stderr under this environment, or null for none. */
function stderrThreshold(env: NodeJS.ProcessEnv): LogPriority | null {
  const level = priorityOf(env['LIBVIRT_DEBUG']) ?? LogPriority.WARN;
  const outputs = env['LIBVIRT_LOG_OUTPUTS'];
  if (outputs === undefined || outputs.trim() === '') return level;
  const own = outputs.trim().split(/\s+/).map((o) => /^([1-4]):stderr$/.exec(o)).filter((m) => m !== null);
  if (own.length === 0) return null;
  return Math.max(level, Math.min(...own.map((m) => Number(m[1])))) as LogPriority;
}

/** Per process, as libvirt's stderr output: the header goes out once. */
let headerWritten = false;

export interface ClientLogOptions {
  env?: NodeJS.ProcessEnv | undefined;
  /** Default process.stderr. */
  write?: (text: string) => void;
}

/** Logs `message` at `priority` as a libvirt client library would (to stderr by default). */
export function clientLog(priority: LogPriority, message: string, o: ClientLogOptions = {}): void {
  const threshold = stderrThreshold(o.env ?? process.env);
  if (threshold === null || priority < threshold) return;
  const write = o.write ?? ((t: string) => { process.stderr.write(t); });
  const ts = formatTimestamp(new Date());
  let text = '';
  if (!headerWritten) {
    headerWritten = true;
    text += logHeader(ts, process.pid, hostname()).join('');
  }
  write(text + `${ts}: ${formatLogLine(process.pid, priority, message)}`);
}
