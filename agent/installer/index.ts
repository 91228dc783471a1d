export { installRevision, type InstallOptions } from './install-revision.js';
export { cleanupInstall, type InstallRecord } from './install-record.js';
export { InstallError, type InstallErrorCode } from './install-error.js';
export { installPath } from './install-root.js';
export { matchesSimpleGlob } from './simple-glob.js';
