import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

/**
 * Add-on charts pinned in charts/<name>/: `chart.yaml` names the chart, its exact version and
 * namespace; `values.yaml` holds its values. One place for what a cluster prerequisite installs.
 */
export const CHARTS_DIR = join(__dirname, "..", "..", "charts");

const pinSchema = z.strictObject({
  chart: z.string().min(1),
  version: z.string().regex(/^v?\d+\.\d+\.\d+$/, { error: "an exact chart version (x.y.z or vx.y.z), never a range" }),
  // Cluster add-ons name their namespace; a per-stack chart (the router) goes into the stack's.
  namespace: z.string().min(1).optional(),
});

export interface PinnedChart {
  readonly name: string;
  readonly chart: string;
  readonly version: string;
  readonly namespace?: string;
  readonly values: Record<string, unknown>;
}

export function pinnedChart(name: string, dir = CHARTS_DIR): PinnedChart {
  const pin = pinSchema.parse(parse(readFileSync(join(dir, name, "chart.yaml"), "utf8")));
  const values = (parse(readFileSync(join(dir, name, "values.yaml"), "utf8")) ?? {}) as Record<string, unknown>;
  return { name, ...pin, values };
}
