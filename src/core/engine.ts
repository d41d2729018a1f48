// The build and the cleanup. The steps load this module with a dynamic import (kept in the entry
// chunk, evaluated on import), so the main step sends its first token request before the engine's
// modules are evaluated. The Compute client, half of the code, is a chunk of its own, loaded by the
// build once its first Azure request has been answered (azure/compute-client.ts).
export { runBuild } from './build.js';
export { cleanupLedger } from './cleanup.js';
