import type { ServingSpec } from "../config/spec";
import { engineDriver } from "../engines";
import { timeBudgets } from "../planner/budgets";
import { benchmarkClaim, benchmarkJob } from "./benchmark";
import { engineScaledObject } from "./scaleOut/autoscaling";
import { routerHttpRoute, routerRelease } from "./scaleOut/router";
import { dashboardConfigMap, prometheusRule } from "./observe";
import { smokeTestJob } from "./smokeTest";
import { engineWorkload } from "./engineWorkload";
import { namespace } from "./namespace";
import { engineNetworkPolicy } from "./networkPolicy";
import { prefetchNodePolicy, prefetchNodePolicyBinding } from "./prefetchPolicy";
import { ec2NodeClass, karpenterNodePool } from "./nodePool";
import { engineDisruptionBudget } from "./disruptionBudget";
import { credentialKeys, credentialsExternalSecret, credentialsSecret } from "./secret";
import { engineService, engineServiceMonitor } from "./service";
import { poolScheduling } from "./nodePool";
import { downloadPlacement } from "./cachePlacement";
import {
  cacheClaim,
  cacheScriptsConfigMap,
  downloadJob,
  prefetchClusterRole,
  prefetchClusterRoleBinding,
  prefetchDaemonSet,
  prefetchServiceAccount,
} from "./weightCache";

/**
 * Every Kubernetes object of a stack, as plain objects: the single source both `pulumi up` (through
 * the components) and the offline render use. Optional parts are undefined when the stack has none.
 */
export function stackManifests(
  spec: ServingSpec,
  /** The cache's helper scripts (default: infra/containerScripts); the update-safety test changes them. */
  options: { readonly cacheScriptFiles?: Record<string, string> } = {},
) {
  const budgets = timeBudgets(spec);
  const engineContainer = engineDriver(spec.engine).process(spec, budgets);
  const cacheScripts = cacheScriptsConfigMap(spec, options.cacheScriptFiles);
  const engine = engineWorkload(spec, engineContainer, budgets);
  return {
    namespace: namespace(spec),
    credentials: credentialsSecret(spec),
    externalCredentials: credentialsExternalSecret(spec),
    credentialKeys: credentialKeys(spec),
    nodePool: karpenterNodePool(spec),
    nodeClass: ec2NodeClass(spec),
    cacheClaim: cacheClaim(spec),
    cacheScripts,
    prefetch: {
      serviceAccount: prefetchServiceAccount(spec),
      clusterRole: prefetchClusterRole(spec),
      clusterRoleBinding: prefetchClusterRoleBinding(spec),
      nodePolicy: prefetchNodePolicy(spec),
      nodePolicyBinding: prefetchNodePolicyBinding(spec),
      daemonSet: prefetchDaemonSet(spec, budgets, poolScheduling(spec)),
    },
    downloadJob: downloadJob(spec, budgets, downloadPlacement(spec), cacheScripts.data ?? {}),
    engine,
    disruptionBudget: engineDisruptionBudget(spec),
    service: engineService(spec),
    networkPolicy: engineNetworkPolicy(spec),
    serviceMonitor: engineServiceMonitor(spec),
    benchmarkClaim: benchmarkClaim(spec),
    benchmarkJob: benchmarkJob(spec, budgets),
    smokeTestJob: smokeTestJob(spec, budgets, engineContainer, engine),
    router: routerRelease(spec),
    httpRoute: routerHttpRoute(spec),
    scaledObject: engineScaledObject(spec, budgets),
    dashboard: dashboardConfigMap(spec),
    alertRules: prometheusRule(spec, budgets),
    budgets,
  };
}

export type StackManifests = ReturnType<typeof stackManifests>;
