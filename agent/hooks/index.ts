export { runHookScript, shellQuote } from './run-hook-script.js';
export { hookEnvironment, type HookEnvironmentInput } from './hook-environment.js';
export { tailBytes } from './tail-bytes.js';
export { processGroupAlive, stopProcessGroup } from './process-group.js';
export type { HookResult, OutputStream, RunHookOptions } from './hook-result.js';
