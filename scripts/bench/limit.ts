// The limit a build is measured against: the sum of Azure's own operation durations along the
// critical path to the image ID, with no waiting between them (issue 7). It is derived from what
// the build actually asked Azure for (the long-running operations the emulator started, each with
// the duration the emulator's latency table gave it, facts §6) and from the dependencies Azure
// itself imposes between them — never from the action's own timing:
//   public IP → NAT gateway ┐
//   NSG ────────────────────┴→ VNet → NIC → VM → run commands, in order → deallocate ┬→ managed image
//   gallery → image definition ──────────────────────────────────────────────────────┴→ gallery version
// The image ID is known when every capture operation (managed image, gallery version) is done.
// Reads, synchronous calls (resource group PUT, generalize) and deletes (cleanup comes after the
// image ID) add nothing. A Windows sysprep is started by one run command and then runs on in the
// guest; the least Azure lets a client see of it is: the run command's way in (half its overhead),
// sysprep itself, and the way out of one run command that reads ImageState (the other half). The
// ImageState checks themselves are waiting, not work, and are left out.

export type OperationKind =
  | 'publicIp'
  | 'nsg'
  | 'natGateway'
  | 'vnet'
  | 'nic'
  | 'deployment'
  | 'disk'
  | 'vm'
  | 'runCommand'
  | 'sysprep'
  | 'imageStateCheck'
  | 'powerAction'
  | 'deallocate'
  | 'managedImage'
  | 'gallery'
  | 'galleryImage'
  | 'galleryVersion'
  | 'delete'
  | 'other';

/** One long-running operation the emulator started (recorded by the benchmark). */
export interface OperationRecord {
  method: string;
  path: string;
  /** Model time (epoch ms) it was submitted. */
  startedAt: number;
  /** Model ms the emulator gave it from its latency table. */
  durationMs: number;
  /** Model ms it really took in the emulator (for a run command: overhead + the script's own run time). */
  tookMs?: number;
}

export interface LimitOptions {
  /** Model ms of the run command overhead (latency table `runCommandOverhead`). */
  runCommandOverheadMs: number;
  /** Model ms a Windows sysprep runs in the guest (latency table `sysprep`). */
  sysprepMs: number;
  /**
   * Model ms ARM's deployment engine adds around a template deployment (latency table
   * `deploymentOverhead`). The deployment's resources are operations of their own in the graph; this
   * is the engine's own share, Azure time like any other.
   */
  deploymentOverheadMs?: number;
}

export interface PathStep {
  kind: OperationKind;
  name: string;
  ms: number;
}

export interface Limit {
  limitMs: number;
  /** The critical path, in order. */
  path: PathStep[];
}

const SYSPREP_COMMAND = /^aib-sysprep$/i;
const IMAGE_STATE_COMMAND = /^aib-imagestate-\d+$/i;

export function classifyOperation(method: string, path: string): OperationKind {
  const m = method.toUpperCase();
  const p = path.toLowerCase();
  if (m === 'DELETE') return 'delete';
  const last = p.split('/').filter(Boolean).slice(-2);
  if (m === 'POST') {
    if (last[1] === 'deallocate') return 'deallocate';
    if (['poweroff', 'start', 'restart', 'redeploy', 'reapply'].includes(last[1] ?? '')) return 'powerAction';
    if (last[1] === 'runcommand') return 'runCommand';
    return 'other';
  }
  if (/\/virtualmachines\/[^/]+\/runcommands\/[^/]+$/.test(p)) {
    const name = path.split('/').pop() ?? '';
    if (SYSPREP_COMMAND.test(name)) return 'sysprep';
    if (IMAGE_STATE_COMMAND.test(name)) return 'imageStateCheck';
    return 'runCommand';
  }
  const rules: [RegExp, OperationKind][] = [
    [/\/microsoft\.network\/publicipaddresses\/[^/]+$/, 'publicIp'],
    [/\/microsoft\.network\/networksecuritygroups\/[^/]+$/, 'nsg'],
    [/\/microsoft\.network\/natgateways\/[^/]+$/, 'natGateway'],
    [/\/microsoft\.network\/virtualnetworks\/[^/]+(\/subnets\/[^/]+)?$/, 'vnet'],
    [/\/microsoft\.network\/networkinterfaces\/[^/]+$/, 'nic'],
    [/\/microsoft\.resources\/deployments\/[^/]+$/, 'deployment'],
    [/\/microsoft\.compute\/(disks|snapshots)\/[^/]+$/, 'disk'],
    [/\/microsoft\.compute\/virtualmachines\/[^/]+$/, 'vm'],
    [/\/microsoft\.compute\/images\/[^/]+$/, 'managedImage'],
    [/\/microsoft\.compute\/galleries\/[^/]+\/images\/[^/]+\/versions\/[^/]+$/, 'galleryVersion'],
    [/\/microsoft\.compute\/galleries\/[^/]+\/images\/[^/]+$/, 'galleryImage'],
    [/\/microsoft\.compute\/galleries\/[^/]+$/, 'gallery'],
  ];
  for (const [re, kind] of rules) if (re.test(p)) return kind;
  return 'other';
}

