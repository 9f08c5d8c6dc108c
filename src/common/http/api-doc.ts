/** What the OpenAPI document says of one endpoint beyond what Nest's routes tell. */
export interface ApiDocEntry {
  summary: string;
  /** Each path parameter's description, by name. */
  params?: Readonly<Record<string, string>>;
  /** Each query parameter, by name. */
  query?: Readonly<Record<string, { description: string; required: boolean }>>;
  /** JSON schema of the request body. */
  body?: Readonly<Record<string, unknown>>;
  /** What each status means here. */
  responses?: Readonly<Record<number, string>>;
  /** Left out of the document (a catch-all that only refuses). */
  hidden?: true;
}

export interface ApiDocTarget {
  target: object;
  key: string | symbol;
  entry: ApiDocEntry;
}

/**
 * Every documented endpoint, recorded as its class loads. Only the build-time generator
 * (src/app/endpoints/generate-openapi.ts) reads them: the service never loads @nestjs/swagger.
 */
export const API_DOCS: ApiDocTarget[] = [];

/** Documents one endpoint in the OpenAPI document that `npm run build` generates. */
export function ApiDoc(entry: ApiDocEntry): MethodDecorator {
  return (target, key) => {
    API_DOCS.push({ target, key, entry });
  };
}
