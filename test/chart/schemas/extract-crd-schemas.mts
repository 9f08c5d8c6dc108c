/**
 * Writes the openAPIV3Schema of each CRD's storage version (v1), descriptions removed, as one JSON file that
 * test/chart/support/crd-schemas.ts validates against. Run once per Gateway API release the chart
 * targets, on the CRDs of its standard channel (config/crd/standard in kubernetes-sigs/gateway-api):
 *   node test/chart/schemas/extract-crd-schemas.mts v1.6.1 out.json gateway.networking.k8s.io_*.yaml
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; storage: boolean; schema: { openAPIV3Schema: unknown } }[];
  };
}

const withoutDescriptions = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'description')
      .map(([key, value]) => [key, withoutDescriptions(value)]),
  );
};

const [release, output, ...files] = process.argv.slice(2);
if (release === undefined || output === undefined || files.length === 0) {
  console.error('usage: extract-crd-schemas.mts <release> <output.json> <crd.yaml>...');
  process.exit(2);
}
const schemas: Record<string, unknown> = {};
for (const file of files) {
  const crd = parse(readFileSync(file, 'utf8')) as Crd;
  for (const version of crd.spec.versions.filter((v) => v.storage)) {
    schemas[`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`] = withoutDescriptions(
      version.schema.openAPIV3Schema,
    );
  }
}
writeFileSync(
  output,
  `${JSON.stringify({ source: `kubernetes-sigs/gateway-api ${release}, standard channel CRDs`, schemas })}\n`,
);
