import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encrypts Spartoo API keys at rest with AES-256-GCM. The key material is SECRET_KEY: 32 bytes in
 * base64 or hex, or any passphrase (then hashed to 32 bytes).
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

function keyBytes(secretKey: string): Buffer {
  const trimmed = secretKey.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const b64 = Buffer.from(trimmed, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/]+=*$/.test(trimmed)) return b64;
  return createHash('sha256').update(trimmed).digest();
}

export function createSecretBox(secretKey: string): SecretBox {
  if (!secretKey.trim()) throw new Error('SECRET_KEY is empty');
  const key = keyBytes(secretKey);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        body.toString('base64'),
      ].join(':');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(':');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}
