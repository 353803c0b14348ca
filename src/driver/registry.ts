import type { ParsedURI } from '../uri/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { Driver, DriverStartContext } from './driver.js';

/**
 * The drivers a connection may be opened with, asked in order
 * (virConnectOpenInternal walks virConnectDriverTab the same way), and, in
 * a daemon, their lifecycle (virStateInitialize / virStateCleanup).
 */
export class DriverRegistry {
  readonly #drivers: Driver[];
  /** Drivers whose start failed: their connections are refused. */
  readonly #inactive = new Set<Driver>();
  /** Drivers started and not yet stopped, in start order. */
  readonly #started: Driver[] = [];
  #starting: Promise<void> | null = null;

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

  /**
   * Runs each driver's start hook in order (virStateInitialize). A failing
   * driver is logged with libvirt's "Initialization of X state driver
   * failed: …" and left inactive; unlike libvirtd, which exits, the other
   * drivers still start and are served. Resolves to the names that failed.
   */
  start(ctx: DriverStartContext): Promise<string[]> {
    const failed: string[] = [];
    const run = async (): Promise<void> => {
      for (const d of this.#drivers) {
        if (!d.start) {
          this.#started.push(d);
          continue;
        }
        ctx.log.debug(`Running global init for ${d.name} state driver`);
        try {
          await d.start(ctx);
          this.#started.push(d);
        } catch (err) {
          this.#inactive.add(d);
          failed.push(d.name);
          ctx.log.error(`Initialization of ${d.name} state driver failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    this.#starting = run();
    return this.#starting.then(() => failed);
  }

  /**
   * Waits for a start in progress, then refuses a driver whose start failed
   * (qemuConnectOpen's "qemu state driver is not active" when its state
   * could not be set up). Called before opening a connection.
   */
  async ready(driver: Driver): Promise<void> {
    if (this.#starting) await this.#starting;
    if (this.#inactive.has(driver)) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `${driver.name} state driver is not active`);
    }
  }

  /**
   * Runs the stop hook of each started driver in reverse order
   * (virStateCleanup). A failure is logged and the others still stop.
   */
  async stop(log: DriverStartContext['log']): Promise<void> {
    if (this.#starting) await this.#starting;
    for (const d of this.#started.splice(0).reverse()) {
      try {
        await d.stop?.();
      } catch (err) {
        log.error(`Cleanup of ${d.name} state driver failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
