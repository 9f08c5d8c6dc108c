import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
} from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE } from '../../common/config/app-files';
import { loadConfig } from '../../common/config/load-config';
import { API_DOCS, type ApiDocTarget } from '../../common/http/api-doc';
import { CONTROL_ROUTES, OPENAPI_PATH, PROBE_AND_SCRAPE_ROUTES } from '../../common/http/routes';
import { createLogger } from '../../common/logging/create-logger';
import { AppModule } from '../app.module';
import { HttpServerAdapter } from '../request-path/http-server.adapter';

/**
 * Writes the OpenAPI document of every endpoint, control ones included, to dist/openapi.json
 * (`npm run build` runs this). Generating it at build time keeps @nestjs/swagger, and the ~10 MiB
 * it costs a process, out of the service and its image.
 */
async function generate(): Promise<void> {
  API_DOCS.forEach(applySwaggerDecorators);
  applySwaggerDecorators({
    target: PrometheusController.prototype,
    key: 'index',
    entry: { summary: 'Prometheus metrics (text exposition format)' },
  });

  const config = loadConfig({ CONTROL_ENABLED: 'true', LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, logger),
    new HttpServerAdapter(config.server, logger),
    { logger: false },
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('httpserver')
      .setDescription(
        'Reference HTTP service for Kubernetes. The control endpoints exist only with CONTROL_ENABLED=true, ' +
          'and take the CONTROL_TOKEN as a bearer token when one is set.',
      )
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'the CONTROL_TOKEN' },
        'CONTROL_TOKEN',
      )
      .build(),
  );
  await app.close();
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(tagged(document), null, 2)}\n`);
}

/** The swagger decorators an ApiDoc entry stands for, applied now that swagger is loaded. */
function applySwaggerDecorators({ target, key, entry }: ApiDocTarget): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor === undefined) throw new Error(`no method ${String(key)} to document`);
  const decorators: MethodDecorator[] = entry.hidden
    ? [ApiExcludeEndpoint()]
    : [
        ApiOperation({ summary: entry.summary }),
        ...Object.entries(entry.params ?? {}).map(([name, description]) => ApiParam({ name, description })),
        ...Object.entries(entry.query ?? {}).map(([name, query]) => ApiQuery({ name, ...query })),
        ...(entry.body === undefined ? [] : [ApiBody({ schema: entry.body })]),
        ...Object.entries(entry.responses ?? {}).map(([status, description]) =>
          ApiResponse({ status: Number(status), description }),
        ),
      ];
  for (const decorate of decorators) decorate(target, key, descriptor);
}

/** OpenAPI 3.0's methods: Express's extra ones (SEARCH, which @All lists) have no place in it. */
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Tags by audience, the token on control endpoints, and no entry for the document itself. */
function tagged(document: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    if (path === OPENAPI_PATH) continue;
    paths[path] = {};
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      operation.tags = [tagOf(path)];
      if (CONTROL_ROUTES.has(path)) {
        operation.security = [{ CONTROL_TOKEN: [] }];
        operation.responses['401'] = { description: 'CONTROL_TOKEN is set and the request lacks it' };
      }
      paths[path][method] = operation;
    }
  }
  return { ...document, paths };
}

function tagOf(path: string): string {
  if (CONTROL_ROUTES.has(path)) return 'control';
  if (PROBE_AND_SCRAPE_ROUTES.has(path)) return 'operations';
  return 'service';
}

generate().catch((error: unknown) => {
  console.error('generate-openapi:', error);
  process.exitCode = 1;
});
