/**
 * Kinds of storage a weight cache can live on, and what each offers: which access modes, and where
 * a volume of it is bound once it exists (a zone, a node, or nowhere). `weightCache.storageClass.type`
 * names one; the rules refuse combinations the storage cannot serve (ReadWriteMany on a block device,
 * a download on another node than a node-bound volume's), and the README lists their speeds.
 */
export type VolumeTopology = "zone" | "node" | "none";

export interface StorageKind {
  readonly id: string;
  readonly description: string;
  readonly accessModes: readonly ("ReadWriteOnce" | "ReadWriteMany")[];
  /** zone: a zonal volume (EBS, FSx for Lustre, Ceph in one zone); node: a node's disk; none: regional. */
  readonly topology: VolumeTopology;
}

export const STORAGE_KINDS = {
  "ebs-gp3": {
    id: "ebs-gp3",
    description: "Amazon EBS gp3 (EBS CSI driver), a zonal block volume",
    accessModes: ["ReadWriteOnce"],
    topology: "zone",
  },
  "fsx-lustre": {
    id: "fsx-lustre",
    description: "Amazon FSx for Lustre (FSx CSI driver), a zonal shared file system",
    accessModes: ["ReadWriteOnce", "ReadWriteMany"],
    topology: "zone",
  },
  efs: {
    id: "efs",
    description: "Amazon EFS (EFS CSI driver), a regional shared file system",
    accessModes: ["ReadWriteOnce", "ReadWriteMany"],
    topology: "none",
  },
  "local-path": {
    id: "local-path",
    description: "a node's own disk (local-path provisioner, local persistent volumes)",
    accessModes: ["ReadWriteOnce"],
    topology: "node",
  },
  "ceph-rbd": {
    id: "ceph-rbd",
    description: "Ceph RBD (Rook / ceph-csi), a block volume",
    accessModes: ["ReadWriteOnce"],
    topology: "none",
  },
  cephfs: {
    id: "cephfs",
    description: "CephFS (Rook / ceph-csi), a shared file system",
    accessModes: ["ReadWriteOnce", "ReadWriteMany"],
    topology: "none",
  },
  nfs: {
    id: "nfs",
    description: "an NFS export (nfs-subdir-external-provisioner, csi-driver-nfs, Filestore)",
    accessModes: ["ReadWriteOnce", "ReadWriteMany"],
    topology: "none",
  },
  other: {
    id: "other",
    description: "any other class: the stack trusts the access mode you ask for",
    accessModes: ["ReadWriteOnce", "ReadWriteMany"],
    topology: "none",
  },
} as const satisfies Record<string, StorageKind>;

export type StorageKindId = keyof typeof STORAGE_KINDS;
export const STORAGE_KIND_IDS = Object.keys(STORAGE_KINDS) as [StorageKindId, ...StorageKindId[]];
