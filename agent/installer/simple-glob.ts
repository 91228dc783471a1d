/**
 * The permissions section's matching, as the CodeDeploy agent implements it (the docs are
 * vaguer). Relative to `object`:
 * - pattern "**" matches every path below object, at any depth;
 * - any other pattern is a "simple glob" (only `*`, never crossing "/") matched against the
 *   names directly inside object;
 * - `except` globs are simple globs too, so they only exclude direct children.
 */
export function matchesSimpleGlob(name: string, glob: string): boolean {
  if (name.includes('/')) return false;
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** The part of `target` below `object`, or undefined when target is not below it (object itself included). */
export function below(object: string, target: string): string | undefined {
  const base = object.endsWith('/') ? object : `${object}/`;
  return target.startsWith(base) && target.length > base.length ? target.slice(base.length) : undefined;
}

export function permissionMatches(object: string, pattern: string, except: readonly string[], target: string): boolean {
  const rel = below(object, target);
  if (rel === undefined) return false;
  if (pattern !== '**' && !matchesSimpleGlob(rel, pattern)) return false;
  return !except.some((glob) => matchesSimpleGlob(rel, glob));
}
