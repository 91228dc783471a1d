/**
 * Which instances a deployment group targets. CodeDeploy's rules: a flat filter list matches an
 * instance that matches ANY filter; a tag set (list of such lists, at most 3) matches an instance
 * that matches at least one filter of EACH list.
 */

export type TagFilterType = 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE';

export interface TagFilter {
  key?: string;
  value?: string;
  type?: TagFilterType;
}

export type Tags = Record<string, string>;

export function matchesFilter(tags: Tags, filter: TagFilter): boolean {
  const type = filter.type ?? (filter.value === undefined ? 'KEY_ONLY' : filter.key === undefined ? 'VALUE_ONLY' : 'KEY_AND_VALUE');
  switch (type) {
    case 'KEY_ONLY':
      return filter.key !== undefined && Object.hasOwn(tags, filter.key);
    case 'VALUE_ONLY':
      return Object.values(tags).includes(filter.value ?? '');
    case 'KEY_AND_VALUE':
      return filter.key !== undefined && Object.hasOwn(tags, filter.key) && tags[filter.key] === filter.value;
  }
}

export function matchesAny(tags: Tags, filters: readonly TagFilter[]): boolean {
  return filters.some((filter) => matchesFilter(tags, filter));
}

export function matchesTagSet(tags: Tags, tagSet: readonly (readonly TagFilter[])[]): boolean {
  return tagSet.length > 0 && tagSet.every((group) => matchesAny(tags, group));
}

export interface TargetSelector {
  instanceTagFilters?: readonly TagFilter[];
  instanceTagSet?: readonly (readonly TagFilter[])[];
}

export function isTargeted(tags: Tags, selector: TargetSelector): boolean {
  if (selector.instanceTagSet && selector.instanceTagSet.length > 0) return matchesTagSet(tags, selector.instanceTagSet);
  return matchesAny(tags, selector.instanceTagFilters ?? []);
}
