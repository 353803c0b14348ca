import type { ParsedURI } from '../uri/index.js';
import type { Driver } from './driver.js';

/**
 * The drivers a connection may be opened with, asked in order
 * (virConnectOpenInternal walks virConnectDriverTab the same way).
 */
export class DriverRegistry {
  readonly #drivers: Driver[];

  constructor(drivers: Iterable<Driver> = []) {
    this.#drivers = [...drivers];
  }

  register(driver: Driver): this {
    this.#drivers.push(driver);
    return this;
  }

  get drivers(): readonly Driver[] {
    return this.#drivers;
  }

  /** The first driver that claims `uri`, or undefined. */
  find(uri: ParsedURI | null): Driver | undefined {
    return this.#drivers.find((d) => d.accepts(uri));
  }
}
