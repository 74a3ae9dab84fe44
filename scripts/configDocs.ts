// npm run docs:config: writes docs/configuration.md, the configuration reference, from the zod schema.
import { writeFileSync } from "node:fs";
import { configReference } from "../infra/config/reference";

writeFileSync("docs/configuration.md", configReference());
console.log("Wrote docs/configuration.md");
