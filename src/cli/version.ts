/** The libvirt version tsvirt claims to be (src/version.ts). */
export { LIB_VERSION_STRING as VERSION } from '../version.js';
