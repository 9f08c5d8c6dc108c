import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { Gateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry';
import { Gateway as GatewayApiGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import ts from 'typescript';
import type { Manifest } from './manifests';

interface Model {
  validate(): void;
}
interface Kind {
  /** The package module and interface name, for the typed (unknown-field) check. */
  module: string;
  iface: string;
  create: (doc: Manifest) => Model;
}

/** A kind whose model class is named after it and whose interface is I<Kind>, as in kubernetes-models. */
function kind(module: string, ModelClass: new (data: never) => Model): Kind {
  return { module, iface: `I${module.split('/').at(-1)!}`, create: (doc) => new ModelClass(doc as never) };
}

const ISTIO = '@kubernetes-models/istio';
const GATEWAY_API = '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
const PROMETHEUS_OPERATOR = '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

/** Every kind the chart may render. A document of any other kind fails validation. */
const KINDS: Record<string, Kind> = {
  'v1/ConfigMap': kind('kubernetes-models/v1/ConfigMap', ConfigMap),
  'v1/Service': kind('kubernetes-models/v1/Service', Service),
  'v1/ServiceAccount': kind('kubernetes-models/v1/ServiceAccount', ServiceAccount),
  'v1/Pod': kind('kubernetes-models/v1/Pod', Pod),
  'apps/v1/Deployment': kind('kubernetes-models/apps/v1/Deployment', Deployment),
  'policy/v1/PodDisruptionBudget': kind(
    'kubernetes-models/policy/v1/PodDisruptionBudget',
    PodDisruptionBudget,
  ),
  'autoscaling/v2/HorizontalPodAutoscaler': kind(
    'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    HorizontalPodAutoscaler,
  ),
  'networking.k8s.io/v1/Ingress': kind('kubernetes-models/networking.k8s.io/v1/Ingress', Ingress),
  'networking.k8s.io/v1/NetworkPolicy': kind(
    'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    NetworkPolicy,
  ),
  'monitoring.coreos.com/v1/ServiceMonitor': kind(`${PROMETHEUS_OPERATOR}/ServiceMonitor`, ServiceMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': kind(`${PROMETHEUS_OPERATOR}/PrometheusRule`, PrometheusRule),
  'networking.istio.io/v1/Gateway': kind(`${ISTIO}/networking.istio.io/v1/Gateway`, Gateway),
  'networking.istio.io/v1/VirtualService': kind(
    `${ISTIO}/networking.istio.io/v1/VirtualService`,
    VirtualService,
  ),
  'networking.istio.io/v1/DestinationRule': kind(
    `${ISTIO}/networking.istio.io/v1/DestinationRule`,
    DestinationRule,
  ),
  'security.istio.io/v1/PeerAuthentication': kind(
    `${ISTIO}/security.istio.io/v1/PeerAuthentication`,
    PeerAuthentication,
  ),
  'security.istio.io/v1/AuthorizationPolicy': kind(
    `${ISTIO}/security.istio.io/v1/AuthorizationPolicy`,
    AuthorizationPolicy,
  ),
  'telemetry.istio.io/v1/Telemetry': kind(`${ISTIO}/telemetry.istio.io/v1/Telemetry`, Telemetry),
  // The models follow the experimental channel; crd-schemas.ts holds the chart to the standard one.
  'gateway.networking.k8s.io/v1/Gateway': kind(`${GATEWAY_API}/Gateway`, GatewayApiGateway),
  'gateway.networking.k8s.io/v1/HTTPRoute': kind(`${GATEWAY_API}/HTTPRoute`, HTTPRoute),
  'cert-manager.io/v1/Certificate': kind(
    '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate',
    Certificate,
  ),
};

export interface LabelledManifest {
  /** Where the document came from, e.g. "helm4 k8s1.29 defaults: Deployment/rel-httpserver". */
  label: string;
  doc: Manifest;
}

function kindOf(doc: Manifest): Kind | undefined {
  return KINDS[`${doc.apiVersion}/${doc.kind}`];
}

/** Type, required-field and enum errors from the models' own JSON-schema validators. */
export function schemaErrors(documents: LabelledManifest[]): string[] {
  const errors: string[] = [];
  for (const { label, doc } of documents) {
    const kind = kindOf(doc);
    if (kind === undefined) {
      errors.push(`${label}: no schema for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      kind.create(doc).validate();
    } catch (error) {
      errors.push(`${label}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/**
 * Unknown or misspelled fields, which the JSON-schema validators let through: each document
 * becomes an object literal typed with its kind's interface, and TypeScript's excess-property
 * check names every field the API does not have. One compile covers all documents.
 */
export function unknownFieldErrors(documents: LabelledManifest[], workDir: string): string[] {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const files: string[] = [];
  const labels = new Map<string, string>();
  documents.forEach(({ label, doc }, index) => {
    const kind = kindOf(doc);
    if (kind === undefined) return;
    const file = join(workDir, `doc${index}.ts`);
    writeFileSync(
      file,
      `import type { ${kind.iface} } from '${kind.module}';\n` +
        `export const doc: ${kind.iface} = ${JSON.stringify(doc, null, 2)};\n`,
    );
    files.push(file);
    labels.set(file, label);
  });
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file;
    if (file === undefined) return message;
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const label = labels.get(file.fileName) ?? relative(workDir, file.fileName);
    return `${label} (line ${line + 1} of its JSON): ${message}`;
  });
}
