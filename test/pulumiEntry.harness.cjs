// Loads infra/index.ts the way `pulumi up` does (cmd/run in @pulumi/pulumi): ts-node registered with
// the project's tsconfig, the entry module required, its exported promise awaited. Pulumi's mock
// monitor stands in for the engine. Prints the stack outputs as JSON. ts-node only transpiles here:
// the type check `pulumi up` adds is the one `npm test` already ran (tsc -b builds
// tsconfig.build.json, which is tsconfig.json's options over the same files); a second check of the
// whole program here would cost a quarter of the test run.
const path = require("node:path");
const root = path.resolve(__dirname, "..");
process.chdir(root);
require("ts-node").register({
  compiler: "typescript",
  transpileOnly: true,
  project: "tsconfig.json",
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...require("typescript").readConfigFile("tsconfig.json", require("typescript").sys.readFile).config.compilerOptions,
  },
});
const pulumi = require("@pulumi/pulumi");
const registered = [];
pulumi.runtime
  .setMocks(
    { newResource: (a) => (registered.push(a.type), { id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
    "glm-serving",
    process.argv[2],
    false,
  )
  .then(async () => {
    pulumi.runtime.setAllConfig(JSON.parse(process.argv[3] || "{}"));
    const outputs = await pulumi.runtime.runInPulumiStack(() => require(path.join(root, "infra", "index.ts")));
    await pulumi.runtime.disconnect();
    process.stdout.write(JSON.stringify({ outputs, registered }));
  })
  .catch((e) => {
    process.stderr.write(String(e && e.message));
    process.exit(1);
  });
