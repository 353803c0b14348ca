export * from './driver.js';
export { DriverRegistry } from './registry.js';
export { TestDriver } from './test/index.js';
