import {
  CatalogApi,
  armErrorBody,
  compareVersionsNumeric,
  isArmError,
  isValidImageVersion,
  type ApiResult,
  type ImageResource,
  type VirtualMachineImageBody,
} from '../emulator/marketplace/catalog-api.js';
import { Catalog, ROCKY_PLAN } from '../emulator/marketplace/catalog.js';
import { MarketplaceTermsStore, checkPlanForVmCreate } from '../emulator/marketplace/terms.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const LOC = 'westeurope';

function body<T>(r: ApiResult<T>): T {
  if (isArmError(r)) throw new Error(`unexpected error ${r.code}: ${r.message}`);
  return r.body;
}

const names = (r: ApiResult<ImageResource[] | VirtualMachineImageBody[]>): string[] =>
  body(r).map((i) => i.name);

describe('marketplace catalog listings', () => {
  const api = new CatalogApi();

  it('lists the real publishers, offers and skus with Compute-style ids', () => {
    expect(names(api.listPublishers(SUB, LOC))).toEqual(
      expect.arrayContaining(['Canonical', 'Debian', 'MicrosoftWindowsServer', 'RedHat', 'resf']),
    );
    expect(names(api.listOffers(SUB, LOC, 'Canonical'))).toEqual([
      '0001-com-ubuntu-server-jammy',
      'ubuntu-24_04-lts',
    ]);
    expect(names(api.listSkus(SUB, LOC, 'Canonical', 'ubuntu-24_04-lts'))).toEqual([
      'server',
      'server-gen1',
      'server-arm64',
    ]);
    expect(names(api.listSkus(SUB, LOC, 'MicrosoftWindowsServer', 'WindowsServer'))).toEqual(
      expect.arrayContaining([
        '2022-datacenter',
        '2022-datacenter-g2',
        '2022-datacenter-azure-edition',
        '2025-datacenter-g2',
        '2025-datacenter-azure-edition',
      ]),
    );
    const [sku] = body(api.listSkus(SUB, LOC, 'Debian', 'debian-12'));
    expect(sku).toEqual({
      location: LOC,
      name: '12',
      id: `/Subscriptions/${SUB}/Providers/Microsoft.Compute/Locations/${LOC}/Publishers/Debian/ArtifactTypes/VMImage/Offers/debian-12/Skus/12`,
    });
  });

  it('matches publisher, offer and sku case-insensitively', () => {
    expect(names(api.listVersions(SUB, LOC, 'canonical', 'UBUNTU-24_04-LTS', 'Server'))).toHaveLength(3);
  });

  it('answers unknown publishers and artifacts with Azure not-found errors', () => {
    expect(api.listOffers(SUB, LOC, 'NoSuchPublisher')).toEqual({
      status: 404,
      code: 'NotFound',
      message: 'Publisher: NoSuchPublisher was not found.',
    });
    expect(api.listSkus(SUB, LOC, 'Canonical', 'ubuntoserver')).toMatchObject({
      status: 404,
      code: 'NotFound',
      message: 'Artifact: VMImage was not found.',
    });
    expect(api.listVersions(SUB, LOC, 'Canonical', 'ubuntu-24_04-lts', 'nope')).toMatchObject({
      status: 404,
    });
  });
});

