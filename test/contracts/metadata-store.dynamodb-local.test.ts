/**
 * The contract against DynamoDB Local, the reference DynamoDB (with S3 on s3rver for large values:
 * the cloud's combination). Needs the jar: `node scripts/dynamodb-local.mjs`. Without it this file
 * fails, unless SKYDAG_SKIP_DYNAMODB_LOCAL=1 says to skip it.
 */
import { dynamoFactory } from './dynamo-harness.js';
import { dynamoDBLocalAvailability, startDynamoDBLocal } from './dynamodb-local.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';

const availability = dynamoDBLocalAvailability();

if (availability.run) {
  describeMetadataStoreContract('DynamoDB adapter on DynamoDB Local (reference), blobs in S3 (s3rver)', dynamoFactory(() => startDynamoDBLocal(), 's3'));
} else if (availability.skip) {
  // jest folds a wholly skipped file into a count: say why where it shows.
  console.warn(`Skipping the DynamoDB Local contract tests: ${availability.reason}`);
  describe.skip(`MetadataStore contract: DynamoDB Local — skipped: ${availability.reason}`, () => {
    test('DynamoDB Local contract', () => undefined);
  });
} else {
  describe('MetadataStore contract: DynamoDB Local', () => {
    test('DynamoDB Local is available', () => {
      throw new Error(availability.reason);
    });
  });
}
