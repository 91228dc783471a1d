/**
 * Checks of a group's triggers and git source that need the config (the schema cannot see it):
 * the secretRef must name a configured secret, the clone URL must be one git may fetch, and
 * email targets need SMTP. A mistake here is a 400 at creation instead of a silent failure later.
 */
import type { Config } from '../config.js';
import { secretRefKey } from '../config.js';
import { InvalidInputError } from '../errors.js';
import type { GitSource, TriggerConfig } from '../domain/triggers.js';
import { checkCloneUrl } from '../git-hosts/clone-url.js';

export function checkGroupSettings(config: Config, triggers: readonly TriggerConfig[] | undefined, gitSource: GitSource | undefined): void {
  if (triggers?.some((t) => t.targets.some((target) => target.type === 'email')) && !config.notify.smtpUrl) {
    throw new InvalidInputError('InvalidTriggerConfigException', 'Email targets need an SMTP server: set CUTOVER_SMTP_URL.', { path: 'triggerConfigurations' });
  }
  if (!gitSource) return;
  if (config.git.webhookSecrets[secretRefKey(gitSource.secretRef)] === undefined) {
    throw new InvalidInputError(
      'InvalidGitSourceException',
      `gitSource.secretRef ${gitSource.secretRef} names no configured secret; set CUTOVER_WEBHOOK_SECRET_${secretRefKey(gitSource.secretRef)} on the api and workers.`,
      { path: 'gitSource.secretRef' },
    );
  }
  if (gitSource.cloneUrl) {
    const check = checkCloneUrl(gitSource.cloneUrl, config.git.allowLocal);
    if (!check.ok) throw new InvalidInputError('InvalidGitSourceException', `gitSource.cloneUrl: ${check.reason}.`, { path: 'gitSource.cloneUrl' });
  }
}
