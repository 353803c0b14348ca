/**
 * The fuzzer's network listeners with authentication: plain TCP on
 * 127.0.0.1 with auth_tcp = "sasl" (Cyrus-style libvirt.conf found through
 * SASL_CONF_PATH, a userdb.ts database with one user), and TLS with
 * auth_tls "sasl" or "none" (drawn from the seed) on certificates made
 * once per run (test/interop/tls-pki.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeUserDb } from '../../src/auth/sasl/userdb.js';
import { freePort, type ConfValue } from '../interop/harness.js';
import { makePki, type Pki } from '../interop/tls-pki.js';

/** What the inputs need to reach the authenticated listeners. */
export interface AuthNet {
  /** Filled in once the daemon runs (the harness picks the TCP port). */
  tcpPort: number;
  tlsPort: number;
  tlsAuth: 'none' | 'sasl';
  pki: Pki;
  user: string;
  password: string;
  /** For the daemon: libvirtd.conf keys and environment. */
  conf: Record<string, ConfValue>;
  env: NodeJS.ProcessEnv;
  remove(): void;
}

/** Cyrus's mech_list order: the daemon offers them in this order (on plain TCP only DIGEST-MD5 has a layer). */
const MECHS = ['digest-md5', 'scram-sha-256', 'scram-sha-1', 'plain'];

/** Makes the certificates, the user database and the SASL config (a few seconds: RSA keys). */
export async function makeAuthNet(seed: number): Promise<AuthNet> {
  const pki = makePki();
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-fuzz-sasl-'));
  const user = 'fuzz';
  const password = 'fuzz pa55';
  const db = join(dir, 'users.db');
  // The daemon's DIGEST-MD5 realm is the host name (Cyrus's default).
  await writeUserDb(db, [{ user, realm: hostname(), password }]);
  writeFileSync(join(dir, 'libvirt.conf'), `mech_list: ${MECHS.join(' ')}\nsasldb_path: ${db}\n`);
  const tlsPort = await freePort();
  const tlsAuth = seed % 2 === 0 ? 'sasl' : 'none';
  return {
    tcpPort: 0, tlsPort, tlsAuth, pki, user, password,
    conf: {
      auth_tcp: 'sasl', listen_tls: 1, tls_port: String(tlsPort), auth_tls: tlsAuth,
      ca_file: pki.cacert, cert_file: pki.servercert, key_file: pki.serverkey,
    },
    env: { SASL_CONF_PATH: dir },
    remove: () => {
      pki.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
