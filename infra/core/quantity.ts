/** Kubernetes quantities <-> bytes, for the sizes the planner and the builders compare. */

const SUFFIX: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
};

export function quantityToBytes(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(q);
  if (!m) throw new Error(`not a Kubernetes quantity: ${q}`);
  return Number(m[1]) * SUFFIX[m[2] ?? ""]!;
}

/** Bytes rounded up to whole GiB, as a quantity ("705Gi"). */
export function bytesToGi(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 30)}Gi`;
}

/** Human-readable size in decimal units, for messages ("756 GB", "1.51 TB"). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e12) return `${(bytes / 1e12).toFixed(2)} TB`;
  if (bytes >= 1e9) return `${Math.round(bytes / 1e9)} GB`;
  return `${Math.round(bytes / 1e6)} MB`;
}
