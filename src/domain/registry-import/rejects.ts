import fs from 'node:fs';
import path from 'node:path';
import { type Writable } from 'node:stream';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { ImportFileError, REJECT_COLUMNS } from './formats';

/** The rejects file (CSV): file, line, reason, message, masked ID number. */
// ------------------------------------------------------------------ rejects file

export interface RejectWriter {
  write(record: string[]): Promise<void>;
  end(): Promise<void>;
}

export async function openRejects(target: Writable | string | undefined): Promise<RejectWriter | undefined> {
  if (target === undefined) return undefined;
  let out: Writable;
  if (typeof target === 'string') {
    const ws = fs.createWriteStream(target);
    try {
      await Promise.race([
        once(ws, 'open'),
        once(ws, 'error').then(([e]) => {
          throw e;
        }),
      ]);
    } catch (e) {
      throw new ImportFileError(`Cannot write the rejects file ${target}: ${(e as Error).message}`, path.basename(target));
    }
    out = ws;
  } else {
    out = target;
  }
  const stringifier = stringify({ header: true, columns: [...REJECT_COLUMNS] });
  stringifier.pipe(out);
  let ended = false;
  return {
    async write(record) {
      if (!stringifier.write(record)) await once(stringifier, 'drain');
    },
    async end() {
      if (ended) return;
      ended = true;
      stringifier.end();
      await finished(out);
    },
  };
}
