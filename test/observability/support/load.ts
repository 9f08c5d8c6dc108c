import { Agent, get } from 'node:http';

/** Keeps `concurrency` clients sending GETs to url, each after the last, until stop() (bounded by `maxMs`). */
export function keepLoading(
  url: string,
  concurrency: number,
  maxMs: number,
): { stop: () => Promise<number> } {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const until = Date.now() + maxMs;
  let running = true;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (running && Date.now() < until) {
      await new Promise<void>((resolve) => {
        get(url, { agent, timeout: 10_000 }, (res) => res.resume().on('end', resolve)).on('error', () =>
          resolve(),
        );
      });
      sent++;
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker));
  return {
    stop: async () => {
      running = false;
      await workers;
      agent.destroy();
      return sent;
    },
  };
}

/** Sends `total` GETs to url with at most `concurrency` at a time over keep-alive; resolves with the status counts. */
export async function sendLoad(
  url: string,
  total: number,
  concurrency: number,
): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      const status = await new Promise<number>((resolve, reject) => {
        get(url, { agent, timeout: 10_000 }, (res) => {
          res.resume().on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject);
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return statuses;
}
