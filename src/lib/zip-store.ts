import { crc32 } from 'node:zlib';

/**
 * A ZIP archive of files stored as they are (no compression: the files it bundles, xlsx workbooks, are already
 * deflated). Names are UTF-8 (general-purpose flag bit 11), so Chinese names open correctly.
 */
export function zipStore(files: { name: string; data: Buffer }[], at = new Date()): Buffer {
  const dosTime = (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2);
  const dosDate = ((at.getFullYear() - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate();
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const crc = crc32(f.data);
    // The fields local and central headers share: flags (UTF-8 names), method 0 (stored), time, date, CRC, sizes, name length.
    const shared = (b: Buffer, at: number) => {
      b.writeUInt16LE(0x0800, at);
      b.writeUInt16LE(0, at + 2);
      b.writeUInt16LE(dosTime, at + 4);
      b.writeUInt16LE(dosDate, at + 6);
      b.writeUInt32LE(crc, at + 8);
      b.writeUInt32LE(f.data.length, at + 12);
      b.writeUInt32LE(f.data.length, at + 16);
      b.writeUInt16LE(name.length, at + 20);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    shared(local, 6);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    shared(central, 8);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, f.data);
    centrals.push(central, name);
    offset += local.length + name.length + f.data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
