import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's request signature: SHA-1 (hex) of the values sorted as strings and concatenated. The server
 * signature uses token, timestamp and nonce; the safe-mode `msg_signature` adds the Encrypt text.
 */
export function wechatSignature(...values: string[]): string {
  return createHash('sha1').update([...values].sort().join('')).digest('hex');
}

/** Constant-time comparison of a received signature with the expected one. */
export function signatureMatches(received: unknown, expected: string): boolean {
  if (typeof received !== 'string' || !/^[0-9a-fA-F]{40}$/.test(received) || received.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(received.toLowerCase()), Buffer.from(expected));
}
