/**
 * The metadata store on DynamoDB (cloud mode, and local mode against an embedded DynamoDB-compatible
 * server). See docs/metadata-store.md for the table design.
 */
export { DynamoMetadataStore, type DynamoMetadataStoreOptions } from './dynamo-metadata-store.js';
export { BlobStoreRequiredError, DEFAULT_INLINE_LIMIT_BYTES } from './large-values.js';
export { createMetadataTable, metadataTableDefinition, type CreateMetadataTableOptions } from './table.js';
export { createDocumentClient } from './client.js';
export { backfillActiveRunsIndex, backfillActiveRunsIndexOnce } from './upgrade.js';
