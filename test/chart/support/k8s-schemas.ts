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

/** Every kind the chart may render. A document of any other kind fails validation. */
const KINDS: Record<string, Kind> = {
  'v1/ConfigMap': {
    module: 'kubernetes-models/v1/ConfigMap',
    iface: 'IConfigMap',
    create: (d) => new ConfigMap(d),
  },
  'v1/Service': {
    module: 'kubernetes-models/v1/Service',
    iface: 'IService',
    create: (d) => new Service(d),
  },
  'v1/ServiceAccount': {
    module: 'kubernetes-models/v1/ServiceAccount',
    iface: 'IServiceAccount',
    create: (d) => new ServiceAccount(d),
  },
  'v1/Pod': { module: 'kubernetes-models/v1/Pod', iface: 'IPod', create: (d) => new Pod(d) },
  'apps/v1/Deployment': {
    module: 'kubernetes-models/apps/v1/Deployment',
    iface: 'IDeployment',
    create: (d) => new Deployment(d),
  },
  'policy/v1/PodDisruptionBudget': {
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    iface: 'IPodDisruptionBudget',
    create: (d) => new PodDisruptionBudget(d),
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    iface: 'IHorizontalPodAutoscaler',
    create: (d) => new HorizontalPodAutoscaler(d as never),
  },
  'networking.k8s.io/v1/Ingress': {
    module: 'kubernetes-models/networking.k8s.io/v1/Ingress',
    iface: 'IIngress',
    create: (d) => new Ingress(d),
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    iface: 'INetworkPolicy',
    create: (d) => new NetworkPolicy(d),
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    iface: 'IServiceMonitor',
    create: (d) => new ServiceMonitor(d as never),
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    iface: 'IPrometheusRule',
    create: (d) => new PrometheusRule(d as never),
  },
  'networking.istio.io/v1/Gateway': {
    module: '@kubernetes-models/istio/networking.istio.io/v1/Gateway',
    iface: 'IGateway',
    create: (d) => new Gateway(d),
  },
  'networking.istio.io/v1/VirtualService': {
    module: '@kubernetes-models/istio/networking.istio.io/v1/VirtualService',
    iface: 'IVirtualService',
    create: (d) => new VirtualService(d),
  },
  'networking.istio.io/v1/DestinationRule': {
    module: '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule',
    iface: 'IDestinationRule',
    create: (d) => new DestinationRule(d),
  },
  'security.istio.io/v1/PeerAuthentication': {
    module: '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication',
    iface: 'IPeerAuthentication',
    create: (d) => new PeerAuthentication(d),
  },
  'security.istio.io/v1/AuthorizationPolicy': {
    module: '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy',
    iface: 'IAuthorizationPolicy',
    create: (d) => new AuthorizationPolicy(d),
  },
  'telemetry.istio.io/v1/Telemetry': {
    module: '@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry',
    iface: 'ITelemetry',
    create: (d) => new Telemetry(d),
  },
  'cert-manager.io/v1/Certificate': {
    module: '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate',
    iface: 'ICertificate',
    create: (d) => new Certificate(d),
  },
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
