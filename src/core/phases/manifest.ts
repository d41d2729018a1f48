// Phase manifest: a JSON file describing every artifact, the exact source, durations and provenance.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BuildOutputs, BuildSettings, Manifest, PhaseTiming, ResolvedSource } from '../types.js';
import type { ScriptResult } from './customize.js';
import { describeSource } from './resolve-source.js';

export function buildManifest(args: {
  settings: BuildSettings;
  source: ResolvedSource;
  outputs: Omit<BuildOutputs, 'manifestPath' | 'imageId' | 'sourceImage'>;
  location: string;
  scripts: ScriptResult[];
  phases: PhaseTiming[];
  totalSeconds: number;
  builtAt?: Date;
}): Manifest {
  const { settings, source, outputs } = args;
  const round = (n: number): number => Math.round(n * 10) / 10;
  return {
    schemaVersion: 1,
    builtAt: (args.builtAt ?? new Date()).toISOString(),
    source: {
      requested: describeSource(settings.source),
      exact: source.exact,
      osType: source.osType,
      hyperVGeneration: source.hyperVGeneration,
      ...(source.plan ? { plan: source.plan } : {}),
    },
    artifacts: {
      ...(outputs.managedImageId ? { managedImageId: outputs.managedImageId } : {}),
      ...(outputs.galleryImageVersionId ? { galleryImageVersionId: outputs.galleryImageVersionId } : {}),
      ...(outputs.galleryImageVersion ? { galleryImageVersion: outputs.galleryImageVersion } : {}),
      ...(outputs.regions ? { regions: outputs.regions } : {}),
      ...(outputs.pendingRegions ? { pendingRegions: outputs.pendingRegions } : {}),
    },
    location: args.location,
    vmSize: settings.vm.size,
    scripts: args.scripts.map((s) => ({ name: s.name, exitCode: s.exitCode, seconds: round(s.seconds) })),
    phases: args.phases.map((p) => ({ ...p, seconds: round(p.seconds) })),
    provenance: settings.provenance,
    totalSeconds: round(args.totalSeconds),
  };
}

export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}
