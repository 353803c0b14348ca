/**
 * The shared configuration layer (libvirt's src/conf): the domain, network
 * and storage XML models every driver parses and formats, with the
 * per-driver parts passed in as a DomainXMLOption.
 */
export * from './domain-xml-option.js';
export * from './domain-def.js';
export * from './network-def.js';
export * from './storage-def.js';
