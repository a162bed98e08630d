import { Writable } from 'node:stream';
import { Router } from 'express';
import { z } from 'zod';
import { FEED_SOURCES, matchFeed } from '../domain/feeds';
import { ImportFileError } from '../domain/registry-import';
import type { AppDeps } from './create-app';
import { parseOr400 } from './http-error';
import { errorResponses, type OpenAPIRegistry } from './openapi';
import { requirePermission, requireStaff, staffOf } from './staff-auth';

const Params = z.object({ source: z.enum(FEED_SOURCES) });
const Query = z.object({ file: z.string().trim().min(1).max(200).optional() }).strict();

/** Rejects kept for the final line of the response (the first MAX_REJECT_BYTES of the CSV). */
const MAX_REJECT_BYTES = 1 << 20;

function rejectsBuffer() {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (size + chunk.length <= MAX_REJECT_BYTES) {
        chunks.push(chunk);
        size += chunk.length;
      } else truncated = true;
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), truncated: () => truncated };
}

/**
 * POST /api/feeds/:source: a departmental feed (docs/feeds.md) as the request body (text/csv, streamed), for
 * admins. The response is NDJSON: {"progress": …} lines while it runs, then one {"summary": …, "rejectsCsv": …}
 * or {"error": …} line.
 */
export function createFeedsRouter(deps: AppDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  registry.registerPath({
    method: 'post',
    path: '/api/feeds/{source}',
    tags: ['registry'],
    summary: 'Match a departmental feed (public security, civil affairs, health, social-security card) against the registry',
    description: 'Needs registry.match (admins). Body: the CSV of the source (docs/feeds.md). Response: NDJSON progress lines, then the summary with the rejected rows (CSV, ID numbers masked).',
    security: [{ bearer: [] }],
    request: { params: Params, query: Query, body: { content: { 'text/csv': { schema: z.string() } } } },
    responses: { 200: { description: 'application/x-ndjson: {progress} lines, then {summary, rejectsCsv} or {error}' }, ...errorResponses(400, 401, 403) },
  });
  router.post('/api/feeds/:source', requireStaff(deps), requirePermission('registry.match'), async (req, res) => {
    const { source } = parseOr400(Params, req.params);
    const query = parseOr400(Query, req.query);
    const rejects = rejectsBuffer();
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    const line = (o: unknown) => res.write(`${JSON.stringify(o)}\n`);
    try {
      const summary = await matchFeed(deps.prisma, {
        source,
        file: req,
        fileName: query.file ?? `${source}.csv`,
        rejects: rejects.stream,
        startedBy: staffOf(req).id,
        clock: () => deps.clock.now(),
        onProgress: (p) => line({ progress: { rowsRead: p.rowsRead, bytesRead: p.bytesRead, done: p.done } }),
      });
      line({ summary, rejectsCsv: rejects.text(), rejectsTruncated: rejects.truncated() });
    } catch (e) {
      if (!(e instanceof ImportFileError)) deps.logger.error({ err: e }, 'feed failed');
      line({ error: e instanceof ImportFileError ? { code: 'BAD_FILE', message: e.message, nothingWritten: e.nothingWritten } : { code: 'FAILED', message: 'The feed failed; see the server log.' } });
    }
    res.end();
  });
  return router;
}
