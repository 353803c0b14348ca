/**
 * The client side of the remote driver's transports: given a RemotePlan
 * (src/driver/remote/plan.ts), open the byte stream the RPC client talks
 * over.
 *
 * ```ts
 * interface Transport {
 *   readonly stream: Duplex;       // RPC bytes both ways
 *   readonly kind: 'unix' | 'tcp' | 'tls' | 'ssh' | 'libssh' | 'libssh2' | 'ext';
 *   readonly secure: boolean;      // unix, ssh, libssh, libssh2: true; tcp, ext: false
 *   readonly encrypted: boolean;   // always false here (libvirt: TLS or SASL only)
 *   eofError(): VirtError;         // libvirt's error for an unexpected end of stream
 *   close(): void;                 // destroys the stream, stops child / SSH session
 * }
 * connectTransport(plan: RemotePlan, opts?: {
 *   auth?: ConnectAuth; signal?: AbortSignal;
 *   daemonCommand?: string[];      // session autostart; default node bin/tsvirtd.cjs
 *   env?: NodeJS.ProcessEnv;
 * }): Promise<Transport>
 * ```
 *
 * - unix: connect to `plan.socketPath`; with `plan.autostart`, start the
 *   daemon on ENOENT/ECONNREFUSED and retry (unix.ts).
 * - tcp: `plan.host`:`plan.port` (tcp.ts).
 * - ext: run `plan.command` (one argv element, no shell); ssh: run the ssh
 *   argv of `plan.command` (command.ts). When the helper dies with output on
 *   stderr the stream fails with "End of file while reading data: <stderr>".
 * - libssh / libssh2: in-process SSH (libssh.ts).
 * - tls: `plan.host`:`plan.port` with libvirt's x509 credentials and the
 *   daemon's confirmation byte (tls.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RemotePlan } from '../driver/remote/plan.js';
import type { VirtError } from '../errors.js';
import { connectCommand, SSH_ENV_PASS } from './command.js';
import { abortError } from './errors.js';
import { connectLibssh } from './libssh.js';
import { connectTCPSocket, socketTransport } from './tcp.js';
import { connectTLS } from './tls.js';
import type { ConnectOptions, Transport } from './types.js';
import { connectUnix } from './unix.js';
import { DAEMON_NODE_FLAGS } from '../util/daemon-launch.js';

export type { ConnectOptions, Transport, TransportKind } from './types.js';
export { endOfFileError } from './errors.js';
export {
  parseKnownHosts, checkHostKey, hostFieldMatches, hostName, formatKnownHostsLine, hashHostName,
  type KnownHostEntry, type HostKeyStatus,
} from './known-hosts.js';

/** This module's file, from a stack frame (ESM), else __filename (the CommonJS bundle). */
function thisFile(): string | null {
  // Not import.meta: the CommonJS bundle would lose it (with a warning).
  const m = /(file:\/\/[^\s)]+?):\d+:\d+/.exec(new Error().stack ?? '');
  if (m) return fileURLToPath(m[1]!);
  return typeof __filename === 'string' && isAbsolute(__filename) ? __filename : null;
}

/**
 * `[node, <daemon flags>, <repo>/bin/tsvirtd.cjs]`, the repository being the nearest
 * directory above this module with a package.json (dist/src/transport/ for
 * the compiled modules, dist/ for the one-file bundle).
 */
export function defaultDaemonCommand(): string[] {
  const file = thisFile();
  let dir = file !== null ? dirname(file) : process.cwd();
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return [process.execPath, ...DAEMON_NODE_FLAGS, join(dir, 'bin', 'tsvirtd.cjs')];
}

/**
 * Opens the connection `plan` describes.
 *
 * @throws VirtError with libvirt's wording for each transport's failures
 *   (see unix.ts, tcp.ts, tls.ts, command.ts, libssh.ts); OPERATION_ABORTED (domain RPC) when
 *   `opts.signal` fires before the connection is up.
 */
export async function connectTransport(plan: RemotePlan, opts: ConnectOptions = {}): Promise<Transport> {
  const { signal } = opts;
  if (signal?.aborted) throw abortError(signal);
  const env = opts.env ?? process.env;
  switch (plan.transport) {
    case 'unix': {
      const sock = await connectUnix(plan.socketPath!, {
        autostart: plan.autostart,
        daemonCommand: opts.daemonCommand ?? defaultDaemonCommand(),
        daemonName: plan.daemonName ?? 'libvirtd',
        env, signal,
      });
      return socketTransport(sock, 'unix', true);
    }
    case 'tcp':
      return socketTransport(await connectTCPSocket(plan.host, plan.port ?? 16509, signal), 'tcp', false);
    case 'tls':
      return connectTLS(plan, { ...opts, env });
    case 'ext':
      // Not secure: libvirt cannot vouch for an external program.
      return connectCommand(plan.command!, { kind: 'ext', secure: false, env, signal });
    case 'ssh':
      return connectCommand(plan.command!, { kind: 'ssh', secure: true, env, passEnv: SSH_ENV_PASS, signal });
    case 'libssh':
    case 'libssh2':
      return connectLibssh(plan, { ...opts, env });
  }
}
