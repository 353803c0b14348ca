/**
 * SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding,
 * as Cyrus's scram plugin speaks it: gs2 header "n,," (no authzid), so the
 * client-final's c= is "biws".
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { type PasswordLookup, SaslError, type SaslClientMechanism, type SaslServerMechanism } from './mechanism.js';

export type ScramHash = 'sha1' | 'sha256';

const HASH_LEN: Record<ScramHash, number> = { sha1: 20, sha256: 32 };
/** Cyrus's default iteration count (scram_iteration_counter). */
const DEFAULT_ITERATIONS = 4096;

export function scramMechanismName(hash: ScramHash): string {
  return hash === 'sha1' ? 'SCRAM-SHA-1' : 'SCRAM-SHA-256';
}

/** RFC 5802 §5.1 saslname: ',' and '=' escaped. */
function saslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function unSaslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new SaslError('bad saslname escape');
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** "a=1,b=2" → Map, keeping only the first letter keys RFC 5802 defines. */
function attributes(msg: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of msg.split(',')) {
    if (part.length < 2 || part[1] !== '=') throw new SaslError(`malformed SCRAM attribute '${part}'`);
    if (!m.has(part[0]!)) m.set(part[0]!, part.slice(2));
  }
  return m;
}

function nonce(): string {
  // Printable, no ','. Cyrus sends base64 of random bytes.
  return randomBytes(24).toString('base64');
}

interface Keys { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer }

function keys(hash: ScramHash, password: string, salt: Buffer, iterations: number): Keys {
  // SASLprep of the password is the identity for the ASCII passwords used here.
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH_LEN[hash], hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  return {
    clientKey,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: createHmac(hash, salted).update('Server Key').digest(),
  };
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

const GS2_HEADER = 'n,,';

export class ScramClient implements SaslClientMechanism {
  readonly name: string;
  readonly layer = null;
  isComplete = false;
  #state: 'start' | 'first' | 'final' | 'done' = 'start';
  #clientFirstBare = '';
  #serverSignature: Buffer | null = null;

  constructor(readonly hash: ScramHash, readonly username: string, readonly password: string,
    readonly cnonce: string = nonce()) {
    this.name = scramMechanismName(hash);
  }

  start(): Buffer {
    if (this.#state !== 'start') throw new SaslError('SCRAM already started');
    this.#clientFirstBare = `n=${saslName(this.username)},r=${this.cnonce}`;
    this.#state = 'first';
    return Buffer.from(GS2_HEADER + this.#clientFirstBare, 'utf8');
  }

  step(challenge: Buffer | null): Buffer | null {
    if (challenge === null) throw new SaslError('SCRAM needs a challenge');
    const msg = challenge.toString('utf8');
    if (this.#state === 'first') return this.#final(msg);
    if (this.#state === 'final') {
      const a = attributes(msg);
      if (a.has('e')) throw new SaslError(`server error: ${a.get('e')}`);
      const v = Buffer.from(a.get('v') ?? '', 'base64');
      if (this.#serverSignature === null || v.length !== this.#serverSignature.length ||
        !timingSafeEqual(v, this.#serverSignature)) throw new SaslError('server signature mismatch');
      this.#state = 'done';
      this.isComplete = true;
      return null;
    }
    throw new SaslError('unexpected SCRAM challenge');
  }

  #final(serverFirst: string): Buffer {
    const a = attributes(serverFirst);
    if (a.has('m')) throw new SaslError('unsupported SCRAM extension');
    const r = a.get('r'); const s = a.get('s'); const i = Number(a.get('i'));
    if (!r || !r.startsWith(this.cnonce) || r.length === this.cnonce.length || !s || !Number.isInteger(i) || i < 1) {
      throw new SaslError('malformed server-first-message');
    }
    const k = keys(this.hash, this.password, Buffer.from(s, 'base64'), i);
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${r}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = createHmac(this.hash, k.storedKey).update(authMessage).digest();
    this.#serverSignature = createHmac(this.hash, k.serverKey).update(authMessage).digest();
    this.#state = 'final';
    return Buffer.from(`${withoutProof},p=${xor(k.clientKey, clientSignature).toString('base64')}`, 'utf8');
  }
}

export class ScramServer implements SaslServerMechanism {
  readonly name: string;
  readonly layer = null;
  isComplete = false;
  username: string | null = null;
  #clientFirstBare = '';
  #serverFirst = '';
  #gs2 = '';
  #nonce = '';
  #keys: Keys | null = null;

  constructor(readonly hash: ScramHash, readonly lookup: PasswordLookup, readonly realm: string,
    readonly snonce: string = nonce(), readonly salt: Buffer = randomBytes(16),
    readonly iterations = DEFAULT_ITERATIONS) {
    this.name = scramMechanismName(hash);
  }

  start(response: Buffer | null): Buffer | null {
    if (response === null) return Buffer.alloc(0);
    const msg = response.toString('utf8');
    // gs2-header: "n" or "y" (client could bind but thinks we cannot), no authzid but our own.
    const m = /^([ny]),(a=[^,]*)?,/.exec(msg);
    if (!m) throw new SaslError('unsupported gs2 header');
    this.#gs2 = m[0];
    this.#clientFirstBare = msg.slice(m[0].length);
    const a = attributes(this.#clientFirstBare);
    const user = unSaslName(a.get('n') ?? '');
    const cnonce = a.get('r');
    if (!user || !cnonce) throw new SaslError('malformed client-first-message');
    if (m[2] !== undefined && unSaslName(m[2].slice(2)) !== user) throw new SaslError('authorization identity refused');
    const password = this.lookup(user, this.realm);
    // An unknown user still gets a challenge (keys from a random secret), so
    // the failure comes at the proof as for a wrong password.
    this.#keys = keys(this.hash, password ?? randomBytes(16).toString('hex'), this.salt, this.iterations);
    this.username = password === null ? null : user;
    this.#nonce = cnonce + this.snonce;
    this.#serverFirst = `r=${this.#nonce},s=${this.salt.toString('base64')},i=${this.iterations}`;
    return Buffer.from(this.#serverFirst, 'utf8');
  }

  step(response: Buffer | null): Buffer | null {
    if (response === null || this.#keys === null) throw new SaslError('unexpected SCRAM step');
    const msg = response.toString('utf8');
    const at = msg.lastIndexOf(',p=');
    if (at < 0) throw new SaslError('malformed client-final-message');
    const withoutProof = msg.slice(0, at);
    const a = attributes(withoutProof);
    if (a.get('c') !== Buffer.from(this.#gs2).toString('base64') || a.get('r') !== this.#nonce) {
      throw new SaslError('channel binding or nonce mismatch');
    }
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const clientSignature = createHmac(this.hash, this.#keys.storedKey).update(authMessage).digest();
    const clientKey = xor(Buffer.from(msg.slice(at + 3), 'base64'), clientSignature);
    const stored = createHash(this.hash).update(clientKey).digest();
    if (this.username === null || clientKey.length !== HASH_LEN[this.hash] ||
      !timingSafeEqual(stored, this.#keys.storedKey)) {
      this.username = null;
      throw new SaslError('authentication failed');
    }
    this.isComplete = true;
    const v = createHmac(this.hash, this.#keys.serverKey).update(authMessage).digest();
    return Buffer.from(`v=${v.toString('base64')}`, 'utf8');
  }
}
