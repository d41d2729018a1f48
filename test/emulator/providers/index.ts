// Every resource provider the emulator serves. Each module exports its routes
// (and optionally start/stop hooks for services it needs, such as Azurite).
import type { EmulatorCore } from '../core.js';
import type { RouteDef } from '../router.js';
import { resourcesRoutes } from './resources.js';
import { computeVmRoutes, startComputeVm, stopComputeVm } from './compute-vm.js';
import { networkRoutes } from './network.js';
import { marketplaceRoutes } from './marketplace.js';
import { imagesRoutes } from './images.js';
import { galleriesRoutes } from './galleries.js';
import { disksRoutes } from './disks.js';
import { deploymentsRoutes } from './deployments.js';

interface Provider {
  routes(core: EmulatorCore): RouteDef[];
  start?(core: EmulatorCore): Promise<void>;
  stop?(core: EmulatorCore): Promise<void>;
}

const PROVIDERS: Provider[] = [
  { routes: resourcesRoutes },
  { routes: computeVmRoutes, start: startComputeVm, stop: stopComputeVm },
  { routes: networkRoutes },
  { routes: marketplaceRoutes },
  { routes: imagesRoutes },
  { routes: galleriesRoutes },
  { routes: disksRoutes },
  { routes: deploymentsRoutes },
];

export function providerRoutes(core: EmulatorCore): RouteDef[] {
  return PROVIDERS.flatMap((p) => p.routes(core));
}

export async function startProviders(core: EmulatorCore): Promise<void> {
  for (const p of PROVIDERS) await p.start?.(core);
}

export async function stopProviders(core: EmulatorCore): Promise<void> {
  for (const p of PROVIDERS) await p.stop?.(core);
}
