/**
 * Client-side configuration: libvirt's config file syntax (virconf.c), the
 * client file libvirt.conf, and the credential file auth.conf.
 */
export {
  parseConf, formatConf, getValue, getString, getStringList, getInt, getUInt, getBool,
  type Conf, type ConfEntry, type ConfValue,
} from './conf.js';
export {
  ClientConfig, loadClientConfig, parseClientConfig, clientConfigPath, type ClientConfigOptions,
} from './client-config.js';
export {
  findAuthConfigPath, loadAuthConfig, parseAuthConfig, lookupCredential,
  type AuthConfig, type AuthConfigPathOptions,
} from './auth-conf.js';
export { readConfigFile, userConfigDirectory, DEFAULT_SYSCONFDIR } from './read-file.js';
