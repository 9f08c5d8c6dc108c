import { join } from 'node:path';
import { render, ROOT } from './support/helm';
import { schemaErrors, unknownFieldErrors } from './support/k8s-schemas';
import { semanticProblems } from './support/semantics';

/** Combinations outside the values files: each must still render valid, consistent manifests. */
const SETS: string[][] = [
  ['service.type=LoadBalancer', 'ingress.enabled=true', 'ingress.path=/api', 'ingress.className='],
  ['autoscaling.enabled=true', 'autoscaling.minReplicas=1', 'autoscaling.targetCPUUtilizationPercentage=0'],
  ['config.delayMaxMs=0', 'replicaCount=5', 'topologySpread.whenUnsatisfiable=DoNotSchedule'],
  ['fullnameOverride=a-very-long-name-that-goes-on-and-on-and-on-and-on-well-past-sixty-three-characters'],
  [
    'serviceAccount.create=false',
    'serviceAccount.name=custom',
    'config.extraEnv.FOO=1',
    'config.extraEnv.BAR=true',
  ],
  [
    'ingress.enabled=true',
    'ingress.hosts={*.example.com}',
    'ingress.tls.enabled=true',
    'ingress.certManager.certificate.enabled=true',
    'ingress.certManager.certificate.issuerKind=Issuer',
  ],
  [
    'config.delayMaxMs=10000',
    'config.maxDelayMs=4000',
    'config.shutdownTimeoutMs=20000',
    'terminationGracePeriodSeconds=25',
  ],
];
describe('edge cases rendered with Helm 4 for Kubernetes 1.31', () => {
  it.each(SETS)('%s', (...set) => {
    const docs = render(4, { set, kubeVersion: '1.31.0' });
    const labelled = docs.map((doc) => ({ label: `${doc.kind}/${doc.metadata.name}`, doc }));
    expect(schemaErrors(labelled)).toEqual([]);
    expect(unknownFieldErrors(labelled, join(ROOT, 'test/chart/.typed/edge-cases'))).toEqual([]);
    expect(semanticProblems(docs, new Set(['/livez', '/readyz', '/healthz', '/metrics']))).toEqual([]);
  });
});
