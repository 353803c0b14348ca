export { main, type MainOptions } from './main.js';
export { Shell, FAIL, type ShellIO } from './shell.js';
export type { CmdDef, CmdGroup, OptDef, OptType } from './command.js';
export { groups } from './commands/index.js';
