/**
 * What every object of a connection shares: it holds a reference on its
 * connection until free() (or `using`), as libvirt's virDomainFree & co.
 * Apart from objects.ts so generated.ts can extend it without a cycle.
 */
import type { Connection } from './connection.js';

export abstract class ConnObject implements Disposable {
  #freed = false;

  constructor(readonly conn: Connection) {
    conn.ref();
  }

  /** Releases this object's reference on the connection (virDomainFree & co). */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.conn.unref();
  }

  [Symbol.dispose](): void {
    this.free();
  }
}
