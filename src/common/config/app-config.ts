/** Every setting of the service, read once from the environment by loadConfig(). */
export interface AppConfig {
  /** TCP port to listen on. */
  readonly port: number;
  /** Address to bind; undefined listens on every interface (IPv6 and IPv4 where available). */
  readonly host: string | undefined;
  /** Value of the Version response header. */
  readonly version: string;
  readonly logLevel: LogLevel;
  /** Bounds of the uniformly random delay added before each handler, in ms. */
  readonly delay: { readonly minMs: number; readonly maxMs: number };
  /** Lower-case names the header echo must not copy, on top of the built-in list. */
  readonly echoExclude: readonly string[];
  /** Express "trust proxy" setting used to find the client address. */
  readonly trustProxy: TrustProxy;
  readonly shutdown: { readonly drainMs: number; readonly timeoutMs: number };
  readonly server: {
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** false: socket peer; true: left-most X-Forwarded-For; number: hops; list: trusted addresses/CIDRs. */
export type TrustProxy = boolean | number | readonly string[];

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
