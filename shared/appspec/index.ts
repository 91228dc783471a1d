export { parseAppSpec } from './parse-appspec.js';
export { readAppSpecFile, type AppSpecText } from './read-appspec-file.js';
export { validateAppSpecAgainstBundle } from './validate-against-bundle.js';
export { APPSPEC_FILE_NAMES, appSpecCandidates, findAppSpecFile } from './find-appspec-file.js';
export { parseMode } from './permission-mode.js';
export { bundleRelative } from './fields.js';
export { lineFor } from './problem-paths.js';
export * from './types.js';
