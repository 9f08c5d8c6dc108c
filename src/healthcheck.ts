/**
 * Container HEALTHCHECK: exits 0 when GET /healthz answers 200, else 1. Runs with the image's own
 * node, so the runtime image needs no curl or shell. It reads the port the same way the server does.
 */
import { get } from 'node:http';
import { loadConfig } from './common/config/load-config';

const TIMEOUT_MS = 2000;
const { port, host } = loadConfig();
const target = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

const request = get({ host: target, port, path: '/healthz', timeout: TIMEOUT_MS }, (res) => {
  res.resume();
  process.exitCode = res.statusCode === 200 ? 0 : 1;
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', () => {
  process.exitCode = 1;
});
