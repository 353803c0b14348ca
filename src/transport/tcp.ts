/**
 * Plain TCP (virNetSocketNewConnectTCP in src/rpc/virnetsocket.c): resolve,
 * try each address in turn, Nagle off. Also the first step of the in-process
 * SSH transports.
 */
import { lookup } from 'node:dns/promises';
import { Socket } from 'node:net';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { abortError, endOfFileError, gaiStrerror, rpcSystemError } from './errors.js';
import type { Transport } from './types.js';

/** Connects one socket to one address, honouring `signal`. */
export function connectSocket(options: { path: string } | { host: string; port: number },
  signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const sock = new Socket();
    const onAbort = (): void => {
      sock.destroy();
      reject(abortError(signal!));
    };
    const onError = (err: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      reject(err);
    };
    sock.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.connect(options as { path: string }, () => {
      signal?.removeEventListener('abort', onAbort);
      sock.off('error', onError);
      resolve(sock);
    });
  });
}

/**
 * virNetSocketNewConnectTCP.
 *
 * @throws VirtError SYSTEM_ERROR (domain RPC) `Unable to resolve address
 *   '<host>' service '<port>': <gai error>` or `unable to connect to server
 *   at '<host>:<port>': <strerror>`; OPERATION_ABORTED when `signal` fires.
 */
export async function connectTCPSocket(host: string, port: number, signal?: AbortSignal): Promise<Socket> {
  if (signal?.aborted) throw abortError(signal);
  let addresses: { address: string; family: number }[];
  try {
    // AI_ADDRCONFIG | AI_V4MAPPED, every address, in resolver order.
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (err) {
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC,
      `Unable to resolve address '${host}' service '${port}': ${gaiStrerror(err)}`,
      err instanceof Error ? { cause: err } : undefined);
  }
  if (signal?.aborted) throw abortError(signal);
  let saved: unknown = Object.assign(new Error('No such file or directory'), { code: 'ENOENT' });
  for (const { address } of addresses) {
    try {
      const sock = await connectSocket({ host: address, port }, signal);
      sock.setNoDelay(true); // virNetSocketNew disables Nagle for TCP
      return sock;
    } catch (err) {
      if (err instanceof VirtError) throw err; // aborted
      saved = err;
    }
  }
  throw rpcSystemError(`unable to connect to server at '${host}:${port}'`, saved);
}

/** A connected socket as a Transport. */
export function socketTransport(sock: Socket, kind: Transport['kind'], secure: boolean): Transport {
  return {
    stream: sock,
    kind,
    secure,
    encrypted: false,
    eofError: () => endOfFileError(null),
    close: () => { sock.destroy(); },
  };
}
