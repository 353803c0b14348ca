/**
 * A reader for Cyrus SASL's sasldb as Debian builds it: a Berkeley DB 5.3
 * hash database (`saslpasswd2 -f FILE`), so that tsvirtd can check
 * passwords against the very file libvirtd uses. Read-only: writing a
 * Berkeley DB safely needs its locking and logging, which saslpasswd2 has.
 *
 * Each record's key is `user\0realm\0property` (Cyrus's _sasldb_alloc_key)
 * and its data the property's value; `userPassword` holds the plaintext
 * secret the mechanisms derive their verifiers from.
 *
 * The layout (Berkeley DB's dbinc/db_page.h, read for facts):
 * - page 0 is the hash meta page: magic 0x061561 at offset 12, in the byte
 *   order of the machine that made the file; the page size at 20;
 *   `max_bucket` at 72 and the 32 `spares` at 96, which map a bucket to
 *   its first page (`bucket + spares[ceil(log2(bucket + 1))]`).
 * - a bucket is a chain of hash pages linked by `next_pgno` (offset 16);
 *   `entries` (20) index slots follow the 26-byte header, each the offset
 *   of an item that ends where the previous one starts; items alternate
 *   key, data. An item is its type byte and either the bytes (H_KEYDATA)
 *   or a reference to a chain of overflow pages (H_OFFPAGE: page at +4,
 *   total length at +8), each holding `hf_offset` bytes after its header.
 * - deleting a record removes its items from the page, and freed pages go
 *   to the free list; walking the buckets sees neither.
 *
 * The walk is bounded whatever the file holds: each page is read at most
 * once, lengths are checked against the file, the file against a size cap.
 */

/** A record of the database: what `sasldblistusers2` lists, with its value. */
export interface SasldbRecord { user: string; realm: string; property: string; value: Buffer }

/** The file is not a sasldb this reader can read; the message names the file. */
export class SasldbError extends Error {
  override name = 'SasldbError';
}

/** The largest file read (a sasldb of a hundred thousand users is a few MiB). */
export const SASLDB_MAX_BYTES = 64 * 1024 * 1024;

const HASH_MAGIC = 0x061561;
const BTREE_MAGIC = 0x053162;
const META_SIZE = 512;
const PAGE_HEADER = 26;

const PageType = { INVALID: 0, HASH_UNSORTED: 2, OVERFLOW: 7, HASHMETA: 8, HASH: 13 } as const;
const ItemType = { KEYDATA: 1, DUPLICATE: 2, OFFPAGE: 3, OFFDUP: 4 } as const;
/** Hash meta flags (DB_HASH_DUP, DB_HASH_SUBDB): sasldb uses neither. */
const HashFlag = { DUP: 0x01, SUBDB: 0x02 } as const;

/** True if the bytes start like a Berkeley DB file of any access method, in either byte order. */
export function isBerkeleyDb(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const b = Buffer.from(head.buffer, head.byteOffset, head.length);
  return [HASH_MAGIC, BTREE_MAGIC, 0x042253 /* queue */].some((m) => b.readUInt32LE(12) === m || b.readUInt32BE(12) === m);
}

interface Meta { pageSize: number; pageCount: number; maxBucket: number; spares: number[] }

interface PageHeader { next: number; entries: number; hfOffset: number; type: number }

/** The file as pages, in its byte order; every offset here is from the start of the file. */
class Pages {
  readonly #seen = new Set<number>();
  pageSize = META_SIZE;
  pageCount = 1;

  constructor(readonly buf: Buffer, readonly isLE: boolean, readonly path: string) {}

  fail(what: string): never {
    throw new SasldbError(`${this.path}: corrupt sasldb: ${what}`);
  }

  u32(off: number): number {
    return this.isLE ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }

  u16(off: number): number {
    return this.isLE ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }

