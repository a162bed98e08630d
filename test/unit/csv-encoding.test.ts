import { Readable } from 'node:stream';
import { detectEncoding, SNIFF_BYTES, ToUtf8 } from '../../src/domain/registry-import/csv-encoding';
import { ImportFileError } from '../../src/domain/registry-import/formats';
import { gb18030, utf16le } from '../helpers/encodings';

/** The text a file's bytes give through ToUtf8, delivered in chunks of `size` bytes. */
async function decode(bytes: Buffer, size = 7): Promise<{ text: string; encoding: string | undefined; bytesIn: number }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const t = new ToUtf8('f.csv');
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(t)) out.push(c as Buffer);
  return { text: Buffer.concat(out).toString('utf8'), encoding: t.encoding, bytesIn: t.bytesIn };
}

const CSV = 'id_number,name,hukou_address\n530102199001011234,张三丰,云南省昆明市五华区华山街道演示路1号\n';

describe('csv-encoding: the encoding of an incoming CSV', () => {
  it('reads UTF-8 (with or without a byte-order mark), GB18030 and UTF-16 as the same text, across chunk boundaries', async () => {
    for (const [bytes, encoding] of [
      [Buffer.from(CSV, 'utf8'), 'utf-8'],
      [Buffer.from(`\uFEFF${CSV}`, 'utf8'), 'utf-8'],
      [gb18030(CSV), 'gb18030'],
      [utf16le(CSV), 'utf-16le'],
    ] as const) {
      for (const size of [1, 2, 3, 7, 1024]) {
        const r = await decode(bytes, size);
        expect(r).toEqual({ text: encoding === 'utf-8' ? bytes.toString('utf8') : CSV, encoding, bytesIn: bytes.length });
      }
    }
  });

  it('decides on the first 64 KiB, and decodes a GB18030 file longer than that whole', async () => {
    const long = `id_number,name\n${'530102199001011234,张三丰\n'.repeat(Math.ceil((2 * SNIFF_BYTES) / 20))}`;
    const r = await decode(gb18030(long), 4096);
    expect(r.encoding).toBe('gb18030');
    expect(r.text).toBe(long);
  });

  it('keeps a UTF-8 file with a few damaged bytes as UTF-8 (the damage becomes U+FFFD), not as GB18030', async () => {
    const bytes = Buffer.from(CSV.repeat(5), 'utf8');
    bytes[CSV.indexOf('张') + 40] = 0xff;
    const r = await decode(bytes);
    expect(r.encoding).toBe('utf-8');
    expect(r.text).toContain('\uFFFD');
    expect(r.text).toContain('张三丰');
  });

  it('refuses a workbook, a binary file and bytes that are neither UTF-8 nor GB18030, naming the file', async () => {
    expect(detectEncoding(Buffer.from('PK\u0003\u0004xl/workbook.xml', 'latin1'), true)).toEqual({ error: expect.stringContaining('Excel workbook') });
    expect(detectEncoding(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1]), true)).toEqual({ error: expect.stringContaining('Excel workbook') });
    expect(detectEncoding(Buffer.from('a,b\n\u0000\u0001', 'latin1'), true)).toEqual({ error: expect.stringContaining('NUL') });
    // A stray NUL in text is stripped from its value like other control characters (bad-bytes.api.test.ts).
    expect(detectEncoding(Buffer.from(`${CSV}\u0000${CSV}`, 'utf8'), true)).toEqual({ encoding: 'utf-8' });
    expect(detectEncoding(Buffer.from([0x61, 0x2c, 0xff, 0xff, 0xff]), true)).toEqual({ error: expect.stringContaining('neither UTF-8 nor GB18030') });
    await expect(decode(Buffer.from('PK\u0003\u0004', 'latin1'))).rejects.toThrow(new ImportFileError('f.csv is an Excel workbook (or another binary file), not CSV: save it from Excel as "CSV UTF-8 (comma delimited)"', 'f.csv'));
  });

  it('treats plain ASCII and an empty file as UTF-8, and a UTF-8 sequence cut at the end of the sniffed bytes as whole', () => {
    expect(detectEncoding(Buffer.from('a,b\n1,2\n'), true)).toEqual({ encoding: 'utf-8' });
    expect(detectEncoding(Buffer.alloc(0), true)).toEqual({ encoding: 'utf-8' });
    const cut = Buffer.from('a,张', 'utf8');
    expect(detectEncoding(cut.subarray(0, cut.length - 1), false)).toEqual({ encoding: 'utf-8' });
  });
});
