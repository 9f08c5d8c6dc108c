import { readFileSync } from 'node:fs';

/** TCP states as /proc/net/tcp numbers them (include/net/tcp_states.h). */
const CLOSE_WAIT = '08';

/**
 * Sockets on this machine whose local port is `port` and whose state is CLOSE-WAIT: the peer has
 * closed and the owner (the server) has not. Read from /proc, so it needs no ss or netstat.
 */
export function closeWaitSockets(port: number): number {
  const localPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local?.endsWith(localPort) && state === CLOSE_WAIT) count++;
    }
  }
  return count;
}
