/** Reading the model's XComArg references, plain or transformed by `.zip()` / `.concat()` / `.map()` (see XComArgRefSchema). */
import { isTagged } from './build.js';
import type { PyValue, TaskExpand, XComArgRef } from './schema.js';

/** The XComArgs a zip or concat combines (undefined for a plain or only mapped reference). */
export const combinedReferences = (ref: XComArgRef): XComArgRef[] | undefined => ref.zip?.args ?? ref.concat?.args;

/** The plain (task, key) references a possibly zipped or concatenated XComArg reads. */
export function plainReferences(ref: XComArgRef): XComArgRef[] {
  return combinedReferences(ref)?.flatMap(plainReferences) ?? [{ $type: 'xcom_arg', task_id: ref.task_id, key: ref.key }];
}

/** Whether an XComArg (or one it zips or concatenates) applies functions from the DAG file to its items. */
export function appliesFunctions(ref: XComArgRef): boolean {
  return ref.map !== undefined || (combinedReferences(ref)?.some(appliesFunctions) ?? false);
}

/** The XComArgs a mapped task is mapped over, at the top of its mapped arguments. */
export function mappedXComArgs(expand: TaskExpand): XComArgRef[] {
  const values: PyValue[] = expand.kind === 'kwargs_list' ? [expand.value] : Object.values(expand.value as Record<string, PyValue>);
  return values.filter((v): v is XComArgRef => isTagged(v, 'xcom_arg'));
}

/** Whether a mapped task's items pass through `.map()` functions (applied in the task's process). */
export function usesMapFunction(expand: TaskExpand): boolean {
  return mappedXComArgs(expand).some(appliesFunctions);
}
