/**
 * Builders return kubernetes-models objects (plain Kubernetes API, validated in tests); the
 * @pulumi/kubernetes classes take the same API shapes but type quantities as strings only, where
 * kubernetes-models also allows numbers. Builders only ever emit string quantities, so this bridge
 * is a type-level statement, not a conversion.
 */
export function asArgs<Args>(manifest: object): Args {
  return manifest as Args;
}