describe('version ordering and latest', () => {
  const api = new CatalogApi();

  it('orders $orderby=name as strings, as Azure does, and honours $top', () => {
    expect(names(api.listVersions(SUB, LOC, 'RedHat', 'RHEL', '8-lvm-gen2'))).toEqual([
      '8.10.2024070513',
      '8.8.2023081717',
      '8.9.2024022012',
    ]);
    expect(
      names(api.listVersions(SUB, LOC, 'RedHat', 'RHEL', '8-lvm-gen2', { orderby: 'name desc', top: '1' })),
    ).toEqual(['8.9.2024022012']);
    expect(
      names(
        api.listVersions(SUB, LOC, 'Canonical', '0001-com-ubuntu-server-jammy', '22_04-lts-gen2', {
          orderby: 'Name DESC',
          top: 2,
        }),
      ),
    ).toEqual(['22.04.202411010', '22.04.202410020']);
  });

  it('resolves latest by numeric version parts, as VM create does', () => {
    expect(api.resolveLatest('RedHat', 'RHEL', '8-lvm-gen2')?.version).toBe('8.10.2024070513');
    expect(api.resolveLatest('Debian', 'debian-12', '12-gen2')?.version).toBe('0.20241110.1927');
    expect(api.resolveLatest('Canonical', 'ubuntu-24_04-lts', 'nope')).toBeUndefined();
    expect(compareVersionsNumeric('8.10.1', '8.9.9')).toBe(1);
    expect(compareVersionsNumeric('1.2.3', '1.2.3')).toBe(0);
  });

  it('sees a newly published version as the new latest', () => {
    const catalog = new Catalog();
    const fresh = new CatalogApi(catalog);
    const sku = catalog.findSku('Canonical', 'ubuntu-24_04-lts', 'server')!;
    catalog.publish({ ...sku, versions: ['24.04.202412050'] });
    expect(fresh.resolveLatest('Canonical', 'ubuntu-24_04-lts', 'server')?.version).toBe('24.04.202412050');
    expect(new CatalogApi().resolveLatest('Canonical', 'ubuntu-24_04-lts', 'server')?.version).toBe(
      '24.04.202411030',
    );
  });

  it('resolves a VM imageReference or answers PlatformImageNotFound', () => {
    const ref = { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' };
    expect(api.resolveForVmCreate(ref)).toMatchObject({ version: '24.04.202411030', hyperVGeneration: 'V2' });
    expect(api.resolveForVmCreate({ ...ref, offer: 'UbuntuServer', sku: '22_04-lts' })).toEqual({
      status: 404,
      code: 'PlatformImageNotFound',
      target: 'imageReference',
      message:
        "The platform image 'Canonical:UbuntuServer:22_04-lts:latest' is not available. Verify that all fields in the storage profile are correct. For more details about storage profile information, please refer to https://aka.ms/storageprofile",
    });
  });

  it('returns full images for $expand=Properties', () => {
    const [first] = body(
      api.listVersions(SUB, LOC, 'resf', 'rockylinux-x86_64', '9-base', {
        expand: 'Properties',
        orderby: 'name desc',
      }),
    ) as VirtualMachineImageBody[];
    expect(first?.name).toBe('9.8.20260525');
    expect(first?.properties.plan).toEqual(ROCKY_PLAN);
  });
});

describe('image GET', () => {
  const api = new CatalogApi();

  it('returns the VirtualMachineImage body with generation, architecture and features', () => {
    const image = body(
      api.getImageVersion(
        SUB,
        'westus3',
        'Canonical',
        '0001-com-ubuntu-server-jammy',
        '22_04-lts-gen2',
        '22.04.202410020',
      ),
    );
    expect(image).toEqual({
      properties: {
        hyperVGeneration: 'V2',
        architecture: 'x64',
        replicaType: 'Managed',
        replicaCount: 10,
        disallowed: { vmDiskType: 'Unmanaged' },
        automaticOSUpgradeProperties: { automaticOSUpgradeSupported: false },
        imageDeprecationStatus: { imageState: 'Active' },
        features: [
          { name: 'SecurityType', value: 'TrustedLaunchSupported' },
          { name: 'IsAcceleratedNetworkSupported', value: 'True' },
          { name: 'DiskControllerTypes', value: 'SCSI, NVMe' },
          { name: 'IsHibernateSupported', value: 'True' },
        ],
        osDiskImage: { operatingSystem: 'Linux', sizeInGb: 30 },
        dataDiskImages: [],
      },
      location: 'westus3',
      name: '22.04.202410020',
      id: `/Subscriptions/${SUB}/Providers/Microsoft.Compute/Locations/westus3/Publishers/Canonical/ArtifactTypes/VMImage/Offers/0001-com-ubuntu-server-jammy/Skus/22_04-lts-gen2/Versions/22.04.202410020`,
    });
    expect('plan' in image.properties).toBe(false);
  });

  it.each([
    ['Canonical', '0001-com-ubuntu-server-jammy', '22_04-lts', 'V1', 'x64', undefined],
    ['Canonical', '0001-com-ubuntu-server-jammy', '22_04-lts-arm64', 'V2', 'Arm64', undefined],
    ['Canonical', 'ubuntu-24_04-lts', 'server-arm64', 'V2', 'Arm64', undefined],
    ['Debian', 'debian-12', '12-gen2', 'V2', 'x64', 'TrustedLaunchSupported'],
    ['MicrosoftWindowsServer', 'WindowsServer', '2022-datacenter', 'V1', 'x64', undefined],
    [
      'MicrosoftWindowsServer',
      'WindowsServer',
      '2025-datacenter-azure-edition',
      'V2',
      'x64',
      'TrustedLaunchAndConfidentialVmSupported',
    ],
    [
      'MicrosoftWindowsServer',
      'WindowsServer',
      '2022-datacenter-g2',
      'V2',
      'x64',
      'TrustedLaunchAndConfidentialVmSupported',
    ],
  ])('%s:%s:%s is %s %s with SecurityType %s', (p, o, s, gen, arch, securityType) => {
    const latest = new CatalogApi().resolveLatest(p, o, s)!;
    const image = body(api.getImageVersion(SUB, LOC, p, o, s, latest.version));
    expect(image.properties.hyperVGeneration).toBe(gen);
    expect(image.properties.architecture).toBe(arch);
    expect(image.properties.features.find((f) => f.name === 'SecurityType')?.value).toBe(securityType);
    expect(image.properties.osDiskImage.operatingSystem).toBe(
      p === 'MicrosoftWindowsServer' ? 'Windows' : 'Linux',
    );
  });

  it('carries the purchase plan of a plan image', () => {
    const image = body(api.getImageVersion(SUB, LOC, 'resf', 'rockylinux-x86_64', '9-base', '9.6.20250531'));
    expect(image.properties.plan).toEqual({
      name: '9-base',
      product: 'rockylinux-x86_64',
      publisher: 'resf',
    });
  });

  it('shows the deprecation status of an image scheduled for deprecation', () => {
    const image = body(
      api.getImageVersion(
        SUB,
        LOC,
        'MicrosoftWindowsServer',
        'WindowsServer',
        '2022-datacenter',
        '20348.2655.240810',
      ),
    );
    expect(image.properties.imageDeprecationStatus.imageState).toBe('ScheduledForDeprecation');
  });

  it("rejects 'latest' and malformed versions like Azure (400 InvalidParameter, target version)", () => {
    for (const v of ['latest', 'Latest', '22.04', '15.04.201508290653', 'abc']) {
      const r = api.getImageVersion(SUB, LOC, 'Canonical', 'ubuntu-24_04-lts', 'server', v);
      expect(r).toEqual({
        status: 400,
        code: 'InvalidParameter',
        message: 'The value of parameter version is invalid.',
        target: 'version',
      });
    }
    expect(isValidImageVersion('20348.2762.241006')).toBe(true);
    expect(isValidImageVersion('1.2.3.4')).toBe(true);
  });

  it('answers a missing version with 404 NotFound and Azure error body', () => {
    const r = api.getImageVersion(SUB, LOC, 'Canonical', 'ubuntu-24_04-lts', 'server', '24.04.209901010');
    expect(isArmError(r) && armErrorBody(r)).toEqual({
      error: { code: 'NotFound', message: 'Artifact: VMImage was not found.' },
    });
    expect(r.status).toBe(404);
  });
});

describe('marketplace terms', () => {
  const now = (): Date => new Date('2025-01-02T03:04:05.000Z');

  it('GET shows unaccepted terms, PUT accepts them per subscription', () => {
    const store = new MarketplaceTermsStore({ now });
    const before = body(store.getCurrent(SUB, 'virtualmachine', 'resf', 'rockylinux-x86_64', '9-base'));
    expect(before).toMatchObject({
      id: `/subscriptions/${SUB}/providers/Microsoft.MarketplaceOrdering/offertypes/resf/offers/rockylinux-x86_64/plans/9-base`,
      name: '9-base',
      type: 'Microsoft.MarketplaceOrdering/offertypes',
      properties: {
        publisher: 'resf',
        product: 'rockylinux-x86_64',
        plan: '9-base',
        accepted: false,
        retrieveDatetime: '2025-01-02T03:04:05.000Z',
      },
    });
    expect(before.properties.licenseTextLink).toMatch(
      /^https:\/\/storelegalterms\.blob\.core\.windows\.net\/legalterms\//,
    );
    expect(before.properties.signature).toMatch(/^[A-Z2-7]{104}$/);
    expect(store.isAccepted(SUB, 'resf', 'rockylinux-x86_64', '9-base')).toBe(false);

    const put = store.putCurrent(SUB, 'virtualmachine', 'resf', 'rockylinux-x86_64', '9-base', {
      properties: { ...before.properties, accepted: true },
    });
    expect(body(put).properties.accepted).toBe(true);
    expect(store.isAccepted(SUB, 'RESF', 'RockyLinux-x86_64', '9-BASE')).toBe(true);
    expect(store.isAccepted('another-subscription', 'resf', 'rockylinux-x86_64', '9-base')).toBe(false);
    expect(body(store.getAgreement(SUB, 'resf', 'rockylinux-x86_64', '9-base')).properties.accepted).toBe(
      true,
    );

    body(store.cancel(SUB, 'resf', 'rockylinux-x86_64', '9-base'));
    expect(store.isAccepted(SUB, 'resf', 'rockylinux-x86_64', '9-base')).toBe(false);
    expect(store.getAgreement(SUB, 'resf', 'rockylinux-x86_64', '9-base')).toMatchObject({
      status: 404,
      code: 'NotFound',
    });
  });

  it('rejects a PUT without a boolean accepted, unknown offers and offer types', () => {
    const store = new MarketplaceTermsStore({ now });
    expect(store.putCurrent(SUB, 'virtualmachine', 'resf', 'rockylinux-x86_64', '9-base', {})).toMatchObject({
      status: 400,
    });
    expect(store.getCurrent(SUB, 'virtualmachine', 'resf', 'nope', '9-base')).toMatchObject({
      status: 404,
      code: 'NotFound',
    });
    expect(store.getCurrent(SUB, 'saas', 'resf', 'rockylinux-x86_64', '9-base')).toMatchObject({
      status: 400,
    });
    expect(store.isAccepted(SUB, 'resf', 'rockylinux-x86_64', '9-base')).toBe(false);
  });
});

describe('checkPlanForVmCreate', () => {
  const vmId = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/build-vm`;
  const store = new MarketplaceTermsStore();
  const isAccepted = store.isAccepted.bind(store);
  const base = { subscriptionId: SUB, vmId, isAccepted };

  it('lets images without a plan through', () => {
    expect(checkPlanForVmCreate({ ...base })).toBeUndefined();
  });

  it('fails a plan image without request plan through the LRO with VMMarketplaceInvalidInput', () => {
    expect(checkPlanForVmCreate({ ...base, imagePlan: ROCKY_PLAN, requestPlan: null })).toEqual({
      status: 400,
      code: 'VMMarketplaceInvalidInput',
      delivery: 'async',
      message: `Creating a virtual machine from Marketplace image or a custom image sourced from a Marketplace image requires Plan information in the request. VM: '${vmId}'.`,
    });
  });

  it('rejects unaccepted terms with 400 ResourcePurchaseValidationFailed, then passes once accepted', () => {
    const input = {
      ...base,
      imagePlan: ROCKY_PLAN,
      requestPlan: { ...ROCKY_PLAN },
      imageReference: { publisher: 'resf', offer: 'rockylinux-x86_64', sku: '9-base' },
    };
    const failure = checkPlanForVmCreate(input);
    expect(failure).toMatchObject({
      status: 400,
      code: 'ResourcePurchaseValidationFailed',
      delivery: 'sync',
    });
    expect(failure?.message).toContain(
      `User failed validation to purchase resources. Error message: 'You have not accepted the legal terms on this subscription: '${SUB}' for this plan.`,
    );
    expect(failure?.message).toContain(
      "Offer details: publisher='resf' offer = 'rockylinux-x86_64', sku = '9-base'",
    );
    store.accept(SUB, ROCKY_PLAN);
    expect(checkPlanForVmCreate(input)).toBeUndefined();
  });
});
