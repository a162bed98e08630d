import fs from 'node:fs';
import path from 'node:path';
import { seedRegions } from '../../src/domain/registry/region.service';
import type { Locale } from '../../src/lib/i18n';
import { createTestApp, type TestApp } from '../helpers/test-app';
import { readGolden, runTranscript, toGolden, writeGolden, type Golden, type TranscriptRun } from '../helpers/transcript-runner';

/**
 * Golden transcripts of the resident dialogue (golden/*.json): whole conversations through the web chat API of a
 * full app on one fresh database, under a fixed clock. Each file seeds its own people (ID numbers used nowhere
 * else) and states every reply exactly as the resident reads it, and the data left behind.
 *
 * After an intended change of wording or behaviour, regenerate the files and read their diff before committing:
 *   UPDATE_GOLDEN=1 npm test -- test/transcripts
 * Without UPDATE_GOLDEN any difference fails. The checks below hold whatever the wording, and run in both modes.
 */

const GOLDEN_DIR = path.join(__dirname, 'golden');
const FILES = fs
  .readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const UPDATE = process.env.UPDATE_GOLDEN === '1';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  await seedRegions(app.db.prisma);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

/** A sentence as the resident reads it. */
const say = (key: string, lng: Locale = 'zh-CN', params: Record<string, string> = {}) => app.i18n.t(key, { lng, ...params });
const replyOf = (run: TranscriptRun, turn: number) => run.turns[turn - 1]!.replies.join('\n');

