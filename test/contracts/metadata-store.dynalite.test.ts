import { dynamoFactory, startDynalite } from './dynamo-harness.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';

describeMetadataStoreContract('DynamoDB adapter on dynalite (local mode), blobs on the filesystem', dynamoFactory(startDynalite, 'fs'));
