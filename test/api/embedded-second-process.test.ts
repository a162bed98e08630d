import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import type { OpenDatabase } from '../../src/db/open-database';
import { parseIdNumber } from '../../src/domain/codes/id-number';
import { seedRegions } from '../../src/domain/registry/region.service';
import { authenticate, createStaff } from '../../src/domain/staff/staff.service';
import { writeSyntheticCsv } from '../../src/domain/demo/synthetic-population';
import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { ChatClient, createPerson } from '../helpers/chat-fixtures';
import { createFreshDatabase, type FreshDatabase } from '../helpers/fresh-database';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Issue 9, item 1: CLI commands run in another process while the server owns the database. On the embedded
 * database they go through the owner's socket; the server meanwhile rolls transactions back (stale approvals,
 * 409) and answers chat turns. Nothing the command reported, and nothing a resident was answered, may be lost.
 * Runs on PostgreSQL too when DATABASE_URL names a server.
 */
const ROOT = path.resolve(__dirname, '../..');
let tmp: string;
let fresh: FreshDatabase;
let db: OpenDatabase;
let app: TestApp;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-second-process-'));
  fresh = await createFreshDatabase('canbao-second-process');
  db = await fresh.open('jest: embedded owner');
  app = await createTestApp({}, { db, extraRouters: staffRouters() });
  await seedRegions(db.prisma);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await db?.close();
  await fresh?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function cli(script: string, args: string[], stdin = ''): { done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn('npx', ['tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: fresh.url, NODE_OPTIONS: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return {
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    }),
  };
}

const pause = () => new Promise((r) => setTimeout(r, 15));

/**
 * Keeps the server busy until `until` settles: stale approvals (each a transaction rolled back with 409) and
 * chat turns. Returns how many of each happened and every chat turn that was answered.
 */
async function keepServerBusy(until: Promise<unknown>) {
  let finished = false;
  void until.finally(() => (finished = true));
  const username = `rev-${randomBytes(4).toString('hex')}`;
  await createStaff(db.prisma, { username, role: 'REVIEWER', regionCode: '530100', password: 'correct horse battery' });
  const login = await authenticate(db.prisma, username, 'correct horse battery', app.clock, app.config);
  if (!login.ok) throw new Error('login failed');
  const p = await createPerson(db.prisma);
  const createdAt = new Date('2026-11-27T02:00:00Z');
  const r = await db.prisma.changeRequest.create({
    data: {
      reference: `CR2611${randomBytes(3).toString('hex').toUpperCase()}`,
      kind: 'FIELD_CHANGE',
      personId: p.id,
      fields: ['residenceAddress'],
      currentValues: { residenceAddress: p.residenceAddress },
      proposedValues: { residenceAddress: '云南省昆明市五华区华山街道1号' },
      regionCode: '530102',
      channel: 'web',
      dueAt: reviewDueAt(createdAt),
      createdAt,
    },
  });
  const rollbacks = (async () => {
    let n = 0;
    while (!finished) {
      const res = await request(app.app).post(`/api/review/requests/${r.id}/approve`).set({ Authorization: `Bearer ${login.token}` }).send({ version: 7 });
      expect(res.status).toBe(409);
      n++;
      await pause(); // leaves CPU to the child processes on a small machine
    }
    return n;
  })();
  const chats = (async () => {
    const answered: { sessionId: string; text: string }[] = [];
    while (!finished) {
      const c = await ChatClient.start(app.app);
      for (const text of ['1', '12345', '12346'] as const) {
        const replies = await c.send(text);
        expect(replies.length).toBeGreaterThan(0);
        answered.push({ sessionId: c.sessionId, text });
        await pause();
        if (finished) break;
      }
    }
    return answered;
  })();
  const [rolledBack, answered] = await Promise.all([rollbacks, chats]);
  // Every answered chat turn is in the transcript, with its replies.
  const bySession = new Map<string, string[]>();
  for (const a of answered) bySession.set(a.sessionId, [...(bySession.get(a.sessionId) ?? []), a.text]);
  for (const [sessionId, texts] of bySession) {
    const conv = await db.prisma.conversation.findUniqueOrThrow({ where: { channel_endpoint: { channel: 'web', endpoint: sessionId } } });
    const inbound = await db.prisma.message.findMany({ where: { conversationId: conv.id, direction: 'IN' }, orderBy: { seq: 'asc' } });
    expect(inbound.map((m) => m.text)).toEqual(texts);
    const replied = await db.prisma.message.count({ where: { conversationId: conv.id, direction: 'OUT', inReplyTo: { in: inbound.map((m) => m.seq) } } });
    expect(replied).toBeGreaterThanOrEqual(texts.length);
  }
  expect(await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: 'PENDING', version: 0 });
  return { rolledBack, answered: answered.length };
}

