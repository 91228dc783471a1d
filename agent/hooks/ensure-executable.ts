/**
 * The checks the CodeDeploy agent makes before it runs a script: the file must exist (else
 * ScriptMissing); if it is not executable, `chmod +x` is tried, and only if that fails is it
 * ScriptNotExecutable.
 */
import { constants } from 'node:fs';
import { access, chmod, stat } from 'node:fs/promises';
import { messages, type HookResult } from './hook-result.js';

const EXEC_BITS = constants.S_IXUSR | constants.S_IXGRP | constants.S_IXOTH;

/** Undefined when the script can be run; otherwise the result to report. */
export async function ensureExecutable(
  scriptPath: string,
  location: string,
  notice: (line: string) => void,
): Promise<HookResult | undefined> {
  let info;
  try {
    info = await stat(scriptPath);
  } catch {
    return { errorCode: 'ScriptMissing', message: messages.missing(location) };
  }
  if (!info.isFile()) return { errorCode: 'ScriptMissing', message: messages.notAFile(location) };
  if (await isExecutable(scriptPath)) return undefined;
  notice(`[cutover] Script at specified location: ${location} is not executable. Trying to make it executable.`);
  try {
    await chmod(scriptPath, (info.mode & 0o7777) | EXEC_BITS);
  } catch {
    return { errorCode: 'ScriptNotExecutable', message: messages.notExecutable(location) };
  }
  return (await isExecutable(scriptPath))
    ? undefined
    : { errorCode: 'ScriptNotExecutable', message: messages.notExecutable(location) };
}

async function isExecutable(scriptPath: string): Promise<boolean> {
  try {
    await access(scriptPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
