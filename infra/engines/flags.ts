import { dataParallelPerNode } from "../core/groupLayout";
import { setCommand, type ConfigProblem } from "../core/problems";
import type { FlagTable } from "./flagTable";

/** Small argv helpers shared by every engine's argv builder: a flag appears only when it has a value. */

export type Argv = string[];

/** `--name value`, or nothing when the value is undefined. */
export function valueFlag(name: string, value: string | number | undefined): Argv {
  return value === undefined ? [] : [`--${name}`, String(value)];
}

/** The value when it differs from the engine's own default, else undefined (the flag is left out). */
export function nonDefault<T>(value: T, engineDefault: T): T | undefined {
  return value === engineDefault ? undefined : value;
}

/** What a multi-node data-parallel group's flags read of a spec (vLLM and vLLM-Ascend). */
interface DataParallelSpec {
  readonly engine: { readonly dataParallelSize: number; readonly dataParallelRpcPort?: number | undefined };
  readonly nodePool: { readonly nodes: number };
}

/**
 * The flags of a multi-node data-parallel group, as flag-table entries: ranks per node and the RPC
 * port are static (the same on every node; nothing on a single node); the group's entrypoint adds the
 * address, and on workers `--headless` and the start rank, at start (infra/k8s/engineWorkload.ts).
 */
export function dataParallelGroupFlags<S extends DataParallelSpec>(): FlagTable<S> {
  return [
    {
      flag: "data-parallel-size-local",
      field: "nodePool.nodes (derived)",
      render: "value",
      value: (s) =>
        s.nodePool.nodes === 1 ? undefined : dataParallelPerNode(s.engine.dataParallelSize, s.nodePool.nodes),
    },
    {
      flag: "data-parallel-rpc-port",
      field: "engine.dataParallelRpcPort",
      render: "value",
      value: (s) => (s.nodePool.nodes === 1 ? undefined : s.engine.dataParallelRpcPort),
    },
    { flag: "data-parallel-address", field: "(set at start by the group entrypoint)", render: "external" },
    { flag: "data-parallel-start-rank", field: "(set at start by the group entrypoint)", render: "external" },
    { flag: "headless", field: "(set at start on a group's workers)", render: "external" },
  ];
}

/** A multi-node data-parallel group's own rule: its ranks meet on an RPC port the stack must name. */
export function dataParallelGroupRules(engine: { readonly dataParallelRpcPort?: number | undefined }): ConfigProblem[] {
  return engine.dataParallelRpcPort === undefined
    ? [
        {
          path: "engine.dataParallelRpcPort",
          value: undefined,
          allowed: "a port for the group's data-parallel RPC (seed 002 uses 12890 and 13389)",
          fix: setCommand("engine.dataParallelRpcPort", 13389),
        },
      ]
    : [];
}
