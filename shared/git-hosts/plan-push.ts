/**
 * Which deployment groups a verified push deploys, or why it deploys nothing. Pure.
 * A group deploys a push when its gitSource names this host, this repository (case-insensitive),
 * this branch, and the secret that signed the request — so the holder of one repository's
 * secret cannot deploy another's.
 */
import type { DeploymentGroup } from '../domain/types.js';
import type { GitProvider } from '../domain/triggers.js';
import { secretRefKey } from '../config.js';
import type { PushEvent } from './git-host.js';

export type PushPlan = { deploy: DeploymentGroup[] } | { ignore: string };

export function planPush(provider: GitProvider, push: PushEvent, groups: readonly DeploymentGroup[], secretRef: string): PushPlan {
  if (push.isTag) return { ignore: `${push.ref} is a tag push; only branch pushes deploy.` };
  if (!push.branch) return { ignore: `${push.ref} is not a branch.` };
  if (push.deleted) return { ignore: `The push deleted branch ${push.branch}.` };
  const repo = push.repository.toLowerCase();
  const ofRepo = groups.filter((g) => g.gitSource?.provider === provider && g.gitSource.repository.toLowerCase() === repo);
  if (ofRepo.length === 0) return { ignore: `No deployment group deploys ${provider} repository ${push.repository}.` };
  const signed = ofRepo.filter((g) => secretRefKey(g.gitSource!.secretRef) === secretRef);
  if (signed.length === 0) return { ignore: `The request was signed with a secret that no deployment group of ${push.repository} names.` };
  const deploy = signed.filter((g) => g.gitSource!.branch === push.branch);
  if (deploy.length === 0) {
    const watched = [...new Set(signed.map((g) => g.gitSource!.branch))].join(', ');
    return { ignore: `Branch ${push.branch} of ${push.repository} is not deployed (deployed branches: ${watched}).` };
  }
  return { deploy };
}
