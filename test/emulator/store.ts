// The emulator's resource store: every ARM resource as the JSON document Azure
// returns for it, keyed by its resource ID. ARM resource IDs are case-insensitive
// (names keep the case they were created with), so keys are lower-cased.
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: Record<string, any>;
  /** Emulator-only state (guest disk, generalized flag…): never sent over the wire; see view(). */
  internal?: Record<string, any>;
  [key: string]: any;
}

/** The resource as Azure returns it: everything but the emulator's `internal` state, deep-copied. */
export function view<T extends ArmResource>(resource: T): Omit<T, 'internal'> {
  const { internal: _internal, ...rest } = resource;
  return structuredClone(rest);
}

export class ResourceStore {
  private readonly resources = new Map<string, ArmResource>();

  get<T extends ArmResource = ArmResource>(id: string): T | undefined {
    return this.resources.get(id.toLowerCase()) as T | undefined;
  }

  has(id: string): boolean {
    return this.resources.has(id.toLowerCase());
  }

  put<T extends ArmResource>(resource: T): T {
    this.resources.set(resource.id.toLowerCase(), resource);
    return resource;
  }

  delete(id: string): boolean {
    return this.resources.delete(id.toLowerCase());
  }

  /** Every resource whose ID starts with `prefix` (case-insensitive). */
  list(prefix = ''): ArmResource[] {
    const p = prefix.toLowerCase();
    return [...this.resources.entries()].filter(([k]) => k.startsWith(p)).map(([, v]) => v);
  }

  /** Resources of one type directly under a parent ID (e.g. the VMs of a resource group). */
  listChildren(parentId: string, type: string): ArmResource[] {
    const prefix = parentId.toLowerCase() + '/';
    const t = type.toLowerCase();
    return this.list(prefix).filter((r) => r.type.toLowerCase() === t);
  }

  all(): ArmResource[] {
    return [...this.resources.values()];
  }
}

/** The resource ID of a resource group. */
export const groupId = (subscriptionId: string, resourceGroup: string): string =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;

/** Splits an ARM resource ID into subscription, group, provider and type/name pairs. */
export function parseResourceId(
  id: string,
):
  | { subscriptionId: string; resourceGroup: string; provider: string; types: string[]; names: string[] }
  | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i.exec(id);
  if (!m) return undefined;
  const rest = m[4].split('/');
  if (rest.length % 2 !== 0) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i]);
    names.push(rest[i + 1]);
  }
  return { subscriptionId: m[1], resourceGroup: m[2], provider: m[3], types, names };
}

/** `Microsoft.Compute/virtualMachines` style type of a resource ID. */
export function typeOfId(id: string): string | undefined {
  const p = parseResourceId(id);
  return p ? [p.provider, ...p.types].join('/') : undefined;
}
