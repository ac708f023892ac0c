/**
 * One item per URI with events (partition DATASET_URIS): the URI, and its newest event's id, time and
 * source DAG, so the datasets listing learns when every dataset was last updated in one query instead
 * of one per dataset.
 *
 * The newest event only moves forward (a conditional update on its id), so late, concurrent and
 * redelivered events leave the newest in place; setting it again for an event already recorded is a
 * no-op, which is what lets a redelivery (and the daily count repair) mend a writer that died between
 * the event's put and this update. Items written before the newest was kept have none: readers fall
 * back to the URI's index for those.
 */
import type { DatasetEventRecord } from '../../model/records.js';
import type { DatasetUpdate } from '../metadata.js';
import { anyOf, Expressions } from './expressions.js';
import { KIND, type Item } from './items.js';
import * as K from './keys.js';
import { isConditionalCheckFailed, type TableClient } from './table-client.js';

const NEWEST_ID = 'newest_id';
const NEWEST_AT = 'newest_at';
const NEWEST_SOURCE = 'newest_source_dag_id';

type NewestEvent = Pick<DatasetEventRecord, 'uri' | 'id' | 'timestamp' | 'source_dag_id'>;

/** Records `event` as its URI's newest (adding the URI's item) unless a newer one is. */
export async function recordDatasetUpdate(table: TableClient, event: NewestEvent): Promise<void> {
  const e = new Expressions();
  try {
    await table.update(
      {
        Key: K.datasetUriKey(event.uri),
        UpdateExpression: `SET ${[
          [KIND, 'dataset-uri'],
          ['uri', event.uri],
          [NEWEST_ID, event.id],
          [NEWEST_AT, event.timestamp],
          [NEWEST_SOURCE, event.source_dag_id],
        ]
          .map(([name, value]) => `${e.name(name as string)} = ${e.value(value)}`)
          .join(', ')}`,
        ConditionExpression: anyOf([e.notExists(NEWEST_ID), e.lessThan(NEWEST_ID, event.id)]),
        ...e.attributes(),
      },
      `record dataset ${event.uri}'s newest event`,
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return; // a newer (or this) event is the newest already
    throw error;
  }
}

/** The listing's row of a URI item. */
export function datasetUpdateOf(item: Item): DatasetUpdate {
  const id = item[NEWEST_ID];
  const source = item[NEWEST_SOURCE];
  return {
    uri: String(item.uri),
    newest: typeof id === 'number' ? { id, timestamp: String(item[NEWEST_AT]), source_dag_id: typeof source === 'string' ? source : null } : null,
  };
}
