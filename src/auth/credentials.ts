/**
 * Asking for a username or password the way libvirt's drivers do
 * (virAuthGetUsername / virAuthGetPassword in src/util/virauth.c): first the
 * auth.conf credential file, then the application's credential callback.
 */
import { findAuthConfigPath, loadAuthConfig, lookupCredential } from '../config/index.js';
import type { ConnectAuth, ConnectCredential } from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { ParsedURI } from '../uri/index.js';

/** virConnectCredentialType. */
export const CredentialType = {
  USERNAME: 1,
  AUTHNAME: 2,
  LANGUAGE: 3,
  CNONCE: 4,
  PASSPHRASE: 5,
  ECHOPROMPT: 6,
  NOECHOPROMPT: 7,
  REALM: 8,
  EXTERNAL: 9,
} as const;

function fromFile(uri: ParsedURI | null, service: string, hostname: string, credname: string,
  env: NodeJS.ProcessEnv): string | null {
  const path = findAuthConfigPath(uri, env);
  if (path === null) return null;
  return lookupCredential(loadAuthConfig(path), service, hostname, credname);
}

async function ask(auth: ConnectAuth | undefined, accept: readonly number[], prompt: string,
  challenge: string, defresult: string | null, failure: string, missing: string): Promise<string> {
  if (!auth || typeof auth.cb !== 'function') {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.AUTH, 'Missing authentication credentials');
  }
  const type = auth.credtype.find((t) => accept.includes(t));
  if (type === undefined) throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.AUTH, missing);
  const cred: ConnectCredential = { type, prompt, challenge, defresult, result: null };
  const rc = await auth.cb([cred]);
  if (typeof rc === 'number' && rc < 0) throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.AUTH, failure);
  // A callback that "succeeds" without answering leaves libvirt with no
  // result and no error set; it then reports the generic unknown error.
  if (cred.result === null || cred.result === undefined) {
    throw new VirtError(ErrorCode.INTERNAL_ERROR, 'An error occurred, but the cause is unknown', ErrorDomain.NONE);
  }
  return cred.result;
}

/** virAuthGetUsername. */
export async function getUsername(uri: ParsedURI | null, auth: ConnectAuth | undefined, service: string,
  defaultUsername: string | null, hostname: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const stored = fromFile(uri, service, hostname, 'username', env);
  if (stored !== null) return stored;
  const prompt = defaultUsername === null
    ? `Enter username for ${hostname}`
    : `Enter username for ${hostname} [${defaultUsername}]`;
  return ask(auth, [CredentialType.AUTHNAME], prompt, hostname, defaultUsername,
    'Username request failed', 'Missing VIR_CRED_AUTHNAME credential type');
}

/** virAuthGetPassword. */
export async function getPassword(uri: ParsedURI | null, auth: ConnectAuth | undefined, service: string,
  username: string, hostname: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const stored = fromFile(uri, service, hostname, 'password', env);
  if (stored !== null) return stored;
  return ask(auth, [CredentialType.PASSPHRASE, CredentialType.NOECHOPROMPT],
    `Enter ${username}'s password for ${hostname}`, hostname, null,
    'Password request failed', 'Missing VIR_CRED_PASSPHRASE or VIR_CRED_NOECHOPROMPT credential type');
}
