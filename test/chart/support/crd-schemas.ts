import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledManifest } from './k8s-schemas';

/** The Gateway API releases the chart is checked against: the oldest it supports and the newest. */
export const GATEWAY_API_RELEASES = ['v1.2.0', 'v1.6.1'] as const;
export type GatewayApiRelease = (typeof GATEWAY_API_RELEASES)[number];

const SCHEMAS = join(__dirname, '..', 'schemas');

type Schema = Record<string, unknown>;

/**
 * As `kubectl apply --validate=strict` does: a field the schema does not name is an error, wherever an
 * object lists its properties (the API server would drop it without a word).
 */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const schema = Object.fromEntries<unknown>(
    Object.entries(node).map(([key, value]) => [key, strict(value)]),
  );
  if (
    schema.properties !== undefined &&
    schema.additionalProperties === undefined &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    schema.additionalProperties = false;
  }
  return schema;
}

const validators = new Map<GatewayApiRelease, Map<string, ValidateFunction>>();

function validatorsOf(release: GatewayApiRelease): Map<string, ValidateFunction> {
  let byKind = validators.get(release);
  if (byKind === undefined) {
    const file = join(SCHEMAS, `gateway-api-${release}-standard.json`);
    const { schemas } = JSON.parse(readFileSync(file, 'utf8')) as { schemas: Record<string, Schema> };
    // The Kubernetes extensions (x-kubernetes-*) are not JSON Schema; CEL rules are not evaluated here,
    // the semantic checks cover the ones the chart could break.
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    byKind = new Map(
      Object.entries(schemas).map(([key, schema]) => [key, ajv.compile(strict(schema) as Schema)]),
    );
    validators.set(release, byKind);
  }
  return byKind;
}

/**
 * Errors of the Gateway API documents against that release's standard-channel CRD schemas: a field
 * only the experimental channel has, or one the release does not have yet, is an error.
 */
export function gatewayApiErrors(documents: LabelledManifest[], release: GatewayApiRelease): string[] {
  const errors: string[] = [];
  for (const { label, doc } of documents) {
    if (!doc.apiVersion.startsWith('gateway.networking.k8s.io/')) continue;
    const validate = validatorsOf(release).get(`${doc.apiVersion}/${doc.kind}`);
    if (validate === undefined) {
      errors.push(`${label}: Gateway API ${release} standard channel has no ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    if (validate(doc)) continue;
    for (const error of validate.errors ?? []) {
      const extra =
        'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : '';
      errors.push(`${label}: Gateway API ${release}: ${error.instancePath || '/'} ${error.message}${extra}`);
    }
  }
  return errors;
}
