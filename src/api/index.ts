export * from './constants.js';
export { Connection, LIB_VERSION, parseUUID, type CloseCallback, type DomainEventCallback, type EventCallback } from './connection.js';
export {
  Domain, DomainCheckpoint, DomainSnapshot, Interface, Network, NetworkPort, NodeDevice, NWFilter, NWFilterBinding, Secret,
  StoragePool, StorageVol, Stream,
} from './objects.js';
export {
  STREAM_AGAIN, STREAM_AT_HOLE, StreamEventType, StreamFlags, StreamRecvFlags,
  type StreamEventCallback, type StreamSinkFunc, type StreamSinkHoleFunc, type StreamSourceFunc,
  type StreamSourceHoleFunc, type StreamSourceSkipFunc,
} from './stream.js';
export { defaultDrivers, open, openAuth, openDriver, openReadOnly, type ConnectOptions } from './open.js';
