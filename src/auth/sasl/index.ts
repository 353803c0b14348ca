/** SASL mechanisms written in TypeScript (no Cyrus): SCRAM-SHA-1/256, PLAIN, DIGEST-MD5. */
export type { PasswordLookup, SaslClientMechanism, SaslServerMechanism, SecurityLayer } from './mechanism.js';
export { SaslError } from './mechanism.js';
export { PlainClient, PlainServer } from './plain.js';
export { ScramClient, ScramServer, scramMechanismName, type ScramHash } from './scram.js';
export { DigestMd5Client, DigestMd5Server, parseDirectives, type DigestCipher, type DigestQop, type SsfRange } from './digest-md5.js';
export { Rc4 } from './rc4.js';
export { SaslLayerStream } from './layer-stream.js';
