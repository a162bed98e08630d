import type { Express } from 'express';
import request from 'supertest';

/** GET a binary response (xlsx) as a Buffer, expecting 200. */
export async function getBinary(app: Express, auth: Record<string, string>, url: string): Promise<Buffer> {
  const r = await request(app)
    .get(url)
    .set(auth)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(r.status).toBe(200);
  return r.body as Buffer;
}
