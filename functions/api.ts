/**
 * The REST API's Lambda entry (API Gateway HTTP API, payload format 2.0): a thin middy adapter over
 * the same createApi/router that local mode serves through node:http. Everything environment-specific
 * (the DynamoDB store, S3 logs and DAG bucket, Step Functions control, the secret key) comes from the
 * composition root (cloud-root.ts, from the environment contract); tests inject their own API through
 * `configureApi` or `createApiHandler`.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Api } from '../shared/api/api.js';
import { toApiGatewayResult, toApiRequest } from '../shared/api/http.js';
import { cloud, createCloudApi, useCloudEnvironment } from './cloud-root.js';
import { lazy } from './lazy.js';

const api = lazy<Api>('functions/api', 'configureApi');

/** Sets how the API is built; it is built once per Lambda container, on the first request. */
export function configureApi(create: () => Promise<Api> | Api): void {
  api.configure(create);
}

/** Builds a middy handler over a given API (tests, or composition roots that prefer no module state). */
export function createApiHandler(getApi: () => Promise<Api> | Api) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(async (event: APIGatewayProxyEventV2) => {
    const request = toApiRequest(event);
    return toApiGatewayResult(await (await getApi()).handle(request));
  });
}

export const handler = createApiHandler(() => api.get());

useCloudEnvironment('api');
configureApi(async () => createCloudApi(await cloud.get()));
