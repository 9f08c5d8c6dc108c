import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

describe('loadConfig', () => {
  it('uses documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: undefined,
      logLevel: 'info',
      delay: { minMs: 0, maxMs: 2000 },
      echoExclude: [],
      trustProxy: false,
      shutdown: { drainMs: 0, timeoutMs: 25_000 },
      server: {
        headersTimeoutMs: 15_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 65_000,
        overloadLagMs: 200,
      },
    });
    expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('drains for 5 s by default inside Kubernetes', () => {
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }).shutdown.drainMs).toBe(5000);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '127.0.0.1',
      VERSION: 'v1.2.3-rc.1',
      LOG_LEVEL: 'DEBUG',
      DELAY_MIN_MS: '10',
      DELAY_MAX_MS: '20',
      ECHO_HEADERS_EXCLUDE: ' X-Secret , x-other ,',
      TRUST_PROXY: '10.0.0.0/8, loopback',
      SHUTDOWN_DRAIN_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '300',
      HEADERS_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '3000',
      KEEP_ALIVE_TIMEOUT_MS: '4000',
      OVERLOAD_LAG_MS: '0',
      MAX_DELAY_MS: '150',
      CONTROL_ENABLED: 'TRUE',
      CONTROL_TOKEN: 'a-token-of-16-chars',
      CONTROL_PORT: '9091',
      FAULT_ERROR_RATE: '0.25',
      FAULT_STATUS: '503',
      FAULT_DELAY_MS: '50',
      GIT_COMMIT: 'abc1234',
      BUILD_TIME: '2026-11-29T12:00:00Z',
    });
    expect(config).toEqual({
      port: 9090,
      host: '127.0.0.1',
      version: 'v1.2.3-rc.1',
      logLevel: 'debug',
      delay: { minMs: 10, maxMs: 20 },
      echoExclude: ['x-secret', 'x-other'],
      trustProxy: ['10.0.0.0/8', 'loopback'],
      shutdown: { drainMs: 100, timeoutMs: 300 },
      server: { headersTimeoutMs: 2000, requestTimeoutMs: 3000, keepAliveTimeoutMs: 4000, overloadLagMs: 0 },
      maxDelayMs: 150,
      control: { enabled: true, token: 'a-token-of-16-chars', port: 9091 },
      faults: { errorRate: 0.25, status: 503, delayMs: 50 },
      build: { commit: 'abc1234', time: '2026-11-29T12:00:00Z' },
      backends: { urls: [], timeoutMs: 10_000 },
      tracing: {
        enabled: false,
        serviceName: 'httpserver',
        protocol: 'http/protobuf',
        sampler: 'parentbased_always_on',
        samplerArg: 1,
        scheduleDelayMs: 5000,
      },
    });
  });

  it('leaves tracing off without an OTLP endpoint, and reads the OTEL_* variables', () => {
    expect(loadConfig({}).tracing).toEqual({
      enabled: false,
      serviceName: 'httpserver',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      samplerArg: 1,
      scheduleDelayMs: 5000,
    });
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_SERVICE_NAME: 'service0',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    expect(config.tracing).toEqual({
      enabled: true,
      serviceName: 'service0',
      protocol: 'http/protobuf',
      sampler: 'parentbased_traceidratio',
      samplerArg: 0.25,
      scheduleDelayMs: 200,
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x/v1/traces' }).tracing.enabled).toBe(
      true,
    );
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' }).tracing.enabled,
    ).toBe(false);
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' }).tracing.enabled,
    ).toBe(false);
  });

  it.each([
    [{}, 'http/protobuf'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'grpc'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/JSON' }, 'http/json'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, 'http/json'],
  ])('takes the OTLP protocol from the per-signal variable, then the general one: %j', (env, protocol) => {
    expect(loadConfig(env).tracing.protocol).toBe(protocol);
  });

  it('lowers the headers timeout to a lower REQUEST_TIMEOUT_MS unless HEADERS_TIMEOUT_MS is set', () => {
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '2000' }).server).toMatchObject({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 2000,
    });
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '60000' }).server.headersTimeoutMs).toBe(15_000);
  });

  it('reads BACKEND_URL as a list of URLs', () => {
    expect(loadConfig({ BACKEND_URL: 'http://service1:8080/, https://service2/x' }).backends).toEqual({
      urls: ['http://service1:8080/', 'https://service2/x'],
      timeoutMs: 10_000,
    });
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['2', 2],
    ['::1, fd00::/8', ['::1', 'fd00::/8']],
  ])('parses TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('never puts the control token in its error message', () => {
    expect(() => loadConfig({ CONTROL_TOKEN: 'secret' })).toThrow(/CONTROL_TOKEN="\(hidden\)"/);
  });

  it('treats an empty VERSION as unset', () => {
    expect(loadConfig({ VERSION: '' }).version).toBe(loadConfig({}).version);
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '80.5' }],
    ['PORT', { PORT: '-1' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['DELAY_MIN_MS', { DELAY_MIN_MS: '3000' }],
    ['DELAY_MAX_MS', { DELAY_MAX_MS: '1e3' }],
    ['VERSION', { VERSION: 'bad\nversion' }],
    ['VERSION', { VERSION: ' padded' }],
    ['ECHO_HEADERS_EXCLUDE', { ECHO_HEADERS_EXCLUDE: 'x-ok,bad name' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/33' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'proxy.example' }],
    ['SHUTDOWN_TIMEOUT_MS', { SHUTDOWN_DRAIN_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' }],
    ['REQUEST_TIMEOUT_MS', { HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' }],
    ['HOST', { HOST: 'a b' }],
    ['BACKEND_URL', { BACKEND_URL: 'http://ok/,ftp://nope/' }],
    ['BACKEND_URL', { BACKEND_URL: 'service1:8080' }],
    ['BACKEND_TIMEOUT_MS', { BACKEND_TIMEOUT_MS: '0' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'udp' }],
    ['REQUEST_TIMEOUT_MS', { HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '2000' }],
    ['OTEL_TRACES_SAMPLER', { OTEL_TRACES_SAMPLER: 'sometimes' }],
    ['OTEL_TRACES_SAMPLER_ARG', { OTEL_TRACES_SAMPLER_ARG: '1.5' }],
    ['SHUTDOWN_TIMEOUT_MS', { DELAY_MAX_MS: '2000', MAX_DELAY_MS: '30000' }],
    ['SHUTDOWN_TIMEOUT_MS', { SHUTDOWN_DRAIN_MS: '5000', SHUTDOWN_TIMEOUT_MS: '16000' }],
    ['MAX_DELAY_MS', { MAX_DELAY_MS: '700000' }],
    ['CONTROL_ENABLED', { CONTROL_ENABLED: 'yes' }],
    ['CONTROL_TOKEN', { CONTROL_TOKEN: 'short' }],
    ['CONTROL_TOKEN', { CONTROL_TOKEN: 'sixteen chars with blanks' }],
    ['CONTROL_PORT', { CONTROL_PORT: '8080' }],
    ['CONTROL_PORT', { CONTROL_PORT: '70000' }],
    ['FAULT_ERROR_RATE', { FAULT_ERROR_RATE: '2' }],
    ['FAULT_STATUS', { FAULT_STATUS: '200' }],
    ['FAULT_DELAY_MS', { FAULT_DELAY_MS: '20000' }],
    ['GIT_COMMIT', { GIT_COMMIT: 'a b' }],
    ['OVERLOAD_LAG_MS', { OVERLOAD_LAG_MS: '-1' }],
    ['OVERLOAD_LAG_MS', { OVERLOAD_LAG_MS: '60001' }],
  ])('rejects a bad %s with a message naming it', (variable, env) => {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^invalid ${variable}=".*": expected .+`));
  });
});
