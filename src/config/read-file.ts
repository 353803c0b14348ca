/**
 * Reading a configuration file and the directories libvirt looks in.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { strerrorOf } from '../util/strerror.js';

function systemError(what: string, path: string, err: unknown): VirtError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const reason = strerrorOf(code) ?? (err as Error).message;
  // virReportSystemError: "<message>: <strerror>"
  return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE, `${what} '${path}': ${reason}`, { cause: err });
}

/**
 * virFileReadAll: the whole file as UTF-8 text.
 *
 * @throws VirtError SYSTEM_ERROR `Failed to open file '<path>': <reason>`
 *   (or `Failed to read file …`).
 */
export function readConfigFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw systemError('Failed to open file', path, err);
  }
  try {
    return readFileSync(fd, 'utf8');
  } catch (err) {
    throw systemError('Failed to read file', path, err);
  } finally {
    closeSync(fd);
  }
}

/**
 * virGetUserConfigDirectory: `$XDG_CONFIG_HOME/libvirt`, where an unset or
 * empty XDG_CONFIG_HOME means `$HOME/.config` (g_get_user_config_dir).
 */
export function userConfigDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg ? xdg : `${env.HOME || homedir()}/.config`;
  return `${base}/libvirt`;
}

/** The SYSCONFDIR libvirt is usually built with. */
export const DEFAULT_SYSCONFDIR = '/etc';
