/** Small argv helpers shared by every engine's argv builder: a flag appears only when it has a value. */

export type Argv = string[];

/** `--name value`, or nothing when the value is undefined. */
export function valueFlag(name: string, value: string | number | undefined): Argv {
  return value === undefined ? [] : [`--${name}`, String(value)];
}

/** `--name` when true, nothing otherwise. */
export function switchFlag(name: string, on: boolean | undefined): Argv {
  return on ? [`--${name}`] : [];
}

/** `--name` / `--no-name` for a tri-state boolean; nothing leaves the engine's default. */
export function toggleFlag(name: string, on: boolean | undefined): Argv {
  if (on === undefined) return [];
  return [on ? `--${name}` : `--no-${name}`];
}

/** `--name value` only when the value differs from the engine's own default. */
export function nonDefaultFlag(name: string, value: number, engineDefault: number): Argv {
  return value === engineDefault ? [] : valueFlag(name, value);
}

/**
 * The static flags of a multi-node data-parallel group (the same on every node): ranks per node and
 * the RPC port; the group's entrypoint adds the address, and on workers `--headless` and the start
 * rank, at start (infra/k8s/engineWorkload.ts). Nothing on a single node.
 */
export function groupFlags(nodes: number, dataParallelSize: number, rpcPort: number | undefined): Argv {
  if (nodes === 1) return [];
  return [
    ...valueFlag("data-parallel-size-local", dataParallelSize / nodes),
    ...valueFlag("data-parallel-rpc-port", rpcPort),
  ];
}
