import { Prisma } from '../generated/prisma/client';
import { forSending, type OutboundMessage } from './messages';

/**
 * The turn's own statements (issue 11): raw SQL through the driver adapter, so a turn costs BEGIN, one
 * statement to open it, the flow's own queries, one statement to close it, and COMMIT. Plain PostgreSQL that
 * PGlite runs too.
 */
type Tx = Prisma.TransactionClient;

/** The conversation row as a turn reads it, locked for the rest of the transaction. */
export interface OpenedTurn {
  id: string;
  flowId: string;
  flowVersion: number;
  snapshot: unknown;
  locale: string;
  version: number;
  personId: string | null;
  boundUntil: Date | null;
  handoff: string;
  lastPrompt: unknown;
  lastInboundAt: Date | null;
  /** The flow's current privacy notice was acknowledged in this conversation. */
  noticeAcknowledged: boolean;
  /** The inbound message's transcript seq; null when there was none or it was a retry (see `duplicate`). */
  inboundSeq: bigint | null;
  /** The inbound message's external id was seen before: a retry. */
  duplicate: boolean;
}

interface OpenRow {
  id: string;
  flow_id: string;
  flow_version: number;
  snapshot: unknown;
  locale: string;
  version: number;
  person_id: string | null;
  bound_until: Date | null;
  handoff: string;
  last_prompt: unknown;
  last_inbound_at: Date | null;
  notice_acknowledged: boolean;
  inbound_seq: bigint | null;
}

/**
 * Lock-or-create (or with `existingOnly`, lock) the conversation of (channel, endpoint) and read it, check the notice, and store the inbound
 * message unless its external id was seen before, in one statement. ON CONFLICT DO UPDATE returns the
 * newest version of the row and holds its lock until the transaction ends (per-conversation order across
 * processes); the inbound insert runs after it in the same statement.
 */
export async function openTurn(
  tx: Tx,
  a: {
    channel: string;
    endpoint: string;
    flowId: string;
    flowVersion: number;
    locale: string;
    noticeVersion: string;
    now: Date;
    inbound: { externalId: string | null; text: string } | null;
    /** Only lock an existing conversation (a web chat session must have been started): null when none. */
    existingOnly?: boolean;
  },
): Promise<OpenedTurn | null> {
  const inbound = a.inbound
    ? Prisma.sql`, inbound AS (
        INSERT INTO message (conversation_id, direction, external_id, text, created_at)
        SELECT c.id, 'IN'::"MessageDirection", ${a.inbound.externalId}::text, ${a.inbound.text}::text, ${a.now}::timestamp(3) FROM c
        ON CONFLICT (conversation_id, direction, external_id) DO NOTHING
        RETURNING seq)`
    : Prisma.empty;
  const columns = Prisma.sql`k.id, k.flow_id, k.flow_version, k.snapshot, k.locale, k.version, k.person_id, k.bound_until,
    k.handoff::text AS handoff, k.last_prompt, k.last_inbound_at`;
  const conversation = a.existingOnly
    ? Prisma.sql`SELECT ${columns} FROM conversation k WHERE k.channel = ${a.channel} AND k.endpoint = ${a.endpoint} FOR UPDATE`
    : Prisma.sql`
      INSERT INTO conversation AS k (channel, endpoint, flow_id, flow_version, locale, updated_at)
      VALUES (${a.channel}, ${a.endpoint}, ${a.flowId}, ${a.flowVersion}::int, ${a.locale}, ${a.now}::timestamp(3))
      ON CONFLICT (channel, endpoint) DO UPDATE SET channel = k.channel
      RETURNING ${columns}`;
  const rows = await tx.$queryRaw<OpenRow[]>`
    WITH c AS (${conversation})${inbound}
    SELECT c.*, ${a.inbound ? Prisma.sql`(SELECT seq FROM inbound)` : Prisma.sql`NULL::bigint`} AS inbound_seq,
      EXISTS (SELECT 1 FROM notice_acknowledgement n WHERE n.conversation_id = c.id AND n.notice_version = ${a.noticeVersion}) AS notice_acknowledged
    FROM c`;
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    flowId: r.flow_id,
    flowVersion: r.flow_version,
    snapshot: r.snapshot,
    locale: r.locale,
    version: r.version,
    personId: r.person_id,
    boundUntil: r.bound_until,
    handoff: r.handoff,
    lastPrompt: r.last_prompt,
    lastInboundAt: r.last_inbound_at,
    noticeAcknowledged: r.notice_acknowledged,
    inboundSeq: r.inbound_seq === null ? null : BigInt(r.inbound_seq),
    duplicate: !!a.inbound?.externalId && r.inbound_seq === null,
  };
}

/** The replies an inbound message (by external id) got the first time, oldest first. */
export async function earlierReplies(tx: Tx, conversationId: string, externalId: string): Promise<OutboundMessage[]> {
  const rows = await tx.$queryRaw<{ seq: bigint; text: string; options: unknown }[]>`
    SELECT o.seq, o.text, o.options FROM message i JOIN message o ON o.in_reply_to = i.seq
    WHERE i.conversation_id = ${conversationId}::uuid AND i.direction = 'IN' AND i.external_id = ${externalId}
    ORDER BY o.seq`;
  return rows.map((m) => {
    const options = Array.isArray(m.options) ? (m.options as { value: string; label: string }[]) : undefined;
    return { id: m.seq.toString(), text: m.text, ...(options ? { options } : {}) };
  });
}

