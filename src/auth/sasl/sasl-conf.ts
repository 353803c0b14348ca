/**
 * Cyrus SASL's application config files (`/etc/sasl2/APP.conf`): where
 * libvirtd's `sasldb_path` and `mech_list` live. Cyrus looks in each
 * directory of SASL_CONF_PATH (colon-separated) when set, else in its
 * built-in list, and uses the first APP.conf it finds (lib/config.c,
 * sasl_config_init; Debian 12's list measured with strace).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Debian 12's libsasl2 search path for APP.conf when SASL_CONF_PATH is unset. */
export const SASL_CONF_DIRS = ['/etc/sasl2', '/etc/sasl', '/usr/lib/x86_64-linux-gnu/sasl2', '/usr/lib/sasl2'] as const;

/** Cyrus's sasldb when no config names one (SASL_DB_PATH). */
export const DEFAULT_SASLDB_PATH = '/etc/sasldb2';

/** The directories searched for APP.conf, in order. */
export function saslConfDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const p = env['SASL_CONF_PATH'];
  return p ? p.split(':').filter((d) => d !== '') : [...SASL_CONF_DIRS];
}

/** Parse `key: value` lines (`#` starts a comment line); the first of a repeated key counts, as Cyrus's sasl_config_getstring finds it first. */
export function parseSaslConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (!out.has(key)) out.set(key, line.slice(colon + 1).trim());
  }
  return out;
}

/** The first APP.conf found: its path and options, or null. */
export async function readSaslAppConf(app: string, env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; options: Map<string, string> } | null> {
  for (const dir of saslConfDirs(env)) {
    const path = `${dir}/${app}.conf`;
    try {
      return { path, options: parseSaslConf(await readFile(path, 'utf8')) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return null;
}

/** APP's `sasldb_path`, or Cyrus's default (also for an empty value). */
export async function sasldbPathFor(app: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return (await readSaslAppConf(app, env))?.options.get('sasldb_path') || DEFAULT_SASLDB_PATH;
}

/** readSaslAppConf at start-up, synchronously (tsvirtd reads it once, as libvirtd's sasl_server_init does). */
export function readSaslAppConfSync(app: string, env: NodeJS.ProcessEnv = process.env): { path: string; options: Map<string, string> } | null {
  for (const dir of saslConfDirs(env)) {
    const path = `${dir}/${app}.conf`;
    try {
      return { path, options: parseSaslConf(readFileSync(path, 'utf8')) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return null;
}
