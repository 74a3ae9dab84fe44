// Entry point of `pulumi up -s <stack>` (Pulumi.yaml `main`): the exported promise resolves to the stack outputs.
import { program } from "./program";

export = program();
