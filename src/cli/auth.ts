/**
 * virConnectAuthPtrDefault: the terminal credential prompts virsh opens
 * connections with (virConnectAuthCallbackDefault in src/libvirt.c).
 */
import { readSync } from 'node:fs';
import { CredentialType } from '../auth/index.js';
import type { ConnectAuth, ConnectCredential } from '../driver/driver.js';
import type { ShellIO } from './shell.js';

/** Reads one line from fd 0, without the newline; null at end of input. */
function readLine(fd: number): string | null {
  const bytes: number[] = [];
  const buf = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return bytes.length ? Buffer.from(bytes).toString('utf8') : null;
    }
    if (n === 0) return bytes.length ? Buffer.from(bytes).toString('utf8') : null;
    if (buf[0] === 0x0a) return Buffer.from(bytes).toString('utf8');
    bytes.push(buf[0]!);
  }
}

/** A password read without echo when stdin is a terminal (getpass). */
export function readPassword(io: ShellIO): string | null {
  const stdin = io.stdin as NodeJS.ReadStream;
  const tty = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  if (!tty) return readLine(0);
  stdin.setRawMode(true);
  try {
    const bytes: number[] = [];
    const buf = Buffer.alloc(1);
    for (;;) {
      const n = readSync(0, buf, 0, 1, null);
      if (n === 0 || buf[0] === 0x0a || buf[0] === 0x0d) break;
      if (buf[0] === 0x03) return null;
      if (buf[0] === 0x7f) bytes.pop();
      else bytes.push(buf[0]!);
    }
    return Buffer.from(bytes).toString('utf8');
  } finally {
    stdin.setRawMode(false);
    io.stdout.write('\n');
  }
}

export function defaultAuth(io: ShellIO): ConnectAuth {
  return {
    credtype: [CredentialType.AUTHNAME, CredentialType.ECHOPROMPT, CredentialType.REALM,
      CredentialType.PASSPHRASE, CredentialType.NOECHOPROMPT, CredentialType.EXTERNAL],
    cb(creds: ConnectCredential[]): number {
      for (const cred of creds) {
        let answer: string | null = null;
        switch (cred.type) {
          case CredentialType.EXTERNAL:
            if (cred.challenge !== 'PolicyKit') return -1;
            continue;
          case CredentialType.USERNAME:
          case CredentialType.AUTHNAME:
          case CredentialType.ECHOPROMPT:
          case CredentialType.REALM:
            io.stdout.write(`${cred.prompt}: `);
            answer = readLine(0);
            break;
          case CredentialType.PASSPHRASE:
          case CredentialType.NOECHOPROMPT:
            io.stdout.write(`${cred.prompt}: `);
            answer = readPassword(io);
            break;
          default:
            return -1;
        }
        cred.result = answer !== null && answer !== '' ? answer : (cred.defresult ?? '');
      }
      return 0;
    },
  };
}
