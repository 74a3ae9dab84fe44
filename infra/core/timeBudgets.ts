/** The time budgets of a stack (planner/budgets.ts computes them from its storage and checkpoint). */
export interface TimeBudgets {
  readonly readWeightsSeconds: number;
  readonly startupSeconds: number;
  readonly startupProbe: { readonly periodSeconds: number; readonly failureThreshold: number };
  readonly downloadDeadlineSeconds: number;
  readonly pulumiJobTimeoutSeconds: number;
  readonly pulumiEngineTimeoutSeconds: number;
  /**
   * The engine Deployment's progressDeadlineSeconds: its pods may wait for the cache (the init step
   * waits up to the download deadline), then load (startup), after a node and an image pull. The
   * default 600 s would mark every start ProgressDeadlineExceeded.
   */
  readonly progressDeadlineSeconds: number;
}
