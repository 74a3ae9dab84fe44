import { z } from "zod";
import { STORAGE_KIND_IDS } from "../../catalog/storageClasses";
import { imageRef, quantity } from "../../core/schemaFields";
import { cacheHostPath } from "./hostPath";
import { dnsSubdomain } from "../../core/kubernetesFields";

export const weightCacheSchema = z
  .strictObject({
    mode: z
      .enum(["volume", "node-local"])
      .optional()
      .describe(
        "volume: one PersistentVolumeClaim filled by a Job; node-local: a copy on each node's disk (hostPath), filled by the engine's pod (Karpenter) or a prefetch DaemonSet (static pool). Default: node-local on a Karpenter pool whose instance types all have an NVMe instance store holding two revisions (p5, p5e, p5en, p6-b200) in a RAID0 node class, unless storageClass, existingClaim or ReadWriteMany names a volume; volume otherwise.",
      ),
    hostPath: cacheHostPath
      .optional()
      .describe(
        "node-local: the directory on each node (local NVMe) holding the cache. Default on a Karpenter pool: /mnt/k8s-disks/0/glm-serving/weights, on the instance store's RAID0 array; on a static pool: /var/lib/glm-serving/weights.",
      ),
    existingClaim: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
        error: "the name of a PersistentVolumeClaim in the stack's namespace",
      })
      .optional()
      .describe(
        "volume: use this pre-seeded claim instead of creating one (the Job still verifies it, downloading only what is missing).",
      ),
    storageClass: z
      .strictObject({
        name: dnsSubdomain.describe("Name of the StorageClass in the cluster."),
        type: z
          .enum(STORAGE_KIND_IDS)
          .describe(
            "What the class provisions (the README lists each with its speed): ebs-gp3, fsx-lustre, efs, local-path, ceph-rbd, cephfs, nfs, or other.",
          ),
      })
      .optional()
      .describe(
        "StorageClass of the cache volume and what it provisions; unset: the cluster's default class (ReadWriteOnce only).",
      ),
    downloadOn: z
      .enum(["accelerator-pool", "zone"])
      .default("accelerator-pool")
      .describe(
        "Where the download Job runs: accelerator-pool (the engine's pool, so the volume is born where the engine runs); zone: any node of nodePool.zone (a CPU node; needs a ReadWriteMany class that is not node-bound).",
      ),
    accessMode: z
      .enum(["ReadWriteOnce", "ReadWriteMany"])
      .default("ReadWriteOnce")
      .describe("ReadWriteMany lets replicas on several nodes share one download."),
    size: quantity
      .optional()
      .describe(
        "Volume size; default: room for two revisions (a revision change downloads next to the verified one), twice the checkpoint's bytes plus headroomPercent of it, rounded up to Gi.",
      ),
    headroomPercent: z
      .number()
      .int()
      .min(0)
      .max(200)
      .default(10)
      .describe("Room above the checkpoint size for partial files and metadata."),
    downloadImage: imageRef
      .optional()
      .describe(
        "Image of the download and verification, with the hub's client in it; default: a pinned python slim image into which a first step installs pinned clients (never the engine image, so an engine upgrade leaves the cache alone).",
      ),
    endpoint: z
      .url({ protocol: /^https?$/, error: "an http(s) URL of a hub mirror, e.g. https://hf-mirror.example.com" })
      .optional()
      .describe(
        "Mirror of the model's hub for clusters behind a proxy (HF_ENDPOINT, MODELSCOPE_DOMAIN or OPENMIND_HUB_ENDPOINT).",
      ),
    allowPatterns: z
      .array(z.string().min(1))
      .default([])
      .describe("`hf download --include` globs; empty downloads the whole repository."),
    downloadBandwidthMBps: z
      .number()
      .positive()
      .default(100)
      .describe("Expected download rate (MB/s); sets the download Job's deadline and Pulumi's wait for it."),
    stallSeconds: z
      .number()
      .int()
      .min(60)
      .default(600)
      .describe(
        "A download that adds no bytes for this long is stopped and its pod fails (the next one resumes), instead of hanging until the Job's deadline.",
      ),
    refresh: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
        error: "a token of letters, digits, dots, underscores and dashes, at most 63 characters, e.g. 2026-12-01",
      })
      .optional()
      .describe(
        "Change it to run the download again: it enters the download's pod (a new Job; node-local: the pods that fill a node restart). A branch in model.revision is resolved to a commit when the download runs and stays on that commit until this changes.",
      ),
    readBandwidthMBps: z
      .number()
      .positive()
      .optional()
      .describe(
        "Read rate of the cache (MB/s); sets the engine's startup budget. Default: a volume 125 MB/s (an EBS gp3 volume's baseline; raise it for FSx/Filestore), node-local 4,000 MB/s (an estimate for NVMe RAID0; set what you measured).",
      ),
  })
  .describe("The volume holding the checkpoint, filled once by a download Job.");
