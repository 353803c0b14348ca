/**
 * The shape every SASL mechanism here has: a small state machine that turns
 * the peer's token into ours, as Cyrus's sasl_client_step/sasl_server_step
 * do. `null` is "no data" (C NULL), distinct from an empty token — the
 * distinction libvirt carries in the `nil` field of AUTH_SASL_* (reference §11).
 */

/** A security layer negotiated by a mechanism (sasl_encode / sasl_decode). */
export interface SecurityLayer {
  /** Security strength factor in bits (SASL_SSF). */
  readonly ssf: number;
  /** The largest plaintext piece encode() takes (SASL_MAXOUTBUF). */
  readonly maxOutBuf: number;
  encode(data: Uint8Array): Buffer;
  /** Feed received bytes; returns the plaintext of every whole blob in them. */
  decode(data: Uint8Array): Buffer;
}

export interface SaslClientMechanism {
  readonly name: string;
  /** The initial response (null: none, the client waits for a challenge). */
  start(): Buffer | null;
  /** Answer a server challenge; null when there is nothing to send. */
  step(challenge: Buffer | null): Buffer | null;
  /** True once the exchange is finished on our side (server verified if the mechanism can). */
  readonly isComplete: boolean;
  /** The security layer after completion, or null for SSF 0. */
  readonly layer: SecurityLayer | null;
}

export interface SaslServerMechanism {
  readonly name: string;
  /** Handle the client's first token (null: none); returns the challenge. */
  start(response: Buffer | null): Buffer | null;
  step(response: Buffer | null): Buffer | null;
  readonly isComplete: boolean;
  /** The authenticated user (authentication identity) once complete. */
  readonly username: string | null;
  readonly layer: SecurityLayer | null;
}

/** A mechanism refused the exchange: libvirt reports "authentication failed". */
export class SaslError extends Error {
  override name = 'SaslError';
}

/** The server's view of its user database: plaintext secrets, as Cyrus sasldb's userPassword. */
export type PasswordLookup = (user: string, realm: string) => string | null;
