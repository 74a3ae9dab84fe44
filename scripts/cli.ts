// What the command-line entry points share: how they end.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../infra/config/problems";
import { CapacityError } from "../infra/planner/gate";
import { RenderAllError } from "../infra/render/renderAll";
import { RenderWriteError } from "../infra/render/transaction";

/** The errors that are about the input (config, fit, a refused render): their message is the whole answer. */
function isInputError(e: unknown): e is Error {
  return (
    ConfigError.isInstance(e) ||
    CapacityError.isInstance(e) ||
    pulumi.RunError.isInstance(e) ||
    e instanceof RenderAllError ||
    e instanceof RenderWriteError
  );
}

/**
 * Runs a script's main and exits with its status. An input error prints its message (and `afterError`,
 * e.g. that nothing was written) and exits 1, never a stack trace; anything else is a bug and is thrown.
 */
export function runScript(main: () => Promise<number>, afterError?: string): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (!isInputError(e)) throw e;
      console.error(e.message);
      if (afterError) console.error(afterError);
      process.exit(1);
    },
  );
}
