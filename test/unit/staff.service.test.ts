import { createHash, randomBytes } from 'node:crypto';
import type { OpenDatabase } from '../../src/db/open-database';
import { fixedClock } from '../../src/lib/clock';
import {
  authenticate,
  can,
  createStaff,
  disableStaff,
  hashToken,
  listStaff,
  PERMISSIONS,
  permissionsOf,
  resetPassword,
  resolveToken,
  revokeToken,
  STAFF_ROLES,
  StaffError,
  type Permission,
  type StaffAuthSettings,
  type StaffRole,
} from '../../src/domain/staff/staff.service';
import { createTestDatabase } from '../helpers/test-database';

const settings: StaffAuthSettings = { STAFF_TOKEN_TTL_HOURS: 8, STAFF_MAX_LOGIN_FAILURES: 5, STAFF_LOCK_MINUTES: 15 };
const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;

let db: OpenDatabase;
const uniqueName = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

async function newStaff(role: StaffRole = 'REVIEWER', regionCode = '530100') {
  const username = uniqueName(role.toLowerCase().slice(0, 5));
  const s = await createStaff(db.prisma, { username, role, regionCode, password: PASSWORD });
  return { ...s, username };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.region.createMany({
    data: [
      { code: '530000', name: '云南省', level: 'PROVINCE' },
      { code: '530100', name: '昆明市', level: 'PREFECTURE', parentCode: '530000' },
      { code: '532300', name: '楚雄彝族自治州', level: 'PREFECTURE', parentCode: '530000' },
    ],
    skipDuplicates: true,
  });
});
afterAll(async () => {
  await db?.close();
});

describe('permission policy', () => {
  const expected: Record<string, StaffRole[]> = {
    'person.view': ['ADMIN', 'REVIEWER', 'AGENT', 'COMMUNITY_WORKER'],
    'person.reveal': ['ADMIN', 'REVIEWER', 'AGENT'],
    'person.audit_view': ['ADMIN', 'REVIEWER'],
    'staff.manage': ['ADMIN'],
    'review.view': ['ADMIN', 'REVIEWER', 'AGENT', 'COMMUNITY_WORKER'],
    'review.decide': ['ADMIN', 'REVIEWER'],
    'progress.view': ['ADMIN', 'REVIEWER', 'AGENT', 'COMMUNITY_WORKER'],
    'progress.target': ['ADMIN'],
    'handoff.work': ['ADMIN', 'REVIEWER', 'AGENT'],
    'assisted.run': ['ADMIN', 'REVIEWER', 'AGENT'],
    'audit.search': ['ADMIN'],
    'community.work': ['ADMIN', 'COMMUNITY_WORKER'],
    'worklist.work': ['ADMIN', 'REVIEWER', 'COMMUNITY_WORKER'],
    'registry.match': ['ADMIN'],
  };

  it.each(Object.entries(expected))('%s is held by exactly %j', (permission, roles) => {
    for (const role of STAFF_ROLES) {
      expect([role, can({ role }, permission as Permission)]).toEqual([role, roles.includes(role)]);
    }
  });

  it('lists every permission it knows and nothing else', () => {
    expect([...PERMISSIONS].sort()).toEqual(Object.keys(expected).sort());
    expect(permissionsOf({ role: 'ADMIN' })).toEqual(PERMISSIONS);
    expect(permissionsOf({ role: 'COMMUNITY_WORKER' })).toEqual(['person.view', 'review.view', 'progress.view', 'community.work', 'worklist.work']);
  });

  it('refuses a permission that is not in the table', () => {
    expect(can({ role: 'ADMIN' }, 'staff.delete_everything' as never)).toBe(false);
  });
});

