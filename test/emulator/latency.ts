// Azure's operation latencies, in model seconds, from facts §6 (sources there:
// PYREC/JSREC recordings, Packer and bosh issues). The emulator spends
// `seconds × timeScale` of real time on each. Values are deterministic so that
// benchmark figures are repeatable; override any of them per emulator instance.
export const AZURE_LATENCY_SECONDS = {
  /** VM create: 54 s (PYREC), 62 s (JSREC). */
  vmCreate: 58,
  /** A trivial run command: 40 s (PYREC); the docs say at least ~20 s. Script run time adds to it. */
  runCommandOverhead: 25,
  /** powerOff: 11 s (PYREC). */
  powerOff: 11,
  /** deallocate: 23 s (PYREC); 46–53 s (packer-plugin-azure#141). */
  deallocate: 35,
  /** start / restart: no recorded figure; assumed like a short boot. (unverified) */
  start: 30,
  restart: 40,
  /** Delete of a deallocated VM: 0.4 s (PYREC). A running VM takes longer (unverified guess). */
  vmDeleteDeallocated: 0.4,
  vmDeleteRunning: 20,
  /** Gallery / image definition create: 0.4 s / 0.14 s (PYREC galleries). */
  galleryCreate: 0.4,
  galleryImageCreate: 0.14,
  /** Image version, one region: 8–11 min (PYREC 11 m 16 s; bosh-azure-cpi-release#710). */
  galleryVersionFirstRegion: 540,
  /** Each further region replicates in parallel but adds tail time: 15–20 min typical for several (plugin#313). */
  galleryVersionPerExtraRegion: 150,
  galleryDelete: 5,
  /** Managed image from a VM: no figure found; guess tens of seconds (facts §6). */
  managedImageCreate: 40,
  imageDelete: 5,
  /** Resource group delete: 78 s small (JSREC); 3–4 min typical (hashicorp/packer#5293). */
  resourceGroupDelete: 78,
  /** Network resources: a few seconds each (unverified; ARM network PUTs are quick). */
  networkCreate: 3,
  networkDelete: 3,
  natGatewayCreate: 10,
  /**
   * A template deployment's own time beyond its resources' operations: ARM validates the template and
   * queues the job before the first resource is requested, and marks the deployment done a moment after
   * its last resource (unverified: no fact gives a figure; modelled small, half before, half after).
   */
  deploymentOverhead: 2,
  deploymentDelete: 1,
  /** Disk / snapshot create from nothing or from a VHD blob (unverified). */
  diskCreate: 4,
  diskImport: 30,
  diskDelete: 2,
  /** Sysprep on Windows Server, generalize pass to shutdown (unverified; minutes in practice). */
  sysprep: 120,
} satisfies Record<string, number>;

export type LatencyName = keyof typeof AZURE_LATENCY_SECONDS;

export class LatencyModel {
  private readonly seconds: Record<LatencyName, number>;

  constructor(overrides: Partial<Record<LatencyName, number>> = {}) {
    this.seconds = { ...AZURE_LATENCY_SECONDS, ...overrides };
  }

  /** Model milliseconds of an operation. */
  ms(name: LatencyName): number {
    return this.seconds[name] * 1000;
  }

  table(): Record<LatencyName, number> {
    return { ...this.seconds };
  }
}
