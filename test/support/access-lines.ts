import { isIP } from 'node:net';
import type { LogLine } from './server-process';

/** Every access line names its client, method, path and status, whatever the status. */
export function expectCompleteAccessLines(lines: LogLine[]): void {
  const access = lines.filter((l) =>
    ['request completed', 'request aborted', 'request rejected'].includes(l.msg),
  );
  for (const line of access) {
    expect(isIP(String(line.clientIp))).not.toBe(0);
    expect(line).toHaveProperty('method');
    expect(line).toHaveProperty('path');
    expect(typeof line.status).toBe('number');
  }
}
