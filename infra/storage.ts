/**
 * Where skydag keeps its state: the KMS key, the buckets (DAG files, data: bundles/artifacts/confs/
 * large values, task logs, the console, S3 access logs) and the metadata table. Every bucket is
 * encrypted, TLS-only and private; the table is the one `metadataTableDefinition` describes (a synth
 * test compares them), with point-in-time recovery and TTL.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership, type BucketProps } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CREDENTIALS_PREFIX } from '../shared/eda/jdbc.js';
import { metadataTableDefinition, METADATA_TTL_ATTRIBUTE } from '../shared/stores/dynamodb/table.js';

/** Key prefix of DAG files in the DAGs bucket (S3 events on it trigger the deployer). */
export const DAGS_PREFIX = 'dags/';

/** Per-run database credentials of EDA jobs in the data bucket (shared/eda/jdbc.ts). */
export const EDA_CREDENTIALS_PREFIX = CREDENTIALS_PREFIX;

export class Storage extends Construct {
  /** Encrypts the table (variables' and connections' secrets, sealed XComs) and the alarm topic. */
  readonly key: Key;
  readonly accessLogs: Bucket;
  readonly dags: Bucket;
  readonly data: Bucket;
  readonly logs: Bucket;
  readonly console: Bucket;
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', { enableKeyRotation: true, description: 'skydag: metadata table and secrets', removalPolicy: RemovalPolicy.RETAIN });
    const common: BucketProps = {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    // CloudFront's standard logs are written with ACLs: this bucket alone lets object writers own their objects.
    this.accessLogs = new Bucket(this, 'AccessLogs', { ...common, objectOwnership: ObjectOwnership.OBJECT_WRITER, lifecycleRules: [{ expiration: Duration.days(365) }] });
    const logged = (prefix: string): BucketProps => ({ ...common, serverAccessLogsBucket: this.accessLogs, serverAccessLogsPrefix: `${prefix}/` });
    // Versioned: every upload of a DAG file is kept (a bad edit can be rolled back with `aws s3api`).
    this.dags = new Bucket(this, 'Dags', { ...logged('dags'), versioned: true, lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }] });
    // CORS GET: the console reads EDA summaries through the API's presigned links. Any origin: the
    // signature is the permission (an unsigned read is refused whatever the origin), and the console's
    // CloudFront name cannot be named here without a dependency cycle.
    this.data = new Bucket(this, 'Data', {
      ...logged('data'),
      // A database EDA run's credentials object is read and deleted by its Spark job; one it never read goes after a day.
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }, { id: 'eda-credentials', prefix: EDA_CREDENTIALS_PREFIX, expiration: Duration.days(1) }],
      cors: [{ allowedMethods: [HttpMethods.GET, HttpMethods.HEAD], allowedOrigins: ['*'], maxAge: 3600 }],
    });
    this.logs = new Bucket(this, 'TaskLogs', { ...logged('task-logs'), lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }] });
    this.console = new Bucket(this, 'Console', logged('console'));

    const definition = metadataTableDefinition('unused');
    const attribute = (name: string) => {
      const type = definition.AttributeDefinitions!.find((a) => a.AttributeName === name)!.AttributeType;
      return { name, type: type === 'N' ? AttributeType.NUMBER : type === 'B' ? AttributeType.BINARY : AttributeType.STRING };
    };
    const keyOf = (schema: NonNullable<typeof definition.KeySchema>, kind: 'HASH' | 'RANGE') => {
      const name = schema.find((k) => k.KeyType === kind)?.AttributeName;
      return name === undefined ? undefined : attribute(name);
    };
    this.table = new Table(this, 'Metadata', {
      partitionKey: keyOf(definition.KeySchema!, 'HASH')!,
      sortKey: keyOf(definition.KeySchema!, 'RANGE'),
      billingMode: definition.BillingMode === 'PAY_PER_REQUEST' ? BillingMode.PAY_PER_REQUEST : BillingMode.PROVISIONED,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: METADATA_TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName!,
        partitionKey: keyOf(index.KeySchema!, 'HASH')!,
        sortKey: keyOf(index.KeySchema!, 'RANGE'),
        projectionType: index.Projection?.ProjectionType === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : index.Projection?.ProjectionType === 'INCLUDE' ? ProjectionType.INCLUDE : ProjectionType.ALL,
        ...(index.Projection?.NonKeyAttributes ? { nonKeyAttributes: index.Projection.NonKeyAttributes } : {}),
      });
    }
  }
}
