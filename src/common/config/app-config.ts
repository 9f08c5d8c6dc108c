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
    /** Event-loop delay above which responses close their connections (OverloadMonitor); 0: never. */
    readonly overloadLagMs: number;
  };
  /** The longest wait /delay and FAULT_DELAY_MS may ask for: a graceful stop still finishes it. */
  readonly maxDelayMs: number;
  /** The endpoints that change the service's state at run time: off unless CONTROL_ENABLED. */
  readonly control: {
    readonly enabled: boolean;
    readonly token: string | undefined;
    /** Their own port, so that a NetworkPolicy can restrict them; undefined serves them on PORT. */
    readonly port: number | undefined;
  };
  /** Faults in force from start-up (FAULT_*); the control endpoints change them at run time. */
  readonly faults: FaultSettings;
  /** What the image stamps at build time, for GET /version. */
  readonly build: { readonly commit: string | undefined; readonly time: string | undefined };
  /** Services GET / calls in turn (BACKEND_URL), and how long each may take. */
  readonly backends: { readonly urls: readonly string[]; readonly timeoutMs: number };
  readonly tracing: TracingConfig;
}

/** Faults injected into application requests: a share that fails with a status, and an added wait. */
export interface FaultSettings {
  /** Share of application requests that fail, 0-1. */
  readonly errorRate: number;
  /** Status those requests get, 400-599. */
  readonly status: number;
  /** Wait added to every application request, on top of the random delay. */
  readonly delayMs: number;
}

/** OpenTelemetry settings from the standard OTEL_* variables; the exporter reads its own (endpoint, headers). */
export interface TracingConfig {
  /** True when an OTLP endpoint is set and the SDK is not disabled. */
  readonly enabled: boolean;
  readonly serviceName: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: how spans are sent. */
  readonly protocol: OtlpProtocol;
  readonly sampler: TracesSampler;
  /** Ratio for the traceidratio samplers, 0-1. */
  readonly samplerArg: number;
  /** OTEL_BSP_SCHEDULE_DELAY: how long spans are batched before export. */
  readonly scheduleDelayMs: number;
}

/** The OTLP transports of the specification; http/protobuf is its default. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** false: socket peer; true: left-most X-Forwarded-For; number: hops; list: trusted addresses/CIDRs. */
export type TrustProxy = boolean | number | readonly string[];

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
