import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from '../config/app-config';

/**
 * The OTLP exporter for the configured protocol. Each reads its own endpoint, headers, timeout,
 * compression and certificates from the standard OTEL_EXPORTER_OTLP_* variables. Only the one in
 * use is loaded: the gRPC stack alone costs start-up time and memory nobody else needs.
 */
export function createExporter(protocol: OtlpProtocol): SpanExporter {
  /* eslint-disable @typescript-eslint/no-require-imports */
  switch (protocol) {
    case 'http/protobuf': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter();
    }
    case 'http/json': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter();
    }
    case 'grpc': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
      return new OTLPTraceExporter();
    }
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}
