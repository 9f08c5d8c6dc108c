import { readFileSync } from 'node:fs';
import { validateHeaderValue } from 'node:http';
import {
  AppConfig,
  LOG_LEVELS,
  OTLP_PROTOCOLS,
  TRACES_SAMPLERS,
  TracingConfig,
  TrustProxy,
} from './app-config';
import { PACKAGE_JSON } from './app-files';
import { ConfigError } from './config-error';
import { EnvReader, isHeaderName, isHttpUrl, isTrustedProxyEntry } from './env-parsers';
import { readSteering } from './read-steering';

/** Time allowed for a request's head unless HEADERS_TIMEOUT_MS says otherwise (never above REQUEST_TIMEOUT_MS). */
const HEADERS_TIMEOUT_DEFAULT_MS = 15_000;

/** Default drain when running in Kubernetes: enough for endpoint removal to reach kube-proxy and ingress. */
const KUBERNETES_DRAIN_MS = 5000;

/**
 * Reads and validates the whole configuration. This is the only place that reads process.env;
 * the first bad value throws a ConfigError naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const read = new EnvReader(env);

  const delay = {
    minMs: read.integer('DELAY_MIN_MS', 0, 0, 600_000),
    maxMs: read.integer('DELAY_MAX_MS', 2000, 0, 600_000),
  };
  if (delay.minMs > delay.maxMs) {
    throw new ConfigError('DELAY_MIN_MS', String(delay.minMs), `at most DELAY_MAX_MS (${delay.maxMs})`);
  }

  // Locally a Ctrl-C should not wait; in a cluster the drain covers endpoint propagation.
  const drainDefault = read.raw('KUBERNETES_SERVICE_HOST') === undefined ? 0 : KUBERNETES_DRAIN_MS;
  const shutdown = {
    drainMs: read.integer('SHUTDOWN_DRAIN_MS', drainDefault, 0, 3_600_000),
    timeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 25_000, 1, 3_600_000),
  };
  if (shutdown.timeoutMs <= shutdown.drainMs) {
    throw new ConfigError(
      'SHUTDOWN_TIMEOUT_MS',
      String(shutdown.timeoutMs),
      `more than SHUTDOWN_DRAIN_MS (${shutdown.drainMs})`,
    );
  }

  const requestTimeoutMs = read.integer('REQUEST_TIMEOUT_MS', 30_000, 1000, 3_600_000);
  const server = {
    // A lower REQUEST_TIMEOUT_MS alone is enough: the headers' default follows it down.
    headersTimeoutMs: read.integer(
      'HEADERS_TIMEOUT_MS',
      Math.min(HEADERS_TIMEOUT_DEFAULT_MS, requestTimeoutMs),
      1000,
      3_600_000,
    ),
    requestTimeoutMs,
    keepAliveTimeoutMs: read.integer('KEEP_ALIVE_TIMEOUT_MS', 65_000, 1000, 3_600_000),
    overloadLagMs: read.integer('OVERLOAD_LAG_MS', 200, 0, 60_000),
  };
  if (server.requestTimeoutMs < server.headersTimeoutMs) {
    throw new ConfigError(
      'REQUEST_TIMEOUT_MS',
      String(server.requestTimeoutMs),
      `at least HEADERS_TIMEOUT_MS (${server.headersTimeoutMs})`,
    );
  }

  const port = read.integer('PORT', 8080, 0, 65_535);
  const steering = readSteering(read, shutdown, delay.maxMs, port);

  return {
    port,
    host: readHost(read),
    version: readVersion(read),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    delay,
    echoExclude: readEchoExclude(read),
    trustProxy: readTrustProxy(read),
    shutdown,
    server,
    ...steering,
    build: { commit: readStamp(read, 'GIT_COMMIT'), time: readStamp(read, 'BUILD_TIME') },
    backends: {
      urls: readBackendUrls(read),
      timeoutMs: read.integer('BACKEND_TIMEOUT_MS', 10_000, 1, 600_000),
    },
    tracing: readTracing(read),
  };
}

function readBackendUrls(read: EnvReader): string[] {
  return read.list('BACKEND_URL').map((url) => {
    if (!isHttpUrl(url)) {
      throw new ConfigError('BACKEND_URL', url, 'comma-separated http:// or https:// URLs');
    }
    return url;
  });
}

function readTracing(read: EnvReader): TracingConfig {
  let hasEndpoint = false;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const endpoint = read.raw(name)?.trim();
    if (endpoint === undefined) continue;
    if (!isHttpUrl(endpoint)) {
      throw new ConfigError(name, endpoint, 'an http:// or https:// URL of an OTLP receiver');
    }
    hasEndpoint = true;
  }
  // The specification's order: the per-signal variable, then the general one, then http/protobuf.
  const general = read.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf', OTLP_PROTOCOLS);
  const protocol = read.oneOf('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', general, OTLP_PROTOCOLS);
  const disabled = read.boolean('OTEL_SDK_DISABLED', false);
  const exporter = read.oneOf('OTEL_TRACES_EXPORTER', 'otlp', ['otlp', 'none']);
  const ratio = read.ratio('OTEL_TRACES_SAMPLER_ARG', 1);
  return {
    enabled: hasEndpoint && !disabled && exporter === 'otlp',
    serviceName: read.raw('OTEL_SERVICE_NAME')?.trim() ?? 'httpserver',
    protocol,
    sampler: read.oneOf('OTEL_TRACES_SAMPLER', 'parentbased_always_on', TRACES_SAMPLERS),
    samplerArg: ratio,
    scheduleDelayMs: read.integer('OTEL_BSP_SCHEDULE_DELAY', 5000, 0, 600_000),
  };
}

function readHost(read: EnvReader): string | undefined {
  const host = read.raw('HOST')?.trim();
  if (host !== undefined && !/^[\w.:-]+$/.test(host)) {
    throw new ConfigError('HOST', host, 'an IP address or host name');
  }
  return host;
}

function readVersion(read: EnvReader): string {
  const version = read.raw('VERSION');
  if (version === undefined) return packageVersion();
  try {
    validateHeaderValue('Version', version);
  } catch {
    throw new ConfigError('VERSION', version, 'a valid HTTP header value (no control characters)');
  }
  if (version !== version.trim()) {
    throw new ConfigError('VERSION', version, 'no leading or trailing blanks');
  }
  return version;
}

/** A value the image stamps at build time: printable, short, and shown as it is. */
function readStamp(read: EnvReader, name: string): string | undefined {
  const value = read.raw(name)?.trim();
  if (value !== undefined && !/^[\x21-\x7e]{1,100}$/.test(value)) {
    throw new ConfigError(name, value, 'up to 100 visible ASCII characters');
  }
  return value;
}

function readEchoExclude(read: EnvReader): string[] {
  return read.list('ECHO_HEADERS_EXCLUDE').map((name) => {
    if (!isHeaderName(name)) {
      throw new ConfigError('ECHO_HEADERS_EXCLUDE', name, 'comma-separated header names');
    }
    return name.toLowerCase();
  });
}

function readTrustProxy(read: EnvReader): TrustProxy {
  const value = read.raw('TRUST_PROXY')?.trim();
  if (value === undefined || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(value)) return read.integer('TRUST_PROXY', 0, 0, 100);
  const entries = read.list('TRUST_PROXY');
  const bad = entries.find((entry) => !isTrustedProxyEntry(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      'TRUST_PROXY',
      value,
      'true, false, a hop count, or comma-separated IPs/CIDRs/loopback/linklocal/uniquelocal',
    );
  }
  return entries;
}

/** The version in the project's package.json. */
function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : 'unknown';
}
