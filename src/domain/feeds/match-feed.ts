import path from 'node:path';
import type { PrismaClient } from '../../generated/prisma/client';
import { chinaDate } from '../calendar/china-time';
import { maskIdNumberForStaff } from '../codes/masking';
import { knownRegionFrom } from '../registry/person-flags';
import { loadRegionCodes } from '../registry/region.service';
import { bytesRead, closeSource, encodingOf, nextRecord, openSource, readHeader, type Source } from '../registry-import/csv-source';
import { ImportFileError } from '../registry-import/formats';
import { openRejects, type RejectWriter } from '../registry-import/rejects';
import { describeIssues, toObject } from '../registry-import/row-schema';
import { recordAudit } from '../staff/audit.service';
import { stripControlChars } from '../../lib/control-chars';
import { isRetryableTransactionError } from '../../lib/retryable';
import { applyFeedBatch, type FeedItem } from './feed-batch';
import { feedEffects } from './feed-rules';
import { birthCertificateKey } from './newborn';
import { FEED_COLUMNS, FEED_REASON_BY_COLUMN, type FeedCounts, type FeedOptions, type FeedRejectReason, type FeedSummary, feedSchemas } from './layouts';
import { toFeedItem } from './feed-items';

/**
 * Departmental data matching (信息比对, issue 17): one feed file of one source into the registry.
 *
 * - Streams the CSV (the registry import's reader), validates every row with zod, rejects bad rows with a line
 *   and a reason (the import's rejects file), and applies the rest in batches of one transaction each.
 * - Persons match on the normalised ID number. Authoritative values (authority.ts) apply through the rules of
 *   the person-change writer with provenance per field; older facts never overwrite newer ones (per-field
 *   provenance dates), so a file run twice, or rows out of order, change nothing more.
 * - Every run is a FeedRun row with its counts, and a `feed.run` audit event.
 */
