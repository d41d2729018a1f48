// Microsoft.MarketplaceOrdering agreements (api 2021-01-01) and the purchase-plan checks of VM create.
// Spec: specification/marketplaceordering/resource-manager/Microsoft.MarketplaceOrdering/stable/2021-01-01/
// Agreements.json and its examples (Azure/azure-rest-api-specs). Sources for each rule: SOURCES.md.

import { createHash } from 'node:crypto';
import type { ArmErrorLike, ApiResult } from './catalog-api.js';
import { Catalog, type ImagePlan } from './catalog.js';

/** AgreementTerms as the service returns it (GET/PUT …/agreements/current, sign, cancel, GetAgreement). */
export interface AgreementTermsBody {
  id: string;
  name: string;
  type: 'Microsoft.MarketplaceOrdering/offertypes';
  properties: {
    publisher: string;
    product: string;
    plan: string;
    licenseTextLink: string;
    privacyPolicyLink: string;
    marketplaceTermsLink: string;
    retrieveDatetime: string;
    signature: string;
    accepted: boolean;
  };
}

export interface TermsStoreOptions {
  catalog?: Catalog;
  /** Clock for retrieveDatetime (ISO 8601 UTC). */
  now?: () => Date;
}

const key = (sub: string, publisher: string, product: string, plan: string): string =>
  [sub, publisher, product, plan].map((s) => s.toLowerCase()).join('|');

// Unknown offer/plan: the service's wording for a missing offer (MicrosoftDocs/azure-docs#37015, inner error
// of a purchase check). Status 404 and code NotFound for the agreements API are unverified.
const offerNotFound = (publisher: string, product: string): ArmErrorLike => ({
  status: 404,
  code: 'NotFound',
  message: `Offer with PublisherId: ${publisher} and OfferId: ${product} not found. If this offer has been created recently, please allow up to 30 minutes for this offer to be available for Purchase. If error persists, contact support.`,
});

// Only offerType "virtualmachine" exists (spec enum). The code for another value is unverified.
const badOfferType = (offerType: string): ArmErrorLike => ({
  status: 400,
  code: 'BadRequest',
  message: `Offer type '${offerType}' is not supported. Supported offer types: virtualmachine.`,
});

/** Per-subscription acceptance of Marketplace terms. */
export class MarketplaceTermsStore {
  private readonly catalog: Catalog;
  private readonly now: () => Date;
  private readonly accepted = new Map<string, string>(); // key -> retrieveDatetime of acceptance

  constructor(options: TermsStoreOptions = {}) {
    this.catalog = options.catalog ?? new Catalog();
    this.now = options.now ?? (() => new Date());
  }

  isAccepted(subscriptionId: string, publisher: string, product: string, plan: string): boolean {
    return this.accepted.has(key(subscriptionId, publisher, product, plan));
  }

  /** GET /subscriptions/{s}/providers/Microsoft.MarketplaceOrdering/offerTypes/{offerType}/publishers/{p}/
   * offers/{o}/plans/{plan}/agreements/current — the terms to sign, with `accepted` for this subscription.
   * A never-accepted plan answers 200 with accepted:false (az vm image terms show). */
  getCurrent(
    subscriptionId: string,
    offerType: string,
    publisher: string,
    product: string,
    plan: string,
  ): ApiResult<AgreementTermsBody> {
    if (offerType.toLowerCase() !== 'virtualmachine') return badOfferType(offerType);
    const terms = this.catalog.findPlanTerms(publisher, product, plan);
    if (!terms) return offerNotFound(publisher, product);
    return { status: 200, body: this.body(subscriptionId, terms.plan, terms.privacyPolicyLink) };
  }

  /** PUT …/agreements/current with the AgreementTerms body. Clients (az vm image terms accept, terraform
   * azurerm_marketplace_agreement) GET the terms and PUT them back with properties.accepted = true; false
   * revokes. The service's validation of signature/links is not documented: the emulator requires only a
   * boolean properties.accepted (unverified; error code BadRequest assumed). */
  putCurrent(
    subscriptionId: string,
    offerType: string,
    publisher: string,
    product: string,
    plan: string,
    requestBody: unknown,
  ): ApiResult<AgreementTermsBody> {
    if (offerType.toLowerCase() !== 'virtualmachine') return badOfferType(offerType);
    const terms = this.catalog.findPlanTerms(publisher, product, plan);
    if (!terms) return offerNotFound(publisher, product);
    const accepted = (requestBody as { properties?: { accepted?: unknown } } | null)?.properties?.accepted;
    if (typeof accepted !== 'boolean') {
      return {
        status: 400,
        code: 'BadRequest',
        message:
          "The request body must contain 'properties.accepted' (true to accept the terms, false to revoke).",
      };
    }
    this.setAccepted(subscriptionId, terms.plan, accepted);
    return { status: 200, body: this.body(subscriptionId, terms.plan, terms.privacyPolicyLink) };
  }

