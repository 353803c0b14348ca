/** The libvirt version tsvirt claims to be (LIBVIR_VERSION_NUMBER 9000000). */
export const VERSION = '9.0.0';