describe('createStaff', () => {
  it('stores an argon2id hash, never the password', async () => {
    const s = await newStaff('ADMIN');
    const row = await db.prisma.staffUser.findUniqueOrThrow({ where: { id: s.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
    expect(s).not.toHaveProperty('passwordHash');
    const audit = await db.prisma.auditEvent.findFirst({ where: { action: 'staff.create', targetId: s.id } });
    expect(audit).toMatchObject({ outcome: 'OK', source: 'cli', details: { username: s.username, role: 'ADMIN', regionCode: '530100' } });
  });

  it('normalises the username and accepts roles in any case', async () => {
    const name = uniqueName('Mixed.Case');
    const s = await createStaff(db.prisma, { username: `  ${name} `, role: 'community_worker', regionCode: '530100', password: PASSWORD });
    expect(s).toMatchObject({ username: name.toLowerCase(), role: 'COMMUNITY_WORKER' });
  });

  it.each([
    ['a short username', { username: 'ab' }, 'INVALID_USERNAME'],
    ['a username with other characters', { username: 'li wei!' }, 'INVALID_USERNAME'],
    ['a username over 32 characters', { username: 'a'.repeat(33) }, 'INVALID_USERNAME'],
    ['an unknown role', { role: 'boss' }, 'INVALID_ROLE'],
    ['a region missing from the region table', { regionCode: '999900' }, 'UNKNOWN_REGION'],
    ['a password under 10 characters', { password: '123456789' }, 'WEAK_PASSWORD'],
  ])('rejects %s', async (_what, patch, code) => {
    const input = { username: uniqueName('ok'), role: 'AGENT', regionCode: '530100', password: PASSWORD, ...patch };
    await expect(createStaff(db.prisma, input)).rejects.toMatchObject({ name: 'StaffError', code });
  });

  it('rejects a taken username', async () => {
    const s = await newStaff();
    await expect(createStaff(db.prisma, { username: s.username, role: 'AGENT', regionCode: '530100', password: PASSWORD })).rejects.toBeInstanceOf(
      StaffError,
    );
  });

  it('lists accounts without hashes', async () => {
    const s = await newStaff('AGENT', '532300');
    const rows = await listStaff(db.prisma);
    const mine = rows.find((r) => r.id === s.id);
    expect(mine).toMatchObject({ username: s.username, role: 'AGENT', regionCode: '532300', disabled: false });
    expect(JSON.stringify(rows)).not.toContain('$argon2');
    const chuxiong = await listStaff(db.prisma, { regionCode: '532300' });
    expect(chuxiong.map((r) => r.id)).toContain(s.id);
    expect(chuxiong.every((r) => r.regionCode.startsWith('5323'))).toBe(true);
    expect((await listStaff(db.prisma, { regionCode: '530000' })).map((r) => r.id)).toContain(s.id);
  });
});

describe('authenticate', () => {
  it('issues an opaque 32-byte token and stores only its sha256 hash with the expiry', async () => {
    const s = await newStaff();
    const clock = fixedClock('2026-11-30T01:00:00Z');
    const r = await authenticate(db.prisma, s.username, PASSWORD, clock, settings);
    if (!r.ok) throw new Error('login failed');
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(r.token, 'base64url')).toHaveLength(32);
    expect(r.expiresAt.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect(r.principal).toEqual({ id: s.id, username: s.username, role: 'REVIEWER', regionCode: '530100' });
    const rows = await db.prisma.staffToken.findMany({ where: { staffId: s.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).toBe(createHash('sha256').update(r.token).digest('hex'));
    expect(rows[0]?.tokenHash).toBe(hashToken(r.token));
    expect(JSON.stringify(rows)).not.toContain(r.token);
    const user = await db.prisma.staffUser.findUniqueOrThrow({ where: { id: s.id } });
    expect(user.lastLoginAt?.toISOString()).toBe('2026-11-30T01:00:00.000Z');
    const audit = await db.prisma.auditEvent.findFirst({ where: { action: 'staff.login', actorId: s.id, outcome: 'OK' } });
    expect(audit).not.toBeNull();
  });

  it('gives the same answer for an unknown username, a wrong password and a disabled account', async () => {
    const s = await newStaff();
    const d = await newStaff();
    await disableStaff(db.prisma, d.username);
    const clock = fixedClock('2026-11-30T02:00:00Z');
    const wrong = await authenticate(db.prisma, s.username, 'not the password', clock, settings);
    const unknown = await authenticate(db.prisma, uniqueName('nobody'), PASSWORD, clock, settings);
    const disabled = await authenticate(db.prisma, d.username, PASSWORD, clock, settings);
    expect(wrong).toEqual({ ok: false, code: 'INVALID_CREDENTIALS' });
    expect(unknown).toEqual(wrong);
    expect(disabled).toEqual(wrong);
    const denied = await db.prisma.auditEvent.findMany({ where: { action: 'staff.login', outcome: 'DENIED', targetId: { in: [s.username, d.username] } } });
    expect(denied.map((e) => (e.details as { reason: string }).reason).sort()).toEqual(['bad_password', 'disabled']);
  });

  it('spends comparable time on unknown usernames and wrong passwords (a dummy argon2 verification)', async () => {
    const s = await newStaff();
    const clock = fixedClock('2026-11-30T02:30:00Z');
    const time = async (f: () => Promise<unknown>) => {
      const t = process.hrtime.bigint();
      await f();
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    await authenticate(db.prisma, uniqueName('warm'), 'x', clock, settings); // builds the dummy hash once
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time(() => authenticate(db.prisma, s.username, `wrong-${i}`, clock, settings)));
      unknown.push(await time(() => authenticate(db.prisma, uniqueName('ghost'), `wrong-${i}`, clock, settings)));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? 0;
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });

  it('locks after STAFF_MAX_LOGIN_FAILURES consecutive failures for STAFF_LOCK_MINUTES, then lets the right password in', async () => {
    const s = await newStaff();
    const clock = fixedClock('2026-11-30T03:00:00Z');
    for (let i = 1; i < 5; i++) {
      expect(await authenticate(db.prisma, s.username, `wrong-${i}`, clock, settings)).toEqual({ ok: false, code: 'INVALID_CREDENTIALS' });
      clock.advance(MINUTE);
    }
    const lockedAt = clock.now().getTime();
    const fifth = await authenticate(db.prisma, s.username, 'wrong-5', clock, settings);
    expect(fifth).toEqual({ ok: false, code: 'LOCKED', retryAt: new Date(lockedAt + 15 * MINUTE) });

    clock.advance(14 * MINUTE);
    expect(await authenticate(db.prisma, s.username, PASSWORD, clock, settings)).toMatchObject({ ok: false, code: 'LOCKED' });
    const lockedRows = await db.prisma.auditEvent.count({ where: { action: 'staff.login', actorId: s.id, details: { path: ['reason'], equals: 'locked' } } });
    expect(lockedRows).toBe(1);

    clock.set(new Date(lockedAt + 15 * MINUTE));
    const after = await authenticate(db.prisma, s.username, PASSWORD, clock, settings);
    expect(after.ok).toBe(true);
    const user = await db.prisma.staffUser.findUniqueOrThrow({ where: { id: s.id } });
    expect(user).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  it('counts only consecutive failures: a success resets the counter', async () => {
    const s = await newStaff();
    const clock = fixedClock('2026-11-30T04:00:00Z');
    for (let i = 0; i < 4; i++) await authenticate(db.prisma, s.username, 'wrong', clock, settings);
    expect((await authenticate(db.prisma, s.username, PASSWORD, clock, settings)).ok).toBe(true);
    for (let i = 0; i < 4; i++) {
      expect(await authenticate(db.prisma, s.username, 'wrong', clock, settings)).toEqual({ ok: false, code: 'INVALID_CREDENTIALS' });
    }
  });

  it('gives a new lock window of failures after the lock expires', async () => {
    const s = await newStaff();
    const clock = fixedClock('2026-11-30T05:00:00Z');
    for (let i = 0; i < 5; i++) await authenticate(db.prisma, s.username, 'wrong', clock, settings);
    clock.advance(16 * MINUTE);
    for (let i = 1; i < 5; i++) {
      expect(await authenticate(db.prisma, s.username, 'wrong', clock, settings)).toEqual({ ok: false, code: 'INVALID_CREDENTIALS' });
    }
    expect(await authenticate(db.prisma, s.username, 'wrong', clock, settings)).toMatchObject({ code: 'LOCKED' });
  });

  it('locks an unknown username the same way, so a lock does not reveal that an account exists', async () => {
    const ghost = uniqueName('ghost');
    const real = await newStaff();
    const clock = fixedClock('2026-11-30T06:00:00Z');
    const answers = async (username: string) => {
      const out: unknown[] = [];
      for (let i = 0; i < 6; i++) out.push(await authenticate(db.prisma, username, 'wrong', clock, settings));
      return out;
    };
    const ghostAnswers = await answers(ghost);
    const realAnswers = await answers(real.username);
    expect(ghostAnswers).toEqual(realAnswers);
    expect(ghostAnswers.slice(4)).toEqual([
      { ok: false, code: 'LOCKED', retryAt: new Date('2026-11-30T06:15:00Z') },
      { ok: false, code: 'LOCKED', retryAt: new Date('2026-11-30T06:15:00Z') },
    ]);
    clock.advance(15 * MINUTE);
    expect(await authenticate(db.prisma, ghost, 'wrong', clock, settings)).toEqual({ ok: false, code: 'INVALID_CREDENTIALS' });
  });
});

describe('tokens', () => {
  async function login(clock = fixedClock('2026-12-01T00:00:00Z')) {
    const s = await newStaff('AGENT');
    const r = await authenticate(db.prisma, s.username, PASSWORD, clock, settings);
    if (!r.ok) throw new Error('login failed');
    return { s, token: r.token, clock };
  }

  it('resolves until the expiry, not after', async () => {
    const { s, token, clock } = await login();
    expect(await resolveToken(db.prisma, token, clock)).toEqual({ id: s.id, username: s.username, role: 'AGENT', regionCode: '530100' });
    clock.advance(8 * 60 * MINUTE - 1);
    expect(await resolveToken(db.prisma, token, clock)).not.toBeNull();
    clock.advance(1);
    expect(await resolveToken(db.prisma, token, clock)).toBeNull();
  });

  it('refuses unknown and malformed tokens', async () => {
    const clock = fixedClock('2026-12-01T00:00:00Z');
    expect(await resolveToken(db.prisma, randomBytes(32).toString('base64url'), clock)).toBeNull();
    expect(await resolveToken(db.prisma, 'short', clock)).toBeNull();
    expect(await revokeToken(db.prisma, 'short', clock)).toBe(false);
  });

  it('stops resolving once revoked', async () => {
    const { token, clock } = await login();
    expect(await revokeToken(db.prisma, token, clock)).toBe(true);
    expect(await resolveToken(db.prisma, token, clock)).toBeNull();
    expect(await revokeToken(db.prisma, token, clock)).toBe(false);
  });

  it('stops resolving when the account is disabled (audited as staff.disable)', async () => {
    const { s, token, clock } = await login();
    await disableStaff(db.prisma, s.username, { actorType: 'STAFF', actorId: null, source: 'api' }, clock);
    expect(await resolveToken(db.prisma, token, clock)).toBeNull();
    const audit = await db.prisma.auditEvent.findFirst({ where: { action: 'staff.disable', targetId: s.id } });
    expect(audit).toMatchObject({ outcome: 'OK', source: 'api', details: { username: s.username, tokensRevoked: 1 } });
  });

  it('reset-password sets the new password, clears a lock and revokes old tokens', async () => {
    const { s, token, clock } = await login();
    for (let i = 0; i < 5; i++) await authenticate(db.prisma, s.username, 'wrong', clock, settings);
    await resetPassword(db.prisma, s.username, 'a brand new passphrase', undefined, clock);
    expect(await resolveToken(db.prisma, token, clock)).toBeNull();
    expect((await authenticate(db.prisma, s.username, PASSWORD, clock, settings)).ok).toBe(false);
    expect((await authenticate(db.prisma, s.username, 'a brand new passphrase', clock, settings)).ok).toBe(true);
    expect(await db.prisma.auditEvent.count({ where: { action: 'staff.reset_password', targetId: s.id } })).toBe(1);
  });

  it('reset-password and disable name unknown users clearly', async () => {
    await expect(disableStaff(db.prisma, uniqueName('nobody'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(resetPassword(db.prisma, uniqueName('nobody'), 'long enough password')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(resetPassword(db.prisma, uniqueName('nobody'), 'short')).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
  });
});