/** What each conversation must show, whatever the exact wording (turns are numbered from 1, as in the file). */
const CHECKS: Record<string, (run: TranscriptRun, golden: Golden) => void> = {
  'verify-status-confirm.zh-CN': (run) => {
    expect(replyOf(run, 4)).toContain(say('verify.verified.success'));
    expect(replyOf(run, 5)).toContain(say('status.showingStatus.advice_MISSING_MEDICAL'));
    expect(replyOf(run, 7)).toContain(say('confirm.confirmingRegistration.done'));
    expect(run.final.persons.resident).toMatchObject({ registrationStatus: 'CONFIRMED', confirmedChannel: 'web' });
    expect(run.final.audit).toEqual(['identity.verified', 'registration.confirm']);
    expect(run.final.verificationAttempts).toEqual({ failed: 0, succeeded: 1 });
    expect(run.final.noticeAcknowledgements).toEqual([expect.objectContaining({ locale: 'zh-CN', person: 'resident' })]);
    expect(run.final.conversation).toMatchObject({ locale: 'zh-CN', boundTo: 'resident' });
  },
  'verify-status-confirm.en': (run) => {
    expect(run.start.join('\n')).toContain(say('welcome.awaitingNoticeAck.notice'));
    expect(replyOf(run, 1)).toContain(say('welcome.awaitingNoticeAck.notice', 'en'));
    expect(replyOf(run, 2)).toContain(say('verify.awaitingIdNumber.prompt', 'en'));
    expect(replyOf(run, 8)).toContain(say('confirm.confirmingRegistration.done', 'en'));
    // After the switch, nothing but names and places is in Chinese.
    const data = /李\*+|[\u4e00-\u9fff]*[市区县州镇村路号]|中文/gu;
    for (const [i, t] of run.turns.entries()) for (const r of t.replies) expect(`turn ${i + 1}: ${r.replace(data, '')}`).not.toMatch(/[\u4e00-\u9fff]/u);
    expect(run.final.persons.resident?.registrationStatus).toBe('CONFIRMED');
    expect(run.final.noticeAcknowledgements).toEqual([expect.objectContaining({ locale: 'en' })]);
    expect(run.final.conversation.locale).toBe('en');
  },
  'wrong-factor-locks': (run) => {
    for (const turn of [4, 5, 6, 7]) expect(replyOf(run, turn)).toContain(say('verify.failed.mismatchFactor'));
    for (const turn of [4, 5]) expect(replyOf(run, turn)).not.toContain(say('verify.failed.triesLeft', 'zh-CN', { count: '2' }));
    expect(replyOf(run, 6)).toContain(say('verify.failed.triesLeft', 'zh-CN', { count: '2' }));
    expect(replyOf(run, 7)).toContain(say('verify.failed.triesLeft', 'zh-CN', { count: '1' }));
    for (const turn of [8, 9, 12]) expect(replyOf(run, turn)).toContain(say('verify.locked.message'));
    expect(replyOf(run, 8)).toContain(say('verify.locked.phoneChanged'));
    // Locked at 10:00 China time on 29 November (the fixed clock), for 24 hours.
    expect(replyOf(run, 8)).toContain(say('verify.locked.until', 'zh-CN', { time: '11-30 10:00' }));
    expect(replyOf(run, 8)).not.toContain(say('verify.failed.mismatchFactor'));
    expect(run.final.verificationAttempts).toEqual({ failed: 5, succeeded: 0 });
    expect(run.final.audit).toEqual([]);
    expect(run.final.conversation.boundTo).toBeNull();
  },
  'mismatch-same-answer': (run) => {
    expect(replyOf(run, 4)).toContain(say('verify.failed.mismatchFactor'));
    expect(run.turns[6]!.replies).toEqual(run.turns[3]!.replies);
    // The third failure adds the tries left, and is otherwise the same answer.
    expect(run.turns[9]!.replies.join('\n').replace(`${say('verify.failed.triesLeft', 'zh-CN', { count: '2' })}\n`, '')).toEqual(run.turns[3]!.replies.join('\n'));
    // Up to the factor, an unknown number and a known one are answered alike too.
    expect(run.turns[2]!.replies).toEqual(run.turns[5]!.replies);
    expect(run.final.verificationAttempts).toEqual({ failed: 3, succeeded: 0 });
  },
  'no-phone-visit': (run) => {
    expect(replyOf(run, 3)).toContain(say('verify.offeringVisit.prompt'));
    expect(replyOf(run, 4)).toContain(say('verify.awaitingVisitDetails.prompt'));
    expect(replyOf(run, 5)).toContain(say('verify.requestingVisit.done'));
    expect(run.final.persons.resident).toMatchObject({ registrationStatus: 'NEEDS_VISIT', needsVisitReason: 'NO_PHONE_ON_RECORD' });
    expect(run.final.audit).toEqual(['registration.needs_visit']);
    expect(run.final.verificationAttempts).toEqual({ failed: 0, succeeded: 0 });
  },
  handoff: (run) => {
    // Sunday 10:00 China time: out of the default service hours, so the answer names Monday 08:30 and 12333; the
    // bot then stays silent apart from one acknowledgement (issue 13).
    expect(replyOf(run, 5)).toContain('08:30');
    expect(replyOf(run, 5)).toContain('12333');
    expect(replyOf(run, 5)).not.toContain(say('menu.awaitingChoice.prompt'));
    expect(replyOf(run, 6)).toContain('12333');
    expect(run.final.handoffRequests).toEqual([{ reason: 'RESIDENT_ASKED', status: 'OPEN' }]);
    expect(run.final.conversation.handoff).toBe('REQUESTED');
    expect(run.final.audit.filter((a) => a === 'handoff.request')).toHaveLength(1);
  },
  'opt-out': (run) => {
    expect(run.turns[4]!.replies[0]).toBe(say('common.optedOut'));
    expect(replyOf(run, 5)).toContain(say('menu.awaitingChoice.prompt'));
    expect(run.final.conversation.optedOut).toBe(true);
    expect(run.final.persons.resident?.remindersOptOut).toBe(true);
  },
  'language-switch': (run) => {
    expect(run.turns[2]!.replies).toEqual([say('common.languageSwitched', 'en'), say('verify.awaitingName.prompt', 'en')]);
    expect(replyOf(run, 5)).toContain(say('menu.awaitingChoice.prompt', 'en'));
    expect(run.turns[5]!.replies[0]).toBe(say('common.languageSwitched'));
    expect(replyOf(run, 6)).toContain(say('menu.awaitingChoice.prompt'));
    expect(run.final.conversation).toMatchObject({ locale: 'zh-CN', boundTo: 'resident' });
  },
  'duplicate-message': (run) => {
    expect(run.turns[1]!.duplicate).toBe(false);
    expect(run.turns[2]!.duplicate).toBe(true);
    expect(run.turns[2]!.raw).toEqual(run.turns[1]!.raw); // the same rows, ids included
    expect(replyOf(run, 4)).toContain(say('verify.awaitingFactor.promptPhone'));
    expect(run.final.transcript.in).toBe(3);
    // The identity check left without an answer is one attempt, counted until answered.
    expect(run.final.verificationAttempts).toEqual({ failed: 1, succeeded: 0 });
  },
  // Issue 12: the understanding layer (free text, questions, help).
  'free-text-farmer.zh-CN': (run) => {
    expect(run.turns.length).toBeLessThanOrEqual(5);
    expect(replyOf(run, 2)).toContain(say('verify.awaitingName.prompt'));
    expect(replyOf(run, 4)).toContain(say('verify.verified.success'));
    expect(replyOf(run, 5)).toContain(say('status.showingStatus.header', 'zh-CN', { name: '杨**' }));
    // Asked about medical insurance: that line first, and only the two schemes that concern a farmer.
    const status = run.turns[4]!.replies[0]!.split('\n');
    expect(status[1]).toContain(say('reference.insurance.390'));
    expect(status.filter((l) => /^[✅⏸⛔➖⚠]/u.test(l))).toHaveLength(2);
    expect(run.final.verificationAttempts).toEqual({ failed: 0, succeeded: 1 });
    expect(run.final.noticeAcknowledgements).toHaveLength(1);
  },
  'retiree-status.zh-CN': (run) => {
    const status = run.turns[4]!.replies[0]!.split('\n');
    expect(status[1]).toBe(say('status.showingStatus.line_RECEIVING', 'zh-CN', { insurance: say('reference.insurance.110'), since: '2005-01' }));
    expect(status.join('\n')).not.toContain(say('reference.insurance.210'));
    expect(status.join('\n')).not.toContain(say('reference.insurance.170'));
  },
  'lapsed-status.zh-CN': (run) => {
    const status = run.turns[4]!.replies[0]!.split('\n');
    expect(status[1]).toContain(say('reference.insurance.390'));
    expect(status).toContain(say('status.showingStatus.line_LAPSED', 'zh-CN', { insurance: say('reference.insurance.110'), lastPaid: '2024-12' }));
    expect(status).toContain(say('status.showingStatus.advice_LAPSED_PAYMENT'));
  },
  'change-phone.zh-CN': (run) => {
    // 换手机号了 at the menu: the new number is asked at once; full-width digits are read.
    expect(run.turns[4]!.replies).toEqual([`${say('correct.awaitingValue.prompt_phone')}\n${say('common.hint.menu')}`]);
    // The number is typed twice (no reply shows it in full), then confirmed masked.
    expect(replyOf(run, 6)).toContain(say('correct.repeatingValue.prompt'));
    expect(replyOf(run, 7)).toContain(say('correct.confirmingChange.promptDirect'));
    expect(replyOf(run, 7)).toContain('139****8899');
    expect(replyOf(run, 8)).toContain(say('correct.submittingChange.applied', 'zh-CN', { field: say('correct.fields.phone') }));
    // A number typed at the "which detail" question is the new phone.
    expect(replyOf(run, 9)).toContain(say('correct.awaitingField.prompt'));
    expect(replyOf(run, 10)).toContain(say('correct.repeatingValue.prompt'));
    expect(replyOf(run, 11)).toContain(say('correct.confirmingChange.promptDirect'));
    expect(replyOf(run, 11)).toContain('137****8899');
    expect(run.final.audit.filter((a) => a === 'person.update')).toHaveLength(2);
  },
  'faq-mid-task.zh-CN': (run) => {
    expect(replyOf(run, 1)).toContain(say('understanding.faq.greeting.a'));
    expect(replyOf(run, 1)).not.toContain(say('welcome.awaitingNoticeAck.notice'));
    expect(run.turns[1]!.replies[0]).toBe(say('understanding.faq.whyIdNumber.a'));
    expect(replyOf(run, 2)).toContain(say('welcome.awaitingNoticeAck.notice'));
    expect(run.turns[3]!.replies).toEqual([say('understanding.faq.hotline.a'), say('verify.awaitingIdNumber.prompt')]);
    expect(run.turns[8]!.replies[0]).toBe(say('understanding.faq.isItSafe.a'));
    expect(replyOf(run, 9)).toContain(say('correct.awaitingField.prompt'));
    expect(replyOf(run, 10)).toContain(say('understanding.help.human'));
    expect(replyOf(run, 11)).toContain(say('correct.awaitingValue.prompt_phone'));
    expect(replyOf(run, 12)).toContain(say('correct.repeatingValue.prompt'));
    expect(replyOf(run, 13)).toContain(say('correct.confirmingChange.promptDirect'));
    expect(run.final.audit).toContain('person.update');
    expect(run.final.verificationAttempts).toEqual({ failed: 0, succeeded: 1 });
  },
  'foreigner.en': (run) => {
    expect(run.turns[1]!.replies[0]).toBe(say('understanding.faq.foreigner.a', 'en'));
    expect(replyOf(run, 6)).toContain(say('verify.verified.success', 'en'));
    expect(replyOf(run, 7)).toContain(say('reference.insurance.110', 'en'));
    expect(run.final.verificationAttempts).toEqual({ failed: 0, succeeded: 1 });
    expect(run.final.conversation).toMatchObject({ locale: 'en', boundTo: 'resident' });
  },
  'household-newborn.zh-CN': (run) => {
    expect(replyOf(run, 6)).toContain(say('household.awaitingMemberIdNumber.prompt'));
    expect(run.turns[6]!.replies[0]).toContain(say('household.newborn.explain'));
    expect(run.turns[9]!.replies[0]).toBe(say('understanding.ack.awaitingHouseholdChoice.menu'));
    expect(replyOf(run, 10)).toContain(say('menu.awaitingChoice.prompt'));
  },
  'newborn.zh-CN': (run) => {
    expect(run.turns[6]!.replies[0]).toContain(say('household.newborn.explain'));
    expect(replyOf(run, 7)).toContain(say('household.newborn.namePrompt'));
    expect(replyOf(run, 10)).toContain(say('household.newborn.birthDate', 'zh-CN', { value: '2026-11-20' }));
    expect(replyOf(run, 11)).toContain('CR-XXXX-XXXX');
    expect(run.final.persons.resident?.registrationStatus).toBe('UNREGISTERED');
  },
  'step-back.zh-CN': (run) => {
    expect(replyOf(run, 6)).toContain(say('correct.awaitingValue.prompt_phone'));
    expect(run.turns[6]!.replies[0]).toBe(say('understanding.back.done'));
    expect(replyOf(run, 7)).toContain(say('correct.awaitingField.prompt'));
    expect(replyOf(run, 8)).toContain(say('correct.awaitingValue.prompt_name'));
    expect(replyOf(run, 9)).toContain(say('correct.awaitingField.prompt'));
    expect(replyOf(run, 10)).toContain(say('menu.awaitingChoice.prompt'));
    expect(run.final.audit).toEqual(['identity.verified']);
  },
  'resume-after-silence.zh-CN': (run) => {
    expect(run.turns[6]!.replies[0]).toBe(say('understanding.resume.welcomeField', 'zh-CN', { field: say('correct.fields.phone') }));
    expect(replyOf(run, 7)).toContain(say('correct.repeatingValue.prompt'));
    expect(replyOf(run, 8)).toContain(say('correct.confirmingChange.promptDirect'));
    expect(run.final.audit).toContain('person.update');
  },
  restart: (run) => {
    expect(run.turns[3]!.replies).toEqual([say('verify.awaitingIdNumber.prompt')]);
    expect(replyOf(run, 7)).toContain(say('verify.verified.success'));
    expect(run.final.noticeAcknowledgements).toHaveLength(1);
    // The same ID number and name checked again after starting over is the same attempt: no failure.
    expect(run.final.verificationAttempts).toEqual({ failed: 0, succeeded: 1 });
  },
};