  /** Page `pgno`'s offset, once: a second visit means a cycle or a page in two chains. */
  take(pgno: number, what: string): number {
    if (pgno < 1 || pgno >= this.pageCount) this.fail(`${what} refers to page ${pgno}, outside the file's ${this.pageCount} pages`);
    if (this.#seen.has(pgno)) this.fail(`page ${pgno} is linked twice (${what})`);
    this.#seen.add(pgno);
    return pgno * this.pageSize;
  }

  header(at: number): PageHeader {
    return { next: this.u32(at + 16), entries: this.u16(at + 20), hfOffset: this.u16(at + 22), type: this.buf[at + 25]! };
  }
}

function readMeta(p: Pages): Meta {
  const { buf } = p;
  if (p.u32(12) === BTREE_MAGIC) p.fail('a Berkeley DB btree database, not the hash database sasldb is');
  if (p.u32(12) !== HASH_MAGIC) p.fail('not a Berkeley DB hash database');
  const version = p.u32(16);
  if (version < 8 || version > 10) p.fail(`hash version ${version} is not supported (Berkeley DB 4.6 to 6.x write 8 to 10)`);
  const pageSize = p.u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) p.fail(`page size ${pageSize} is not a power of two from 512 to 65536`);
  if (buf[24] !== 0) p.fail('the database is encrypted');
  if (buf[26]! & 0x01) p.fail('the database has page checksums, which this reader does not check');
  if (buf[25] !== PageType.HASHMETA) p.fail(`page 0 has type ${buf[25]}, not a hash meta page`);
  if (p.u32(48) & (HashFlag.DUP | HashFlag.SUBDB)) p.fail('duplicate keys or sub-databases, which sasldb never makes');
  if (buf.length % pageSize !== 0) p.fail(`its size ${buf.length} is not a multiple of the page size ${pageSize}`);
  const pageCount = buf.length / pageSize;
  const maxBucket = p.u32(72);
  if (maxBucket >= pageCount) p.fail(`${maxBucket + 1} buckets in ${pageCount} pages`);
  const spares = Array.from({ length: 32 }, (_, i) => p.u32(96 + 4 * i));
  return { pageSize, pageCount, maxBucket, spares };
}

/** ceil(log2(n)), as Berkeley DB's __db_log2. */
function log2ceil(n: number): number {
  let i = 0;
  for (let limit = 1; limit < n; limit *= 2) i++;
  return i;
}

/** The bytes of an H_OFFPAGE item: its overflow chain from page `first`, `total` bytes long. */
function readOverflow(p: Pages, first: number, total: number): Buffer {
  if (total > p.buf.length) p.fail(`an off-page item of ${total} bytes in a file of ${p.buf.length}`);
  const parts: Buffer[] = [];
  let have = 0;
  for (let pgno = first; have < total; ) {
    if (pgno === 0) p.fail(`an overflow chain ends after ${have} of ${total} bytes`);
    const at = p.take(pgno, 'an overflow chain');
    const h = p.header(at);
    if (h.type !== PageType.OVERFLOW) p.fail(`page ${pgno} in an overflow chain has type ${h.type}`);
    if (h.hfOffset > p.pageSize - PAGE_HEADER || have + h.hfOffset > total) {
      p.fail(`overflow page ${pgno} holds ${h.hfOffset} bytes, more than its item's ${total}`);
    }
    if (h.hfOffset === 0) p.fail(`overflow page ${pgno} is empty`);
    parts.push(p.buf.subarray(at + PAGE_HEADER, at + PAGE_HEADER + h.hfOffset));
    have += h.hfOffset;
    pgno = h.next;
  }
  return Buffer.concat(parts, total);
}

