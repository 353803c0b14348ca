/**
 * IP addresses as libvirt's virSocketAddr handles them: parsed with
 * getaddrinfo(AI_NUMERICHOST) semantics (so IPv4 accepts inet_aton forms such
 * as `010.1` = 8.0.0.1) and printed back in canonical numeric form.
 */
import { isIPv6 } from 'node:net';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';

export interface SocketAddr {
  family: 4 | 6;
  /** 32 bits for IPv4, 128 bits for IPv6. */
  value: bigint;
}

function parseAtonPart(s: string): bigint | null {
  if (s === '') return null;
  let base = 10;
  let body = s;
  if (/^0[xX]/.test(s)) { base = 16; body = s.slice(2); if (body === '') return 0n; }
  else if (s.length > 1 && s.startsWith('0')) { base = 8; body = s.slice(1); }
  const re = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!re.test(body)) return null;
  let v = 0n;
  for (const c of body) v = v * BigInt(base) + BigInt(parseInt(c, base));
  return v;
}

/** inet_aton: 1 to 4 dotted parts, the last one filling the remaining bytes. */
function parseIPv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const vals: bigint[] = [];
  for (const p of parts) {
    const v = parseAtonPart(p);
    if (v === null) return null;
    vals.push(v);
  }
  const n = vals.length;
  for (let i = 0; i < n - 1; i++) if (vals[i]! > 255n) return null;
  const lastBits = BigInt(8 * (5 - n));
  if (vals[n - 1]! >= (1n << lastBits)) return null;
  let v = 0n;
  for (let i = 0; i < n - 1; i++) v |= vals[i]! << BigInt(24 - 8 * i);
  return v | vals[n - 1]!;
}

function parseIPv6(s: string): bigint | null {
  if (!isIPv6(s) || s.includes('%')) return null;
  let str = s;
  // An embedded dotted quad becomes two hex groups.
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(str);
  if (m) {
    const v4 = parseIPv4(m[2]!);
    if (v4 === null) return null;
    str = m[1]! + ((v4 >> 16n) & 0xffffn).toString(16) + ':' + (v4 & 0xffffn).toString(16);
  }
  const halves = str.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  const groups = [...head, ...Array<string>(halves.length > 1 ? fill : 0).fill('0'), ...tail];
  if (groups.length !== 8) return null;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

/** virSocketAddrParse with AF_UNSPEC (or a forced family). */
export function parseAddr(s: string, family?: 4 | 6): SocketAddr | null {
  if (family !== 6) {
    const v4 = parseIPv4(s);
    if (v4 !== null) return { family: 4, value: v4 };
    if (family === 4) return null;
  }
  const v6 = parseIPv6(s);
  return v6 === null ? null : { family: 6, value: v6 };
}

/** virSocketAddrFormat (numeric, as getnameinfo/inet_ntop print it). */
export function formatAddr(a: SocketAddr): string {
  if (a.family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((a.value >> sh) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((a.value >> BigInt(16 * i)) & 0xffffn));
  // IPv4-mapped and IPv4-compatible forms keep a dotted tail, as inet_ntop does.
  if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || (groups[5] === 0 && (groups[6]! > 0 || groups[7]! > 1)))) {
    const tail = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
    return groups[5] === 0xffff ? `::ffff:${tail}` : `::${tail}`;
  }
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

/** Number of leading one bits of a netmask, or -1 if it is not contiguous. */
export function netmaskBits(mask: SocketAddr): number {
  const width = mask.family === 4 ? 32 : 128;
  let bits = 0;
  let seenZero = false;
  for (let i = width - 1; i >= 0; i--) {
    const one = ((mask.value >> BigInt(i)) & 1n) === 1n;
    if (one && seenZero) return -1;
    if (one) bits++;
    else seenZero = true;
  }
  return bits;
}

/** virSocketAddrGetIPPrefix: explicit prefix, else the netmask, else the class default. */
export function ipPrefix(address: SocketAddr | undefined, netmask: SocketAddr | undefined, prefix: number): number {
  if (prefix > 0) return prefix;
  if (netmask) return netmaskBits(netmask);
  if (!address) return -1;
  if (address.family === 4) {
    const octet = Number(address.value >> 24n);
    if ((octet & 0x80) === 0) return 8;
    if ((octet & 0xc0) === 0x80) return 16;
    if ((octet & 0xe0) === 0xc0) return 24;
    return -1;
  }
  return 64;
}

function maskBy(a: SocketAddr, prefix: number): bigint {
  const width = a.family === 4 ? 32 : 128;
  if (prefix <= 0) return 0n;
  const keep = ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  return a.value & keep;
}

/**
 * virSocketAddrGetRange's checks on a DHCP range inside a network: same
 * family, start not after end, and both inside `net/prefix`.
 */
export function checkRange(start: SocketAddr, end: SocketAddr, net: SocketAddr | undefined, prefix: number): void {
  const s = formatAddr(start);
  const e = formatAddr(end);
  if (start.family !== end.family) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
      `range ${s} - ${e} is not a valid range`);
  }
  if (net && prefix >= 0) {
    if (net.family !== start.family || maskBy(start, prefix) !== maskBy(net, prefix) || maskBy(end, prefix) !== maskBy(net, prefix)) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
        `range ${s} - ${e} is not entirely within network ${formatAddr(net)}/${prefix}`);
    }
  }
  if (start.value > end.value) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `range ${s} - ${e} is reversed `);
  }
}
