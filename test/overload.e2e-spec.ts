import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OverloadMonitor } from '../src/common/lifecycle/overload-monitor';
import { metricValue } from './support/metric-value';
import { ServerProcess } from './support/server-process';
import { createTestApp } from './support/test-app';

/** Freezes the process, as a CPU quota or a long pause does: its event loop falls that far behind. */
async function stall(server: ServerProcess, ms: number): Promise<void> {
  server.signal('SIGSTOP');
  await sleep(ms);
  server.signal('SIGCONT');
}

/**
 * The Connection header of each response to GET / sent one after another on one keep-alive agent,
 * for `ms` or until `stop` says so.
 */
async function connectionHeaders(
  server: ServerProcess,
  agent: Agent,
  ms: number,
  stop: (seen: string[]) => boolean = () => false,
): Promise<string[]> {
  const seen: string[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until && !stop(seen)) {
    seen.push(String((await server.get('/', {}, agent)).headers.connection));
    await sleep(25);
  }
  return seen;
}

describe('an overloaded event loop (OVERLOAD_LAG_MS)', () => {
  let server: ServerProcess | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  afterEach(() => server?.stop());
  afterAll(() => agent.destroy());

  it('makes responses close their connections for the next half-second, counted, then keeps them again', async () => {
    // Well above what a busy test machine makes an idle process lag, well below the stall.
    server = await ServerProcess.start({ OVERLOAD_LAG_MS: '250' });
    expect((await server.get('/', {}, agent)).headers.connection).toBe('keep-alive');
    await stall(server, 600);
    // The verdict is made every 500 ms, on the half-second before it.
    const during = await connectionHeaders(server, agent, 1500);
    expect(during).toContain('close');
    const after = await connectionHeaders(server, agent, 3000, (seen) => seen.at(-1) === 'keep-alive');
    expect(after.at(-1)).toBe('keep-alive');
    const scraped = (await server.get('/metrics')).body;
    expect(metricValue(scraped, 'httpserver_overloaded')).toBe(0);
    // At least the closes seen: the scrape may count itself if the loop lagged again meanwhile.
    const closes = [...during, ...after].filter((value) => value === 'close').length;
    expect(metricValue(scraped, 'httpserver_overload_connection_closes_total')).toBeGreaterThanOrEqual(
      closes,
    );
  });

  it('keeps every connection with OVERLOAD_LAG_MS=0', async () => {
    server = await ServerProcess.start({ OVERLOAD_LAG_MS: '0' });
    await server.get('/', {}, agent);
    await stall(server, 600);
    expect(new Set(await connectionHeaders(server, agent, 1500))).toEqual(new Set(['keep-alive']));
    expect(
      metricValue((await server.get('/metrics')).body, 'httpserver_overload_connection_closes_total'),
    ).toBe(0);
  });

  it('stops sampling the event loop when the application closes', async () => {
    const { app } = await createTestApp();
    const monitor = app.get(OverloadMonitor);
    const stop = monitor.onModuleDestroy.bind(monitor);
    let stops = 0;
    monitor.onModuleDestroy = () => {
      stops += 1;
      stop();
    };
    await app.close();
    expect(stops).toBe(1);
  });
});