  /** POST …/agreements/{p}/offers/{o}/plans/{plan}/sign (MarketplaceAgreements_Sign). Returns AgreementTerms
   * per the spec's response schema. */
  sign(
    subscriptionId: string,
    publisher: string,
    product: string,
    plan: string,
  ): ApiResult<AgreementTermsBody> {
    return this.putCurrent(subscriptionId, 'virtualmachine', publisher, product, plan, {
      properties: { accepted: true },
    });
  }

  /** POST …/plans/{plan}/cancel (MarketplaceAgreements_Cancel). */
  cancel(
    subscriptionId: string,
    publisher: string,
    product: string,
    plan: string,
  ): ApiResult<AgreementTermsBody> {
    return this.putCurrent(subscriptionId, 'virtualmachine', publisher, product, plan, {
      properties: { accepted: false },
    });
  }

  /** GET …/agreements/{p}/offers/{o}/plans/{plan} (MarketplaceAgreements_GetAgreement). Never signed:
   * 404 NotFound "Unable to find legal terms for this offer. Agreement has never been signed for this offer.
   * offer = '…', sku = '…'" (Azure/azure-powershell#20443). */
  getAgreement(
    subscriptionId: string,
    publisher: string,
    product: string,
    plan: string,
  ): ApiResult<AgreementTermsBody> {
    const terms = this.catalog.findPlanTerms(publisher, product, plan);
    if (!terms || !this.isAccepted(subscriptionId, publisher, product, plan)) {
      return {
        status: 404,
        code: 'NotFound',
        message: `Unable to find legal terms for this offer. Agreement has never been signed for this offer. offer = '${product}', sku = '${plan}',  Correlation Id: '${correlationId(subscriptionId, publisher, product, plan)}'.`,
      };
    }
    return { status: 200, body: this.body(subscriptionId, terms.plan, terms.privacyPolicyLink) };
  }

  /** Test control: accept without going through the API. */
  accept(subscriptionId: string, plan: ImagePlan): void {
    this.setAccepted(subscriptionId, plan, true);
  }

  private setAccepted(subscriptionId: string, plan: ImagePlan, accepted: boolean): void {
    const k = key(subscriptionId, plan.publisher, plan.product, plan.name);
    if (accepted) this.accepted.set(k, this.now().toISOString());
    else this.accepted.delete(k);
  }

  // Body shape: spec example SetMarketplaceTerms.json (2021-01-01); id and type as `az vm image terms show`
  // prints them (MicrosoftDocs cli-ps-findimage: ".../providers/Microsoft.MarketplaceOrdering/offertypes/
  // bitnami/offers/rabbitmq/plans/rabbitmq", type "Microsoft.MarketplaceOrdering/offertypes"); licenseTextLink
  // in the storelegalterms blob shape of the same output. Link contents and signature are synthetic.
  private body(subscriptionId: string, plan: ImagePlan, privacyPolicyLink: string): AgreementTermsBody {
    const k = key(subscriptionId, plan.publisher, plan.product, plan.name);
    const acceptedAt = this.accepted.get(k);
    const token = digest(`${plan.publisher}:${plan.product}:${plan.name}`).slice(0, 103);
    const up = (s: string): string => encodeURIComponent(s.toUpperCase());
    return {
      id: `/subscriptions/${subscriptionId}/providers/Microsoft.MarketplaceOrdering/offertypes/${plan.publisher}/offers/${plan.product}/plans/${plan.name}`,
      name: plan.name,
      type: 'Microsoft.MarketplaceOrdering/offertypes',
      properties: {
        publisher: plan.publisher,
        product: plan.product,
        plan: plan.name,
        licenseTextLink: `https://storelegalterms.blob.core.windows.net/legalterms/3E5ED_legalterms_${up(plan.publisher)}%253a24${up(plan.product)}%253a24${up(plan.name)}%253a24${token}.txt`,
        privacyPolicyLink,
        marketplaceTermsLink: `https://storelegalterms.blob.core.windows.net/legalterms/3E5ED_marketplaceterms_VIRTUALMACHINE%253a24${token}.txt`,
        retrieveDatetime: acceptedAt ?? this.now().toISOString(),
        signature: digest(`${k}|signature`).slice(0, 104),
        accepted: acceptedAt !== undefined,
      },
    };
  }
}

