/**
 * The load generator of bench:chat, run as a child process of bench/chat.bench.ts (so the server's CPU is its
 * own): it receives a job over IPC, drives the server over HTTP with keep-alive connections, and sends back the
 * latency figures. Chat mode: each simulated resident goes through whole conversations (create session,
 * agree to the notice, ID number, name, last 4 phone digits, status, confirm, "all correct"); echo mode: the
 * same concurrency against POST /echo.
 */
import http from 'node:http';

export interface Resident {
  idNumber: string;
  name: string;
  phone: string;
}

export interface LoadJob {
  port: number;
  mode: 'chat' | 'echo';
  /** Concurrent simulated residents (chat) or clients (echo). */
  residents: Resident[];
  seconds: number;
  /** Think time between a resident's messages, ms [min, max]; none by default. */
  thinkMs?: [number, number];
  /** The generator gives up on a request after this long (default 120 s): counted as a timeout, not an error. */
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Wrong answers from the server (status other than expected, or an unexpected reply) and refused connections. */
  errors: number;
  /** Requests the generator itself gave up on (timeoutMs): the server had not answered yet. */
  timeouts: number;
  errorSamples: string[];
  conversations: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The generator's own timeout: the request is abandoned, the server did not fail it. */
class ClientTimeout extends Error {}

function client(port: number, maxSockets: number, timeoutMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    agent,
    request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, method, path, agent, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                // not JSON
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.setTimeout(timeoutMs, () => req.destroy(new ClientTimeout(`no answer after ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(payload);
      });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const http1 = client(job.port, job.residents.length, job.timeoutMs ?? 120_000);
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let timeouts = 0;
  let conversations = 0;
  let deadline = Infinity;
  let recording = false;
  const think = async () => {
    if (job.thinkMs) await sleep(job.thinkMs[0] + Math.random() * (job.thinkMs[1] - job.thinkMs[0]));
  };
  const fail = (status: number, what: string) => {
    if (status === -1) return; // counted in timeouts
    if (errors++ < 3) errorSamples.push(what.slice(0, 300));
  };
  const timed = async (method: string, path: string, body?: unknown) => {
    const t0 = process.hrtime.bigint();
    try {
      return await http1.request(method, path, body);
    } catch (e) {
      // A timeout of the generator's own is no server error: counted apart (its latency is a lower bound).
      if (e instanceof ClientTimeout) timeouts++;
      return { status: e instanceof ClientTimeout ? -1 : 0, body: (e as Error).message };
    } finally {
      if (recording) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };

  async function converse(r: Resident, thinking = true): Promise<boolean> {
    const created = await timed('POST', '/api/chat/sessions');
    if (created.status !== 201) return fail(created.status, `create session: ${created.status} ${JSON.stringify(created.body)}`), false;
    const id = (created.body as { sessionId: string }).sessionId;
    const steps: [string, RegExp][] = [
      ['1', /身份证号码/],
      [r.idNumber, /姓名/],
      [r.name, /后4位/],
      [r.phone.slice(-4), /身份核对成功/],
      ['1', /的参保情况/],
      ['1', /这些信息对吗/],
      ['1', /已确认/],
    ];
    for (const [text, expected] of steps) {
      if (thinking) await think();
      if (Date.now() > deadline) return false;
      const res = await timed('POST', `/api/chat/sessions/${id}/messages`, { text });
      const replies = (res.body as { replies?: { text: string }[] }).replies ?? [];
      if (res.status !== 200 || !replies.some((m) => expected.test(m.text))) {
        fail(res.status, `answer to "${text.length > 10 ? '…' : text}": ${res.status} ${JSON.stringify(res.body)}`);
        return false;
      }
    }
    return true;
  }

  // Warm-up, not measured: a freshly started server compiles, connects its pool and builds the
  // understanding models on first use.
  for (let i = 0; i < 3; i++) {
    if (job.mode === 'echo') await timed('POST', '/echo', { text: '1' });
    else if (!(await converse(job.residents[i % job.residents.length]!, false))) throw new Error(`warm-up failed: ${errorSamples.join('; ')}`);
  }
  recording = true;
  deadline = Date.now() + job.seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    job.residents.map(async (r) => {
      // With think time, residents arrive spread over the first think interval (not all in the same millisecond).
      if (job.thinkMs) await sleep(Math.random() * job.thinkMs[1]);
      while (Date.now() < deadline) {
        if (job.mode === 'echo') {
          const res = await timed('POST', '/echo', { text: '1' });
          if (res.status !== 200) fail(res.status, `echo: ${res.status}`);
          continue;
        }
        if (await converse(r)) conversations++;
        else if (Date.now() < deadline) await sleep(100);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  http1.agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    timeouts,
    errorSamples,
    conversations,
    seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

if (process.send) {
  process.once('message', (job: LoadJob) => {
    runLoad(job).then(
      (r) => process.send!(r, () => process.exit(0)),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
}
