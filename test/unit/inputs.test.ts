import { SettingsError } from '../../src/core/errors.js';
import { mergeInputs, readSettings, type InputSource } from '../../src/action/inputs.js';

const SUB = '00000000-0000-0000-0000-000000000001';

/** Inputs as the runner gives them: action.yml defaults filled in for what the workflow does not set. */
function source(
  inputs: Record<string, string>,
  config: Record<string, string> | Error,
): InputSource & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    getInput: (name) => inputs[name] ?? '',
    readConfigFile: async (path) => {
      paths.push(path);
      if (config instanceof Error) throw config;
      return config;
    },
  };
}

describe('merging the config file under the inputs', () => {
  it('an explicit input wins; an empty input or one equal to its default takes the file value', () => {
    const merged = mergeInputs(
      (name) => ({ 'vm-size': 'Standard_D2s_v5', spot: 'true', location: 'eastus' })[name] ?? '',
      {
        'vm-size': 'Standard_D4s_v5',
        spot: 'false',
        location: 'westeurope',
        gallery: 'gal',
      },
    );
    expect(merged.read('vm-size')).toBe('Standard_D4s_v5'); // the input only had its default
    expect(merged.read('spot')).toBe('true'); // set in the workflow
    expect(merged.read('location')).toBe('eastus');
    expect(merged.read('gallery')).toBe('gal');
    expect(merged.read('tags')).toBe('');
    expect([merged.fromConfig('vm-size'), merged.fromConfig('spot'), merged.fromConfig('tags')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('reads the file relative to the workspace and parses the merged inputs', async () => {
    const src = source(
      {
        config: 'images/ubuntu.yml',
        'subscription-id': SUB,
        'vm-size': 'Standard_D2s_v5',
        'image-name': 'from-input',
      },
      {
        'base-image': 'Canonical:ubuntu-24_04-lts:server:latest',
        'resource-group': 'rg',
        'image-name': 'from-file',
        'vm-size': 'Standard_D8s_v5',
      },
    );
    const settings = await readSettings({ GITHUB_WORKSPACE: '/ws' }, src);
    expect(src.paths).toEqual(['/ws/images/ubuntu.yml']);
    expect(settings.managedImage).toEqual({ resourceGroup: 'rg', name: 'from-input' });
    expect(settings.vm.size).toBe('Standard_D8s_v5');
  });

  it('an error about a value from the file says so', async () => {
    const src = source(
      { config: 'img.yml', 'subscription-id': SUB },
      { 'base-image': 'ubuntu', 'image-name': 'i', 'resource-group': 'rg' },
    );
    const error = await readSettings({ GITHUB_WORKSPACE: '/ws' }, src).then(
      () => undefined,
      (e: unknown) => e as SettingsError,
    );
    expect(error).toBeInstanceOf(SettingsError);
    expect(error!.input).toBe('base-image');
    expect(error!.message).toContain("(The value comes from the config file 'img.yml'.)");
  });

  it('a file that cannot be used is an error of input config listing its problems', async () => {
    const problem = Object.assign(new Error('x'), {
      problems: ['img.yml (line 3): field vm.size: not a string'],
    });
    await expect(
      readSettings({ GITHUB_WORKSPACE: '/ws' }, source({ config: 'img.yml' }, problem)),
    ).rejects.toThrow(
      "Input 'config' is 'img.yml': the image definition file cannot be used:\n  - img.yml (line 3): field vm.size: not a string",
    );
  });
});
