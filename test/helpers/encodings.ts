import { TextDecoder } from 'node:util';

/**
 * Test files in the encodings departments export (Node has no GB18030 encoder): the two-byte GBK range decoded
 * once and inverted. Only characters of that range (all common Chinese) and ASCII can be encoded.
 */
let gbk: Map<string, Buffer> | undefined;

export function gb18030(text: string): Buffer {
  if (!gbk) {
    gbk = new Map();
    const d = new TextDecoder('gb18030');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const b = Buffer.from([lead, trail]);
        const ch = d.decode(b);
        if (ch.length === 1 && ch !== '\uFFFD' && !gbk.has(ch)) gbk.set(ch, b);
      }
    }
  }
  const map = gbk;
  return Buffer.concat(
    Array.from(text, (ch) => {
      if (ch.charCodeAt(0) < 0x80) return Buffer.from(ch, 'latin1');
      const b = map.get(ch);
      if (!b) throw new Error(`not in GBK: ${ch}`);
      return b;
    }),
  );
}

/** UTF-16 little-endian with its byte-order mark (Excel's "Unicode text"). */
export const utf16le = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
