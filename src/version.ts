/** The libvirt version tsvirt is compatible with, in one place (LIBVIR_VERSION_NUMBER and its text). */
export const LIB_VERSION = 9_000_000;

/** `major.minor.micro` of a libvirt version number (9000000 → 9.0.0). */
export function versionString(v: number): string {
  return `${Math.floor(v / 1_000_000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}`;
}

/** LIB_VERSION as text: what `virsh -v` prints. */
export const LIB_VERSION_STRING = versionString(LIB_VERSION);
