// Gallery and image definition through the bundled action: created when missing with the properties of
// the base image; when they exist, checked against the build before any VM is created, every differing
// property explained with its fix (Azure itself refuses a mismatching version only at the end: facts §3).
import type { GalleryImage } from '@azure/arm-compute';
import {
  createdVm,
  errorOf,
  GALLERY_GROUP,
  useGalleryHarness,
  type GalleryHarness,
} from './gallery-harness.js';

const harness = useGalleryHarness();
let h: GalleryHarness;
beforeAll(() => {
  h = harness();
});

test('gallery and definition are created when missing, with the identity given and the base image properties', async () => {
  const { main, post } = await h.run({
    gallery: 'gal',
    'gallery-image-definition': 'ubuntu',
    'gallery-image-version': '1.0.0',
    'gallery-image-publisher': 'contoso',
    'gallery-image-offer': 'golden-ubuntu',
    'gallery-image-sku': '24.04-lts',
  });
  expect(errorOf(main)).toBe('');
  expect(main.exitCode).toBe(0);
  expect(post.exitCode).toBe(0);
  expect(main.stdout).toContain('Creating the gallery gal in images');
  const def = await h.compute.galleryImages.get(GALLERY_GROUP, 'gal', 'ubuntu');
  expect(def).toMatchObject({
    location: 'eastus',
    osType: 'Linux',
    osState: 'Generalized',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    identifier: { publisher: 'contoso', offer: 'golden-ubuntu', sku: '24.04-lts' },
  });
  // Standard security: no SecurityType feature (a TrustedLaunchSupported one would refuse VM sources).
  expect(def.features?.find((f) => f.name === 'SecurityType')).toBeUndefined();
  expect(def.purchasePlan).toBeUndefined();
  expect(main.outputs['gallery-image-version-id']).toMatch(
    /\/galleries\/gal\/images\/ubuntu\/versions\/1\.0\.0$/,
  );
  expect(await h.versions()).toEqual(['1.0.0 Succeeded']);
  expect(await h.leftovers()).toEqual([]);
});

test('a build from a plan image gets a definition carrying the purchase plan', async () => {
  const { main } = await h.run({
    'base-image': 'resf:rockylinux-x86_64:9-base:latest',
    'accept-marketplace-terms': 'true',
    'gallery-image-definition': 'rocky',
    'gallery-image-version': '1.0.0',
  });
  expect(errorOf(main)).toBe('');
  const def = await h.compute.galleryImages.get(GALLERY_GROUP, 'gal', 'rocky');
  expect(def.purchasePlan).toEqual({ name: '9-base', product: 'rockylinux-x86_64', publisher: 'resf' });
  // Without gallery-image-publisher/offer/sku the identity is derived from the definition name.
  expect(def.identifier).toEqual({ publisher: 'azure-image-build', offer: 'rocky', sku: 'rocky' });
  expect(await h.versions('rocky')).toEqual(['1.0.0 Succeeded']);
  expect(await h.leftovers()).toEqual([]);
});

test('a Trusted Launch build gets a TrustedLaunch definition', async () => {
  const { main } = await h.run({
    'security-type': 'TrustedLaunch',
    'gallery-image-definition': 'ubuntu-tl',
    'gallery-image-version': '1.0.0',
  });
  expect(errorOf(main)).toBe('');
  const def = await h.compute.galleryImages.get(GALLERY_GROUP, 'gal', 'ubuntu-tl');
  expect(def).toMatchObject({ hyperVGeneration: 'V2', osState: 'Generalized' });
  expect(def.features).toEqual(expect.arrayContaining([{ name: 'SecurityType', value: 'TrustedLaunch' }]));
  expect(await h.versions('ubuntu-tl')).toEqual(['1.0.0 Succeeded']);
  expect(await h.leftovers()).toEqual([]);
});

const linuxGen2: GalleryImage = {
  location: 'eastus',
  osType: 'Linux',
  osState: 'Generalized',
  hyperVGeneration: 'V2',
  architecture: 'x64',
  identifier: { publisher: 'contoso', offer: 'mismatch', sku: 'x' },
};

test.each<[string, Partial<GalleryImage>, RegExp]>([
  [
    'osType',
    { osType: 'Windows' },
    /OS type: the definition is Windows, the base image is Linux\. Use a Linux definition or base image\./,
  ],
  [
    'osState',
    { osState: 'Specialized' },
    /OS state: the definition is Specialized, the build is Generalized\. Set generalize: false, or use a Generalized definition\./,
  ],
  [
    'hyperVGeneration',
    { hyperVGeneration: 'V1' },
    /Hyper-V generation: the definition is V1, the base image is V2\. Use a base image of generation V1, or a definition of generation V2\./,
  ],
  [
    'securityType',
    { features: [{ name: 'SecurityType', value: 'TrustedLaunch' }] },
    /Security type: the definition is TrustedLaunch, the build VM is Standard\. Set security-type: TrustedLaunch/,
  ],
  [
    'architecture',
    { architecture: 'Arm64' },
    /Architecture: the definition is Arm64, the base image is x64\. Use a matching base image or definition\./,
  ],
])(
  'an existing definition differing in %s fails the build before any VM is created',
  async (prop, change, fix) => {
    const name = `mm-${prop.toLowerCase()}`;
    await h.compute.galleryImages.createOrUpdate(GALLERY_GROUP, 'gal', name, {
      ...linuxGen2,
      identifier: { ...linuxGen2.identifier!, sku: name },
      ...change,
    });
    const { main, post, requests } = await h.run({
      'gallery-image-definition': name,
      'gallery-image-version': '1.0.0',
    });
    expect(main.exitCode).toBe(1);
    expect(post.exitCode).toBe(0);
    const error = errorOf(main);
    expect(error).toContain(
      `Phase 'gallery-definition' failed: DefinitionMismatch: the gallery image definition gal/${name} does not match this build`,
    );
    expect(error).toMatch(fix);
    // Exactly one difference is reported: the one made.
    expect(error.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(1);
    expect(createdVm(requests)).toBe(false);
    expect(requests.some((r) => r.method === 'PUT' && /\/versions\//i.test(r.path))).toBe(false);
    expect(await h.versions(name)).toEqual([]);
    expect(await h.leftovers()).toEqual([]);
  },
);
