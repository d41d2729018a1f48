// Step outputs and the job summary: what was built, from what, and how long each phase took.

import * as core from '@actions/core';
import type { BuildOutputs, BuildResult } from '../core/types.js';

/**
 * Sets the step outputs. `partial` (early outputs, Host.onOutputs) sets only the values given; the
 * final call sets every output, empty when there is no value.
 */
export function setOutputs(outputs: Partial<BuildOutputs>, partial = false): void {
  const values: Record<string, string | undefined> = {
    'image-id': outputs.imageId,
    'managed-image-id': outputs.managedImageId,
    'gallery-image-version-id': outputs.galleryImageVersionId,
    'gallery-image-version': outputs.galleryImageVersion,
    'gallery-regions': outputs.regions?.join(','),
    'source-image': outputs.sourceImage,
    'manifest-path': outputs.manifestPath,
  };
  for (const [name, value] of Object.entries(values)) {
    if (!partial || value !== undefined) core.setOutput(name, value ?? '');
  }
}

/** `75` -> `1 min 15 s`; `4.2` -> `4 s`. */
export function formatSeconds(seconds: number): string {
  const total = Math.round(seconds);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  if (h > 0) return `${h} h ${m} min`;
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

const code = (text: string) => `<code>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`;

/** Renders the summary into `summary` (not yet written). */
export function renderSummary(result: BuildResult, summary = core.summary): typeof core.summary {
  const { outputs, manifest } = result;
  const artifacts: [string, string | undefined][] = [
    ['Gallery image version', outputs.galleryImageVersionId],
    ['Version', outputs.galleryImageVersion],
    ['Regions', outputs.regions?.join(', ')],
    ['Regions still replicating', outputs.pendingRegions?.join(', ')],
    ['Managed image', outputs.managedImageId],
    ['Source (requested)', manifest.source.requested],
    ['Source (exact)', outputs.sourceImage],
    ['OS', `${manifest.source.osType}, Hyper-V ${manifest.source.hyperVGeneration}`],
    ['Build', `${manifest.vmSize} in ${manifest.location}`],
    ['Manifest', outputs.manifestPath],
  ];
  summary
    .addHeading('Azure image build', 2)
    .addTable(
      artifacts
        .filter((row): row is [string, string] => Boolean(row[1]))
        .map(([name, value]) => [name, code(value)]),
    );
  if (manifest.scripts.length > 0) {
    summary.addHeading('Scripts', 3).addTable([
      [
        { data: 'Script', header: true },
        { data: 'Exit code', header: true },
        { data: 'Duration', header: true },
      ],
      ...manifest.scripts.map((s) => [code(s.name), String(s.exitCode), formatSeconds(s.seconds)]),
    ]);
  }
  summary.addHeading('Phases', 3).addTable([
    [
      { data: 'Phase', header: true },
      { data: 'Duration', header: true },
    ],
    ...manifest.phases.map((p) => [p.phase, formatSeconds(p.seconds)]),
    ['<b>Total</b>', `<b>${formatSeconds(manifest.totalSeconds)}</b>`],
  ]);
  return summary;
}

/** Writes the job summary; a summary that cannot be written (no GITHUB_STEP_SUMMARY) is only a debug note. */
export async function writeSummary(render: (summary: typeof core.summary) => unknown): Promise<void> {
  try {
    render(core.summary);
    await core.summary.write();
  } catch (error) {
    core.debug(`Job summary not written: ${(error as Error).message}`);
  } finally {
    core.summary.emptyBuffer();
  }
}

export function renderFailure(message: string, summary = core.summary): typeof core.summary {
  return summary.addHeading('Azure image build failed', 2).addCodeBlock(message);
}
