import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { FEED_COLUMNS, type FeedSource, matchFeed } from '../../src/domain/feeds';
import { newIdNumber } from './chat-fixtures';
import { useRegionDatabase } from './region-database';

/**
 * Departmental feed tests (issue 17): a test database with the regions, and feed files written and matched.
 * Call at the top of a test file: it registers the suite's set-up and tear-down.
 */
export function useFeedDatabase() {
  const { prisma, tmp } = useRegionDatabase('canbao-feed-test-');

  let fileSeq = 0;
  /** Writes a feed CSV (the source's header, then the rows as given) and runs it; returns the summary and rejects. */
  async function run(source: FeedSource, rows: Record<string, string>[], extra: string[] = []) {
    const cols = FEED_COLUMNS[source] as readonly string[];
    const file = path.join(tmp(), `${source}-${fileSeq++}.csv`);
    const rejects = `${file}.rejects.csv`;
    fs.writeFileSync(file, [cols.join(','), ...rows.map((r) => cols.map((c) => r[c] ?? '').join(',')), ...extra].join('\n') + '\n');
    const summary = await matchFeed(prisma(), { source, file, rejects });
    const rejected = parse(fs.readFileSync(rejects), { columns: true }) as { line: string; reason: string; message: string }[];
    return { summary, rejected, file, rejects };
  }
  return {
    prisma,
    tmp,
    run,
    rerun: (source: FeedSource, file: string) => matchFeed(prisma(), { source, file }),
    reload: (id: string) => prisma().person.findUniqueOrThrow({ where: { id } }),
    provOf: async (personId: string) =>
      ((await prisma().fieldProvenance.findUnique({ where: { personId } }))?.fields ?? {}) as Record<string, { source: string; on: string; run: string } | undefined>,
    audits: (personId: string) => prisma().auditEvent.count({ where: { targetId: personId, action: 'person.update' } }),
  };
}

export const ymd = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : null);

/** A fresh ID number of the given sex (the sex digit is the 17th character: odd for male). */
export function childId(region: string, birth: string, sex: 'MALE' | 'FEMALE'): string {
  for (;;) {
    const id = newIdNumber(region.slice(0, 6), birth);
    if ((Number(id[16]) % 2 === 1) === (sex === 'MALE')) return id;
  }
}

/** A public-security row (the name 李户籍 unless given). */
export function ps(idNumber: string, event: string, date: string, extra: Record<string, string> = {}): Record<string, string> {
  return { id_number: idNumber, name: '李户籍', event, event_date: date, ...extra };
}
