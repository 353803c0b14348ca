/**
 * MAC addresses as libvirt parses them (src/util/virmacaddr.c).
 */

/**
 * virMacAddrParse: six ':'-separated groups of one or two hex digits, and
 * after the last one only the end of the string or a blank or control
 * character. The six bytes, or null.
 */
export function parseMacAddr(s: string): number[] | null {
  const out: number[] = [];
  let i = 0;
  for (let n = 0; n < 6; n++) {
    const m = /^[0-9a-fA-F]+/.exec(s.slice(i));
    if (!m || m[0].length > 2) return null;
    out.push(parseInt(m[0], 16));
    i += m[0].length;
    if (n === 5) return i >= s.length || s.charCodeAt(i) <= 0x20 ? out : null;
    if (s[i] !== ':') return null;
    i++;
  }
  return null;
}

/** virMacAddrFormat: lower-case, two digits a byte. */
export function formatMacAddr(b: readonly number[]): string {
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