/** The bytes of the item at [start, end) of page `pgno`. */
function readItem(p: Pages, start: number, end: number, pgno: number): Buffer {
  switch (p.buf[start]) {
    case ItemType.KEYDATA:
      return Buffer.from(p.buf.subarray(start + 1, end));
    case ItemType.OFFPAGE:
      if (end - start < 12) p.fail(`a short off-page item on page ${pgno}`);
      return readOverflow(p, p.u32(start + 4), p.u32(start + 8));
    case ItemType.DUPLICATE:
    case ItemType.OFFDUP:
      return p.fail(`duplicate data on page ${pgno}, which sasldb never makes`);
    default:
      return p.fail(`an item of unknown type ${p.buf[start]} on page ${pgno}`);
  }
}

/** The key/data pairs of one hash page, in index order. */
function readHashPage(p: Pages, at: number, pgno: number, h: PageHeader): [Buffer, Buffer][] {
  if (h.entries % 2 !== 0) p.fail(`hash page ${pgno} has an odd number of items (${h.entries})`);
  const slotsEnd = PAGE_HEADER + 2 * h.entries;
  if (slotsEnd > p.pageSize) p.fail(`hash page ${pgno} claims ${h.entries} items`);
  const items: Buffer[] = [];
  let end = p.pageSize;
  for (let i = 0; i < h.entries; i++) {
    const start = p.u16(at + PAGE_HEADER + 2 * i);
    // Items are packed from the end of the page down, each ending where the one before starts.
    if (start < slotsEnd || start >= end) p.fail(`item ${i} of hash page ${pgno} is at ${start}, outside ${slotsEnd}..${end}`);
    items.push(readItem(p, at + start, at + end, pgno));
    end = start;
  }
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
  return pairs;
}

/** Split `user\0realm\0property`; null for a key of another shape (sasldblistusers2 skips those too). */
function splitKey(key: Buffer): { user: string; realm: string; property: string } | null {
  const a = key.indexOf(0);
  const b = a < 0 ? -1 : key.indexOf(0, a + 1);
  if (b < 0 || key.indexOf(0, b + 1) >= 0) return null;
  const s = (x: Buffer): string => x.toString('utf8');
  return { user: s(key.subarray(0, a)), realm: s(key.subarray(a + 1, b)), property: s(key.subarray(b + 1)) };
}

/**
 * Every record of a sasldb, in the order a Berkeley DB cursor returns them
 * (bucket by bucket, each bucket's pages in chain order) — the order of
 * `sasldblistusers2`. `path` is only for messages.
 */
export function parseSasldb(buf: Buffer, path: string): SasldbRecord[] {
  if (buf.length < META_SIZE) throw new SasldbError(`${path}: not a sasldb (${buf.length} bytes, shorter than a Berkeley DB meta page)`);
  if (buf.length > SASLDB_MAX_BYTES) throw new SasldbError(`${path}: ${buf.length} bytes is more than a sasldb this reader takes (${SASLDB_MAX_BYTES})`);
  const isLE = buf.readUInt32LE(12) === HASH_MAGIC || buf.readUInt32LE(12) === BTREE_MAGIC;
  const p = new Pages(buf, isLE, path);
  const meta = readMeta(p);
  p.pageSize = meta.pageSize;
  p.pageCount = meta.pageCount;
  const out: SasldbRecord[] = [];
  for (let bucket = 0; bucket <= meta.maxBucket; bucket++) {
    let pgno = bucket + meta.spares[log2ceil(bucket + 1)]!;
    for (let first = true; pgno !== 0; first = false) {
      const at = p.take(pgno, first ? `bucket ${bucket}` : `a page chain of bucket ${bucket}`);
      const h = p.header(at);
      // A bucket nothing was ever stored in may be a page never written: zeros (a hole in the file).
      if (first && h.type === PageType.INVALID && h.entries === 0 && h.next === 0) break;
      if (h.type !== PageType.HASH && h.type !== PageType.HASH_UNSORTED) p.fail(`page ${pgno} of bucket ${bucket} has type ${h.type}, not a hash page`);
      for (const [key, value] of readHashPage(p, at, pgno, h)) {
        const k = splitKey(key);
        if (k) out.push({ ...k, value });
      }
      pgno = h.next;
    }
  }
  return out;
}
