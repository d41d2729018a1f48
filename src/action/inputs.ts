// Reads the action inputs through @actions/core and merges the optional image definition file
// (input `config`) under them: an input set in the workflow wins over the file. The runner passes an
// input's action.yml default when the workflow does not set it, so a value equal to that default
// counts as "not set" wherever the file gives one (the two cannot be told apart).

import { resolve } from 'node:path';
import * as core from '@actions/core';
import { configFileError, fromConfigFile, SettingsError } from '../core/errors.js';
import { INPUT_DEFAULTS, parseSettings } from '../core/settings.js';
import type { BuildSettings } from '../core/types.js';

export interface MergedInputs {
  read: (name: string) => string;
  /** True when `read(name)` comes from the config file. */
  fromConfig: (name: string) => boolean;
}

export function mergeInputs(
  getInput: (name: string) => string,
  config: Record<string, string> = {},
): MergedInputs {
  const fromConfig = (name: string): boolean => {
    if (!(name in config)) return false;
    const explicit = getInput(name);
    return explicit === '' || explicit === INPUT_DEFAULTS[name];
  };
  return { read: (name) => (fromConfig(name) ? config[name] : getInput(name)), fromConfig };
}

export interface InputSource {
  getInput(name: string): string;
  readConfigFile(path: string, workspace: string): Promise<Record<string, string>>;
}

const actionInputs: InputSource = {
  getInput: (name) => core.getInput(name),
  // Loaded only when the input `config` is set: its YAML parser and JSON Schema validator are a
  // tenth of the bundle, and most builds start without them (npm run bench: time to first request).
  readConfigFile: async (path, workspace) => {
    const { readImageDefinitionFile } = await import('../core/image-definition-file.js');
    return readImageDefinitionFile(path, { workspace });
  },
};

/** Parses the inputs (and the config file) into BuildSettings; throws SettingsError. */
export async function readSettings(
  env: Record<string, string | undefined> = process.env,
  source: InputSource = actionInputs,
  now: Date = new Date(),
): Promise<BuildSettings> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const configInput = source.getInput('config');
  let config: Record<string, string> = {};
  if (configInput) {
    try {
      config = await source.readConfigFile(resolve(workspace, configInput), workspace);
    } catch (error) {
      if (error instanceof SettingsError) throw error;
      const problems = (error as { problems?: unknown }).problems;
      throw configFileError(
        configInput,
        Array.isArray(problems) ? problems.map(String) : [(error as Error).message ?? String(error)],
      );
    }
  }
  const merged = mergeInputs((name) => source.getInput(name), config);
  try {
    return parseSettings(merged.read, env, now);
  } catch (error) {
    if (error instanceof SettingsError && merged.fromConfig(error.input))
      throw fromConfigFile(error, configInput);
    throw error;
  }
}
