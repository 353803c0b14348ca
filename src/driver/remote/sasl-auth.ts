/**
 * The client side of libvirt's SASL authentication (remoteAuthSASL in
 * libvirt's remote_driver.c, reference libvirt-rpc.md §11) over our own
 * mechanisms in src/auth/sasl/ instead of Cyrus: AUTH_SASL_INIT for the
 * daemon's list, the mechanism's first token in AUTH_SASL_START, then
 * AUTH_SASL_STEP until both ends are complete. Credentials come from
 * auth.conf first (remoteAuthFillFromConfig), then one call of the
 * application's callback for the rest (remoteAuthInteract).
 */
import {
  DigestMd5Client, PlainClient, SaslError, ScramClient, type SaslClientMechanism, type SecurityLayer,
} from '../../auth/sasl/index.js';
import { findAuthConfigPath, loadAuthConfig, lookupCredential } from '../../config/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { remote } from '../../protocol/index.js';
import type { RpcClient } from '../../rpc/index.js';
import type { ParsedURI } from '../../uri/index.js';
import type { ConnectAuth, ConnectCredential } from '../driver.js';
import { CredentialType } from '../../auth/index.js';

/**
 * Mechanisms tsvirt speaks, in the order Cyrus's sasl_client_start prefers
 * them under libvirt's secprops on a unix socket (maxSSF 0), measured with
 * virsh against mech lists in different orders: SCRAM-SHA-256 > SCRAM-SHA-1
 * > DIGEST-MD5 > PLAIN, whatever the order of the daemon's list.
 */
const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'DIGEST-MD5', 'PLAIN'] as const;
type Mechanism = (typeof MECHANISMS)[number];

/** Mechanisms without a security layer: unusable where libvirt wants SSF ≥ 56. */
const NO_LAYER = new Set<Mechanism>(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);

/** libvirt's SSF floor on a connection that is neither TLS nor a unix socket. */
const MIN_SSF_INSECURE = 56;

export interface SaslAuthOptions {
  uri: ParsedURI | null;
  /** priv->hostname: auth.conf section and the DIGEST-MD5 digest-uri host. */
  host: string;
  /** The mechanism named by `?auth=sasl.MECH`, or null. */
  wantMech: string | null;
  /** TLS or unix socket: no security layer needed. */
  isSecure: boolean;
  auth: ConnectAuth | undefined;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** Cyrus's prompts, which virsh prints as they are. */
const PROMPTS = {
  authname: 'Please enter your authentication name',
  password: 'Please enter your password',
} as const;

interface Credentials { authname: string; password: string }

/** remoteAuthFillFromConfig, then remoteAuthInteract for what is left. */
async function collectCredentials(o: SaslAuthOptions): Promise<Credentials> {
  const path = findAuthConfigPath(o.uri, o.env);
  const conf = path === null ? null : loadAuthConfig(path);
  const fromFile = (name: string): string | null => (conf ? lookupCredential(conf, 'libvirt', o.host, name) : null);
  const found = { authname: fromFile('authname'), password: fromFile('password') };
  const ask: { key: keyof Credentials; cred: ConnectCredential }[] = [];
  if (found.authname === null) {
    ask.push({ key: 'authname', cred: { type: CredentialType.AUTHNAME, prompt: PROMPTS.authname, challenge: null, defresult: null, result: null } });
  }
  if (found.password === null) {
    ask.push({ key: 'password', cred: { type: CredentialType.PASSPHRASE, prompt: PROMPTS.password, challenge: null, defresult: null, result: null } });
  }
  if (ask.length > 0) {
    if (!o.auth || typeof o.auth.cb !== 'function' || ask.some((a) => !o.auth!.credtype.includes(a.cred.type))) {
      throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.REMOTE, 'Failed to collect auth credentials');
    }
    const rc = await o.auth.cb(ask.map((a) => a.cred));
    if (typeof rc === 'number' && rc < 0) {
      throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.REMOTE, 'Failed to collect auth credentials');
    }
    for (const a of ask) found[a.key] = a.cred.result ?? '';
  }
  return { authname: found.authname ?? '', password: found.password ?? '' };
}

