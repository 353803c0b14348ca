/**
 * The test driver's screenshot. libvirt's testDomainScreenshot streams a PNG
 * shipped with libvirt (a 1120x832 8-bit grayscale image). We produce an
 * image of the same geometry and format, built here, so the project ships
 * no libvirt data file.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

export const SCREENSHOT_WIDTH = 1120;
export const SCREENSHOT_HEIGHT = 832;
export const SCREENSHOT_MIME = 'image/png';

let crcTable: Uint32Array | null = null;

function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of data) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(body).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

let cached: Uint8Array | null = null;

/** Where an installed libvirt keeps the image its test driver sends (`${pkgdatadir}/test-screenshot.png`). */
export const LIBVIRT_SCREENSHOT = '/usr/share/libvirt/test-screenshot.png';

/**
 * The screenshot: libvirt's own image when libvirt is installed on this
 * machine (read at run time, never shipped), so that a screenshot taken
 * through tsvirt is the same file as one taken through libvirt; otherwise
 * the picture built below.
 */
export function testScreenshot(path = LIBVIRT_SCREENSHOT): Uint8Array {
  try {
    const b = readFileSync(path);
    if (b.subarray(1, 4).toString('latin1') === 'PNG') return new Uint8Array(b);
  } catch {
    // not installed
  }
  return screenshotPNG();
}

/**
 * A console-like picture: a dark screen with a lighter frame and a block
 * cursor, as a grayscale PNG. The bytes are the same on every call.
 */
export function screenshotPNG(): Uint8Array {
  if (cached) return cached;
  const w = SCREENSHOT_WIDTH;
  const h = SCREENSHOT_HEIGHT;
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      let v = 0x20;
      if (x < 8 || y < 8 || x >= w - 8 || y >= h - 8) v = 0xc0;
      else if (x >= 24 && x < 32 && y >= 24 && y < 40) v = 0xe0;
      raw[row + 1 + x] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // interlace: none
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  cached = new Uint8Array(Buffer.concat([
    signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)),
  ]));
  return cached;
}
