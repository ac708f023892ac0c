/** Graph algorithms over task ids (iterative, so 10,000-task DAGs do not overflow the stack). */

/**
 * One cycle per strongly connected component that has a cycle, each as the list of ids along it
 * (the last id has an edge back to the first). Tarjan's algorithm, O(V + E).
 */
export function findCycles(ids: readonly string[], successors: (id: string) => readonly string[]): string[][] {
  // Ids are numbered in visiting order; low links and stack membership are kept by that number.
  const index = new Map<string, number>();
  const low: number[] = [];
  const onStack: boolean[] = [];
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (id: string): number => {
    const i = counter++;
    index.set(id, i);
    low.push(i);
    onStack.push(true);
    stack.push(id);
    return i;
  };

  for (const root of ids) {
    if (index.has(root)) continue;
    // Each frame keeps its successors: the callback is asked once per id, not once per edge visit.
    const work: { id: string; i: number; successors: readonly string[]; next: number }[] = [];
    work.push({ id: root, i: visit(root), successors: successors(root), next: 0 });
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      if (frame.next < frame.successors.length) {
        const w = frame.successors[frame.next++]!;
        const seen = index.get(w);
        if (seen === undefined) {
          work.push({ id: w, i: visit(w), successors: successors(w), next: 0 });
        } else if (onStack[seen]) {
          low[frame.i] = Math.min(low[frame.i]!, seen);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.i] = Math.min(low[parent.i]!, low[frame.i]!);
      if (low[frame.i] === frame.i) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack[index.get(w)!] = false;
          component.push(w);
        } while (w !== frame.id);
        const selfLoop = component.length === 1 && frame.successors.includes(frame.id);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => cycleWithin(new Set(component), successors, ids));
}

/** A concrete cycle inside a strongly connected component, starting at its first id in DAG order. */
function cycleWithin(component: ReadonlySet<string>, successors: (id: string) => readonly string[], order: readonly string[]): string[] {
  const start = order.find((id) => component.has(id))!;
  // BFS from start's successors back to start, staying inside the component: shortest cycle through start.
  const previous = new Map<string, string>();
  const queue: string[] = [];
  for (const s of successors(start)) {
    if (!component.has(s) || previous.has(s)) continue;
    previous.set(s, start);
    queue.push(s);
  }
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === start) break;
    for (const s of successors(id)) {
      if (!component.has(s) || previous.has(s)) continue;
      previous.set(s, id);
      queue.push(s);
    }
  }
  const path: string[] = [];
  let cursor = previous.get(start)!;
  while (cursor !== start) {
    path.push(cursor);
    cursor = previous.get(cursor)!;
  }
  return [start, ...path.reverse()];
}

/** Task ids in an order where every task comes after all its upstream tasks (Kahn), or undefined if cyclic. */
export function topologicalOrder(ids: readonly string[], upstream: (id: string) => readonly string[], downstream: (id: string) => readonly string[]): string[] | undefined {
  const indegree = new Map<string, number>();
  for (const id of ids) indegree.set(id, upstream(id).length);
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i]!;
    order.push(id);
    for (const d of downstream(id)) {
      const n = indegree.get(d)! - 1;
      indegree.set(d, n);
      if (n === 0) ready.push(d);
    }
  }
  return order.length === ids.length ? order : undefined;
}
