import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class WechatCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WechatCryptoError';
  }
}

const BLOCK = 32;

/** EncodingAESKey (43 base64 characters) + "=" decodes to the 32-byte AES key. */
export function aesKeyFromEncodingKey(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new WechatCryptoError('EncodingAESKey must be 43 base64 characters');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WechatCryptoError('EncodingAESKey does not decode to 32 bytes');
  return key;
}

function pkcs7Pad(buf: Buffer): Buffer {
  const n = BLOCK - (buf.length % BLOCK);
  return Buffer.concat([buf, Buffer.alloc(n, n)]);
}

function pkcs7Unpad(buf: Buffer): Buffer {
  const n = buf[buf.length - 1] ?? 0;
  if (n < 1 || n > BLOCK || n > buf.length) throw new WechatCryptoError('bad padding');
  return buf.subarray(0, buf.length - n);
}

/**
 * WeChat's safe-mode message encryption: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the key's
 * first 16 bytes, PKCS#7 padding to 32 bytes; plaintext = 16 random bytes + 4-byte big-endian length + XML +
 * AppID. Encrypts with the current key; decrypts with the current key, then the previous one (WeChat lets an
 * operator change the key, and messages under the old one still arrive for a while).
 */
export class WechatCrypto {
  private readonly keys: Buffer[];

  constructor(
    private readonly appId: string,
    encodingAesKeys: string[],
  ) {
    if (!encodingAesKeys.length) throw new WechatCryptoError('no EncodingAESKey');
    this.keys = encodingAesKeys.map(aesKeyFromEncodingKey);
  }

  encrypt(xml: string, random: Buffer = randomBytes(16)): string {
    const key = this.keys[0]!;
    const body = Buffer.from(xml, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length, 0);
    const plain = pkcs7Pad(Buffer.concat([random, len, body, Buffer.from(this.appId, 'utf8')]));
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
  }

  /** Decrypts and checks the AppID; throws WechatCryptoError when no key fits. */
  decrypt(encrypted: string): string {
    const data = Buffer.from(encrypted, 'base64');
    if (!data.length || data.length % 16 !== 0) throw new WechatCryptoError('ciphertext is not whole AES blocks');
    let lastError: Error = new WechatCryptoError('no key');
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
        decipher.setAutoPadding(false);
        const plain = pkcs7Unpad(Buffer.concat([decipher.update(data), decipher.final()]));
        if (plain.length < 20) throw new WechatCryptoError('plaintext too short');
        const len = plain.readUInt32BE(16);
        if (20 + len > plain.length) throw new WechatCryptoError('bad length');
        const xml = plain.subarray(20, 20 + len).toString('utf8');
        const appId = plain.subarray(20 + len).toString('utf8');
        if (appId !== this.appId) throw new WechatCryptoError('AppID does not match');
        return xml;
      } catch (e) {
        lastError = e instanceof WechatCryptoError ? e : new WechatCryptoError((e as Error).message);
      }
    }
    throw lastError;
  }
}
