// The heavy half of the action: the build and the cleanup, with the Azure SDK clients they use (most of
// the bundle). The steps load it with a dynamic import of this one module (one chunk, shared by the
// main and post steps), so the main step can start its first token request before it is loaded.
export { runBuild } from './build.js';
export { cleanupLedger } from './cleanup.js';
