import { Agent, get } from 'node:http';

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
