/**
 * RC4, written out because Node's OpenSSL 3 keeps it in the legacy provider,
 * and DIGEST-MD5's strongest cipher (what Cyrus picks first) is "rc4".
 * The keystream continues across messages, as in Cyrus's digestmd5 plugin.
 */
export class Rc4 {
  #s = new Uint8Array(256);
  #i = 0;
  #j = 0;

  constructor(key: Uint8Array) {
    const s = this.#s;
    for (let i = 0; i < 256; i++) s[i] = i;
    for (let i = 0, j = 0; i < 256; i++) {
      j = (j + s[i]! + key[i % key.length]!) & 0xff;
      const t = s[i]!; s[i] = s[j]!; s[j] = t;
    }
  }

  /** Encrypts or decrypts (the same operation) into a new buffer. */
  update(data: Uint8Array): Buffer {
    const s = this.#s;
    const out = Buffer.alloc(data.length);
    let i = this.#i; let j = this.#j;
    for (let k = 0; k < data.length; k++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!; s[i] = s[j]!; s[j] = t;
      out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.#i = i; this.#j = j;
    return out;
  }
}
