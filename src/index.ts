/**
 * tsvirt: libvirt's connection layer in TypeScript. The public surface:
 * URIs, the connection API and its objects, constants and errors.
 */
export * from './api/index.js';
export { formatURI, parseURI } from './uri/index.js';
export type { ParsedURI, URIParam } from './uri/index.js';
export { CredentialType } from './auth/index.js';
export type { ConnectAuth, ConnectCredential, Driver, DriverConnection } from './driver/driver.js';
export { DriverRegistry } from './driver/registry.js';
export { TestDriver } from './driver/test/index.js';
export { RemoteDriver, type RemoteDriverOptions } from './driver/remote/remote-driver.js';
export { withSignal } from './driver/call-context.js';
export { ErrorCode, ErrorDomain, ErrorLevel, VirtError } from './errors.js';
