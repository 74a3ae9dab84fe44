// The few entry points of fengari (a Lua VM in JavaScript, no bundled types) the health-check tests use.
declare module "fengari" {
  type State = object;
  export const lua: {
    lua_getglobal(L: State, name: Uint8Array): number;
    lua_tojsstring(L: State, index: number): string;
    lua_pop(L: State, n: number): void;
  };
  export const lauxlib: { luaL_newstate(): State; luaL_dostring(L: State, code: Uint8Array): number };
  export const lualib: { luaL_openlibs(L: State): void };
  export function to_luastring(s: string): Uint8Array;
}
