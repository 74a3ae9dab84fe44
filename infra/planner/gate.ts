import type { ServingSpec } from "../config/spec";
import type { CapacityPlan } from "./capacity";
import { formatPlan } from "./format";
import { planStack } from "./fromSpec";

/**
 * Raised when a valid stack cannot fit its devices: `pulumi up` and `npm run render` both stop here,
 * before anything is created or downloaded, and the message carries the plan's numbers.
 */
export class CapacityError extends Error {
  readonly plan: CapacityPlan;

  constructor(plan: CapacityPlan) {
    super(`Stack "${plan.stack}" does not fit its devices; nothing was deployed.\n${formatPlan(plan)}`);
    this.name = "CapacityError";
    this.plan = plan;
  }

  static isInstance(e: unknown): e is CapacityError {
    return e instanceof Error && e.name === "CapacityError";
  }
}

/** The stack's plan; throws CapacityError when it does not fit. */
export function assertFits(spec: ServingSpec): CapacityPlan {
  const plan = planStack(spec);
  if (!plan.fits) throw new CapacityError(plan);
  return plan;
}
