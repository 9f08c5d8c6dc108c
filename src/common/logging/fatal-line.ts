/**
 * Writes one JSON line at fatal level to stderr, synchronously: for failures before the service
 * runs (bad configuration, a port it cannot bind), where the process logger may not exist yet.
 */
export function writeFatalLine(msg: string, fields: Record<string, unknown> = {}): void {
  const line = { level: 'fatal', time: new Date().toISOString(), ...fields, msg };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}
