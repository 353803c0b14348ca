/**
 * DIGEST-MD5 (RFC 2831) with its security layer, as Cyrus's digestmd5 plugin
 * speaks it: md5-sess, qop auth / auth-int / auth-conf, ciphers rc4-40,
 * rc4-56, rc4, des, 3des (the strongest common one within the caller's SSF
 * range wins, as Cyrus's client chooses).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual, type Cipher, type Decipher } from 'node:crypto';
import { type PasswordLookup, SaslError, type SaslClientMechanism, type SaslServerMechanism, type SecurityLayer } from './mechanism.js';
import { Rc4 } from './rc4.js';

export type DigestQop = 'auth' | 'auth-int' | 'auth-conf';
export type DigestCipher = 'rc4-40' | 'rc4-56' | 'rc4' | 'des' | '3des';

/** Cyrus's cipher table: SSF and how many bytes of H(A1) make the key (RFC 2831 §2.4). */
const CIPHERS: Record<DigestCipher, { ssf: number; n: number }> = {
  'rc4-40': { ssf: 40, n: 5 },
  'rc4-56': { ssf: 56, n: 7 },
  rc4: { ssf: 128, n: 16 },
  // Cyrus rates single DES at 55: below libvirt's 56 on plain TCP.
  des: { ssf: 55, n: 16 },
  '3des': { ssf: 112, n: 16 },
};

const DEFAULT_MAXBUF = 65536;

/** Parses `key=value, key="quoted\"value"` lists (RFC 2831 §7.1 #rule). */
export function parseDirectives(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const skip = (): void => { while (i < s.length && /[\s,]/.test(s[i]!)) i++; };
  skip();
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new SaslError('malformed DIGEST-MD5 directive');
    const key = s.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\') i++;
        value += s[i] ?? '';
        i++;
      }
      if (s[i] !== '"') throw new SaslError('unterminated quoted string');
      i++;
    } else {
      const end = s.indexOf(',', i);
      value = s.slice(i, end < 0 ? s.length : end).trim();
      i = end < 0 ? s.length : end;
    }
    // realm may repeat; qop/cipher are lists in one value. Keep the first, join repeats of realm.
    out.set(key, out.has(key) && key === 'realm' ? `${out.get(key)!}\0${value}` : (out.get(key) ?? value));
    skip();
  }
  return out;
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

const md5 = (...parts: (string | Buffer)[]): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (b: Buffer): string => b.toString('hex');

interface Exchange {
  username: string; realm: string; password: string; nonce: string; cnonce: string; nc: string;
  qop: DigestQop; digestUri: string; authzid?: string;
}

/** H(A1) for md5-sess, binary (the session keys come from it). */
function ha1(x: Exchange): Buffer {
  const inner = md5(`${x.username}:${x.realm}:${x.password}`);
  return md5(inner, `:${x.nonce}:${x.cnonce}`, x.authzid ? `:${x.authzid}` : '');
}

/** response-value (RFC 2831 §2.1.2.1); `prefix` is "AUTHENTICATE" for the client, "" for rspauth. */
function responseValue(x: Exchange, prefix: string): string {
  const a2 = `${prefix}:${x.digestUri}${x.qop === 'auth' ? '' : ':00000000000000000000000000000000'}`;
  return hex(md5(`${hex(ha1(x))}:${x.nonce}:${x.nc}:${x.cnonce}:${x.qop}:${hex(md5(a2))}`));
}

/** What one side needs to encode/decode after completion. */
function makeLayer(x: Exchange, cipher: DigestCipher | null, isClient: boolean, peerMaxbuf: number): SecurityLayer | null {
  if (x.qop === 'auth') return null;
  const h = ha1(x);
  const c2s = 'client-to-server'; const s2c = 'server-to-client';
  const ki = (dir: string): Buffer => md5(h, `Digest session key to ${dir} signing key magic constant`);
  const kc = (dir: string): Buffer => md5(h.subarray(0, CIPHERS[cipher!].n), `Digest H(A1) to ${dir} sealing key magic constant`);
  const [out, inn] = isClient ? [c2s, s2c] : [s2c, c2s];
  if (x.qop === 'auth-int') return new DigestLayer(ki(out), ki(inn), null, null, 1, peerMaxbuf);
  return new DigestLayer(ki(out), ki(inn), sealer(cipher!, kc(out), true), sealer(cipher!, kc(inn), false),
    CIPHERS[cipher!].ssf, peerMaxbuf);
}

