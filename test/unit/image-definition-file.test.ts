import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ImageDefinitionError, readImageDefinitionFile } from '../../src/core/image-definition-file.js';
import { parseSettings } from '../../src/core/settings.js';

const root = process.cwd();
const read = (file: string): Record<string, string> => readImageDefinitionFile(file, { workspace: root });

describe('example image definitions under images/', () => {
  it('has the five documented examples', () => {
    const files = readdirSync(path.join(root, 'images')).filter((f) => f.endsWith('.yml'));
    expect(files.sort()).toEqual([
      'debian-12.yml',
      'ubuntu-22.04.yml',
      'ubuntu-24.04.yml',
      'windows-2022.yml',
      'windows-2025.yml',
    ]);
  });

  it('ubuntu-22.04: managed image and gallery version with regions', () => {
    expect(read('images/ubuntu-22.04.yml')).toEqual({
      'base-image': 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
      scripts: 'images/scripts/linux/print-versions.sh\nimages/scripts/linux/write-build-info.sh',
      'inline-script': 'echo "ubuntu 22.04 image ready"\n',
      'script-timeout-minutes': '20',
      'vm-size': 'Standard_D2s_v5',
      'os-disk-size-gb': '64',
      'image-name': 'ubuntu-22.04',
      'resource-group': 'rg-images',
      gallery: 'images_gallery',
      'gallery-image-definition': 'ubuntu-22.04',
      'gallery-image-publisher': 'contoso',
      'gallery-image-offer': 'ubuntu',
      'gallery-image-sku': '22.04',
      'target-regions': 'eastus=2, westeurope',
      'storage-account-type': 'Standard_LRS',
      tags: 'os=ubuntu\nos-version=22.04',
    });
  });

  it('ubuntu-24.04: Trusted Launch, zone-redundant replicas, build region first', () => {
    const inputs = read('images/ubuntu-24.04.yml');
    expect(inputs['base-image']).toBe('Canonical:ubuntu-24_04-lts:server:latest');
    expect(inputs.location).toBe('eastus');
    expect(inputs['security-type']).toBe('TrustedLaunch');
    expect(inputs['target-regions']).toBe('eastus, westeurope=2');
    expect(inputs['storage-account-type']).toBe('Standard_ZRS');
    expect(inputs['end-of-life-date']).toBe('2029-04-30');
    expect(inputs['publish-build-region-first']).toBe('true');
    expect(inputs['replication-timeout-minutes']).toBe('90');
    expect(inputs['image-name']).toBeUndefined();
  });

  it('debian-12: spot VM, a data disk, managed image only', () => {
    expect(read('images/debian-12.yml')).toMatchObject({
      'base-image': 'Debian:debian-12:12-gen2:latest',
      spot: 'true',
      'data-disks': '32',
      'image-name': 'debian-12',
      'keep-resources-on-failure': 'false',
    });
    expect(read('images/debian-12.yml').gallery).toBeUndefined();
  });

  it.each(['windows-2022', 'windows-2025'])(
    '%s: PowerShell scripts with a restart after one of them',
    (name) => {
      const inputs = read(`images/${name}.yml`);
      expect(inputs['base-image']).toBe(
        `MicrosoftWindowsServer:WindowsServer:${name.slice(-4)}-datacenter-g2:latest`,
      );
      expect(inputs.scripts.split('\n')).toEqual([
        'images/scripts/windows/print-versions.ps1',
        'images/scripts/windows/enable-long-paths.ps1',
        'images/scripts/windows/write-build-info.ps1',
      ]);
      expect(inputs['restart-after']).toBe('images/scripts/windows/enable-long-paths.ps1');
      expect(inputs['gallery-image-definition']).toBe(name);
    },
  );

  it.each(['debian-12', 'ubuntu-22.04', 'ubuntu-24.04', 'windows-2022', 'windows-2025'])(
    '%s: the action settings parser accepts every input the file maps to',
    (name) => {
      const inputs = read(`images/${name}.yml`);
      const settings = parseSettings((input) => inputs[input] ?? '', {
        GITHUB_WORKSPACE: root,
        AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
      });
      expect(settings.scripts.map((s) => s.name)).toEqual([
        ...inputs.scripts.split('\n'),
        ...(inputs['inline-script'] ? ['inline'] : []),
      ]);
      const restartAfter = settings.scripts.filter((s) => s.restartAfter).map((s) => s.name);
      expect(restartAfter).toEqual(inputs['restart-after'] ? inputs['restart-after'].split('\n') : []);
      expect(settings.gallery?.targetRegions.map((r) => r.name)).toEqual(
        inputs['target-regions']?.split(', ').map((r) => r.split('=')[0]),
      );
    },
  );

  it('windows-2022 turns booleans into the strings the action receives', () => {
    expect(read('images/windows-2022.yml')['windows-update']).toBe('false');
  });
});

