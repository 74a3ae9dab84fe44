import type { BenchmarkReference } from "../catalog/benchmarks";
import type { BenchResult } from "./report";

/**
 * The throughput-versus-latency curve of a sweep, as an SVG a person can open: one point per run of
 * the sweep (x: output tokens per second each user sees, 1,000 / mean TPOT; y: total tokens per
 * second per device), joined in concurrency order, next to the published baselines of the same
 * hardware and prompt/output lengths drawn as labelled diamonds. Up and to the right is better. The
 * same inputs give the same bytes.
 */
export interface CurvePoint {
  readonly label: string;
  readonly perUser: number;
  readonly perDevice: number;
}

export function sweepPoints(results: readonly BenchResult[], devices: number): CurvePoint[] {
  return [...results]
    .filter((r) => r.completed > 0 && r.mean_tpot_ms > 0)
    .sort((a, b) => (a.max_concurrency ?? Infinity) - (b.max_concurrency ?? Infinity))
    .map((r) => ({
      label: `c${r.max_concurrency ?? "∞"}`,
      perUser: 1000 / r.mean_tpot_ms,
      perDevice: r.total_token_throughput / devices,
    }));
}

export function baselinePoints(refs: readonly BenchmarkReference[]): CurvePoint[] {
  return refs
    .filter((r) => r.metrics.mean_tpot_ms !== undefined && r.metrics.total_token_throughput !== undefined)
    .map((r) => ({
      label: r.name,
      perUser: 1000 / r.metrics.mean_tpot_ms!,
      perDevice: r.metrics.total_token_throughput! / r.hardware.devices,
    }));
}

const W = 720;
const H = 480;
const M = { left: 70, right: 30, top: 40, bottom: 60 };
const f1 = (n: number) => (Math.round(n * 10) / 10).toString();
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at or above the maximum. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((x) => x >= v)!;
}

export function curveSvg(title: string, sweep: readonly CurvePoint[], baselines: readonly CurvePoint[]): string {
  const all = [...sweep, ...baselines];
  const xMax = niceMax(Math.max(...all.map((p) => p.perUser), 1) * 1.1);
  const yMax = niceMax(Math.max(...all.map((p) => p.perDevice), 1) * 1.1);
  const x = (v: number) => M.left + (v / xMax) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - (v / yMax) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax / 5) * i;
    const yv = (yMax / 5) * i;
    out.push(
      `<line x1="${f1(x(xv))}" y1="${M.top}" x2="${f1(x(xv))}" y2="${H - M.bottom}" stroke="#e5e5e5"/>`,
      `<text x="${f1(x(xv))}" y="${H - M.bottom + 16}" text-anchor="middle">${f1(xv)}</text>`,
      `<line x1="${M.left}" y1="${f1(y(yv))}" x2="${W - M.right}" y2="${f1(y(yv))}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${f1(y(yv) + 4)}" text-anchor="end">${f1(yv)}</text>`,
    );
  }
  out.push(
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 18}" text-anchor="middle">output tok/s per user (1000 / mean TPOT)</text>`,
    `<text x="18" y="${H / 2}" text-anchor="middle" transform="rotate(-90 18 ${H / 2})">total tok/s per device</text>`,
  );
  if (sweep.length > 1) {
    out.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${sweep.map((p) => `${f1(x(p.perUser))},${f1(y(p.perDevice))}`).join(" ")}"/>`,
    );
  }
  for (const p of sweep) {
    out.push(
      `<circle cx="${f1(x(p.perUser))}" cy="${f1(y(p.perDevice))}" r="4" fill="#1f77b4"/>`,
      `<text x="${f1(x(p.perUser) + 6)}" y="${f1(y(p.perDevice) - 6)}" fill="#1f77b4">${esc(p.label)}</text>`,
    );
  }
  for (const p of baselines) {
    const cx = x(p.perUser);
    const cy = y(p.perDevice);
    out.push(
      `<polygon points="${f1(cx)},${f1(cy - 6)} ${f1(cx + 6)},${f1(cy)} ${f1(cx)},${f1(cy + 6)} ${f1(cx - 6)},${f1(cy)}" fill="#d62728"/>`,
      `<text x="${f1(cx + 8)}" y="${f1(cy + 14)}" fill="#d62728">${esc(p.label)}</text>`,
    );
  }
  out.push(
    `<circle cx="${W - 200}" cy="${M.top + 10}" r="4" fill="#1f77b4"/><text x="${W - 190}" y="${M.top + 14}">this sweep</text>`,
    `<polygon points="${W - 200},${M.top + 22} ${W - 194},${M.top + 28} ${W - 200},${M.top + 34} ${W - 206},${M.top + 28}" fill="#d62728"/><text x="${W - 190}" y="${M.top + 32}">published baselines</text>`,
    "</svg>",
    "",
  );
  return out.join("\n");
}
