export { BundleError, isBundleError, type BundleErrorCode } from './bundle-error.js';
export { detectBundleType } from './detect-type.js';
export { extractBundle } from './extract-bundle.js';
export { readBundleFile, type BundleFile } from './read-bundle-file.js';
export { bundleRootPrefix } from './bundle-root.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, type BundleLimits } from './limits.js';
