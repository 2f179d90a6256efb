import type { ProfileSpec } from '../config/types.js';
import type { Identity } from './types.js';

/**
 * Whether `identity` may use `profile` (SPEC section 10, `profiles.NAME.access`): without an
 * access list, every identified caller; with one, a caller named in `users` or in one of
 * `groups`. The admin flag does not bypass a list (least privilege: list admins or their group).
 */
export function mayUse(profile: Pick<ProfileSpec, 'access'>, identity: Identity): boolean {
  const access = profile.access;
  if (!access) return true;
  if (access.users.includes(identity.name)) return true;
  return identity.groups.some((g) => access.groups.includes(g));
}
