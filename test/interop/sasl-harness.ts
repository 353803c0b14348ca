/**
 * A private stock libvirtd that authenticates with Cyrus SASL: like
 * harness.ts's startLibvirtd, plus a temp dir bound over /etc/sasl2 in its
 * mount namespace (or SASL_CONF_PATH naming it) holding libvirt.conf (mech_list, sasldb_path) and a sasldb
 * made with Debian's `saslpasswd2 -p -a libvirt -f DB -c USER` (Debian 12
 * ships no /etc/sasl2, and the system one must stay untouched).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureQemuUser, run, startDaemon, type Daemon, type DaemonOptions } from './harness.js';

export const SASLPASSWD2 = '/usr/sbin/saslpasswd2';

export interface SaslDaemonOptions extends DaemonOptions {
  /** Cyrus mech_list, e.g. ['scram-sha-256', 'plain']. */
  mechs: string[];
  /** user → password, stored in the sasldb. */
  users: Record<string, string>;
}

export async function startSaslLibvirtd(opts: SaslDaemonOptions): Promise<Daemon> {
  await ensureQemuUser();
  const sasl = mkdtempSync(join(tmpdir(), 'tsvirt-sasl2-'));
  const db = join(sasl, 'passwd.db');
  for (const [user, password] of Object.entries(opts.users)) {
    const r = await run(SASLPASSWD2, ['-p', '-a', 'libvirt', '-f', db, '-c', user], { input: password });
    if (r.status !== 0) throw new Error(`saslpasswd2 ${user} failed: ${r.stderr}`);
  }
  writeFileSync(join(sasl, 'libvirt.conf'), `mech_list: ${opts.mechs.join(' ')}\nsasldb_path: ${db}\n`);
  // /etc/sasl2 is bound over only when it exists: creating it would touch the host.
  const mounts = 'for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt; do ' +
    'mkdir -p "$d" && mount -t tmpfs none "$d" || exit 1; done; ' +
    `if [ -d /etc/sasl2 ]; then mount --bind '${sasl}' /etc/sasl2 || exit 1; fi; exec libvirtd "$@"`;
  const d = await startDaemon('libvirtd', 'tsvirt-libvirtd-', (conf, pidFile, listen) => ({
    cmd: 'unshare',
    // Cyrus also reads SASL_CONF_PATH (libvirtd is not setuid), the way in when /etc/sasl2 is absent.
    env: { ...process.env, SASL_CONF_PATH: sasl },
    args: ['-m', '--propagation', 'private', 'sh', '-c', mounts, 'sh', '-f', conf, '-p', pidFile, ...(listen ? ['--listen'] : [])],
  }), { ...opts, conf: { auth_unix_rw: 'sasl', auth_unix_ro: 'sasl', ...opts.conf } });
  const stop = async () => {
    await d.stop();
    rmSync(sasl, { recursive: true, force: true });
  };
  return { ...d, stop, [Symbol.asyncDispose]: stop };
}

/**
 * Writes an auth.conf (LIBVIRT_AUTH_FILE) giving `user` and `password` (each
 * left out when null) for libvirt's SASL client on `host` (priv->hostname:
 * "localhost" on a unix socket, the URI's host otherwise); returns its path.
 */
export function writeAuthConf(dir: string, host: string, user: string | null, password: string | null): string {
  const file = join(dir, `auth-${Math.random().toString(36).slice(2)}.conf`);
  const lines = ['[credentials-t]', ...(user !== null ? [`authname=${user}`] : []), ...(password !== null ? [`password=${password}`] : []),
    `[auth-libvirt-${host}]`, 'credentials=t', ''];
  writeFileSync(file, lines.join('\n'));
  return file;
}
