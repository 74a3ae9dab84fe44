import { describe, expect, it } from "vitest";
import { groupLayout } from "../infra/core/groupLayout";

const base = { devicesPerNode: 16, tensor: 16, pipeline: 1, expertParallel: true, routedExperts: 256 };

describe("parallel layout of a serving group", () => {
  it("one node: the whole node, start rank 0", () => {
    const { layout, problems } = groupLayout({ ...base, nodes: 1, data: 1 });
    expect(problems).toEqual([]);
    expect(layout).toMatchObject({
      devicesPerPod: 16,
      worldSize: 16,
      dataLocal: 1,
      startRanks: [0],
      expertParallelSize: 16,
    });
  });

  it("a two-node pair, DP2 x TP16: one DP rank per node, node1 starts at rank 1", () => {
    const { layout, problems } = groupLayout({ ...base, nodes: 2, data: 2 });
    expect(problems).toEqual([]);
    expect(layout).toMatchObject({
      devicesPerPod: 16,
      worldSize: 32,
      dataLocal: 1,
      startRanks: [0, 1],
      expertParallelSize: 32,
    });
  });

  it("four nodes of 8 with DP8 x TP4: two DP ranks per node, start ranks 0, 2, 4, 6", () => {
    const { layout, problems } = groupLayout({ ...base, devicesPerNode: 8, tensor: 4, nodes: 4, data: 8 });
    expect(problems).toEqual([]);
    expect(layout).toMatchObject({ devicesPerPod: 8, worldSize: 32, dataLocal: 2, startRanks: [0, 2, 4, 6] });
  });

  it("names every violation", () => {
    expect(groupLayout({ ...base, nodes: 2, data: 3 }).problems).toEqual([
      "data parallel size 3 does not split evenly over 2 nodes",
      "256 routed experts do not divide evenly over 48 expert-parallel ranks",
    ]);
    expect(groupLayout({ ...base, nodes: 1, data: 2 }).problems).toEqual([
      "TP x PP x DP = 16 x 1 x 2 = 32 devices, more than the 1 x 16 = 16 of the group",
    ]);
    expect(groupLayout({ ...base, tensor: 8, nodes: 2, data: 2 }).problems).toEqual([
      "TP x PP x DP = 8 x 1 x 2 = 16 must equal the group's 2 x 16 = 32 devices (a multi-node group uses whole nodes)",
    ]);
    expect(groupLayout({ ...base, tensor: 32, nodes: 2, data: 1 }).problems[0]).toBe(
      "a model replica needs TP x PP = 32 x 1 = 32 devices, more than the 16 of one node; replicas do not span nodes here (use data parallelism across nodes)",
    );
    expect(
      groupLayout({ ...base, devicesPerNode: 8, tensor: 4, nodes: 1, data: 2, routedExperts: 12 }).problems,
    ).toEqual(["12 routed experts do not divide evenly over 8 expert-parallel ranks"]);
    expect(groupLayout({ ...base, nodes: 1, data: 1, routedExperts: 0 }).problems).toEqual([
      "expert parallelism needs a mixture-of-experts model",
    ]);
  });
});
