/**
 * Handle → object, for code that cannot import the object classes directly
 * (generated.ts: objects.ts extends its classes). objects.ts registers the
 * constructors when it loads.
 */
import type { Connection } from './connection.js';
import type {
  Domain, DomainCheckpoint, DomainSnapshot, Interface, Network, NetworkPort, NodeDevice, NWFilter, NWFilterBinding, Secret,
  StoragePool, StorageVol,
} from './objects.js';

export interface ObjectTypes {
  Domain: Domain;
  DomainSnapshot: DomainSnapshot;
  DomainCheckpoint: DomainCheckpoint;
  Network: Network;
  NetworkPort: NetworkPort;
  StoragePool: StoragePool;
  StorageVol: StorageVol;
  Interface: Interface;
  NodeDevice: NodeDevice;
  Secret: Secret;
  NWFilter: NWFilter;
  NWFilterBinding: NWFilterBinding;
}

type Makers = { [K in keyof ObjectTypes]: (conn: Connection, ref: ObjectTypes[K]['ref']) => ObjectTypes[K] };

let makers: Makers | null = null;

/** Called once by objects.ts. */
export function registerObjects(m: Makers): void {
  makers = m;
}

/** A new object of `kind` for a handle (it takes a reference on `conn`). */
export function wrapObject<K extends keyof ObjectTypes>(kind: K, conn: Connection, ref: ObjectTypes[K]['ref']): ObjectTypes[K] {
  if (!makers) throw new Error('objects.ts has not been loaded');
  return makers[kind](conn, ref);
}
