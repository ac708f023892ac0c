/**
 * The contract against DynamoDB Local, the reference DynamoDB (with S3 on s3rver for large values:
 * the cloud's combination). Needs Java and the jar, which `npm test` fetches in its pretest step
 * (`node scripts/dynamodb-local.mjs`); without them this file is skipped with one line saying why
 * (a failure under SKYDAG_REQUIRE_ALL_TESTS=1, as in CI).
 */
import { describeWhen } from '../helpers/optional-suites.js';
import { dynamoFactory } from './dynamo-harness.js';
import { dynamoDBLocalRequirement, startDynamoDBLocal } from './dynamodb-local.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';

describeWhen('MetadataStore contract: DynamoDB Local', dynamoDBLocalRequirement(), () => {
  describeMetadataStoreContract('DynamoDB adapter on DynamoDB Local (reference), blobs in S3 (s3rver)', dynamoFactory(() => startDynamoDBLocal(), 's3'));
});
