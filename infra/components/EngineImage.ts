import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImageBuild } from "../engines/images";

/** The engine's image, built from images/ and pushed; `digest` is what the containers run. */
export class EngineImage extends pulumi.ComponentResource {
  readonly digest: pulumi.Output<string>;

  constructor(name: string, args: { readonly build: ImageBuild }, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:EngineImage", name, {}, opts);
    const b = args.build;
    const image = new docker.Image(
      name,
      { imageName: b.imageName, build: { context: b.context, platform: b.platform, args: b.args } },
      { parent: this },
    );
    this.digest = image.repoDigest;
    this.registerOutputs({ digest: this.digest });
  }
}
