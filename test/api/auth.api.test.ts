import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '../../src/app/config';
import type { OpenDatabase } from '../../src/db/open-database';
import { createStaff } from '../../src/domain/staff/staff.service';
import { createAuthRouter, LOGIN_RATE_LIMIT } from '../../src/http/auth.router';
import { createApp } from '../../src/http/create-app';
import { fixedClock } from '../../src/lib/clock';
import { createI18n } from '../../src/lib/i18n';
import { createLogger } from '../../src/lib/logger';
import { createTestDatabase } from '../helpers/test-database';

const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;
let db: OpenDatabase;

/** An app of its own (own clock, own rate-limit memory), so tests never share state. */
function makeApp(clock = fixedClock('2026-12-01T00:00:00Z')) {
  const app = createApp({
    prisma: db.prisma,
    config: loadConfig({ NODE_ENV: 'test' }),
    logger: createLogger({ level: 'silent' }),
    i18n: createI18n(),
    clock,
    routers: [createAuthRouter],
  });
  return { app, clock };
}

/** A distinct client address per test (loopback proxies are trusted), so the per-IP limit is not shared. */
const newIp = () => `203.0.113.${1 + (randomBytes(1)[0] ?? 0) % 254}`;

async function newStaff(role: 'ADMIN' | 'REVIEWER' | 'AGENT' | 'COMMUNITY_WORKER' = 'REVIEWER') {
  const username = `u-${randomBytes(4).toString('hex')}`;
  await createStaff(db.prisma, { username, role, regionCode: '530100', password: PASSWORD });
  return username;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.region.createMany({
    data: [
      { code: '530000', name: '云南省', level: 'PROVINCE' },
      { code: '530100', name: '昆明市', level: 'PREFECTURE', parentCode: '530000' },
    ],
    skipDuplicates: true,
  });
});
afterAll(async () => {
  await db?.close();
});

describe('POST /api/auth/login', () => {
  it('returns a bearer token, its expiry and the staff profile', async () => {
    const { app } = makeApp();
    const username = await newStaff('AGENT');
    const res = await request(app).post('/api/auth/login').set('X-Forwarded-For', newIp()).send({ username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: '2026-12-01T08:00:00.000Z',
      staff: { username, role: 'AGENT', regionCode: '530100' },
    });
    const audit = await db.prisma.auditEvent.findFirst({ where: { action: 'staff.login', targetId: username, outcome: 'OK' } });
    expect(audit).not.toBeNull();
  });

  it('answers an unknown username and a wrong password with the same 401 body', async () => {
    const { app } = makeApp();
    const username = await newStaff();
    const ip = newIp();
    const wrong = await request(app).post('/api/auth/login').set('X-Forwarded-For', ip).send({ username, password: 'not the password' });
    const unknown = await request(app)
      .post('/api/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ username: `nobody-${randomBytes(4).toString('hex')}`, password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: { error: { requestId?: string } }) => ({ ...b, error: { ...b.error, requestId: undefined } });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(wrong.body.error).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'Wrong username or password.' });
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());
    const denied = await db.prisma.auditEvent.findFirst({ where: { action: 'staff.login', targetId: username, outcome: 'DENIED' } });
    expect(denied?.details).toMatchObject({ reason: 'bad_password', ip });
  });

  it('locks the account with 423 and a retry time, refuses even the right password, and opens again later', async () => {
    const { app, clock } = makeApp(fixedClock('2026-12-01T10:00:00Z'));
    const username = await newStaff();
    const ip = newIp();
    const login = (password: string) => request(app).post('/api/auth/login').set('X-Forwarded-For', ip).send({ username, password });
    for (let i = 0; i < 4; i++) expect((await login('wrong password')).status).toBe(401);
    const locked = await login('wrong password');
    expect(locked.status).toBe(423);
    expect(locked.body.error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAt: '2026-12-01T10:15:00.000Z' } });
    expect(locked.headers['retry-after']).toBe('900');

    clock.advance(5 * MINUTE);
    const stillLocked = await login(PASSWORD);
    expect(stillLocked.status).toBe(423);
    expect(stillLocked.headers['retry-after']).toBe('600');

    clock.advance(10 * MINUTE);
    expect((await login(PASSWORD)).status).toBe(200);
  });

  it('rate-limits failed sign-ins per client address', async () => {
    const { app } = makeApp();
    const ip = newIp();
    const attempt = (from: string) =>
      request(app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', from)
        .send({ username: `ghost-${randomBytes(4).toString('hex')}`, password: 'whatever password' });
    for (let i = 0; i < LOGIN_RATE_LIMIT.limit; i++) expect((await attempt(ip)).status).toBe(401);
    const limited = await attempt(ip);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    // Another address is not affected.
    const other = await attempt('198.51.100.7');
    expect(other.status).toBe(401);
  });

  it('rejects a malformed body with 400', async () => {
    const { app } = makeApp();
    const res = await request(app).post('/api/auth/login').set('X-Forwarded-For', newIp()).send({ username: 'someone' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('GET /api/auth/me and POST /api/auth/logout', () => {
  async function signIn(app: ReturnType<typeof makeApp>['app'], role: 'ADMIN' | 'COMMUNITY_WORKER') {
    const username = await newStaff(role);
    const res = await request(app).post('/api/auth/login').set('X-Forwarded-For', newIp()).send({ username, password: PASSWORD });
    return { username, token: res.body.token as string };
  }

  it('me shows the staff member and their permissions', async () => {
    const { app } = makeApp();
    const { username, token } = await signIn(app, 'COMMUNITY_WORKER');
    const res = await request(app).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      staff: { username, role: 'COMMUNITY_WORKER', regionCode: '530100' },
      permissions: ['person.view', 'review.view', 'progress.view', 'community.work', 'worklist.work'],
    });
  });

  it('me needs a valid token', async () => {
    const { app } = makeApp();
    const none = await request(app).get('/api/auth/me');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const bogus = await request(app).get('/api/auth/me').set('Authorization', `Bearer ${randomBytes(32).toString('base64url')}`);
    expect(bogus.status).toBe(401);
  });

  it('logout revokes the token', async () => {
    const { app } = makeApp();
    const { token } = await signIn(app, 'ADMIN');
    const auth = { Authorization: `Bearer ${token}` };
    expect((await request(app).get('/api/auth/me').set(auth)).status).toBe(200);
    expect((await request(app).post('/api/auth/logout').set(auth)).status).toBe(204);
    expect((await request(app).get('/api/auth/me').set(auth)).status).toBe(401);
    expect((await request(app).post('/api/auth/logout').set(auth)).status).toBe(401);
  });

  it('a token stops working when it expires', async () => {
    const { app, clock } = makeApp(fixedClock('2026-12-02T00:00:00Z'));
    const { token } = await signIn(app, 'ADMIN');
    clock.advance(8 * 60 * MINUTE);
    expect((await request(app).get('/api/auth/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });
});

it('documents the auth routes in the OpenAPI document', async () => {
  const { app } = makeApp();
  const res = await request(app).get('/api/openapi.json');
  expect(res.status).toBe(200);
  expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/auth/logout', '/api/auth/me']));
  expect(Object.keys(res.body.paths['/api/auth/login'].post.responses)).toEqual(expect.arrayContaining(['200', '401', '423', '429']));
});
