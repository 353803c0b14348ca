export * from './constants.js';
export { Connection, LIB_VERSION, parseUUID, type CloseCallback, type DomainEventCallback } from './connection.js';
export {
  Domain, DomainSnapshot, Interface, Network, NodeDevice, StoragePool, StorageVol, Stream,
} from './objects.js';
export {
  STREAM_AGAIN, STREAM_AT_HOLE, StreamEventType, StreamFlags, StreamRecvFlags,
  type StreamEventCallback, type StreamSinkFunc, type StreamSinkHoleFunc, type StreamSourceFunc,
  type StreamSourceHoleFunc, type StreamSourceSkipFunc,
} from './stream.js';
export { defaultDrivers, open, openAuth, openDriver, openReadOnly, type ConnectOptions } from './open.js';
