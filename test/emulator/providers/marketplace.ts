// The Marketplace over HTTP: Microsoft.Compute VirtualMachineImages (publishers, offers, skus, versions, one
// version) and Microsoft.MarketplaceOrdering agreements (api 2021-01-01). The rules and their sources live in
// the pure modules under ../marketplace/ (catalog-api.ts, terms.ts; SOURCES.md); this file routes requests to
// them and turns their error objects into ARM error responses.
//
// One catalog and one terms store per emulator: `marketplaceOf(core)` hands the same instances to the compute
// provider, so "latest" resolution, image features, plans and accepted terms agree between the image API and
// VM create.
import { ArmError } from '../errors.js';
import { Catalog } from '../marketplace/catalog.js';
import { CatalogApi, isArmError, type ApiResult } from '../marketplace/catalog-api.js';
import { MarketplaceTermsStore } from '../marketplace/terms.js';
import type { EmulatorCore } from '../core.js';
import type { ArmRequest, ArmResponse, RouteDef } from '../router.js';

/** State key 'marketplace': the same key and shape as compute-vm-source.ts uses, whichever creates it first. */
export interface Marketplace {
  /** `api.catalog` is the catalog; tests may `api.catalog.publish(...)` a newer image. */
  api: CatalogApi;
  terms: MarketplaceTermsStore;
}

/** The emulator's Marketplace (created on first use). */
export function marketplaceOf(core: EmulatorCore): Marketplace {
  return core.stateOf<Marketplace>('marketplace', () => {
    const catalog = new Catalog();
    return {
      api: new CatalogApi(catalog),
      terms: new MarketplaceTermsStore({ catalog, now: () => new Date(core.clock.now()) }),
    };
  });
}

function answer<T>(r: ApiResult<T>): ArmResponse {
  if (isArmError(r)) throw new ArmError(r.status, r.code, r.message, undefined, r.target);
  return { status: 200, body: r.body };
}

const IMAGES = '/subscriptions/{sub}/providers/Microsoft.Compute/locations/{location}/publishers';

export function marketplaceRoutes(core: EmulatorCore): RouteDef[] {
  const m = () => marketplaceOf(core);
  // Image lists are per region; an unknown region gets ARM's location error (core.requireLocation).
  const loc = (req: ArmRequest) => core.requireLocation(req.params.location, 'locations/publishers');
  const agreementsCurrent =
    '/subscriptions/{sub}/providers/Microsoft.MarketplaceOrdering/offerTypes/{offerType}/publishers/{publisher}/offers/{offer}/plans/{plan}/agreements/current';
  const agreement =
    '/subscriptions/{sub}/providers/Microsoft.MarketplaceOrdering/agreements/{publisher}/offers/{offer}/plans/{plan}';
  return [
    {
      method: 'GET',
      path: IMAGES,
      handler: (req) => answer(m().api.listPublishers(req.params.sub, loc(req))),
    },
    {
      method: 'GET',
      path: `${IMAGES}/{publisher}/artifacttypes/vmimage/offers`,
      handler: (req) => answer(m().api.listOffers(req.params.sub, loc(req), req.params.publisher)),
    },
    {
      method: 'GET',
      path: `${IMAGES}/{publisher}/artifacttypes/vmimage/offers/{offer}/skus`,
      handler: (req) =>
        answer(m().api.listSkus(req.params.sub, loc(req), req.params.publisher, req.params.offer)),
    },
    {
      method: 'GET',
      path: `${IMAGES}/{publisher}/artifacttypes/vmimage/offers/{offer}/skus/{sku}/versions`,
      handler: (req) =>
        answer(
          m().api.listVersions(
            req.params.sub,
            loc(req),
            req.params.publisher,
            req.params.offer,
            req.params.sku,
            {
              orderby: req.query.get('$orderby') ?? undefined,
              top: req.query.get('$top') ?? undefined,
              expand: req.query.get('$expand') ?? undefined,
            },
          ),
        ),
    },
    {
      method: 'GET',
      path: `${IMAGES}/{publisher}/artifacttypes/vmimage/offers/{offer}/skus/{sku}/versions/{version}`,
      handler: (req) =>
        answer(
          m().api.getImageVersion(
            req.params.sub,
            loc(req),
            req.params.publisher,
            req.params.offer,
            req.params.sku,
            req.params.version,
          ),
        ),
    },
    {
      method: 'GET',
      path: agreementsCurrent,
      handler: (req) =>
        answer(
          m().terms.getCurrent(
            req.params.sub,
            req.params.offerType,
            req.params.publisher,
            req.params.offer,
            req.params.plan,
          ),
        ),
    },
    {
      method: 'PUT',
      path: agreementsCurrent,
      handler: (req) =>
        answer(
          m().terms.putCurrent(
            req.params.sub,
            req.params.offerType,
            req.params.publisher,
            req.params.offer,
            req.params.plan,
            req.body,
          ),
        ),
    },
    {
      method: 'GET',
      path: agreement,
      handler: (req) =>
        answer(
          m().terms.getAgreement(req.params.sub, req.params.publisher, req.params.offer, req.params.plan),
        ),
    },
    {
      method: 'POST',
      path: `${agreement}/sign`,
      handler: (req) =>
        answer(m().terms.sign(req.params.sub, req.params.publisher, req.params.offer, req.params.plan)),
    },
    {
      method: 'POST',
      path: `${agreement}/cancel`,
      handler: (req) =>
        answer(m().terms.cancel(req.params.sub, req.params.publisher, req.params.offer, req.params.plan)),
    },
  ];
}
