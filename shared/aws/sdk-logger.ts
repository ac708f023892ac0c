/**
 * The logger skydag's AWS SDK clients are given. The SDK's default (NoOpLogger) has `info` and `error`
 * as no-op methods, and its logger middleware calls them as `logger?.info?.({ input, output })`,
 * building for the call a copy of the whole request and response filtered of sensitive fields (a walk
 * of the operation's schema over every item). With no `info` and `error` the call, and the copies, are
 * skipped: ~10% of the CPU of a DynamoDB listing of 200 task instances through the embedded store.
 * The SDK calls `debug`, `warn` and `trace` directly, so they stay (as no-ops).
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

type SdkLogger = NonNullable<DynamoDBClientConfig['logger']>;

const ignore = (): void => undefined;

/** For `new XxxClient({ ..., logger: SDK_LOGGER })`. */
export const SDK_LOGGER = { debug: ignore, warn: ignore, trace: ignore } as Partial<SdkLogger> as SdkLogger;
