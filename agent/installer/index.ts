export { installRevision, type InstallOptions } from './install-revision.js';
export { cleanupInstall, type InstallRecord } from './install-record.js';
export { InstallError, type InstallErrorCode } from './install-error.js';
export { installPath } from './install-root.js';
export { matchesSimpleGlob } from './simple-glob.js';
export { allowanceViolations, describeViolations, runasAllowed, agentUser, type HostAllowance } from './host-allowance.js';
export { loadHostAllowance, HostConfigError, type HostConfigInput } from './host-config.js';
