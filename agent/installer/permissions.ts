/**
 * The appspec's `permissions`, applied the way the CodeDeploy agent does: only to what this
 * install created (pre-existing files are never touched), and
 * - an object that is an installed file gets the entry itself (type must include file, and then
 *   pattern must be "**" with no except, as the agent requires);
 * - an object that is a directory (installed or not) gets it on the installed files (type file)
 *   and installed directories (type directory) below it that match pattern and not except;
 * - one path set by two entries is an error.
 * Ownership is changed before the mode: chown clears setuid/setgid bits, so the mode must come last.
 * acls and SELinux context are reported as not supported rather than silently dropped.
 */
import { chmod, lchown, lstat, stat } from 'node:fs/promises';
import type { AppSpecPermission } from '../../shared/appspec/index.js';
import type { CopyPlan } from './copy-plan.js';
import { InstallError } from './install-error.js';
import { installPath } from './install-root.js';
import { permissionMatches } from './simple-glob.js';
import { lookupGid, lookupUid, type IdLookup } from './user-ids.js';

export interface PermissionAction {
  path: string;
  permission: AppSpecPermission;
}

export async function planPermissions(
  permissions: readonly AppSpecPermission[],
  plan: CopyPlan,
  installRoot: string | undefined,
  log: (line: string) => void,
): Promise<PermissionAction[]> {
  const actions: PermissionAction[] = [];
  const targeted = new Set<string>();
  const set = (path: string, permission: AppSpecPermission): void => {
    if (targeted.has(path)) {
      throw new InstallError(
        'INVALID_PERMISSION',
        `The deployment failed because the permissions setting for (${path}) is specified more than once in the application specification file.`,
      );
    }
    targeted.add(path);
    actions.push({ path, permission });
  };

  for (const permission of permissions) {
    const object = installPath(permission.object, installRoot);
    if (plan.copyTargets.has(object)) {
      if (!permission.type.includes('file')) continue;
      if (permission.pattern !== '**') {
        throw new InstallError(
          'INVALID_PERMISSION',
          `The deployment failed because the application specification file includes an object (${permission.object}) with an invalid pattern (${permission.pattern}), such as a pattern for a file applied to a directory.`,
        );
      }
      if (permission.except.length > 0) {
        throw new InstallError(
          'INVALID_PERMISSION',
          `The deployment failed because the except parameter for a pattern in the permissions section (${permission.except.join(', ')}) for the object named ${permission.object} contains an invalid format.`,
        );
      }
      set(object, permission);
    } else if (plan.mkdirTargets.has(object) || (await isDirectory(object))) {
      const candidates = [
        ...(permission.type.includes('file') ? plan.copyTargets.keys() : []),
        ...(permission.type.includes('directory') ? plan.mkdirTargets : []),
      ];
      for (const target of candidates) {
        if (permissionMatches(object, permission.pattern, permission.except, target)) set(target, permission);
      }
    } else {
      log(`Permissions: nothing was installed at ${object}; its entry was skipped.`);
    }
  }
  return actions;
}

export async function applyPermissions(
  actions: readonly PermissionAction[],
  log: (line: string) => void,
  ids: { uid: IdLookup; gid: IdLookup } = { uid: lookupUid, gid: lookupGid },
): Promise<void> {
  const uids = new Map<string, number>();
  const gids = new Map<string, number>();
  const unsupported = new Set<AppSpecPermission>();
  for (const { path, permission } of actions) {
    const uid = permission.owner === undefined ? -1 : await resolve(permission.owner, uids, ids.uid, 'UNKNOWN_OWNER', 'owner');
    const gid = permission.group === undefined ? -1 : await resolve(permission.group, gids, ids.gid, 'UNKNOWN_GROUP', 'group');
    if (uid !== -1 || gid !== -1) await lchown(path, uid, gid);
    if (permission.mode !== undefined) {
      // A symlink has no mode of its own on Linux, and chmod would change whatever it points at.
      if ((await lstat(path)).isSymbolicLink()) log(`Permissions: ${path} is a symbolic link; its mode was left alone.`);
      else await chmod(path, permission.mode);
    }
    if ((permission.acls || permission.context) && !unsupported.has(permission)) {
      unsupported.add(permission);
      log(`Permissions: acls and context are not supported by Cutover yet; they were not applied under ${permission.object}.`);
    }
  }
  if (actions.length > 0) log(`Permissions: applied to ${actions.length} path(s).`);
}

async function resolve(
  name: string,
  cache: Map<string, number>,
  lookup: IdLookup,
  code: 'UNKNOWN_OWNER' | 'UNKNOWN_GROUP',
  what: string,
): Promise<number> {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const id = await lookup(name);
  if (id === undefined) {
    throw new InstallError(code, `The deployment failed because the ${what} ${name} in the permissions section does not exist on this host.`);
  }
  cache.set(name, id);
  return id;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}