/** Cyrus's slidebits: 56 key bits spread over 8 bytes, the low bit of each left for parity. */
function desKey(k: Buffer): Buffer {
  const o = Buffer.alloc(8);
  o[0] = k[0]!;
  for (let i = 1; i < 7; i++) o[i] = ((k[i - 1]! << (8 - i)) | (k[i]! >> i)) & 0xff;
  o[7] = (k[6]! << 1) & 0xff;
  return o;
}

interface Sealer { readonly block: number; update(b: Buffer): Buffer }

function sealer(cipher: DigestCipher, kc: Buffer, encrypt: boolean): Sealer {
  if (cipher.startsWith('rc4')) {
    const r = new Rc4(kc);
    return { block: 1, update: (b) => r.update(b) };
  }
  // Node's default provider has no single DES: EDE with K1 = K2 is DES.
  const k1 = desKey(kc.subarray(0, 7));
  const key = cipher === 'des' ? Buffer.concat([k1, k1]) : Buffer.concat([k1, desKey(kc.subarray(7, 14))]);
  const iv = kc.subarray(8, 16);
  const c: Cipher | Decipher = encrypt ? createCipheriv('des-ede-cbc', key, iv) : createDecipheriv('des-ede-cbc', key, iv);
  c.setAutoPadding(false);
  // The CBC chain runs on from one message to the next (RFC 2831 §2.4).
  return { block: 8, update: (b) => c.update(b) };
}

const MAC_TAIL = Buffer.from([0, 1]);

class DigestLayer implements SecurityLayer {
  readonly maxOutBuf: number;
  #sendSeq = 0;
  #recvSeq = 0;
  #pending = Buffer.alloc(0);

  constructor(readonly kiOut: Buffer, readonly kiIn: Buffer, readonly sealOut: Sealer | null,
    readonly sealIn: Sealer | null, readonly ssf: number, peerMaxbuf: number) {
    // Room for the MAC (16) and, when sealing, a full block of padding.
    this.maxOutBuf = peerMaxbuf - 16 - (sealOut ? 8 : 0);
  }