describe('golden transcripts', () => {
  it('has a check for every golden file, and every file seeds people of its own', () => {
    const names = FILES.map((f) => f.replace(/\.json$/, ''));
    expect(names.sort()).toEqual(Object.keys(CHECKS).sort());
    const owner = new Map<string, string>();
    for (const f of FILES) {
      const g = readGolden(path.join(GOLDEN_DIR, f));
      for (const p of g.persons) {
        expect({ id: p.idNumber, file: f, alsoIn: owner.get(p.idNumber) }).toEqual({ id: p.idNumber, file: f, alsoIn: undefined });
        owner.set(p.idNumber, f);
      }
    }
  });

  it.each(FILES)('%s', async (file) => {
    const full = path.join(GOLDEN_DIR, file);
    const golden = readGolden(full);
    const logsBefore = app.logs.lines.length;
    const run = await runTranscript(app, golden);

    // Never a full ID number or phone in a reply or a log line.
    const secrets = golden.persons.flatMap((p) => [p.idNumber, ...(p.phone ? [p.phone] : [])]);
    const replies = [...run.start, ...run.turns.flatMap((t) => t.replies)];
    for (const s of secrets) {
      expect(replies.filter((r) => r.includes(s))).toEqual([]);
      expect(app.logs.lines.slice(logsBefore).filter((l) => l.includes(s))).toEqual([]);
    }
    CHECKS[file.replace(/\.json$/, '')]?.(run, golden);

    if (UPDATE) {
      writeGolden(full, toGolden(golden, run));
      return;
    }
    expect(golden.final).toBeDefined(); // a new file: run once with UPDATE_GOLDEN=1
    expect(toGolden(golden, run)).toEqual(golden);
  });
});
