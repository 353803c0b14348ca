import type { DriverEvent } from '../driver.js';

/** Fan-out of driver events to every connection sharing a host. */
export class EventBus {
  #listeners = new Set<(ev: DriverEvent) => void>();

  subscribe(listener: (ev: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(ev: DriverEvent): void {
    for (const l of [...this.#listeners]) {
      // A listener that throws must not stop delivery to the others.
      try { l(ev); } catch { /* reported by the listener's owner */ }
    }
  }
}
