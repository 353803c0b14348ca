export { CredentialType, getPassword, getUsername } from './credentials.js';
