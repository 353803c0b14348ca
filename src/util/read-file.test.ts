/**
 * readFileLimited/readXmlFile: the cap, FIFOs and devices that must not
 * block or flood the process, and libvirt's "File too large".
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, ErrorDomain } from '../errors.js';
import { readFileLimited, readXmlFile, tooLargeError } from './read-file.js';

const dir = mkdtempSync(join(tmpdir(), 'tsvirt-read-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readFileLimited', () => {
  it('reads a regular file up to the cap, inclusive', () => {
    const f = join(dir, 'exact');
    writeFileSync(f, 'x'.repeat(100));
    assert.equal(readFileLimited(f, 100).length, 100);
  });

  it('refuses a regular file over the cap with EFBIG, worded as virFileReadAll', () => {
    const f = join(dir, 'big');
    writeFileSync(f, 'x'.repeat(101));
    assert.throws(() => readFileLimited(f, 100), (e: NodeJS.ErrnoException) => e.code === 'EFBIG');
    let err: unknown;
    try { readFileLimited(f, 100); } catch (e) { err = e; }
    const v = tooLargeError(f, err);
    assert.ok(v);
    assert.equal(v.code, ErrorCode.SYSTEM_ERROR);
    assert.equal(v.domain, ErrorDomain.NONE);
    assert.equal(v.message, `Failed to read file '${f}': File too large`);
    assert.equal(tooLargeError(f, Object.assign(new Error('x'), { code: 'ENOENT' })), null);
  });

  it('reads an endless device only up to the cap', () => {
    assert.equal(readFileLimited('/dev/zero', 4096).length, 4096);
  });

  it('does not block on a FIFO without a writer', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    assert.equal(readFileLimited(fifo).length, 0);
    assert.ok(Date.now() - t0 < 1000);
  });

  it('passes open errors on', () => {
    assert.throws(() => readFileLimited(join(dir, 'missing')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });
});

describe('readXmlFile', () => {
  it('sees /dev/zero and a directory as empty documents, as libxml2 does', () => {
    assert.equal(readXmlFile('/dev/zero'), '');
    assert.equal(readXmlFile(dir), '');
  });

  it('decodes UTF-8', () => {
    const f = join(dir, 'u.xml');
    writeFileSync(f, '<a>é</a>');
    assert.equal(readXmlFile(f), '<a>é</a>');
  });
});
