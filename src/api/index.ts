export * from './constants.js';
export { Connection, LIB_VERSION, parseUUID, type CloseCallback, type DomainEventCallback } from './connection.js';
export {
  Domain, DomainCheckpoint, DomainSnapshot, Interface, Network, NodeDevice, Secret, StoragePool, StorageVol, Stream,
} from './objects.js';
export { defaultDrivers, open, openAuth, openDriver, openReadOnly, type ConnectOptions } from './open.js';
