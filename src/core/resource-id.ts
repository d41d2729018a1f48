// ARM resource IDs: /subscriptions/{s}/resourceGroups/{g}/providers/{Namespace}/{type}/{name}[/{type}/{name}…]
// Segment keywords and namespaces are case-insensitive in ARM; names keep the case they were given.

export interface ResourceId {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. Microsoft.Compute */
  namespace: string;
  /** Type/name pairs from the provider down, e.g. [{type:'galleries',name:'g'},{type:'images',name:'d'}]. */
  path: { type: string; name: string }[];
  /** The last name. */
  name: string;
}

export function parseResourceId(id: string): ResourceId | undefined {
  const parts = id.split('/');
  if (parts[0] !== '' || parts.some((p, i) => i > 0 && p === '')) return undefined;
  const [, subs, subscriptionId, groups, resourceGroup, providers, namespace, ...rest] = parts;
  if (
    subs?.toLowerCase() !== 'subscriptions' ||
    groups?.toLowerCase() !== 'resourcegroups' ||
    providers?.toLowerCase() !== 'providers' ||
    !subscriptionId ||
    !resourceGroup ||
    !namespace ||
    rest.length === 0 ||
    rest.length % 2 !== 0
  )
    return undefined;
  const path: { type: string; name: string }[] = [];
  for (let i = 0; i < rest.length; i += 2) path.push({ type: rest[i], name: rest[i + 1] });
  return { id, subscriptionId, resourceGroup, namespace, path, name: path[path.length - 1].name };
}

/**
 * True when `rid` is of the given namespace and type chain, e.g.
 * `isResourceType(rid, 'Microsoft.Compute', 'galleries', 'images', 'versions')`.
 */
export function isResourceType(rid: ResourceId, namespace: string, ...types: string[]): boolean {
  return (
    rid.namespace.toLowerCase() === namespace.toLowerCase() &&
    rid.path.length === types.length &&
    rid.path.every((p, i) => p.type.toLowerCase() === types[i].toLowerCase())
  );
}

/** The subscription-level ID of a resource group. */
export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}
