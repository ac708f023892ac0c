/**
 * Checks an API response against the OpenAPI document (tests: test-support.ts `call` runs it on every
 * response of the API tests, so the document cannot drift from what the handlers answer).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ApiResponse } from './http.js';
import { openApiDocument, type OpenApiDocument, type OpenApiResponse } from './openapi.js';
import type { Router } from './router.js';

export class OpenApiConformance {
  private readonly doc: OpenApiDocument;
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly router: Router) {
    this.doc = openApiDocument(router.routes, 'check');
    // Formats are documentation here (date-time is checked by the API's own validation); the extensions are skydag's.
    this.ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    this.ajv.addSchema({ $id: 'openapi', components: this.doc.components }, 'openapi');
  }

  /** Undefined when the response fits the document; otherwise why it does not. */
  problemOf(method: string, rawPath: string, response: ApiResponse): string | undefined {
    const type = String(response.headers['content-type'] ?? '');
    if (response.body === undefined || response.body.length === 0 || !/^application\/(problem\+)?json/.test(type)) return undefined;
    const match = this.router.match(method, rawPath);
    const op = match.kind === 'matched' ? this.doc.paths[match.route.path]?.[method.toLowerCase()] : undefined;
    if (match.kind === 'matched' && !op) return `${method} ${match.route.path} is not in the OpenAPI document`;
    const success = response.status >= 200 && response.status < 300;
    const unmatched: OpenApiResponse = { description: 'router error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    const declared: OpenApiResponse | undefined = success ? op?.responses['2XX'] : (op?.responses.default ?? unmatched);
    const mediaType = type.split(';')[0]!.trim();
    if (success && !declared?.content) return undefined; // no response schema declared for this route yet
    const schema = declared?.content?.[mediaType]?.schema;
    if (schema === undefined) return `${method} ${rawPath} answered ${response.status} as ${mediaType}, which the document does not declare`;
    const key = `${method} ${match.kind === 'matched' ? match.route.path : '*'} ${success ? '2XX' : 'default'} ${mediaType}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(schema) as object);
      this.validators.set(key, validate);
    }
    const body: unknown = JSON.parse(response.body.toString());
    if (validate(body)) return undefined;
    return `${method} ${rawPath} answered ${response.status} not as its OpenAPI document says: ${this.ajv.errorsText(validate.errors)}`;
  }
}

/** `#/components/...` refers to the document; the schemas are compiled on their own, against the document added as `openapi`. */
function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi${v}` : rewriteRefs(v)]));
}
