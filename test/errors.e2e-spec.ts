import { Controller, Get } from '@nestjs/common';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { ServerProcess } from './support/server-process';
import { createTestApp, type TestApp } from './support/test-app';

/** A handler with a bug, mounted only in this test. */
@Controller()
class FaultyController {
  @Get('faulty')
  faulty(): never {
    throw new TypeError('secret internal detail at /srv/app/db.ts:42');
  }
}

describe('an unexpected exception in a handler (in-process)', () => {
  const lines: Record<string, unknown>[] = [];
  let t: TestApp;
  beforeAll(async () => {
    const logger = pino(
      { level: 'info', base: null },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    t = await createTestApp({}, { controllers: [FaultyController], logger });
  });
  afterAll(() => t.app.close());

  it('answers 500 with a generic body and logs the stack once', async () => {
    const res = await request(t.app.getHttpServer()).get('/faulty').set('X-Echo', 'still');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(res.text).not.toContain('secret');
    expect(res.headers['x-echo']).toBe('still');
    const withStack = lines.filter(
      (l) => JSON.stringify(l).includes('secret internal detail') && JSON.stringify(l).includes('faulty'),
    );
    expect(withStack).toHaveLength(1);
    expect(withStack[0]!.level).toBe(50); // error
    // The access line follows, at error level, without the stack.
    expect(lines.some((l) => l.msg === 'request completed' && l.status === 500 && l.level === 50)).toBe(true);
  });
});

describe('errors', () => {
  it.each(['exception', 'rejection'])(
    'an unhandled %s is logged as fatal and the process exits 1',
    async (kind) => {
      const server = await ServerProcess.start({
        CRASH: kind,
        NODE_OPTIONS: `--require ${join(__dirname, 'fixtures', 'crash-after-start.cjs')}`,
      });
      const { code } = await server.exit(10_000);
      expect(code).toBe(1);
      const fatal = server.lines.find((l) => l.level === 'fatal');
      expect(fatal?.msg).toBe(kind === 'exception' ? 'uncaught exception' : 'unhandled promise rejection');
      expect(JSON.stringify(fatal)).toContain('nobody');
    },
  );
});
