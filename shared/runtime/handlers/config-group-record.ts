/**
 * Records on the task instance which Spark config group a try resolved (name and content version),
 * so a user sees what a try ran with after the group has changed (changes apply to newer tries).
 */
import type { TaskServices } from '../executors/types.js';
import type { TaskInstanceAccess } from './run-context.js';

export function configGroupRecorder(update: TaskInstanceAccess['update'], tryNumber: number): Required<Pick<TaskServices, 'recordConfigGroup'>> {
  return {
    async recordConfigGroup(group) {
      // Fenced like every write of a try: a late record of an earlier try changes nothing.
      await update({ config_group: { name: group.name, version: group.version } }, { tryNumber });
    },
  };
}
