// npm run docs:config: writes docs/configuration.md, the configuration reference, from the zod schema.
import { writeFileSync } from "node:fs";
import { configReference } from "../infra/config/reference";
import { runScript, type Command } from "./cli";

export const command: Command = {
  name: "docs:config",
  usage: "",
  summary: "Writes docs/configuration.md, the configuration reference, from the zod schema.",
  async run(_args, io) {
    writeFileSync("docs/configuration.md", configReference());
    io.out("Wrote docs/configuration.md");
    return 0;
  },
};

runScript(command);
