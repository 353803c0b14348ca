/** PLACEHOLDER: libvirt 9.0's built-in test host (defaultConnXML), being written. */
export const DEFAULT_HOST_XML = '<node/>';
