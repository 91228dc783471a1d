import type { GitProvider } from '../domain/triggers.js';
import type { GitHost } from './git-host.js';
import { GitHubHost } from './github/github-host.js';
import { GitLabHost } from './gitlab/gitlab-host.js';

export const GIT_HOSTS: Readonly<Record<GitProvider, GitHost>> = { GitHub: new GitHubHost(), GitLab: new GitLabHost() };
