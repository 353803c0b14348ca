/**
 * Cyrus's own sasldb tools, the oracles of the sasldb reader and of
 * tsvirt-saslpasswd: Debian's saslpasswd2 and sasldblistusers2, run on
 * files in a temp dir (never the system's /etc/sasldb2).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { basename } from 'node:path';

export const SASLPASSWD2 = '/usr/sbin/saslpasswd2';
export const SASLDBLISTUSERS2 = '/usr/sbin/sasldblistusers2';

/**
 * Run a program with stdin `input`; its status, stdout and stderr as text.
 * argv[0] is the bare name, as when an operator types it (getopt's messages show argv[0]).
 */
export function runTool(cmd: string, args: string[], input = '', env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { argv0: basename(cmd), input, encoding: 'utf8', env: env ?? process.env, timeout: 30_000 });
}

/** `saslpasswd2 -p -f FILE [-u REALM] -c USER` with the password on stdin; throws on failure. */
export function addCyrusUser(file: string, user: string, password: string, realm?: string): void {
  const r = runTool(SASLPASSWD2, ['-p', '-f', file, ...(realm === undefined ? [] : ['-u', realm]), '-c', user], password);
  if (r.status !== 0) throw new Error(`saslpasswd2 ${user} failed (${r.status}): ${r.stderr}`);
}

/** `saslpasswd2 -d -f FILE [-u REALM] USER`; throws on failure. */
export function deleteCyrusUser(file: string, user: string, realm?: string): void {
  const r = runTool(SASLPASSWD2, ['-d', '-f', file, ...(realm === undefined ? [] : ['-u', realm]), user]);
  if (r.status !== 0) throw new Error(`saslpasswd2 -d ${user} failed (${r.status}): ${r.stderr}`);
}

/** `sasldblistusers2 -f FILE`'s stdout; throws on failure. */
export function listCyrusUsers(file: string): string {
  const r = runTool(SASLDBLISTUSERS2, ['-f', file]);
  if (r.status !== 0) throw new Error(`sasldblistusers2 failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
