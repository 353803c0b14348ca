/**
 * How tsvirtd's process is started: one place for the settings its
 * launcher's `#!` line (bin/tsvirtd.cjs) carries, and that whoever starts
 * it with `node bin/tsvirtd.cjs` (session autostart, -d, test harnesses)
 * passes the same way.
 *
 * Why: after a burst of hostile clients (4 MiB packets, PING floods,
 * hundreds of connections) tsvirtd's JS heap and buffers are released, but
 * the memory stayed with the allocators: V8's young generation stayed at
 * its 32 MiB peak, and glibc's dynamic mmap threshold, raised by each
 * freed multi-MiB packet, left later buffers in a fragmented brk heap.
 * Measured with the fuzz run (seed 1, 30 s): RSS 58 → 142 MiB after the
 * clients left; with these settings 60 → 84 MiB.
 */

/** Node flags: young-generation semi-spaces of at most 4 MiB. */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * glibc malloc tunables: a fixed 128 KiB mmap threshold (big buffers go
 * back to the OS when freed) and trimming past 128 KiB of free top.
 */
export const DAEMON_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072';

/** `env` plus the tunables, unless the caller set GLIBC_TUNABLES itself. */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.GLIBC_TUNABLES === undefined ? { ...env, GLIBC_TUNABLES: DAEMON_GLIBC_TUNABLES } : env;
}

/** The `#!` line bin/tsvirtd.cjs carries (checked by a test). */
export const DAEMON_SHEBANG = `#!/usr/bin/env -S GLIBC_TUNABLES=${DAEMON_GLIBC_TUNABLES} node ${DAEMON_NODE_FLAGS.join(' ')}`;
