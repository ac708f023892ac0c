/**
 * The graph: the DAG's tasks and groups laid out left to right, coloured live by their state in the
 * chosen run, edge labels on their edges. Tasks that start another DAG (DagOperator, loopable
 * batches, TriggerDagRunOperator) carry a "zoom into DAG" link to that DAG's graph (its child run
 * when this run started one). Loaded on demand (React Flow and dagre are a separate chunk).
 */
import { memo, useEffect, useMemo, useRef } from 'react';
import { Background, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, useReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Link } from 'react-router';
import type { EdgeLabel, Task, TaskState } from '../../api/types';
import { ZoomIcon } from '../../components/icons';
import { layoutGraph } from '../../lib/graph-layout';
import { taskLabel } from '../../lib/grid-model';
import { dagUrl } from '../../lib/links';
import { stateColor, stateLabel } from '../../lib/states';

interface TaskNodeData extends Record<string, unknown> {
  task: Task;
  label: string;
  state: TaskState | null | undefined;
  tryNumber: number;
  selected: boolean;
  childLink: string | null;
}

interface GroupNodeData extends Record<string, unknown> {
  label: string;
  state: TaskState | null | undefined;
}

const TaskNode = memo(function TaskNode({ data }: NodeProps<Node<TaskNodeData>>) {
  const { task, label, state, tryNumber, selected, childLink } = data;
  return (
    <div className={`graph-node${selected ? ' selected' : ''}`} data-state={state ?? 'none'} style={{ borderLeftColor: stateColor(state) }} title={`${task.task_id}\n${task.class_ref.class_name}\n${stateLabel(state)}${task.description ? `\n${task.description}` : ''}`}>
      <Handle type="target" position={Position.Left} />
      <div className="graph-node-title">
        <span className="ellipsis">{label}</span>
        {childLink ? (
          <Link to={childLink} className="zoom-link nodrag" title={`Zoom into DAG ${task.run_dag_id}`} aria-label={`Zoom into DAG ${task.run_dag_id}`} onClick={(e) => e.stopPropagation()}>
            <ZoomIcon />
          </Link>
        ) : null}
      </div>
      <div className="graph-node-sub">
        <span className="ellipsis">{task.class_ref.class_name}</span>
        <span className="graph-node-state">
          <span className="state-dot" style={{ background: stateColor(state) }} />
          {state === undefined ? '' : stateLabel(state)}
          {tryNumber > 1 ? ` · try ${tryNumber}` : ''}
        </span>
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const GroupNode = memo(function GroupNode({ data }: NodeProps<Node<GroupNodeData>>) {
  return (
    <div className="graph-group" style={{ borderColor: data.state ? stateColor(data.state) : undefined }}>
      <span className="graph-group-label">{data.label}</span>
    </div>
  );
});

const NODE_TYPES = { task: TaskNode, group: GroupNode };

/** Fits the whole DAG again when the canvas changes size (the task panel opened or closed, the window resized). */
function FitOnResize({ target }: { target: React.RefObject<HTMLDivElement | null> }) {
  const flow = useReactFlow();
  useEffect(() => {
    const el = target.current;
    if (!el) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => void flow.fitView({ padding: 0.15, maxZoom: 1.2, duration: 150 }), 60);
    });
    observer.observe(el);
    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, [flow, target]);
  return null;
}

export interface GraphViewProps {
  dagId: string;
  tasks: Task[];
  edgeLabels: EdgeLabel[];
  /** State and try of each task in the chosen run (missing: the run has no such task). */
  states: Map<string, { state: TaskState | null; tryNumber: number; childRuns?: { dag_id: string; run_id: string }[] }>;
  groupStates: Map<string, TaskState | null>;
  selectedTaskId: string | null;
  onSelectTask: (taskId: string) => void;
}

export function GraphView({ tasks, edgeLabels, states, groupStates, selectedTaskId, onSelectTask }: GraphViewProps) {
  const layout = useMemo(() => layoutGraph(tasks, edgeLabels), [tasks, edgeLabels]);
  const byId = useMemo(() => new Map(tasks.map((t) => [t.task_id, t])), [tasks]);

  const nodes = useMemo<Node[]>(() => {
    const groups: Node<GroupNodeData>[] = layout.groups.map((g) => ({
      id: `group:${g.id}`,
      type: 'group',
      position: { x: g.x, y: g.y },
      style: { width: g.width, height: g.height },
      data: { label: g.id, state: groupStates.get(g.id) },
      selectable: false,
      draggable: false,
      zIndex: g.depth,
    }));
    const taskNodes: Node<TaskNodeData>[] = layout.nodes.map((n) => {
      const task = byId.get(n.id)!;
      const s = states.get(n.id);
      const child = task.run_dag_id ? s?.childRuns?.find((c) => c.dag_id === task.run_dag_id) : undefined;
      return {
        id: n.id,
        type: 'task',
        position: { x: n.x, y: n.y },
        style: { width: n.width, height: n.height },
        data: {
          task,
          label: taskLabel(task),
          state: s ? s.state : undefined,
          tryNumber: s?.tryNumber ?? 0,
          selected: n.id === selectedTaskId,
          childLink: task.run_dag_id ? dagUrl(task.run_dag_id, 'graph', child ? { run: child.run_id } : {}) : null,
        },
        draggable: false,
        zIndex: 100,
      };
    });
    return [...groups, ...taskNodes];
  }, [layout, byId, states, groupStates, selectedTaskId]);

  const edges = useMemo<Edge[]>(
    () =>
      layout.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        ...(e.label ? { label: e.label, labelBgPadding: [4, 2] as [number, number], labelBgBorderRadius: 3 } : {}),
        // Arrowheads: which way a dependency goes must show without hovering.
        markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14, color: 'var(--edge)' },
        zIndex: 50,
        className: 'graph-edge',
      })),
    [layout],
  );

  const canvas = useRef<HTMLDivElement>(null);
  return (
    <div className="graph-canvas" data-testid="graph" ref={canvas}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodeClick={(_, node) => (node.type === 'task' ? onSelectTask(node.id) : undefined)}
        nodesConnectable={false}
        nodesDraggable={false}
        elementsSelectable
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
        minZoom={0.05}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
        <FitOnResize target={canvas} />
        {tasks.length > 30 ? <MiniMap pannable zoomable nodeColor={(n) => (n.type === 'task' ? stateColor((n.data as TaskNodeData).state ?? null) : 'transparent')} /> : null}
      </ReactFlow>
    </div>
  );
}
