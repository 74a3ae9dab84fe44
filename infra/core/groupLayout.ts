/**
 * Parallelism arithmetic of one serving group (a single node, or a multi-node data-parallel group
 * such as an Ascend pair): how ranks map onto nodes, and every way a layout can be impossible.
 *
 * A model replica (TP x PP ranks) stays inside one node; data-parallel replicas are spread evenly over
 * the nodes, `dpLocal` per node, node i starting at rank i x dpLocal (vLLM's
 * `--data-parallel-size-local` and `--data-parallel-start-rank`). Expert parallelism spans every
 * rank of the group (EP = TP x DP) and needs the routed experts to divide evenly over it.
 */
export interface LayoutInput {
  readonly nodes: number;
  readonly devicesPerNode: number;
  readonly tensor: number;
  readonly pipeline: number;
  readonly data: number;
  readonly expertParallel: boolean;
  readonly routedExperts: number;
}

export interface GroupLayout {
  readonly tensor: number;
  readonly pipeline: number;
  readonly data: number;
  readonly nodes: number;
  readonly devicesPerNode: number;
  /** Devices each node's pod requests. */
  readonly devicesPerPod: number;
  readonly worldSize: number;
  readonly dataLocal: number;
  /** `--data-parallel-start-rank` of each node, in node order. */
  readonly startRanks: readonly number[];
  /** Ranks the experts are spread over (1 when experts are sliced instead). */
  readonly expertParallelSize: number;
}

/** Data-parallel replicas on each node of a group (`--data-parallel-size-local`): spread evenly. */
export function dataParallelPerNode(data: number, nodes: number): number {
  return data / nodes;
}

export function groupLayout(i: LayoutInput): { layout: GroupLayout; problems: string[] } {
  const problems: string[] = [];
  const replica = i.tensor * i.pipeline;
  const world = replica * i.data;
  const dataLocal = dataParallelPerNode(i.data, i.nodes);
  if (replica > i.devicesPerNode) {
    problems.push(
      `a model replica needs TP x PP = ${i.tensor} x ${i.pipeline} = ${replica} devices, more than the ${i.devicesPerNode} of one node; replicas do not span nodes here (use data parallelism across nodes)`,
    );
  }
  if (!Number.isInteger(dataLocal)) {
    problems.push(`data parallel size ${i.data} does not split evenly over ${i.nodes} nodes`);
  } else if (world / i.nodes > i.devicesPerNode) {
    problems.push(
      `TP x PP x DP = ${i.tensor} x ${i.pipeline} x ${i.data} = ${world} devices, more than the ${i.nodes} x ${i.devicesPerNode} = ${i.nodes * i.devicesPerNode} of the group`,
    );
  } else if (i.nodes > 1 && world !== i.nodes * i.devicesPerNode) {
    problems.push(
      `TP x PP x DP = ${i.tensor} x ${i.pipeline} x ${i.data} = ${world} must equal the group's ${i.nodes} x ${i.devicesPerNode} = ${i.nodes * i.devicesPerNode} devices (a multi-node group uses whole nodes)`,
    );
  }
  if (i.expertParallel && i.routedExperts === 0) {
    problems.push("expert parallelism needs a mixture-of-experts model");
  } else if (i.expertParallel && i.routedExperts % (i.tensor * i.data) !== 0) {
    problems.push(
      `${i.routedExperts} routed experts do not divide evenly over ${i.tensor * i.data} expert-parallel ranks`,
    );
  }
  const local = Number.isInteger(dataLocal) ? dataLocal : Math.ceil(dataLocal);
  return {
    layout: {
      tensor: i.tensor,
      pipeline: i.pipeline,
      data: i.data,
      nodes: i.nodes,
      devicesPerNode: i.devicesPerNode,
      devicesPerPod: replica * local,
      worldSize: world,
      dataLocal: local,
      startRanks: Array.from({ length: i.nodes }, (_, n) => n * local),
      expertParallelSize: i.expertParallel ? i.tensor * i.data : 1,
    },
    problems,
  };
}
