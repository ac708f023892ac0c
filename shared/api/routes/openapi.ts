/** GET /api/v1/openapi.json and GET /api/v1/ui: the API's OpenAPI 3.1 document and its HTML reference (public, as Airflow serves its spec). */
import { textResponse } from '../http.js';
import { openApiDocument, openApiHtml } from '../openapi.js';
import { defineRoute, type Route } from '../route.js';

export function openApiRoutes(routes: () => readonly Route[]): Route[] {
  return [
    defineRoute({
      id: 'get_openapi',
      method: 'GET',
      path: '/api/v1/openapi.json',
      access: { public: true },
      dags: 'none',
      summary: 'Get the OpenAPI 3.1 document of this API (skydag).',
      async handle({ deps }) {
        return openApiDocument(routes(), deps.version);
      },
    }),
    defineRoute({
      id: 'get_api_reference',
      method: 'GET',
      path: '/api/v1/ui',
      access: { public: true },
      dags: 'none',
      summary: 'Get an HTML reference of this API, rendered from its OpenAPI document (skydag).',
      async handle({ deps }) {
        return textResponse(200, openApiHtml(openApiDocument(routes(), deps.version)), 'text/html; charset=utf-8');
      },
    }),
  ];
}
