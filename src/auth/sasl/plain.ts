/** PLAIN (RFC 4616): one message `authzid NUL authcid NUL passwd`, no security layer. */
import { type PasswordLookup, SaslError, type SaslClientMechanism, type SaslServerMechanism } from './mechanism.js';
import { timingSafeEqual } from 'node:crypto';

export class PlainClient implements SaslClientMechanism {
  readonly name = 'PLAIN';
  readonly layer = null;
  isComplete = false;
  constructor(readonly authcid: string, readonly password: string, readonly authzid = '') {}

  start(): Buffer {
    this.isComplete = true;
    return Buffer.from(`${this.authzid}\0${this.authcid}\0${this.password}`, 'utf8');
  }

  step(challenge: Buffer | null): Buffer | null {
    // Cyrus's PLAIN finishes in start(); only an empty challenge may follow.
    if (challenge === null || challenge.length === 0) return null;
    throw new SaslError('PLAIN takes no challenge');
  }
}

export class PlainServer implements SaslServerMechanism {
  readonly name = 'PLAIN';
  readonly layer = null;
  isComplete = false;
  username: string | null = null;
  constructor(readonly lookup: PasswordLookup, readonly realm: string) {}

  start(response: Buffer | null): Buffer | null {
    // No initial response: ask for one with an empty challenge (RFC 4616 §2).
    if (response === null) return Buffer.alloc(0);
    return this.step(response);
  }

  step(response: Buffer | null): Buffer | null {
    if (response === null) throw new SaslError('PLAIN needs a response');
    const parts = response.toString('utf8').split('\0');
    if (parts.length !== 3) throw new SaslError('malformed PLAIN message');
    const [authzid, authcid, passwd] = parts as [string, string, string];
    if (authzid !== '' && authzid !== authcid) throw new SaslError('authorization identity refused');
    const stored = this.lookup(authcid, this.realm);
    const a = Buffer.from(passwd, 'utf8');
    const b = Buffer.from(stored ?? '', 'utf8');
    if (stored === null || a.length !== b.length || !timingSafeEqual(a, b)) throw new SaslError('authentication failed');
    this.username = authcid;
    this.isComplete = true;
    return null;
  }
}
