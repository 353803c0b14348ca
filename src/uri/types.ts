/** One query parameter of a URI, as virURIParam. */
export interface URIParam {
  name: string;
  value: string;
  /** Set by the remote driver on parameters it consumed (virURIParam.ignore). */
  ignore?: boolean;
}

/**
 * A parsed connection URI with libvirt's virURI field names, plus the
 * `driver` and `transport` halves of a `driver+transport` scheme.
 */
export interface ParsedURI {
  scheme: string | null;
  server: string | null;
  user: string | null;
  /** 0 when absent. */
  port: number;
  path: string | null;
  query: string | null;
  fragment: string | null;
  params: URIParam[];
  driver: string | null;
  transport: string | null;
}
