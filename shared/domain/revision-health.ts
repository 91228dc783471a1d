/**
 * CodeDeploy's revision health of an instance, relative to a revision (its deployment group's
 * target revision, or a new deployment's): Current when the last deployment of the group that
 * reached the instance installed that revision and succeeded there; Old when it was another
 * revision, or it failed there (the host may hold part of it); Unknown when no deployment of the
 * group ever reached it. Only Current instances are left alone by updateOutdatedInstancesOnly.
 */
export type RevisionHealth = 'Current' | 'Old' | 'Unknown';

export interface LastDeployedRevision {
  digest: string;
  status: 'Succeeded' | 'Failed';
}

export function revisionHealth(last: LastDeployedRevision | undefined, digest: string | undefined): RevisionHealth {
  if (last === undefined) return 'Unknown';
  return last.status === 'Succeeded' && last.digest === digest ? 'Current' : 'Old';
}

export function isOutdated(last: LastDeployedRevision | undefined, digest: string): boolean {
  return revisionHealth(last, digest) !== 'Current';
}

export type RevisionSortBy = 'registerTime' | 'firstUsedTime' | 'lastUsedTime';

export interface RevisionTimes {
  registerTime: string;
  firstUsedTime?: string;
  lastUsedTime?: string;
}

/**
 * ListApplicationRevisions: `deployed` include = only revisions a deployment used, exclude = only
 * never-used ones; sorted by the chosen time (never-used ones last when sorting by a use time).
 */
export function listRevisions<T extends RevisionTimes>(
  revisions: readonly T[],
  options: { sortBy?: RevisionSortBy; sortOrder?: 'ascending' | 'descending'; deployed?: 'include' | 'exclude' | 'ignore' },
): T[] {
  const deployed = options.deployed ?? 'ignore';
  const kept = revisions.filter((r) => deployed === 'ignore' || (deployed === 'include') === (r.firstUsedTime !== undefined));
  const by = options.sortBy ?? 'registerTime';
  const direction = options.sortOrder === 'descending' ? -1 : 1;
  return [...kept].sort((a, b) => {
    const x = a[by];
    const y = b[by];
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    return x.localeCompare(y) * direction;
  });
}
