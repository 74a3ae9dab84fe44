import * as pulumi from "@pulumi/pulumi";

/**
 * Secret config beyond the credentials, secret end to end. The objects are built from the validated
 * spec as plain values, so which field of which object came from a secret config key is not tracked;
 * when any of the stack's own keys other than hfToken and apiKey is a Pulumi secret (`pulumi config
 * set --secret glm-serving:engine ...`), every resource the stack registers gets all its inputs but
 * apiVersion, kind and metadata as Pulumi secrets, and those outputs named in additionalSecretOutputs:
 * encrypted in the state, shown as [secret] in previews, redacted by a render (which GitOps then
 * refuses, like any Pulumi secret). Metadata (names, labels, annotations) stays readable: it names the
 * object, and Kubernetes shows it to whoever may list the objects, so no secret belongs there (Pulumi
 * would turn the whole metadata secret for one secret label). hfToken and apiKey need none of this:
 * they only ever travel as secret outputs into the credentials Secret.
 */

/** Inputs that identify an object. */
const PLAIN = new Set(["apiVersion", "kind", "metadata"]);

/** The stack's own secret keys whose values reach objects as plain values (all but the credentials). */
export function secretSettings(secretKeys: Iterable<string>, namespace: string, credentials: readonly string[]) {
  const own = new Set(credentials.map((k) => `${namespace}:${k}`));
  return [...secretKeys].filter((k) => k.startsWith(`${namespace}:`) && !own.has(k)).sort();
}

/** A transformation (for a component: it reaches every descendant) making every input a secret. */
export const secretEveryInput: pulumi.ResourceTransformation = (args) => {
  // Components hold no state of their own; the key generator's inputs are its length and alphabet.
  if (!args.type.includes(":") || args.type.startsWith("glm:") || args.type.startsWith("random:")) return undefined;
  const props: Record<string, unknown> = {};
  const secret: string[] = [];
  for (const [k, v] of Object.entries(args.props)) {
    if (v === undefined || PLAIN.has(k)) props[k] = v;
    else {
      props[k] = pulumi.secret(v);
      secret.push(k);
    }
  }
  return {
    props,
    opts: pulumi.mergeOptions(args.opts, { additionalSecretOutputs: secret }),
  };
};
