import { z } from "zod";

/**
 * Where a node-local weight cache may live on a node. The cache is a hostPath mounted into root
 * containers, so a wrong directory is not a mere misconfiguration: `/etc`, `/usr`, `/var/lib/kubelet`
 * (every pod's secrets and volumes) or a `..` that climbs out of a sensible directory would hand the
 * node to the download container. Only a directory below one of these roots, written plainly (no
 * `.`/`..` segments, no `//`, no trailing '/'), is accepted.
 */
export const HOST_PATH_ROOTS = [
  "/mnt",
  "/data",
  "/srv",
  "/scratch",
  "/local",
  "/nvme",
  "/raid",
  "/opt/glm-serving",
  "/var/lib/glm-serving",
  "/var/cache/glm-serving",
] as const;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function hostPathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "relative";
  const segments = path.slice(1).split("/");
  if (segments.some((s) => s === "." || s === ".." || s === "" || !SEGMENT.test(s))) return "unclean";
  const root = HOST_PATH_ROOTS.find((r) => path.startsWith(`${r}/`));
  return root ? undefined : "root";
}

/** The directory offered instead: the last plain segment under /mnt (e.g. /etc/glm -> /mnt/glm). */
export function toHostPath(path: string): string {
  const last = path
    .split("/")
    .filter((s) => s !== "" && s !== "." && s !== ".." && SEGMENT.test(s))
    .pop();
  return `/mnt/${last ?? "glm-weights"}`;
}

export const cacheHostPath = z.string().superRefine((value, ctx) => {
  if (hostPathProblem(value) === undefined) return;
  ctx.addIssue({
    code: "custom",
    message: `an absolute directory below ${HOST_PATH_ROOTS.join(", ")}, without '.', '..' or empty segments (system and kubelet directories such as /etc, /usr and /var/lib/kubelet are refused)`,
    params: { fix: `set {path} to ${toHostPath(value)} (a directory on the node's local NVMe)` },
  });
});
