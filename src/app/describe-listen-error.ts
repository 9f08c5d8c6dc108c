import type { AppConfig } from '../common/config/app-config';

/** Why the server could not listen, in words, and which setting to change. */
const LISTEN_ERRORS: Readonly<Record<string, { variable: 'HOST' | 'PORT'; reason: string }>> = {
  EADDRINUSE: { variable: 'PORT', reason: 'the port is already in use' },
  EACCES: { variable: 'PORT', reason: 'no permission to bind the port (ports below 1024 need privileges)' },
  EADDRNOTAVAIL: { variable: 'HOST', reason: 'the address is not one of this machine' },
  ENOTFOUND: { variable: 'HOST', reason: 'the host name does not resolve' },
  EAI_AGAIN: { variable: 'HOST', reason: 'the host name could not be resolved (DNS did not answer)' },
  EAFNOSUPPORT: { variable: 'HOST', reason: 'the address family is not supported here' },
};

export interface ListenFailure {
  variable: 'HOST' | 'PORT';
  value: string;
  code: string;
  /** One sentence naming the variable, its value and the reason. */
  message: string;
}

/** A listen() failure in terms of the setting to change; undefined for any other error. */
export function describeListenError(error: unknown, config: AppConfig): ListenFailure | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : LISTEN_ERRORS[code];
  if (code === undefined || known === undefined) return undefined;
  const port = `PORT=${config.port}`;
  const host = `HOST=${JSON.stringify(config.host ?? '')}`;
  const [named, other] = known.variable === 'PORT' ? [port, host] : [host, port];
  return {
    variable: known.variable,
    value: known.variable === 'PORT' ? String(config.port) : (config.host ?? ''),
    code,
    message: `cannot listen on ${named} (${other}): ${known.reason} (${code})`,
  };
}
