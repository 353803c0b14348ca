/**
 * Connection URIs: parsing and printing with libvirt's semantics, the
 * legacy name forms, and the default/alias resolution done before a driver
 * is chosen.
 */
export type { ParsedURI, URIParam } from './types.js';
export {
  parseURI, formatURI, formatURIParams, parseURIParams, getURIParam, splitURIScheme,
  RemoteTransports, type RemoteTransport,
} from './parse-uri.js';
export { translateLegacyRemote, stderrWarning, type WarningSink } from './legacy-remote.js';
export {
  resolveConnectName, resolveURIAlias, findURIAlias, isAliasName, ConnectFlags,
  type ResolveOptions, type ResolvedName,
} from './resolve-connect-name.js';
export { escapeBytes, unescapeURIString } from './escape.js';