/** Outgoing messages of one statement: transcript rows, and outbox rows when `outbox` names the kind. */
export interface OutboundBatch {
  conversationId: string;
  channel: string;
  endpoint: string;
  inReplyTo: bigint | null;
  messages: OutboundMessage[];
  /** The outbox kind; null: no outbox row (a channel that answers in the HTTP response). */
  outbox: 'reply' | 'notification' | 'agent' | null;
  staffId: string | null;
  now: Date;
}

/**
 * The CTEs that write a batch (after a CTE `gate` with one row when the writes should happen): sequence
 * numbers drawn in order, then one multi-row insert into the transcript and one into the outbox.
 */
function outboundCtes(b: OutboundBatch): Prisma.Sql {
  // Each element: the message as it is sent (its id is the seq drawn below); the transcript stores its text.
  const items = JSON.stringify(b.messages.map((m) => ({ ...m, id: undefined })));
  const outbox = b.outbox
    ? Prisma.sql`, o AS (
        INSERT INTO outbox_message (conversation_id, message_seq, channel, endpoint, kind, payload, next_attempt_at, created_at)
        SELECT ${b.conversationId}::uuid, s.seq, ${b.channel}, ${b.endpoint}, ${b.outbox}, e.v || jsonb_build_object('id', s.seq::text),
          ${b.now}::timestamp(3), ${b.now}::timestamp(3)
        FROM s JOIN e ON e.ord = s.ord)`
    : Prisma.empty;
  return Prisma.sql`,
    e AS (SELECT v, ord FROM jsonb_array_elements(${items}::jsonb) WITH ORDINALITY AS x(v, ord)),
    drawn AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('message', 'seq')) AS seq FROM gate, e),
    s AS MATERIALIZED (SELECT seq, row_number() OVER (ORDER BY seq) AS ord FROM drawn),
    m AS (
      INSERT INTO message (seq, conversation_id, direction, text, options, in_reply_to, staff_id, created_at)
      SELECT s.seq, ${b.conversationId}::uuid, 'OUT'::"MessageDirection", e.v->>'text', e.v->'options', ${b.inReplyTo}::bigint,
        ${b.staffId}::uuid, ${b.now}::timestamp(3)
      FROM s JOIN e ON e.ord = s.ord)${outbox}`;
}

const withSeqs = (messages: OutboundMessage[], seqs: (bigint | string)[] | null): OutboundMessage[] =>
  messages.map((m, i) => forSending(m, String(seqs![i])));

/** Transcript (and outbox) rows for outgoing messages, in the caller's transaction: one statement. */
export async function saveOutbound(tx: Tx, b: OutboundBatch): Promise<OutboundMessage[]> {
  if (!b.messages.length) return [];
  const rows = await tx.$queryRaw<{ seqs: bigint[] }[]>`
    WITH gate AS (SELECT 1)${outboundCtes(b)}
    SELECT array_agg(seq ORDER BY seq) AS seqs FROM s`;
  return withSeqs(b.messages, rows[0]!.seqs);
}

/** What a turn saves: the conversation row (if still at `version`), the idle timer and the replies. */
export interface TurnClose extends OutboundBatch {
  version: number;
  snapshot: unknown;
  flowId: string;
  flowVersion: number;
  locale: string;
  lastPrompt: unknown;
  /** Set when the turn had an inbound message. */
  lastInboundAt: Date | null;
  idleTimer: { kind: string; dueAt: Date };
}

/**
 * Saves the turn in one statement: the snapshot update with its version check, the idle timer (token = the new
 * version), the transcript rows and the outbox rows. Returns null on a version conflict (nothing written).
 */
export async function closeTurn(tx: Tx, c: TurnClose): Promise<OutboundMessage[] | null> {
  const next = c.version + 1;
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  const rows = await tx.$queryRaw<{ updated: number; seqs: bigint[] | null }[]>`
    WITH gate AS (
      UPDATE conversation SET snapshot = ${json(c.snapshot)}::jsonb, flow_id = ${c.flowId}, flow_version = ${c.flowVersion}::int,
        locale = ${c.locale}, version = ${next}::int, last_prompt = ${json(c.lastPrompt)}::jsonb,
        last_inbound_at = COALESCE(${c.lastInboundAt}::timestamp(3), last_inbound_at), updated_at = ${c.now}::timestamp(3)
      WHERE id = ${c.conversationId}::uuid AND version = ${c.version}::int
      RETURNING id),
    t AS (
      INSERT INTO timer (conversation_id, kind, due_at, token) SELECT id, ${c.idleTimer.kind}, ${c.idleTimer.dueAt}::timestamp(3), ${next}::int FROM gate
      ON CONFLICT (conversation_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, token = EXCLUDED.token, status = 'PENDING')${outboundCtes(c)}
    SELECT (SELECT count(*) FROM gate)::int AS updated, (SELECT array_agg(seq ORDER BY seq) FROM s) AS seqs`;
  const r = rows[0]!;
  if (r.updated !== 1) return null;
  return withSeqs(c.messages, r.seqs);
}
