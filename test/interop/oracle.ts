/**
 * Oracles for the interop tests: the stock libvirt programs (and the system
 * tools around them) that tsvirt is judged against. Outside CI a missing
 * oracle skips the test with a message; in CI (`CI=true`) it fails loudly,
 * so a misconfigured machine can never pass by skipping everything.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** Where the interop tests expect the stock programs. */
export const PYTHON = '/usr/bin/python3';
export const SSHD = '/usr/sbin/sshd';

/** True when the suite runs in CI, where a missing oracle is a failure. */
export function isCI(): boolean {
  return process.env['CI'] === 'true';
}

/**
 * Checks that an oracle is present. Returns true if it is. Otherwise throws
 * under `CI=true` (naming `hint`, e.g. "install openssh-server"), else skips
 * `t` (when given) and returns false. Call it first thing in a test:
 * `if (!requireOracle(t, 'virsh', hasVirsh, 'install libvirt-clients')) return;`
 */
export function requireOracle(t: TestContext | null, what: string, check: () => boolean, hint: string): boolean {
  if (check()) return true;
  if (isCI()) throw new Error(`CI=true but ${what} is not available: ${hint}`);
  t?.skip(`${what} is not available (${hint}); skipped`);
  return false;
}

/** `requireOracle` for several entries of {@link ORACLES} at once. */
export function requireOracles(t: TestContext | null, ...names: (keyof typeof ORACLES)[]): boolean {
  for (const n of names) {
    const o = ORACLES[n];
    if (!requireOracle(t, o.what, o.check, o.hint)) return false;
  }
  return true;
}

function memo(f: () => boolean): () => boolean {
  let v: boolean | undefined;
  return () => (v ??= f());
}

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((d) => d !== '' && executable(`${d}/${name}`));
}

/** `virsh -v` runs (Debian: libvirt-clients). */
export const hasVirsh = memo(() => runs('virsh', ['-v']));
/** `libvirtd --version` runs (Debian: libvirt-daemon). */
export const hasLibvirtd = memo(() => runs('libvirtd', ['--version']));
/** /usr/bin/python3 can `import libvirt` (Debian: python3-libvirt). */
export const hasPythonLibvirt = memo(() => runs(PYTHON, ['-c', 'import libvirt']));
/** An OpenSSH server, client and ssh-keygen (Debian: openssh-server, openssh-client). */
export const hasSshd = memo(() => executable(SSHD) && onPath('ssh') && onPath('ssh-keygen'));
/**
 * `nc` with `-U` (Debian: netcat-openbsd; netcat-traditional has no -U).
 * libvirt's ssh transport runs `nc -U <socket>` on the remote side whenever
 * the URI names a `socket=` (see virNetClientSSHHelperCommand).
 */
export const hasNetcat = memo(() => {
  const r = spawnSync('nc', ['-h'], { encoding: 'utf8', timeout: 10_000 });
  return r.error === undefined && /^\s*-U\b/m.test(`${r.stdout}${r.stderr}`);
});
/** The openssl CLI, which the TLS tests make certificates with (Debian: openssl). */
export const hasOpenssl = memo(() => runs('openssl', ['version']));
/** `qemu-system-x86_64 --version` runs (Debian: qemu-system-x86). */
export const hasQemu = memo(() => runs('qemu-system-x86_64', ['--version']));
/** We are root and may make a private mount namespace (`unshare -m true`). */
export const canUnshare = memo(() => process.getuid?.() === 0 && runs('unshare', ['-m', 'true']));

/** Cyrus SASL for a stock libvirtd with auth "sasl": saslpasswd2 and the scram/plain/digest/sasldb plugins. */
export const hasCyrusSasl = memo(() => executable('/usr/sbin/saslpasswd2') &&
  ['libscram.so', 'libplain.so', 'libdigestmd5.so', 'libsasldb.so'].every((f) => existsSync(`/usr/lib/x86_64-linux-gnu/sasl2/${f}`)));

/** Cyrus's sasldb tools: saslpasswd2 and sasldblistusers2 (Debian: sasl2-bin). */
export const hasSasldbTools = memo(() => executable('/usr/sbin/saslpasswd2') && executable('/usr/sbin/sasldblistusers2'));
/** Berkeley DB 5.3's db5.3_load, which re-writes a sasldb big-endian or with small pages (Debian: db5.3-util). */
export const hasDbLoad = memo(() => executable('/usr/bin/db5.3_load') && executable('/usr/bin/db5.3_dump'));

/** Root may also make a PID namespace with its own /proc (the QEMU harness's daemon). */
export const canUnsharePid = memo(() => canUnshare() && runs('unshare', ['-m', '-p', '--fork', '--mount-proc', 'true']));

/** The oracles by name, with the hint a CI failure prints. */
export const ORACLES = {
  virsh: { what: 'virsh', check: hasVirsh, hint: 'install libvirt-clients' },
  libvirtd: { what: 'libvirtd', check: hasLibvirtd, hint: 'install libvirt-daemon' },
  python: { what: `${PYTHON} with the libvirt module`, check: hasPythonLibvirt, hint: 'install python3-libvirt' },
  sshd: { what: 'OpenSSH (sshd, ssh, ssh-keygen)', check: hasSshd, hint: 'install openssh-server openssh-client' },
  netcat: { what: "'nc -U'", check: hasNetcat, hint: 'install netcat-openbsd' },
  unshare: { what: 'root with unshare -m', check: canUnshare, hint: 'run as root where mount namespaces are allowed' },
  pidns: { what: 'root with unshare -m -p --fork --mount-proc', check: canUnsharePid, hint: 'run as root where mount and PID namespaces are allowed' },
  sasl: { what: 'Cyrus SASL (saslpasswd2, plugins)', check: hasCyrusSasl, hint: 'install sasl2-bin libsasl2-modules libsasl2-modules-db' },
  sasldb: { what: 'saslpasswd2 and sasldblistusers2', check: hasSasldbTools, hint: 'install sasl2-bin' },
  dbload: { what: 'db5.3_load and db5.3_dump', check: hasDbLoad, hint: 'install db5.3-util' },
  qemu: { what: 'qemu-system-x86_64', check: hasQemu, hint: 'install qemu-system-x86 qemu-utils' },
  openssl: { what: 'openssl', check: hasOpenssl, hint: 'install openssl' },
} as const;
