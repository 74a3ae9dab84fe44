import * as pulumi from "@pulumi/pulumi";
import { program } from "../program";

/**
 * Runs the Pulumi program with no CLI and no cluster: Pulumi's own mock monitor stands in for the
 * engine, and every resource the program registers is recorded with the inputs it would send to
 * the provider. This is the same program `pulumi up` runs, not a re-implementation.
 */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly provider?: string;
}

export interface ProgramRun {
  readonly resources: RegisteredResource[];
  readonly outputs: Record<string, unknown>;
}

export const PROJECT = "glm-serving";

/** What stands for a generated API key offline (the render redacts it; tests look for it). */
export const OFFLINE_GENERATED_KEY = "offline-stand-in-for-the-key-pulumi-up-generates";

/**
 * `run` is the program by default; tests wrap it to observe resource options (parents,
 * dependencies) through a stack transformation.
 */
export async function runProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
  run: () => Promise<Record<string, unknown>> = program,
): Promise<ProgramRun> {
  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          ...(args.provider ? { provider: args.provider } : {}),
        });
        // Offline there is no build: a built image's tag stands for the digest `pulumi up` would use;
        // no key is generated either: a fixed stand-in, which reaches a render only redacted.
        const state =
          args.type === "docker:index/image:Image"
            ? { ...args.inputs, repoDigest: args.inputs["imageName"] }
            : args.type === "random:index/randomPassword:RandomPassword"
              ? { ...args.inputs, result: OFFLINE_GENERATED_KEY }
              : args.inputs;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  const outputs = (await pulumi.runtime.runInPulumiStack(run)) ?? {};
  await pulumi.runtime.disconnect();
  return { resources, outputs: outputs as Record<string, unknown> };
}