it('loses no row of a 3,000-person import run while the server rolls back transactions and answers chat turns', async () => {
  const personsFile = path.join(tmp, 'persons.csv');
  const enrolmentsFile = path.join(tmp, 'enrolments.csv');
  const written = await writeSyntheticCsv({ persons: 3000, seed: `second-process-${randomBytes(3).toString('hex')}`, personsFile, enrolmentsFile });
  const run = cli('src/cli/registry-import.ts', ['--persons', personsFile, '--enrolments', enrolmentsFile, '--batch-size', '100']);
  const busy = await keepServerBusy(run.done);
  const { code, stdout, stderr } = await run.done;
  expect([code, stderr]).toEqual([0, expect.any(String)]);
  expect(busy.rolledBack).toBeGreaterThan(5);
  expect(busy.answered).toBeGreaterThan(5);

  // The counts the command printed are the counts in the database.
  const printed = (kind: string) => {
    const m = new RegExp(`^${kind}((?:\\s+[\\d,]+){5})$`, 'm').exec(stdout);
    if (!m) throw new Error(`no ${kind} line in:\n${stdout}`);
    const [read, inserted, , , rejected] = m[1]!.trim().split(/\s+/).map((n) => Number(n.replace(/,/g, '')));
    return { read: read!, inserted: inserted!, rejected: rejected! };
  };
  const persons = printed('persons');
  const enrolments = printed('enrolments');
  expect(persons.read).toBe(written.persons);
  expect(enrolments.read).toBe(written.enrolments);
  // The ID numbers as stored (legacy 15-digit numbers are converted to 18 on import).
  const ids = (parse(fs.readFileSync(personsFile), { columns: true }) as { id_number: string }[]).map((r) => {
    const id = parseIdNumber(r.id_number);
    return id.ok ? id.idNumber : r.id_number;
  });
  const inDb = await db.prisma.person.count({ where: { idNumber: { in: ids } } });
  expect(inDb).toBe(persons.inserted);
  expect(inDb).toBe(written.persons - persons.rejected);
  expect(await db.prisma.enrolment.count({ where: { person: { idNumber: { in: ids } } } })).toBe(enrolments.inserted);
}, 600_000);

it('loses no account of `staff add` run ten times while the server rolls back transactions and answers chat turns', async () => {
  const names = Array.from({ length: 10 }, (_, i) => `second-${i}-${randomBytes(3).toString('hex')}`);
  // Ten processes at once (each starts tsx, which is slow): their transactions interleave with the server's.
  const adds = Promise.all(
    names.map((username) => cli('src/cli/staff.ts', ['add', '--username', username, '--role', 'reviewer', '--region', '530100', '--password-stdin'], 'correct horse battery\n').done),
  );
  const busy = await keepServerBusy(adds);
  const runs = await adds;
  expect(busy.rolledBack).toBeGreaterThan(0);
  runs.forEach((r, i) => {
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Added ${names[i]} (reviewer, region 530100)`);
  });
  expect(await db.prisma.staffUser.count({ where: { username: { in: names } } })).toBe(10);
}, 600_000);
