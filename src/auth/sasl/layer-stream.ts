/**
 * A Duplex over a transport's Duplex that becomes a SASL security layer on
 * demand: bytes pass unchanged until enable(), after which every write is
 * cut into pieces of at most the layer's maxOutBuf and each piece encoded
 * (sasl_encode), and every byte read is decoded (sasl_decode) — what
 * libvirt's virNetSocket does once SASL completes with SSF > 0
 * (reference libvirt-rpc.md §11.6). It knows nothing about RPC.
 */
import { Duplex } from 'node:stream';
import type { SecurityLayer } from './mechanism.js';

export class SaslLayerStream extends Duplex {
  readonly #inner: Duplex;
  #layer: SecurityLayer | null = null;
  /** A layer waiting for this many more bytes to pass unencoded (enableAfterQueued). */
  #pending: { layer: SecurityLayer; bytes: number } | null = null;
  /** Bytes handed to the inner stream whose write has not called back yet. */
  #inFlight = 0;

  constructor(inner: Duplex) {
    super();
    this.#inner = inner;
    inner.on('data', (chunk: Buffer) => {
      let plain: Buffer;
      try {
        plain = this.#layer ? this.#layer.decode(chunk) : chunk;
      } catch (e) {
        this.destroy(e as Error);
        return;
      }
      if (plain.length > 0 && !this.push(plain)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (e) => this.destroy(e));
    inner.on('close', () => { if (!this.destroyed) this.destroy(); });
  }

  /** Starts encoding and decoding; call between the completing reply and the next request. */
  enable(layer: SecurityLayer): void {
    this.#layer = layer;
  }

  /**
   * Starts the layer once every byte already written to this stream has
   * gone out as it is: the daemon's side, which switches right after the
   * reply that completed authentication (that reply may still sit corked
   * or queued here when the caller decides).
   */
  enableAfterQueued(layer: SecurityLayer): void {
    const queued = this.writableLength - this.#inFlight;
    if (queued <= 0) this.#layer = layer;
    else this.#pending = { layer, bytes: queued };
  }

  get layer(): SecurityLayer | null {
    return this.#layer;
  }

  override _read(): void {
    this.#inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const layer = this.#layer;
    if (layer === null) {
      const p = this.#pending;
      if (p !== null && (p.bytes -= chunk.length) <= 0) {
        this.#pending = null;
        this.#layer = p.layer;
      }
      this.#inFlight += chunk.length;
      this.#inner.write(chunk, (e) => {
        this.#inFlight -= chunk.length;
        cb(e);
      });
      return;
    }
    const blobs: Buffer[] = [];
    for (let at = 0; at < chunk.length; at += layer.maxOutBuf) {
      blobs.push(layer.encode(chunk.subarray(at, at + layer.maxOutBuf)));
    }
    this.#inner.write(Buffer.concat(blobs), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.#inner.end(cb);
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    this.#inner.destroy(e ?? undefined);
    cb(e);
  }
}