describe('mapping rules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'image-def-'));
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  writeFileSync(path.join(dir, 'setup.sh'), 'echo hi\n');

  it('maps every nested field to its flat input name', () => {
    const file = write(
      'full/image.yml',
      `base-image: {publisher: Canonical, offer: ubuntu-24_04-lts, sku: server}
source: {os-type: Linux, hyper-v-generation: V2, os-state: Generalized}
location: westus2
scripts: ['../setup.sh', 'more/*.sh']
inline-script: echo done
script-timeout-minutes: 15
windows-update: true
generalize: false
generalize-timeout-minutes: 10
accept-marketplace-terms: true
vm: {size: Standard_D2ps_v5, os-disk-size-gb: 40, spot: false, data-disks: [8, 16], security-type: Standard}
target:
  image-name: img
  resource-group: rg-out
  gallery:
    name: gal
    resource-group: rg-gal
    image-definition: def
    version: 2.0.1
    publisher: p
    offer: o
    sku: s
    target-regions:
      - {name: westus2, replicas: 3, disk-encryption-set: /subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/diskEncryptionSets/a}
    storage-account-type: Premium_LRS
    exclude-from-latest: true
    end-of-life-date: 2030-01-01T00:00:00Z
    replication-mode: Shallow
    disk-encryption-sets: {eastus: /subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/diskEncryptionSets/b}
    replication-timeout-minutes: 120
    publish-build-region-first: false
    overwrite-version: true
build: {resource-group: rg-build, subnet-id: /subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/b, keep-resources-on-failure: true, wait-for-cleanup: true}
tags: {team: platform, cost-center: '42'}
`,
    );
    expect(readImageDefinitionFile(file, { workspace: dir })).toEqual({
      'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
      'source-os-type': 'Linux',
      'source-hyper-v-generation': 'V2',
      'source-os-state': 'Generalized',
      location: 'westus2',
      scripts: 'setup.sh\nfull/more/*.sh',
      'inline-script': 'echo done',
      'script-timeout-minutes': '15',
      'windows-update': 'true',
      generalize: 'false',
      'generalize-timeout-minutes': '10',
      'accept-marketplace-terms': 'true',
      'vm-size': 'Standard_D2ps_v5',
      'os-disk-size-gb': '40',
      spot: 'false',
      'data-disks': '8\n16',
      'security-type': 'Standard',
      'image-name': 'img',
      'resource-group': 'rg-out',
      gallery: 'gal',
      'gallery-resource-group': 'rg-gal',
      'gallery-image-definition': 'def',
      'gallery-image-version': '2.0.1',
      'gallery-image-publisher': 'p',
      'gallery-image-offer': 'o',
      'gallery-image-sku': 's',
      'target-regions': 'westus2=3',
      'storage-account-type': 'Premium_LRS',
      'exclude-from-latest': 'true',
      'end-of-life-date': '2030-01-01T00:00:00Z',
      'replication-mode': 'Shallow',
      'disk-encryption-sets':
        'eastus=/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/diskEncryptionSets/b\n' +
        'westus2=/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/diskEncryptionSets/a',
      'replication-timeout-minutes': '120',
      'publish-build-region-first': 'false',
      'overwrite-version': 'true',
      'build-resource-group': 'rg-build',
      'subnet-id':
        '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/b',
      'keep-resources-on-failure': 'true',
      'wait-for-cleanup': 'true',
      tags: 'team=platform\ncost-center=42',
    });
  });

  it('returns script paths outside the workspace as absolute paths', () => {
    const file = write(
      'outside.yml',
      'base-image: x\nscripts: [setup.sh]\ntarget: {resource-group: rg, image-name: i}\n',
    );
    const inputs = readImageDefinitionFile(file, { workspace: path.join(dir, 'full') });
    expect(inputs.scripts).toBe(path.join(dir, 'setup.sh').split(path.sep).join('/'));
  });

  it('only sets inputs for fields present in the file', () => {
    const file = write('small.yml', 'base-image: x\ntarget: {resource-group: rg, image-name: i}\n');
    expect(readImageDefinitionFile(file, { workspace: dir })).toEqual({
      'base-image': 'x',
      'resource-group': 'rg',
      'image-name': 'i',
    });
  });
});