/** What Azure needs to exist before it can create each kind (a NAT gateway needs its public IP…). */
const AFTER: Partial<Record<OperationKind, OperationKind[]>> = {
  natGateway: ['publicIp'],
  vnet: ['nsg', 'natGateway'],
  nic: ['vnet'],
  // A template deployment ends after its resources (the network, in this action).
  deployment: ['nic', 'vnet', 'nsg', 'natGateway', 'publicIp'],
  vm: ['nic', 'disk', 'deployment'],
  galleryImage: ['gallery'],
};

/** Operations on the VM, one after the other. */
const VM_SEQUENCE = new Set<OperationKind>(['runCommand', 'sysprep', 'powerAction', 'deallocate']);

interface Node {
  kind: OperationKind;
  name: string;
  ms: number;
  deps: Node[];
  finish?: number;
  via?: Node;
}

/** The longest chain of Azure operations that ends with every image captured. */
export function criticalPath(ops: readonly OperationRecord[], opts: LimitOptions): Limit {
  const sorted = [...ops].sort((a, b) => a.startedAt - b.startedAt);
  const nodes: Node[] = [];
  const ofKind = (...kinds: OperationKind[]) => nodes.filter((n) => kinds.includes(n.kind));
  // The sequence on the VM: each run command, power action and deallocate waits for the one before.
  let vmChainEnd: Node | undefined;
  for (const op of sorted) {
    const kind = classifyOperation(op.method, op.path);
    if (kind === 'delete' || kind === 'imageStateCheck' || kind === 'other') continue;
    const name = op.path.split('/').pop() ?? '';
    // Only a run command's time depends on more than the table (its script); elsewhere the table's
    // figure is exact and the settle time would only add timer jitter.
    const scripted = kind === 'runCommand' || kind === 'sysprep';
    let ms = scripted ? Math.max(op.durationMs, op.tookMs ?? 0) : op.durationMs;
    if (kind === 'deployment') ms = opts.deploymentOverheadMs ?? 0;
    if (kind === 'sysprep') ms = Math.max(ms, opts.runCommandOverheadMs + opts.sysprepMs);
    const node: Node = { kind, name, ms, deps: [] };
    const afterVm = vmChainEnd ? [vmChainEnd] : ofKind('vm');
    if (VM_SEQUENCE.has(kind)) {
      node.deps = afterVm;
      vmChainEnd = node;
    } else if (kind === 'managedImage') node.deps = afterVm;
    else if (kind === 'galleryVersion') node.deps = [...afterVm, ...ofKind('galleryImage')];
    else node.deps = ofKind(...(AFTER[kind] ?? []));
    nodes.push(node);
  }
  for (const n of nodes) {
    const before = n.deps.reduce<Node | undefined>(
      (best, d) => (best === undefined || d.finish! > best.finish! ? d : best),
      undefined,
    );
    n.via = before;
    n.finish = (before?.finish ?? 0) + n.ms;
  }
  const captures = ofKind('managedImage', 'galleryVersion');
  const ends = captures.length ? captures : nodes;
  let last = ends.reduce<Node | undefined>(
    (best, n) => (best === undefined || n.finish! > best.finish! ? n : best),
    undefined,
  );
  const path: PathStep[] = [];
  for (; last; last = last.via) path.unshift({ kind: last.kind, name: last.name, ms: last.ms });
  return { limitMs: path.reduce((s, p) => s + p.ms, 0), path };
}