/** Upper-case base32 of a SHA-256 chain: stable, signature-looking text. */
function digest(input: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let block = input;
  while (out.length < 110) {
    const bytes = createHash('sha256').update(block).digest();
    let bits = 0;
    let value = 0;
    for (const byte of bytes) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        out += alphabet[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    block = out;
  }
  return out;
}

function correlationId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** How the failure reaches the client: `sync` = the VM PUT itself answers with the error;
 * `async` = the PUT is accepted (201) and the LRO status ends Failed with this error. */
export type Delivery = 'sync' | 'async';

export interface PlanCheckFailure extends ArmErrorLike {
  delivery: Delivery;
}

export interface PlanCheckInput {
  subscriptionId: string;
  /** Full VM id; Azure names it in the VMMarketplaceInvalidInput message. */
  vmId: string;
  /** The plan of the source image: the Marketplace image's plan, or the purchasePlan carried by the managed
   * image / gallery definition derived from it. Undefined when the image has none. */
  imagePlan?: ImagePlan;
  /** `plan` of the VM PUT body, if any. */
  requestPlan?: Partial<ImagePlan> | null;
  /** Marketplace image reference (for the "Offer details" part of the message). */
  imageReference?: { publisher: string; offer: string; sku: string };
  isAccepted: (subscriptionId: string, publisher: string, product: string, plan: string) => boolean;
  /** Correlation id Azure embeds in the purchase message; defaults to a stable synthetic one. */
  correlationId?: string;
}

/**
 * Purchase-plan rules of VM create, in Azure's order:
 * 1. image has a plan, request has none -> VMMarketplaceInvalidInput, delivered through the LRO (the PUT is
 *    accepted; polling ends Failed): terraform-provider-azurerm#28797 (2025, "polling after CreateOrUpdate …
 *    status Failed … VMMarketplaceInvalidInput"), ComputeCanada/magic_castle#201, azure-cli#1812.
 * 2. plan given but its terms not accepted on the subscription -> 400 ResourcePurchaseValidationFailed on the
 *    PUT itself ("Failure sending request: StatusCode=400", Azure/terraform-azurerm-compute#123,
 *    PaloAltoNetworks/terraform-templates#14); current message text: nforgeio/neonKUBE#1673 (2022).
 * The terms checked are those of the plan in the request (what the subscription is billed for). A request plan
 * that differs from the image plan, or a plan on an image without one, is not rejected (unverified).
 */
export function checkPlanForVmCreate(input: PlanCheckInput): PlanCheckFailure | undefined {
  const { imagePlan, requestPlan } = input;
  const hasRequestPlan = !!(requestPlan && requestPlan.name && requestPlan.product && requestPlan.publisher);
  if (imagePlan && !hasRequestPlan) {
    return {
      status: 400,
      code: 'VMMarketplaceInvalidInput',
      message: `Creating a virtual machine from Marketplace image or a custom image sourced from a Marketplace image requires Plan information in the request. VM: '${input.vmId}'.`,
      delivery: 'async',
    };
  }
  if (!hasRequestPlan) return undefined;
  const plan = requestPlan as ImagePlan;
  if (input.isAccepted(input.subscriptionId, plan.publisher, plan.product, plan.name)) return undefined;
  const ref = input.imageReference ?? { publisher: plan.publisher, offer: plan.product, sku: plan.name };
  const corr = input.correlationId ?? correlationId(input.subscriptionId, input.vmId);
  return {
    status: 400,
    code: 'ResourcePurchaseValidationFailed',
    message:
      `User failed validation to purchase resources. Error message: 'You have not accepted the legal terms on this subscription: '${input.subscriptionId}' for this plan. ` +
      'Before the subscription can be used, you need to accept the legal terms of the image. To read and accept legal terms, use the Azure CLI commands described at https://go.microsoft.com/fwlink/?linkid=2110637 or the PowerShell commands available at https://go.microsoft.com/fwlink/?linkid=862451. ' +
      'Alternatively, deploying via the Azure portal provides a UI experience for reading and accepting the legal terms. ' +
      `Offer details: publisher='${ref.publisher}' offer = '${ref.offer}', sku = '${ref.sku}', Correlation Id: '${corr}'.'`,
    delivery: 'sync',
  };
}
