import type { FilterSpec } from '../config/types.js';

/**
 * Name filters (SPEC section 2): '*' matches any run of characters, '_' included;
 * case-sensitive; deny wins; no allow means all.
 */
export type NameFilter = (name: string) => boolean;

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function compileFilter(spec: FilterSpec): NameFilter {
  const allow = spec.allow?.map(globToRegExp);
  const deny = spec.deny.map(globToRegExp);
  if (!allow && deny.length === 0) return () => true;
  return (name) => (!allow || allow.some((re) => re.test(name))) && !deny.some((re) => re.test(name));
}
