import type { ModelHub } from "./models";

/**
 * The weight cache's own image: a small, pinned Python image, not the engine's. The download and its
 * verification then never change when the engine is upgraded (a new engine tag leaves the download
 * Job, its name and the verified cache alone), and pulling it costs seconds instead of a 20 GB engine
 * image on a node that may not be the engine's.
 *
 * The hub clients are not in the image: a first init step installs these pinned versions into an
 * emptyDir (`pip install --target`), so the image stays the official one and every version is written
 * here. Versions: PyPI's current releases of huggingface-hub (with hf-xet, for Xet-backed
 * repositories), modelscope and openmind-hub. A cluster without PyPI access sets
 * `weightCache.downloadImage` to an image that has the clients, and the install step is left out.
 */
export const DOWNLOAD_IMAGE = { repository: "docker.io/library/python", tag: "3.12.12-slim-bookworm" } as const;

export const HUB_CLIENT_PACKAGES: Readonly<Record<ModelHub, readonly string[]>> = {
  huggingface: ["huggingface-hub==2.4.0", "hf-xet==1.8.0"],
  modelscope: ["modelscope==1.40.2"],
  modelers: ["openmind-hub==1.3.0"],
};

/**
 * engine.streamFrom: the download step also copies the verified revision to the bucket
 * (infra/containerScripts/mirror_to_bucket.py) with boto3, PyPI's current release.
 */
export const MIRROR_CLIENT_PACKAGES: readonly string[] = ["boto3==1.44.5"];
