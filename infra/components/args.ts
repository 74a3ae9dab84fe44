/**
 * Builders return kubernetes-models objects (plain Kubernetes API, validated in tests); the
 * @pulumi/kubernetes classes take the same API shapes but type quantities as strings only, where
 * kubernetes-models also allows numbers. Builders only ever emit string quantities, so this bridge
 * is a type-level statement, not a conversion.
 */
export function asArgs<Args>(manifest: object): Args {
  return manifest as Args;
}

/**
 * A manifest with every occurrence of the image reference `from` replaced by `to` (a pushed image's
 * digest, known only once the build ran): engine, init steps and the download all run the same image.
 */
export function withImage<T>(manifest: T, from: string, to: unknown): T {
  const walk = (v: unknown): unknown => {
    if (v === from) return to;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(manifest) as T;
}
