/**
 * What pages someone: failed runs (executions that failed, timed out or were aborted, from the state
 * machines' shared log group), events that ended in a dead-letter queue, function errors and
 * throttles, and DynamoDB throttling. Alarms go to an SNS topic (mailed to `alarmEmail` when given).
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type LogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SkydagContext } from './context.js';

export const FAILED_RUNS_METRIC = { namespace: 'skydag', metricName: 'FailedExecutions' } as const;

export interface AlarmsProps {
  ctx: SkydagContext;
  machineLogs: LogGroup;
  functions: ReadonlyMap<string, IFunction>;
  deadLetterQueues: ReadonlyMap<string, Queue>;
  /** Functions whose throttling is by design (reserved concurrency serialises them; Lambda retries async events). */
  throttledByDesign: ReadonlySet<string>;
  table: Table;
  key: Key;
}

export class Alarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: `${props.ctx.prefix} alarms`, masterKey: props.key, enforceSSL: true });
    // CloudWatch publishes to the encrypted topic.
    props.key.grantEncryptDecrypt(new ServicePrincipal('cloudwatch.amazonaws.com'));
    if (props.ctx.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.ctx.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, description: string) => {
      const a = new Alarm(this, name, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      return a;
    };

    // Every state machine logs to one group at level ERROR: its execution-ending events count failed runs.
    const failed = new MetricFilter(this, 'FailedExecutionsFilter', {
      logGroup: props.machineLogs,
      filterPattern: FilterPattern.any(FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'), FilterPattern.stringValue('$.type', '=', 'ExecutionTimedOut'), FilterPattern.stringValue('$.type', '=', 'ExecutionAborted')),
      metricNamespace: FAILED_RUNS_METRIC.namespace,
      metricName: FAILED_RUNS_METRIC.metricName,
      metricValue: '1',
    });
    alarm('FailedRuns', failed.metric({ statistic: 'Sum', period: Duration.minutes(5) }), 'A DAG run failed, timed out or was aborted (see the console and the state machine log group)');

    for (const [name, queue] of props.deadLetterQueues) {
      alarm(`${name}DeadLetters`, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), `Events for ${name} failed every retry and wait in its dead-letter queue`);
    }
    for (const [name, fn] of props.functions) {
      alarm(`${name}Errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), `The ${name} function failed`);
      if (!props.throttledByDesign.has(name)) alarm(`${name}Throttles`, fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), `The ${name} function was throttled`);
    }
    const throttled = new MathExpression({
      expression: 'reads + writes',
      usingMetrics: {
        reads: props.table.metric('ReadThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
        writes: props.table.metric('WriteThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
      },
      period: Duration.minutes(5),
    });
    alarm('TableThrottles', throttled, 'The metadata table throttled requests');
  }
}
