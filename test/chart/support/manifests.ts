import { parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object, loosely typed: the tests read paths they check themselves. */
export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered YAML is checked field by field
  spec?: any;
  data?: Record<string, string>;
};

/** Parses multi-document YAML, dropping empty documents; throws on a syntax error. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map((e) => e.message).join('; '));
      return document.toJS() as Manifest | null;
    })
    .filter((doc): doc is Manifest => doc !== null);
}

export function findAll(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The Service of the whole release; with a canary and an HTTPRoute, each track has one more (label version). */
export function mainService(manifests: Manifest[]): Manifest {
  const found = findAll(manifests, 'Service').filter((s) => s.metadata.labels?.version === undefined);
  if (found.length !== 1) throw new Error(`expected one Service without a track, found ${found.length}`);
  return found[0]!;
}

export function findOne(manifests: Manifest[], kind: string): Manifest {
  const found = findAll(manifests, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}
