import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";

type IObjectMeta = NonNullable<IDeployment["metadata"]>;

/**
 * The part of LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) this project writes. No typed model of it
 * is published on npm; the tests validate every rendered LeaderWorkerSet against the upstream CRD's
 * OpenAPI schema instead (../shared/crds).
 */
export interface ILeaderWorkerSet {
  apiVersion: "leaderworkerset.x-k8s.io/v1";
  kind: "LeaderWorkerSet";
  metadata: IObjectMeta;
  spec: {
    replicas?: number;
    startupPolicy?: "LeaderCreated" | "LeaderReady";
    leaderWorkerTemplate: {
      size: number;
      restartPolicy?: "RecreateGroupOnPodRestart" | "RecreateGroupAfterStart" | "None";
      leaderTemplate?: { metadata?: IObjectMeta; spec: IPodSpec };
      workerTemplate: { metadata?: IObjectMeta; spec: IPodSpec };
    };
  };
}
