import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/app/config';
import { loadWechatConfig } from '../../src/app/wechat-config';
import { ChatClient, newIdNumber } from '../helpers/chat-fixtures';
import { listen } from '../helpers/sse-reader';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** Issue 9, item 5: event-stream caps, 429 answers, request ids and log lines, production refusals, demo:reset. */
let app: TestApp;
let limited: TestApp;

beforeAll(async () => {
  app = await createTestApp();
  limited = await createTestApp({ CHAT_RATE_LIMIT_PER_MINUTE: '3' }, { db: app.db });
}, 180_000); // migrating a fresh database is slow on a busy machine
afterAll(async () => {
  await limited?.stop();
  await app?.close();
});

describe('server-sent events', () => {
  /** Opens an event stream; resolves with its status (and keeps a 200 open until close()). */
  function openStream(url: string) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Promise<string>; close(): void }>((resolve, reject) => {
      const req = http.get(url, { headers: { accept: 'text/event-stream' }, agent: false });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        const ended = new Promise<string>((r) => {
          res.on('data', (c: string) => (body += c));
          res.on('end', () => r(body));
          res.on('close', () => r(body));
        });
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: ended, close: () => req.destroy() });
      });
      req.on('error', (e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e);
      });
    });
  }

  it('allows 3 streams per session and 50 per address; beyond that 429 with Retry-After in the resident\'s language', async () => {
    const server = await listen(app.app);
    const open: { close(): void }[] = [];
    try {
      const s = await ChatClient.start(app.app);
      const url = (id: string) => `${server.base}/api/chat/sessions/${id}/events`;
      for (let i = 0; i < 3; i++) {
        const st = await openStream(url(s.sessionId));
        expect(st.status).toBe(200);
        open.push(st);
      }
      const fourth = await openStream(url(s.sessionId));
      expect(fourth.status).toBe(429);
      expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
      const body = JSON.parse(await fourth.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('TOO_MANY_STREAMS');
      expect(body.error.message).toContain(`${fourth.headers['retry-after']}秒`);

      // A closed stream frees its place.
      open.pop()!.close();
      await new Promise((r) => setTimeout(r, 100));
      const again = await openStream(url(s.sessionId));
      expect(again.status).toBe(200);
      open.push(again);

      // Per address: 50 in all (3 are open already).
      const sessions = await Promise.all(Array.from({ length: 16 }, () => ChatClient.start(app.app)));
      for (const other of sessions) {
        for (let i = 0; i < 3 && open.length < 50; i++) {
          const st = await openStream(url(other.sessionId));
          expect(st.status).toBe(200);
          open.push(st);
        }
      }
      expect(open).toHaveLength(50);
      const en = await ChatClient.start(app.app);
      await en.send('2');
      const over = await openStream(url(en.sessionId));
      expect(over.status).toBe(429);
      expect((JSON.parse(await over.body) as { error: { message: string } }).error.message).toMatch(/try again in \d+ seconds/);
    } finally {
      for (const o of open) o.close();
      await server.close();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and says how long to wait, in zh-CN and in English', async () => {
    const zh = await ChatClient.start(limited.app);
    for (const t of ['a', 'b', 'c']) await zh.send(t);
    const res = await request(limited.app).post(`/api/chat/sessions/${zh.sessionId}/messages`).send({ text: 'd' });
    expect(res.status).toBe(429);
    const wait = Number(res.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(res.body.error.message).toBe(`发得太快了，请等${wait}秒再发。`);

    const en = await ChatClient.start(limited.app);
    for (const t of ['2', 'b', 'c']) await en.send(t);
    const enRes = await request(limited.app).post(`/api/chat/sessions/${en.sessionId}/messages`).send({ text: 'd' });
    expect(enRes.status).toBe(429);
    expect(enRes.body.error.message).toMatch(new RegExp(`^Too many messages\\. Please wait ${enRes.headers['retry-after']} seconds?, then send again\\.$`));
    // The event stream of a session counts towards the same limit.
    const events = await request(limited.app).get(`/api/chat/sessions/${en.sessionId}/events`);
    expect(events.status).toBe(429);
  });
});

describe('request ids and log lines', () => {
  it('takes over only a short [A-Za-z0-9-] token as request id and never logs an ID number sent as one', async () => {
    const id = newIdNumber();
    const a = await request(app.app).get('/healthz').set('x-request-id', id);
    expect(a.headers['x-request-id']).not.toBe(id);
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const b = await request(app.app).get('/healthz').set('x-request-id', 'trace-42-abc');
    expect(b.headers['x-request-id']).toBe('trace-42-abc');
    const c = await request(app.app).get('/healthz').set('x-request-id', 'has_underscore');
    expect(c.headers['x-request-id']).not.toBe('has_underscore');
    expect(app.logs.lines.some((l) => l.includes(id))).toBe(false);
  });

  it('writes one access-log line per request, and none for /healthz', async () => {
    await request(app.app).get('/healthz').set('x-request-id', 'probe-healthz-1');
    await request(app.app).get('/readyz').set('x-request-id', 'probe-readyz-1');
    expect(app.logs.lines.filter((l) => l.includes('probe-healthz-1'))).toEqual([]);
    expect(app.logs.lines.filter((l) => l.includes('probe-readyz-1'))).toEqual([expect.stringContaining('"msg":"request"')]);
  });

  it('logs the route pattern, never the raw path with a session id, also when the body fails to parse', async () => {
    const s = await ChatClient.start(app.app);
    await s.send('1');
    const bad = await request(app.app).post(`/api/chat/sessions/${s.sessionId}/messages`).set('content-type', 'application/json').send('{"text":');
    expect(bad.status).toBe(400);
    const requestLines = app.logs.lines.filter((l) => l.includes('"msg":"request"'));
    expect(requestLines.some((l) => l.includes('"route":"/api/chat/sessions/:id/messages"'))).toBe(true);
    expect(app.logs.lines.some((l) => l.includes(s.sessionId))).toBe(false);
  });
});

describe('production refusals', () => {
  const prod = { NODE_ENV: 'production', ID_HASH_SECRET: 'a-secret-of-our-own-0123456789abcdef' };

  it('does not load the demo in production unless forced', () => {
    expect(loadConfig(prod).DEMO_SEED).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).DEMO_SEED).toBe(true);
    expect(() => loadConfig({ ...prod, DEMO_SEED: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...prod, DEMO_SEED: 'true' })).toThrow(/DEMO_SEED: refused in production/);
    expect(loadConfig({ ...prod, DEMO_SEED: 'true', DEMO_SEED_FORCE: 'true' }).DEMO_SEED).toBe(true);
  });

  it('refuses the official account in plaintext mode in production unless WECHAT_OA_ALLOW_PLAINTEXT=true', () => {
    const oa = { WECHAT_OA_TOKEN: 'canbaoToken1', WECHAT_OA_APPID: 'wx1234567890', WECHAT_OA_SECRET: 'secret-secret' };
    expect(() => loadWechatConfig({ NODE_ENV: 'production', ...oa })).toThrow(/WECHAT_OA_AES_KEY: required in production/);
    expect(loadWechatConfig({ NODE_ENV: 'production', ...oa, WECHAT_OA_ALLOW_PLAINTEXT: 'true' }).WECHAT_OA_ALLOW_PLAINTEXT).toBe(true);
    expect(loadWechatConfig({ NODE_ENV: 'production', ...oa, WECHAT_OA_AES_KEY: 'a'.repeat(43) }).WECHAT_OA_TOKEN).toBe('canbaoToken1');
    expect(loadWechatConfig({ NODE_ENV: 'development', ...oa }).WECHAT_OA_TOKEN).toBe('canbaoToken1');
  });
});

describe('npm run demo:reset', () => {
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('npx', ['tsx', 'src/cli/demo-reset.ts'], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });

  it('removes an embedded database folder (not in use) so the next start seeds the demo again; refuses in production', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-demo-reset-'));
    fs.writeFileSync(path.join(dir, 'PG_VERSION'), '17\n');
    const refused = await run({ DATABASE_URL: `pglite:${dir}`, NODE_ENV: 'production' });
    expect(refused.code).toBe(2);
    expect(fs.existsSync(dir)).toBe(true);
    const done = await run({ DATABASE_URL: `pglite:${dir}` });
    expect([done.code, done.out]).toEqual([0, expect.stringContaining(`Removed ${dir}`)]);
    expect(fs.existsSync(dir)).toBe(false);
  }, 120_000);
});