  #mac(key: Buffer, seq: Buffer, msg: Buffer): Buffer {
    return createHmac('md5', key).update(seq).update(msg).digest().subarray(0, 10);
  }

  encode(data: Uint8Array): Buffer {
    const msg = Buffer.from(data);
    const seq = Buffer.alloc(4); seq.writeUInt32BE(this.#sendSeq++ >>> 0);
    const mac = this.#mac(this.kiOut, seq, msg);
    let body: Buffer;
    if (this.sealOut) {
      const padLen = this.sealOut.block === 1 ? 0 : 8 - ((msg.length + 10) % 8);
      body = this.sealOut.update(Buffer.concat([msg, Buffer.alloc(padLen, padLen), mac]));
    } else {
      body = Buffer.concat([msg, mac]);
    }
    const len = Buffer.alloc(4); len.writeUInt32BE(body.length + 6);
    return Buffer.concat([len, body, MAC_TAIL, seq]);
  }

  decode(data: Uint8Array): Buffer {
    this.#pending = Buffer.concat([this.#pending, data]);
    const out: Buffer[] = [];
    while (this.#pending.length >= 4) {
      const len = this.#pending.readUInt32BE(0);
      if (len < 16 || len > DEFAULT_MAXBUF * 4) throw new SaslError('bad DIGEST-MD5 blob length');
      if (this.#pending.length < 4 + len) break;
      const blob = this.#pending.subarray(4, 4 + len);
      this.#pending = this.#pending.subarray(4 + len);
      out.push(this.#open(blob));
    }
    return Buffer.concat(out);
  }

  #open(blob: Buffer): Buffer {
    const seq = blob.subarray(blob.length - 4);
    if (blob.readUInt16BE(blob.length - 6) !== 1 || seq.readUInt32BE(0) !== (this.#recvSeq >>> 0)) {
      throw new SaslError('DIGEST-MD5 sequence number mismatch');
    }
    this.#recvSeq++;
    let body = blob.subarray(0, blob.length - 6);
    if (this.sealIn) {
      body = this.sealIn.update(body);
      if (this.sealIn.block > 1) {
        const padLen = body[body.length - 11]!;
        if (padLen < 1 || padLen > 8) throw new SaslError('bad DIGEST-MD5 padding');
        body = Buffer.concat([body.subarray(0, body.length - 10 - padLen), body.subarray(body.length - 10)]);
      }
    }
    const msg = body.subarray(0, body.length - 10);
    const mac = body.subarray(body.length - 10);
    if (!timingSafeEqual(mac, this.#mac(this.kiIn, seq, msg))) throw new SaslError('DIGEST-MD5 MAC mismatch');
    return Buffer.from(msg);
  }
}

/** SSF bounds the caller asks for (sasl_security_properties_t min_ssf/max_ssf). */
export interface SsfRange { minSsf: number; maxSsf: number }

/** The qop/cipher Cyrus's client would choose: the strongest offered within the range. */
function choose(qops: string[], ciphers: string[], r: SsfRange): { qop: DigestQop; cipher: DigestCipher | null } {
  const options: { qop: DigestQop; cipher: DigestCipher | null; ssf: number }[] = [];
  if (qops.includes('auth-conf')) {
    for (const c of ciphers) if (c in CIPHERS) options.push({ qop: 'auth-conf', cipher: c as DigestCipher, ssf: CIPHERS[c as DigestCipher].ssf });
  }
  if (qops.includes('auth-int')) options.push({ qop: 'auth-int', cipher: null, ssf: 1 });
  if (qops.includes('auth')) options.push({ qop: 'auth', cipher: null, ssf: 0 });
  const ok = options.filter((o) => o.ssf >= r.minSsf && o.ssf <= r.maxSsf).sort((a, b) => b.ssf - a.ssf);
  if (ok.length === 0) throw new SaslError('no common DIGEST-MD5 protection within the SSF range');
  return ok[0]!;
}

export interface DigestClientOptions {
  username: string; password: string; service: string; host: string;
  realm?: string; authzid?: string; cnonce?: string; ssf?: SsfRange; maxbuf?: number;
}

export class DigestMd5Client implements SaslClientMechanism {
  readonly name = 'DIGEST-MD5';
  isComplete = false;
  layer: SecurityLayer | null = null;
  #x: Exchange | null = null;
  #cipher: DigestCipher | null = null;
  #peerMaxbuf = DEFAULT_MAXBUF;

  constructor(readonly o: DigestClientOptions) {}

  start(): null {
    return null;
  }

  step(challenge: Buffer | null): Buffer | null {
    if (this.isComplete) return null;
    if (challenge === null) throw new SaslError('DIGEST-MD5 needs a challenge');
    const d = parseDirectives(challenge.toString('utf8'));
    if (this.#x !== null) return this.#verify(d);
    const nonce = d.get('nonce');
    if (!nonce || (d.get('algorithm') ?? '') !== 'md5-sess') throw new SaslError('malformed DIGEST-MD5 challenge');
    const realm = this.o.realm ?? (d.get('realm') ?? '').split('\0')[0]!;
    const { qop, cipher } = choose((d.get('qop') ?? 'auth').split(',').map((s) => s.trim()),
      (d.get('cipher') ?? '').split(',').map((s) => s.trim()), this.o.ssf ?? { minSsf: 0, maxSsf: 0xffffffff });
    this.#cipher = cipher;
    this.#peerMaxbuf = Number(d.get('maxbuf') ?? DEFAULT_MAXBUF);
    const x: Exchange = {
      username: this.o.username, realm, password: this.o.password, nonce,
      cnonce: this.o.cnonce ?? randomBytes(24).toString('base64'), nc: '00000001', qop,
      digestUri: `${this.o.service}/${this.o.host}`, authzid: this.o.authzid,
    };
    this.#x = x;
    const parts = [
      ...(d.get('charset') === 'utf-8' ? ['charset=utf-8'] : []),
      `username=${quote(x.username)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `nc=${x.nc}`,
      `cnonce=${quote(x.cnonce)}`, `digest-uri=${quote(x.digestUri)}`,
      ...(this.o.maxbuf !== undefined && qop !== 'auth' ? [`maxbuf=${this.o.maxbuf}`] : []),
      `response=${responseValue(x, 'AUTHENTICATE')}`, `qop=${qop}`,
      ...(cipher ? [`cipher=${cipher}`] : []),
      ...(x.authzid ? [`authzid=${quote(x.authzid)}`] : []),
    ];
    return Buffer.from(parts.join(','), 'utf8');
  }

  #verify(d: Map<string, string>): Buffer {
    const x = this.#x!;
    if (d.get('rspauth') !== responseValue(x, '')) throw new SaslError('DIGEST-MD5 server response mismatch');
    this.isComplete = true;
    this.layer = makeLayer(x, this.#cipher, true, this.#peerMaxbuf);
    // RFC 2831 §2.1.3: the client answers rspauth with an empty response.
    return Buffer.alloc(0);
  }
}

export interface DigestServerOptions {
  lookup: PasswordLookup; service: string; realm: string;
  nonce?: string; ssf?: SsfRange; maxbuf?: number;
}

export class DigestMd5Server implements SaslServerMechanism {
  readonly name = 'DIGEST-MD5';
  isComplete = false;
  username: string | null = null;
  layer: SecurityLayer | null = null;
  #nonce: string;
  #done = false;

  constructor(readonly o: DigestServerOptions) {
    this.#nonce = o.nonce ?? randomBytes(24).toString('base64');
  }

  start(response: Buffer | null): Buffer {
    if (response !== null && response.length > 0) throw new SaslError('DIGEST-MD5 takes no initial response');
    const r = this.o.ssf ?? { minSsf: 0, maxSsf: 0xffffffff };
    const qops: DigestQop[] = [];
    if (r.minSsf === 0) qops.push('auth');
    if (r.minSsf <= 1 && r.maxSsf >= 1) qops.push('auth-int');
    const ciphers = (Object.keys(CIPHERS) as DigestCipher[]).filter((c) => CIPHERS[c].ssf >= r.minSsf && CIPHERS[c].ssf <= r.maxSsf);
    if (ciphers.length > 0) qops.push('auth-conf');
    return Buffer.from([
      `realm=${quote(this.o.realm)}`, `nonce=${quote(this.#nonce)}`, `qop="${qops.join(',')}"`,
      ...(ciphers.length ? [`cipher="${ciphers.join(',')}"`] : []),
      `maxbuf=${this.o.maxbuf ?? DEFAULT_MAXBUF}`, 'charset=utf-8', 'algorithm=md5-sess',
    ].join(','), 'utf8');
  }

  step(response: Buffer | null): Buffer | null {
    if (this.#done) throw new SaslError('DIGEST-MD5 exchange already complete');
    if (response === null) throw new SaslError('DIGEST-MD5 needs a response');
    const d = parseDirectives(response.toString('utf8'));
    const username = d.get('username') ?? '';
    const realm = (d.get('realm') ?? '');
    const qop = (d.get('qop') ?? 'auth') as DigestQop;
    const cipher = (d.get('cipher') ?? null) as DigestCipher | null;
    if (d.get('nonce') !== this.#nonce || d.get('nc') !== '00000001' || !d.get('cnonce') ||
      !(d.get('digest-uri') ?? '').startsWith(`${this.o.service}/`)) throw new SaslError('malformed DIGEST-MD5 response');
    if (qop === 'auth-conf' && (cipher === null || !(cipher in CIPHERS))) throw new SaslError('bad cipher');
    const ssf = qop === 'auth' ? 0 : qop === 'auth-int' ? 1 : CIPHERS[cipher!].ssf;
    const r = this.o.ssf ?? { minSsf: 0, maxSsf: 0xffffffff };
    if (ssf < r.minSsf || ssf > r.maxSsf) throw new SaslError('protection outside the SSF range');
    const password = this.o.lookup(username, realm);
    const x: Exchange = {
      username, realm, password: password ?? randomBytes(16).toString('hex'), nonce: this.#nonce,
      cnonce: d.get('cnonce')!, nc: '00000001', qop, digestUri: d.get('digest-uri')!, authzid: d.get('authzid'),
    };
    const given = Buffer.from(d.get('response') ?? '');
    const want = Buffer.from(responseValue(x, 'AUTHENTICATE'));
    if (password === null || given.length !== want.length || !timingSafeEqual(given, want) ||
      (x.authzid !== undefined && x.authzid !== username)) throw new SaslError('authentication failed');
    this.username = username;
    this.layer = makeLayer(x, cipher, false, Number(d.get('maxbuf') ?? DEFAULT_MAXBUF));
    this.#done = true;
    // rspauth goes out as success data with completion, as libvirtd's
    // Cyrus server does (measured: no empty client step follows).
    this.isComplete = true;
    return Buffer.from(`rspauth=${responseValue(x, '')}`, 'utf8');
  }
}
