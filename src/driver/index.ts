export * from './driver.js';
export { DriverRegistry } from './registry.js';
export { DRIVERS, daemonDrivers, libraryDrivers, registryFor, type DriverEntry, type DriverFactoryOptions } from './drivers.js';
export { TestDriver } from './test/index.js';
