/**
 * tsvirtd with its QEMU driver in a private mount and PID namespace, the
 * counterpart of qemu-harness.ts's startQemuLibvirtd for our daemon:
 *
 * ```ts
 * await using td = await startQemuTsvirtd();   // td.uri = qemu:///system?socket=…
 * await td.virsh('define', xmlFile);           // stock virsh against tsvirtd
 * await td.kill9();                            // SIGKILL tsvirtd; it is started again
 * ```
 *
 * The namespace's init (bash) mounts empty tmpfs over /run/libvirt,
 * /var/lib/libvirt, /var/cache/libvirt, /etc/libvirt/qemu,
 * /etc/libvirt/storage (the storage driver's pool configs), /var/log (with
 * /var/log/libvirt in it) and /run/lock, binds the shared capabilities
 * cache over /var/cache/libvirt/qemu/capabilities (tsvirt's `.json` files
 * sit beside libvirt's `.xml` ones), then runs tsvirtd as a child — and
 * again whenever it dies, until told to stop — so that a killed daemon
 * comes back in the same namespace, where its guests still run. bash stays
 * PID 1 of the namespace and reaps QEMUs; when it exits, the kernel kills
 * whatever is left (guests included). Files are read through
 * /proc/<init>/root. Needs root.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../../src/util/daemon-launch.js';
import { canConnect, ensureQemuUser, run, startDaemon, tail, TSVIRTD, type Daemon, type DaemonOptions, type RunResult } from './harness.js';
import { guestCacheRoot, inNetns, procs } from './qemu-harness.js';

/** The tsvirtd counterpart of QemuLibvirtd. */
export interface QemuTsvirtd extends Daemon {
  /** `qemu:///system?socket=<rwSocket>`. */
  readonly uri: string;
  /** The namespace's view of a path (`/proc/<init>/root<path>`). */
  nsPath(path: string): string;
  /** Runs stock virsh against this daemon. */
  virsh(...args: string[]): Promise<RunResult>;
  /** /var/log/libvirt/qemu/NAME.log, or ''. */
  domainLog(name: string): string;
  /** The host pid of the current tsvirtd. */
  tsvirtdPid(): number | undefined;
  /** The host pid of a domain's QEMU (by its `-name guest=NAME`). */
  domainPid(name: string): number | undefined;
  /** SIGKILLs tsvirtd and waits until the namespace's init has started a new one that answers. */
  kill9(): Promise<{ oldPid: number; newPid: number }>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const NS_INIT = String.raw`
set -e
mnt() { mkdir -p "$1"; mount -t tmpfs -o mode=755 tsvirt "$1"; }
mnt /run/libvirt
mnt /var/lib/libvirt
mnt /var/cache/libvirt
mnt /etc/libvirt/qemu
mnt /etc/libvirt/storage
mnt /var/log
mkdir -p /var/log/libvirt
mkdir -p /run/lock && mount -t tmpfs -o mode=1777 tsvirt-lock /run/lock
if [ -n "$CAPS" ]; then mkdir -p /var/cache/libvirt/qemu/capabilities; mount --bind "$CAPS" /var/cache/libvirt/qemu/capabilities; fi
set +e
trap 'touch "$DIR/stop"; kill -TERM $td 2>/dev/null' TERM INT HUP
while :; do
  "$@" &
  td=$!
  wait $td
  while kill -0 $td 2>/dev/null; do wait $td; done
  [ -e "$DIR/stop" ] && exit 0
  sleep 0.2
done
`;

/**
 * Starts tsvirtd (bin/tsvirtd.cjs, privileged) in its own namespaces as
 * described above; resolves once `virsh version` answers through its QEMU
 * driver. stop() destroys running domains, stops the namespace and removes
 * the temp dir.
 */
export async function startQemuTsvirtd(opts: DaemonOptions & { capsCache?: string | false; netns?: string } = {}): Promise<QemuTsvirtd> {
  if (!existsSync(TSVIRTD)) throw new Error(`${TSVIRTD} does not exist`);
  await ensureQemuUser();
  const caps = opts.capsCache === undefined ? join(guestCacheRoot(), 'qemu-capabilities') : opts.capsCache;
  if (caps !== false) mkdirSync(caps, { recursive: true, mode: 0o755 });
  let dir = '';
  const daemon = await startDaemon('tsvirtd (qemu)', 'tsvirt-qemu-tsvirtd-', (conf, pidFile, listen) => {
    dir = dirname(conf);
    writeFileSync(join(dir, 'init.sh'), NS_INIT);
    return {
      ...inNetns(opts.netns, 'unshare', ['-m', '-p', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private',
        'env', `DIR=${dir}`, `CAPS=${caps === false ? '' : caps}`,
        'bash', join(dir, 'init.sh'),
        process.execPath, ...DAEMON_NODE_FLAGS, TSVIRTD, '-f', conf, '-p', pidFile, ...(listen ? ['--listen'] : [])]),
      env: daemonEnv({ ...process.env, ...opts.env }),
      terminate: (child) => {
        const init = child.pid === undefined ? undefined : procs().find((p) => p.ppid === child.pid)?.pid;
        try {
          if (init !== undefined) process.kill(init, 'SIGTERM');
          else child.kill('SIGKILL');
        } catch { /* gone */ }
      },
    };
  }, { tcp: false, ...opts, timeoutMs: opts.timeoutMs ?? 30_000 });
  const uri = `qemu:///system?socket=${daemon.rwSocket}`;
  const virsh = (...args: string[]) => run('virsh', ['-c', uri, ...args], { timeoutMs: 120_000 });
  const init = () => procs().find((p) => p.ppid === daemon.pid)?.pid;
  const tsvirtdPid = () => {
    const i = init();
    return i === undefined ? undefined : procs().find((p) => p.ppid === i && p.comm === 'node')?.pid;
  };
  const nsPath = (p: string) => `/proc/${init() ?? 0}/root${p}`;
  try {
    const v = await virsh('version');
    if (v.status !== 0) throw new Error(`virsh version failed: ${v.stderr}`);
  } catch (e) {
    const log = tail(daemon.logFile);
    await daemon.stop();
    throw new Error(`${(e as Error).message}\ntsvirtd log tail:\n${log}`);
  }
  const stop = async () => {
    const l = await virsh('list', '--name').catch(() => undefined);
    for (const name of l?.stdout.split('\n').filter((n) => n !== '') ?? []) await virsh('destroy', name).catch(() => undefined);
    writeFileSync(join(dir, 'stop'), '');
    await daemon.stop();
  };
  return {
    ...daemon,
    uri,
    nsPath,
    virsh,
    domainLog: (name) => {
      try { return readFileSync(nsPath(`/var/log/libvirt/qemu/${name}.log`), 'utf8'); } catch { return ''; }
    },
    tsvirtdPid,
    domainPid: (name) => {
      const needle = `guest=${name},debug-threads=on`;
      return procs().find((p) => {
        try { return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0').includes(needle); } catch { return false; }
      })?.pid;
    },
    kill9: async () => {
      const oldPid = tsvirtdPid();
      if (oldPid === undefined) throw new Error('tsvirtd is not running');
      process.kill(oldPid, 'SIGKILL');
      const deadline = Date.now() + 30_000;
      for (;;) {
        const p = tsvirtdPid();
        if (p !== undefined && p !== oldPid && await canConnect(daemon.rwSocket)) {
          const v = await virsh('version');
          if (v.status === 0) return { oldPid, newPid: p };
        }
        if (Date.now() > deadline) throw new Error(`tsvirtd did not come back after kill -9\n${tail(daemon.logFile)}`);
        await sleep(100);
      }
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
