import pino from 'pino';
import { DeferredLines } from './deferred-lines';

function capturingLogger() {
  const lines: { level: string; msg: string; n: number }[] = [];
  const logger = pino(
    { level: 'info', base: null, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) },
  );
  return { logger, lines };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DeferredLines', () => {
  it('holds lines until the next turn of the event loop, then writes them in order, at their levels', async () => {
    const { logger, lines } = capturingLogger();
    const deferred = new DeferredLines(logger);
    deferred.write('info', { n: 1 }, 'one');
    deferred.write('error', { n: 2 }, 'two');
    deferred.write('warn', { n: 3 }, 'three');
    expect(lines).toEqual([]);
    await nextTurn();
    expect(lines.map(({ level, msg, n }) => [level, msg, n])).toEqual([
      ['info', 'one', 1],
      ['error', 'two', 2],
      ['warn', 'three', 3],
    ]);
  });

  it("keeps the logger's level: a line below it is dropped", async () => {
    const { logger, lines } = capturingLogger();
    new DeferredLines(logger).write('debug', { n: 1 }, 'quiet');
    await nextTurn();
    expect(lines).toEqual([]);
  });

  it('writes the lines of a later turn in a later pass', async () => {
    const { logger, lines } = capturingLogger();
    const deferred = new DeferredLines(logger);
    deferred.write('info', { n: 1 }, 'first');
    await nextTurn();
    deferred.write('info', { n: 2 }, 'second');
    expect(lines.map((l) => l.n)).toEqual([1]);
    await nextTurn();
    expect(lines.map((l) => l.n)).toEqual([1, 2]);
  });

  it('writes what it holds when asked, and nothing twice', async () => {
    const { logger, lines } = capturingLogger();
    const deferred = new DeferredLines(logger);
    deferred.write('info', { n: 1 }, 'now');
    deferred.writePending();
    expect(lines.map((l) => l.n)).toEqual([1]);
    await nextTurn();
    expect(lines.map((l) => l.n)).toEqual([1]);
  });
});