export async function matchFeed(db: PrismaClient, opts: FeedOptions): Promise<FeedSummary> {
  const started = performance.now();
  const clock = opts.clock ?? (() => new Date());
  const batchSize = Math.max(1, opts.batchSize ?? 2000);
  const counts: FeedCounts = { read: 0, matched: 0, new: 0, changed: 0, conflicting: 0, unchanged: 0, rejected: 0 };
  const rejectedByReason: FeedSummary['rejectedByReason'] = {};
  const columns: readonly string[] = FEED_COLUMNS[opts.source];
  let source: Source<string> | undefined;
  let rejects: RejectWriter | undefined;
  // The batches being written (their promises never reject: a failure is kept in `failed`).
  const writing = new Set<{ ids: Set<string>; done: Promise<void> }>();
  try {
    source = await openSource(opts.file, opts.source);
    const index = await readHeader<string>(source, columns);
    rejects = await openRejects(opts.rejects);
    const fileName = opts.fileName ?? (typeof opts.file === 'string' ? path.basename(opts.file) : source.label);
    const run = await db.feedRun.create({ data: { source: opts.source, file: fileName, startedBy: opts.startedBy ?? null, startedAt: clock() } });
    const regionCodes = await loadRegionCodes(db);
    const knownRegion = knownRegionFrom(regionCodes);
    const now = clock();
    const schema = feedSchemas({ now, today: chinaDate(now), knownCounty: (c) => regionCodes.has(c) })[opts.source];
    const effects = feedEffects(opts.source, run.id, now);
    const idColumn = opts.source === 'health' ? 'mother_id_number' : 'id_number';

    const reject = async (line: number, reason: FeedRejectReason, message: string, idRaw: string) => {
      counts.rejected++;
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1;
      await rejects?.write([source!.label, String(line), reason, message, idRaw ? maskIdNumberForStaff(idRaw) : '']);
    };
    const write = async (items: FeedItem[]) => {
      if (!items.length) return;
      for (let attempt = 0; ; attempt++) {
        // Counted apart and added on success, so a batch re-run after a concurrent change counts once.
        const batch: FeedCounts = { read: 0, matched: 0, new: 0, changed: 0, conflicting: 0, unchanged: 0, rejected: 0 };
        try {
          const { unknown } = await db.$transaction((tx) => applyFeedBatch(tx, items, { source: opts.source, runId: run.id, at: clock(), knownRegion, effects, timings: opts.timings }, batch), {
            timeout: 300_000,
            maxWait: 60_000,
          });
          for (const k of Object.keys(batch) as (keyof FeedCounts)[]) counts[k] += batch[k];
          for (const u of unknown) {
            await reject(u.line, 'UNKNOWN_PERSON', opts.source === 'health' ? 'the mother is not in the registry' : 'no person with this ID number in the registry', u.idNumber);
          }
          return;
        } catch (e) {
          const again = (e && typeof e === 'object' && 'concurrentChange' in e) || isRetryableTransactionError(e);
          if (!again || attempt >= 3) throw e;
        }
      }
    };
    // Batches are written while the next one is parsed, up to `concurrency` at once on their own connections.
    // A batch that shares an ID number with one being written waits for it, so the rows of one number apply in
    // the order of the file; the persons' row locks (taken in id order) order the rest (two numbers of one
    // person, after a merge: their rows apply in the order the batches take the lock).
    const concurrency = Math.max(1, opts.concurrency ?? 2);
    let failed: { error: unknown } | undefined;
    const settle = async (waitFor: Promise<unknown>[]) => {
      if (waitFor.length) await Promise.race(waitFor);
      if (failed) throw failed.error;
    };
    const flush = async (items: FeedItem[]) => {
      if (failed) throw failed.error;
      const ids = new Set<string>();
      for (const i of items) {
        ids.add(i.idNumber);
        // A newborn lead is one per certificate, looked up before it is raised: its rows wait for each other too.
        if (i.fact?.kind === 'NEWBORN_LEAD') ids.add(birthCertificateKey(i.fact.certificateNo));
      }
      for (const w of [...writing]) if (writing.has(w) && [...ids].some((id) => w.ids.has(id))) await settle([w.done]);
      while (writing.size >= concurrency) await settle([...writing].map((w) => w.done));
      const entry = { ids, done: Promise.resolve() };
      entry.done = write(items).then(
        () => void writing.delete(entry),
        (error: unknown) => {
          writing.delete(entry);
          failed ??= { error };
        },
      );
      writing.add(entry);
    };
    const progress = (done: boolean) => opts.onProgress?.({ bytesRead: bytesRead(source!), totalBytes: source!.totalBytes, rowsRead: counts.read, done });

    let batch: FeedItem[] = [];
    for (;;) {
      const rec = await nextRecord(source);
      if (!rec) break;
      if ('error' in rec) {
        counts.read++;
        await reject(rec.line, 'MALFORMED_ROW', rec.error, '');
        break;
      }
      if (rec.fields.length === 1 && (rec.fields[0] as string).trim() === '') continue;
      counts.read++;
      if (rec.fields.length !== index.count) {
        await reject(rec.line, 'MALFORMED_ROW', `expected ${index.count} fields, got ${rec.fields.length}`, stripControlChars(rec.fields[index[idColumn] as number] ?? '').trim());
        continue;
      }
      const input = toObject(rec.fields, index, columns, ['sex', 'event', 'card_status']);
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const d = describeIssues(parsed.error.issues, input);
        const col = String(parsed.error.issues[0]?.path[0] ?? '');
        const reason = input[col] === undefined ? 'MALFORMED_ROW' : (FEED_REASON_BY_COLUMN[col] ?? 'MALFORMED_ROW');
        await reject(rec.line, reason, d.message, input[idColumn] ?? '');
        continue;
      }
      const item = toFeedItem(opts.source, rec.line, parsed.data, knownRegion);
      if ('reason' in item) {
        await reject(rec.line, item.reason, item.message, input[idColumn] ?? '');
        continue;
      }
      batch.push(item);
      if (batch.length >= batchSize) {
        await flush(batch);
        batch = [];
        progress(false);
      }
    }
    await flush(batch);
    await Promise.all([...writing].map((w) => w.done));
    if (failed) throw failed.error;
    progress(true);
    await rejects?.end();
    rejects = undefined;
    const ms = Math.round(performance.now() - started);
    await db.feedRun.update({ where: { id: run.id }, data: { finishedAt: clock(), counts: { ...counts, rejectedByReason } } });
    await recordAudit(db, {
      actorType: opts.startedBy ? 'STAFF' : 'IMPORT',
      actorId: opts.startedBy ?? null,
      source: 'feed',
      action: 'feed.run',
      targetType: 'feed_run',
      targetId: run.id,
      at: clock(),
      details: { source: opts.source, file: fileName, encoding: encodingOf(source), counts: { ...counts }, rejectedByReason },
    });
    return { runId: run.id, source: opts.source, encoding: encodingOf(source), counts, rejectedByReason, ms };
  } catch (e) {
    await Promise.all([...writing].map((w) => w.done));
    if (e instanceof ImportFileError && counts.read > 0) throw new ImportFileError(e.message, e.file, false);
    throw e;
  } finally {
    closeSource(source);
    if (rejects) await rejects.end().catch(() => undefined);
  }
}
