import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { fnmatch, loadCredentials, locateCredentials, PKI } from './tls-creds.js';

describe('TLS credentials', () => {
  it('fnmatch with flags 0, as tls_allowed_dn_list uses it', () => {
    const dn = 'C=GB,O=tsvirt test,CN=client allowed';
    assert.equal(fnmatch(dn, dn), true);
    assert.equal(fnmatch('C=GB,O=tsvirt test,CN=*', dn), true);
    assert.equal(fnmatch('*CN=client ?llowed', dn), true);
    assert.equal(fnmatch('C=GB,O=tsvirt test,CN=client [a-c]llowed', dn), true);
    assert.equal(fnmatch('C=GB,O=tsvirt test,CN=client [!a]llowed', dn), false);
    // gnutls order, C first: the RFC 4514 order does not match.
    assert.equal(fnmatch('CN=client allowed,O=tsvirt test,C=GB', dn), false);
    assert.equal(fnmatch('C=GB', dn), false);
    assert.equal(fnmatch('C=GB.O*', 'C=GB,O=x'), false);
    assert.equal(fnmatch('a\\*b', 'a*b'), true);
    assert.equal(fnmatch('a\\*b', 'axb'), false);
  });

  it('locates credentials as virNetTLSContextLocateCredentials', () => {
    assert.deepEqual(locateCredentials({ pkipath: '/p', isServer: false, tryUserPkiPath: true }),
      { cacert: '/p/cacert.pem', cacrl: '/p/cacrl.pem', cert: '/p/clientcert.pem', key: '/p/clientkey.pem' });
    assert.deepEqual(locateCredentials({ pkipath: null, isServer: true, tryUserPkiPath: false }),
      { cacert: PKI.cacert, cacrl: PKI.cacrl, cert: PKI.serverCert, key: PKI.serverKey });
    const home = mkdtempSync(join(tmpdir(), 'tsvirt-home-'));
    try {
      const dir = join(home, '.pki', 'libvirt');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cacert.pem'), '');
      writeFileSync(join(dir, 'clientcert.pem'), '');
      // No key: cert and key fall back to the system paths as a pair.
      assert.deepEqual(locateCredentials({ pkipath: null, isServer: false, tryUserPkiPath: true, home }),
        { cacert: join(dir, 'cacert.pem'), cacrl: PKI.cacrl, cert: PKI.clientCert, key: PKI.clientKey });
      writeFileSync(join(dir, 'clientkey.pem'), '');
      assert.deepEqual(locateCredentials({ pkipath: null, isServer: false, tryUserPkiPath: true, home }),
        { cacert: join(dir, 'cacert.pem'), cacrl: PKI.cacrl, cert: join(dir, 'clientcert.pem'), key: join(dir, 'clientkey.pem') });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("missing files: libvirt's errors; a client may lack its certificate, a server may not", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-pki-'));
    try {
      const client = locateCredentials({ pkipath: dir, isServer: false, tryUserPkiPath: false });
      const server = locateCredentials({ pkipath: dir, isServer: true, tryUserPkiPath: false });
      const fails = (f: () => unknown, message: string): void => assert.throws(f, (e: unknown) =>
        e instanceof VirtError && e.code === ErrorCode.SYSTEM_ERROR && e.domain === ErrorDomain.RPC && e.message === message);
      fails(() => loadCredentials(client, { isServer: false, sanityCheck: true }),
        `Cannot read CA certificate '${dir}/cacert.pem': No such file or directory`);
      writeFileSync(join(dir, 'cacert.pem'), 'not parsed here');
      const c = loadCredentials(client, { isServer: false, sanityCheck: false });
      assert.equal(c.cert, null);
      fails(() => loadCredentials(server, { isServer: true, sanityCheck: false }),
        `Cannot read certificate '${dir}/servercert.pem': No such file or directory`);
      writeFileSync(join(dir, 'servercert.pem'), '');
      fails(() => loadCredentials(server, { isServer: true, sanityCheck: false }),
        `Cannot read private key '${dir}/serverkey.pem': No such file or directory`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