/** virNetSASLSessionClientStart/Step failures, in Cyrus's words. */
function saslFailure(phase: 'start' | 'step', detail: string): VirtError {
  return VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.RPC,
    `Failed to ${phase} SASL negotiation: -1 (SASL(-1): generic failure: ${detail})`);
}

function makeClient(mech: Mechanism, c: Credentials, o: SaslAuthOptions): SaslClientMechanism {
  switch (mech) {
    case 'SCRAM-SHA-256': return new ScramClient('sha256', c.authname, c.password);
    case 'SCRAM-SHA-1': return new ScramClient('sha1', c.authname, c.password);
    case 'PLAIN': return new PlainClient(c.authname, c.password);
    case 'DIGEST-MD5': return new DigestMd5Client({
      username: c.authname, password: c.password, service: 'libvirt', host: o.host,
      ssf: o.isSecure ? { minSsf: 0, maxSsf: 0 } : { minSsf: MIN_SSF_INSECURE, maxSsf: 100000 },
    });
  }
}

/**
 * Runs the exchange; resolves with the security layer the mechanism
 * negotiated (null: none, traffic stays as it is).
 */
export async function authenticateSasl(client: RpcClient, o: SaslAuthOptions): Promise<SecurityLayer | null> {
  const call = { signal: o.signal };
  const { mechlist } = await client.call(remote.authSaslInit, undefined, call);
  const offered = mechlist.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (o.wantMech !== null && !offered.includes(o.wantMech)) {
    throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.REMOTE, `SASL mechanism ${o.wantMech} not supported by server`);
  }
  const candidates = (o.wantMech !== null ? [o.wantMech] : offered)
    .filter((m): m is Mechanism => (MECHANISMS as readonly string[]).includes(m))
    .filter((m) => o.isSecure || !NO_LAYER.has(m));
  const mech = MECHANISMS.find((m) => candidates.includes(m));
  if (mech === undefined) {
    // Cyrus's sasl_client_start with nothing usable: SASL_NOMECH.
    throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.RPC,
      'Failed to start SASL negotiation: -4 (SASL(-4): no mechanism available: No worthy mechs found)');
  }

  // DIGEST-MD5 asks for credentials when the challenge comes, the others at start.
  const creds = await collectCredentials(o);
  const phase = mech === 'DIGEST-MD5' ? 'step' : 'start';
  if (creds.authname.trim() === '') throw saslFailure(phase, 'All-whitespace username.');
  const m = makeClient(mech, creds, o);

  const local = (f: () => Buffer | null, p: 'start' | 'step'): Buffer | null => {
    try {
      return f();
    } catch (e) {
      if (e instanceof SaslError) throw saslFailure(p, e.message);
      throw e;
    }
  };
  const wire = (b: Buffer | null) => ({ nil: b === null ? 1 : 0, data: b ?? Buffer.alloc(0) });

  let reply = await client.call(remote.authSaslStart, { mech, ...wire(local(() => m.start(), 'start')) }, call);
  for (;;) {
    const challenge = reply.nil ? null : Buffer.from(reply.data);
    // Even when the server says complete, the client steps once more to check
    // it (mutual authentication), as remoteAuthSASL does.
    if (reply.complete && m.isComplete && (challenge === null || challenge.length === 0)) break;
    const out = local(() => m.step(challenge), 'step');
    if (reply.complete) {
      if (!m.isComplete) throw saslFailure('step', 'server completed before the client');
      break;
    }
    reply = await client.call(remote.authSaslStep, wire(out), call);
  }
  if (!o.isSecure) {
    const ssf = m.layer?.ssf ?? 0;
    if (ssf < MIN_SSF_INSECURE) {
      throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.REMOTE,
        `negotiation SSF ${ssf} was not strong enough`);
    }
  }
  return m.layer;
}
