/**
 * virGetHostname (libvirt's virutil.c): gethostname(); if the name starts
 * with "localhost" or already contains a dot it is returned as is, otherwise
 * it is canonicalised with getaddrinfo(AI_CANONNAME), keeping the short name
 * when that fails or resolves to "localhost…".
 *
 * Node has no binding for ai_canonname, so the lookup goes through glibc's
 * `getent ahosts`, whose first line carries the canonical name.
 */
import { execFile } from 'node:child_process';
import { hostname as osHostname } from 'node:os';

/** Runs `getent ahosts NAME` and returns the canonical name, or null. */
function canonicalName(name: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('getent', ['ahosts', name], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(null);
      const first = stdout.split('\n')[0] ?? '';
      const fields = first.trim().split(/\s+/);
      resolve(fields.length >= 3 ? fields[2]! : null);
    });
  });
}

/** The host name the test driver reports (testConnectGetHostname → virGetHostname). */
export async function getHostname(lookup: (name: string) => Promise<string | null> = canonicalName): Promise<string> {
  const name = osHostname();
  if (name.startsWith('localhost') || name.includes('.')) return name;
  const canon = await lookup(name);
  if (!canon || canon.startsWith('localhost')) return name;
  return canon;
}
