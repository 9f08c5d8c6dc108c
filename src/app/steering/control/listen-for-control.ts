import type { Server } from 'node:http';
import { createServer } from 'node:net';
import type { AppConfig } from '../../../common/config/app-config';
import type { LifecycleState } from '../../../common/lifecycle/lifecycle-state';

/**
 * With CONTROL_PORT: a second listening socket whose connections go to the service's own HTTP
 * server, so they get the same limits, timeouts and shutdown; only the control endpoints tell the
 * ports apart (ControlGuard). A NetworkPolicy can then admit to that port only the peers that may
 * steer the service.
 */
export function listenForControl(
  server: Server,
  config: AppConfig,
  lifecycle: LifecycleState,
): Promise<void> {
  const port = config.control.port;
  if (!config.control.enabled || port === undefined) return Promise.resolve();
  const listener = createServer((socket) => server.emit('connection', socket));
  lifecycle.addListener(listener);
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, config.host, () => resolve());
  });
}
