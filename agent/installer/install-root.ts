/**
 * installRoot lets several simulated hosts share one machine: every absolute appspec path
 * /x/y is installed at <installRoot>/x/y instead.
 */
import path from 'node:path';

export function installPath(absolute: string, installRoot?: string): string {
  return installRoot ? path.join(installRoot, absolute) : absolute;
}
