/**
 * libvirt's UUID text rules (src/util/viruuid.c), the one parser every layer
 * uses: virUUIDParse skips leading blanks, reads 16 bytes as pairs of hex
 * digits with '-' or ' ' allowed before any pair (never inside one), and
 * allows only blanks after. Results are canonical lower-case dashed text.
 */
import { randomUUID } from 'node:crypto';

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** virUUIDParse: the canonical form, or null when libvirt would reject the text. */
export function parseUUIDText(text: string): string | null {
  let i = 0;
  while (isSpace(text[i])) i++;
  let hex = '';
  while (hex.length < 32) {
    const c = text[i];
    if (c === undefined) return null;
    if (c === '-' || c === ' ') {
      i++;
      continue;
    }
    if (!isHex(c) || !isHex(text[i + 1])) return null;
    hex += c + text[i + 1];
    i += 2;
  }
  for (; i < text.length; i++) if (!isSpace(text[i])) return null;
  return formatUUIDHex(hex.toLowerCase());
}

/** 32 hex digits → `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
export function formatUUIDHex(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** virUUIDFormat of 16 raw bytes. */
export function formatUUIDBytes(b: Uint8Array): string {
  return formatUUIDHex(Buffer.from(b).toString('hex'));
}

/** virUUIDGenerate: a random version-4 UUID. */
export function generateUUID(): string {
  return randomUUID();
}
