// Microsoft.Resources: resource groups and the resources listed in a group.
// - PUT answers 201 when created, 200 when updated; a missing location is 400 LocationRequired.
// - DELETE answers 202 with only a Location header (/subscriptions/{s}/operationresults/{id})
//   and Retry-After: 15; its polls answer 202 empty, then 200 empty (facts §2, JSREC
//   recording_resourcegroups_delete_test.json). While it runs the group shows
//   provisioningState "Deleting"; when it ends, every resource in the group is gone.
// - A missing group: 404 ResourceGroupNotFound, also for DELETE.
import { ArmError, resourceGroupNotFound } from '../errors.js';
import { groupId } from '../store.js';
import type { ArmResource } from '../store.js';
import type { EmulatorCore } from '../core.js';
import type { ArmRequest, RouteDef } from '../router.js';

const GROUP_NAME = /^[-\w._()]{1,90}$/;

function groupView(g: ArmResource): ArmResource {
  return {
    id: g.id,
    name: g.name,
    type: g.type,
    location: g.location,
    ...(g.tags ? { tags: g.tags } : {}),
    properties: g.properties,
  };
}

export function resourcesRoutes(core: EmulatorCore): RouteDef[] {
  const groupPath = '/subscriptions/{sub}/resourcegroups/{rg}';
  const get = (req: ArmRequest) => {
    const g = core.store.get(groupId(req.params.sub, req.params.rg));
    if (!g) throw resourceGroupNotFound(req.params.rg);
    return g;
  };
  return [
    {
      method: 'PUT',
      path: groupPath,
      handler: (req) => {
        const { sub, rg } = req.params;
        if (!GROUP_NAME.test(rg) || rg.endsWith('.')) {
          throw new ArmError(
            400,
            'InvalidResourceGroup',
            `The provided resource group name '${rg}' has these invalid characters: '${rg.replace(/[-\w._()]/g, '')}'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.`,
          );
        }
        const existing = core.store.get(groupId(sub, rg));
        if (existing?.properties?.provisioningState === 'Deleting') {
          throw new ArmError(
            409,
            'ResourceGroupBeingDeleted',
            `The resource group '${rg}' is in deprovisioning state and cannot perform this operation.`,
          );
        }
        const location = core.requireLocation(req.body?.location, 'resourceGroups');
        if (existing && existing.location !== location) {
          throw new ArmError(
            409,
            'InvalidResourceGroupLocation',
            `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`,
          );
        }
        const g = core.store.put({
          id: groupId(sub, rg),
          name: existing?.name ?? rg,
          type: 'Microsoft.Resources/resourceGroups',
          location,
          tags: req.body?.tags ?? existing?.tags,
          properties: { provisioningState: 'Succeeded' },
        });
        return { status: existing ? 200 : 201, body: groupView(g) };
      },
    },
    { method: 'GET', path: groupPath, handler: (req) => ({ status: 200, body: groupView(get(req)) }) },
    // checkExistence: 204 when the group exists, 404 when not (ResourceGroups_CheckExistence in the spec).
    { method: 'HEAD', path: groupPath, handler: (req) => (get(req), { status: 204 }) },
    {
      method: 'PATCH',
      path: groupPath,
      handler: (req) => {
        const g = get(req);
        if (req.body?.tags) g.tags = req.body.tags;
        return { status: 200, body: groupView(g) };
      },
    },
    {
      method: 'DELETE',
      path: groupPath,
      handler: (req) => {
        const g = get(req);
        g.properties = { ...g.properties, provisioningState: 'Deleting' };
        const headers = core.lro.start({
          req,
          provider: 'Microsoft.Resources',
          location: g.location ?? 'global',
          durationMs: core.ms('resourceGroupDelete'),
          headers: 'location',
          subscriptionLevelLocation: true,
          retryAfterSeconds: 15,
          complete: () => {
            for (const r of core.store.list(g.id + '/')) core.store.delete(r.id);
            core.store.delete(g.id);
            for (const hook of deleteHooks(core)) hook(g.id);
            return undefined;
          },
        });
        return { status: 202, headers };
      },
    },
    {
      method: 'GET',
      path: '/subscriptions/{sub}/resourcegroups',
      handler: (req) => ({
        status: 200,
        body: {
          value: core.store
            .list(`/subscriptions/${req.params.sub}/resourceGroups/`)
            .filter((r) => r.type === 'Microsoft.Resources/resourceGroups')
            .map(groupView),
        },
      }),
    },
    {
      method: 'GET',
      path: '/subscriptions/{sub}/resourcegroups/{rg}/resources',
      handler: (req) => {
        const g = get(req);
        const value = core.store
          .list(g.id + '/providers/')
          .filter(isTopLevel)
          .map((r) => ({
            id: r.id,
            name: r.name,
            type: r.type,
            location: r.location,
            ...(r.tags ? { tags: r.tags } : {}),
          }));
        return { status: 200, body: { value } };
      },
    },
  ];
}

// Deployments (deployment history, providers/deployments.ts) are not resources of the group: ARM's
// resource list does not show them.
function isTopLevel(r: ArmResource): boolean {
  if (r.type.toLowerCase() === 'microsoft.resources/deployments') return false;
  return r.id.split('/providers/')[1]?.split('/').length === 3;
}

/** Providers register a callback to drop their own state (guests, blobs…) when a group is deleted. */
export function deleteHooks(core: EmulatorCore): ((groupId: string) => void)[] {
  return core.stateOf('resources.deleteHooks', () => [] as ((groupId: string) => void)[]);
}
