/**
 * Which file of a bundle is the appspec. The agent takes `appspec.yml`, then `appspec.yaml`,
 * unless the deployment names another file (CodeDeploy's AppSpecFilename / --appspec-filename).
 */
export const APPSPEC_FILE_NAMES = ['appspec.yml', 'appspec.yaml'] as const;

/** The names to look for, in order of preference. */
export function appSpecCandidates(fileName?: string): readonly string[] {
  return fileName ? [fileName] : APPSPEC_FILE_NAMES;
}

/** The appspec among the names at the bundle root, or undefined when there is none. */
export function findAppSpecFile(names: Iterable<string>, fileName?: string): string | undefined {
  const present = new Set(names);
  return appSpecCandidates(fileName).find((name) => present.has(name));
}
