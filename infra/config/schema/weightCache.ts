import { z } from "zod";
import { STORAGE_KIND_IDS } from "../../catalog/storageClasses";
import { imageRef, quantity } from "../../core/schemaFields";
import { cacheHostPath } from "./hostPath";
import { dnsSubdomain } from "../../core/kubernetesFields";

export const weightCacheSchema = z
  .strictObject({
    mode: z
      .enum(["volume", "node-local"])
      .default("volume")
      .describe(
        "volume: one PersistentVolumeClaim filled by a Job; node-local: a copy on each pool node's disk (hostPath), filled by a prefetch DaemonSet.",
      ),
    hostPath: cacheHostPath
      .default("/var/lib/glm-serving/weights")
      .describe("node-local: the directory on each node (local NVMe) holding the cache."),
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
      .describe("Volume size; default: the checkpoint's bytes plus headroomPercent, rounded up to Gi."),
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
    readBandwidthMBps: z
      .number()
      .positive()
      .default(125)
      .describe(
        "Read rate of the cache volume (MB/s); sets the engine's startup budget. Default: an EBS gp3 volume's 125 MB/s baseline; raise it for FSx/Filestore/local NVMe.",
      ),
  })
  .describe("The volume holding the checkpoint, filled once by a download Job.");