describe('broken files: errors name the file, the field and the fix', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'image-def-bad-'));
  const errorOf = (text: string): ImageDefinitionError => {
    const file = path.join(dir, 'image.yml');
    writeFileSync(file, text);
    try {
      readImageDefinitionFile(file, { workspace: dir });
    } catch (err) {
      expect(err).toBeInstanceOf(ImageDefinitionError);
      return err as ImageDefinitionError;
    }
    throw new Error('expected the file to be rejected');
  };
  const valid = 'base-image: x\ntarget: {resource-group: rg, image-name: i}\n';
  const file = path.join(dir, 'image.yml');

  it('a string where a boolean belongs', () => {
    const err = errorOf(`${valid}vm:\n  spot: yes\n`);
    expect(err.problems).toEqual([
      `${file} (line 4): field 'vm.spot' must be a boolean (true or false), got 'yes'`,
    ]);
    expect(err.message).toContain(file);
  });

  it('a misspelt field, with a suggestion', () => {
    const err = errorOf(`${valid}vm:\n  sise: Standard_D2s_v5\n`);
    expect(err.message).toMatch(/field 'vm\.sise' is not a known field; did you mean 'size'\?/);
  });

  it('a number where text belongs: quote it', () => {
    const err = errorOf(
      'base-image: x\ntarget:\n  resource-group: rg\n  gallery: {name: g, image-definition: d, sku: 22.10}\n',
    );
    expect(err.message).toContain(
      "field 'target.gallery.sku' must be text, got 22.10 (a number): quote it ('22.10') so YAML keeps it as text",
    );
  });

  it('a wrongly cased enum value, with the right spelling', () => {
    const err = errorOf(
      'base-image: x\ntarget:\n  resource-group: rg\n  gallery: {name: g, image-definition: d, storage-account-type: standard_lrs}\n',
    );
    expect(err.message).toContain(
      "field 'target.gallery.storage-account-type' must be one of Standard_LRS, Standard_ZRS, Premium_LRS, got 'standard_lrs'; write 'Standard_LRS'",
    );
  });

  it('an invalid version name and region, explained by the schema description', () => {
    const err = errorOf(
      "base-image: x\ntarget:\n  resource-group: rg\n  gallery:\n    name: g\n    image-definition: d\n    version: 'v1.2'\n    target-regions: [East US]\n",
    );
    expect(err.problems).toHaveLength(2);
    expect(err.problems[0]).toMatch(
      /\(line 7\): field 'target\.gallery\.version' has an invalid value 'v1\.2': .*Major\.Minor\.Patch.*'1\.2\.3'/,
    );
    expect(err.problems[1]).toMatch(
      /\(line 8\): field 'target\.gallery\.target-regions\[0\]' has an invalid value 'East US': .*lower case.*'eastus'/,
    );
  });

  it('a region map entry with a bad replica count', () => {
    const err = errorOf(
      'base-image: x\ntarget:\n  resource-group: rg\n  gallery:\n    name: g\n    image-definition: d\n    target-regions:\n      - {name: eastus, replicas: 0}\n',
    );
    expect(err.problems).toEqual([
      `${file} (line 8): field 'target.gallery.target-regions[0].replicas' must be at least 1, got 0`,
    ]);
  });

  it('missing required fields', () => {
    const err = errorOf('target: {image-name: i}\n');
    expect(err.message).toMatch(/field 'base-image' is missing: add it \(Where the build starts/);
    expect(err.message).toMatch(/field 'target\.resource-group' is missing: add it/);
  });

  it('a target with no output', () => {
    const err = errorOf('base-image: x\ntarget: {resource-group: rg}\n');
    expect(err.message).toContain("field 'target' names no output: add 'target.image-name'");
  });

  it('restart-after on a glob', () => {
    const err = errorOf(`${valid}scripts:\n  - {path: '*.ps1', restart-after: true}\n`);
    expect(err.message).toContain(
      "field 'scripts[0].restart-after' is set on the glob '*.ps1'; name one script file",
    );
  });

  it('a script that does not exist, relative to the file', () => {
    const err = errorOf(`${valid}scripts: [nope.sh]\n`);
    expect(err.message).toContain(
      `field 'scripts[0]' names 'nope.sh', which does not exist (looked for ${path.join(dir, 'nope.sh')})`,
    );
  });

  it('YAML syntax errors and duplicate keys name the line', () => {
    expect(errorOf('base-image: x\nbase-image: y\n').message).toMatch(
      /\(line 2\): not valid YAML: Map keys must be unique/,
    );
  });

  it('an empty file', () => {
    expect(errorOf('').message).toContain('an image definition must be a map of fields');
  });

  it('a file that does not exist names the file', () => {
    expect(() => readImageDefinitionFile(path.join(dir, 'missing.yml'))).toThrow(
      /missing\.yml: cannot read the image definition file \(ENOENT\)/,
    );
  });
});
