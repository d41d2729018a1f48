// Gallery image version names: Major.Minor.Patch, each a whole number that fits a signed 32-bit
// integer (facts §3). A build gets its version from, in this order:
//
// 1. the input `gallery-image-version`, validated;
// 2. a release tag: GITHUB_REF `refs/tags/v1.2.3` or `refs/tags/1.2.3` gives 1.2.3; a tag that is
//    not such a version is an error naming the tag (a pre-release tag such as v1.2.3-rc.1 too:
//    gallery versions cannot express it, so the user must choose the number);
// 3. otherwise (pushes, pull requests, manual runs) the push scheme
//
//        0.YYYYMMDD.HHMMSS      (UTC time of the build, HHMMSS read as a number)
//
//    e.g. a build at 2025-01-28T09:05:07Z gets 0.20250128.90507. Minor is at most 99991231 and
//    Patch at most 235959, both far below 2147483647. The version grows with time: a later day has
//    a larger Minor, a later second of the same day a larger Patch, so every later build (including
//    a re-run) sorts above every earlier one. Major 0 keeps push builds below every release >= 1.0.0,
//    so a release stays the definition's latest version; combine with `exclude-from-latest: true`
//    to keep push builds out of `latest` entirely. Two builds of one definition started in the same
//    second get the same version: the second one fails as an existing version (no silent overwrite).

import { settingsErrors } from './errors.js';

export const MAX_VERSION_PART = 2147483647;

export type VersionOrigin = 'input' | 'tag' | 'push';

export interface DerivedVersion {
  version: string;
  origin: VersionOrigin;
  /** For origin 'tag': the tag name. */
  tag?: string;
}

/**
 * Checks a version name; returns the reason it is invalid, or undefined when it is valid.
 * Leading zeros are refused: Azure compares the numbers, so 1.02.3 and 1.2.3 would be different
 * names for the same place in the order.
 */
export function galleryVersionProblem(value: string): string | undefined {
  const parts = value.split('.');
  if (parts.length !== 3) return `${parts.length} part${parts.length === 1 ? '' : 's'} instead of 3`;
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return `'${part}' is not a whole number`;
    if (part.length > 1 && part.startsWith('0')) return `'${part}' has a leading zero`;
    if (part.length > 10 || Number(part) > MAX_VERSION_PART)
      return `${part} is greater than ${MAX_VERSION_PART}`;
  }
  return undefined;
}

/** Validates an explicit version; throws a SettingsError naming `input`. */
export function validateGalleryVersion(value: string, input = 'gallery-image-version'): string {
  const problem = galleryVersionProblem(value);
  if (problem) throw settingsErrors.galleryVersion(input, value, problem);
  return value;
}

/** The tag name when `ref` is a tag ref, else undefined. */
export function tagFromRef(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
}

/** `v1.2.3` or `1.2.3` gives `1.2.3`; anything else undefined. */
export function versionFromTag(tag: string): string | undefined {
  const candidate = /^v\d/.test(tag) ? tag.slice(1) : tag;
  return galleryVersionProblem(candidate) === undefined ? candidate : undefined;
}

/** The push scheme: 0.YYYYMMDD.HHMMSS in UTC (see the top of this file). */
export function pushVersion(now: Date): string {
  const day = now.getUTCFullYear() * 10000 + (now.getUTCMonth() + 1) * 100 + now.getUTCDate();
  const time = now.getUTCHours() * 10000 + now.getUTCMinutes() * 100 + now.getUTCSeconds();
  return `0.${day}.${time}`;
}

/** Chooses the version: explicit input, else release tag, else push scheme. */
export function deriveGalleryVersion(opts: { explicit?: string; ref?: string; now: Date }): DerivedVersion {
  if (opts.explicit) return { version: validateGalleryVersion(opts.explicit), origin: 'input' };
  const tag = tagFromRef(opts.ref);
  if (tag !== undefined) {
    const version = versionFromTag(tag);
    if (version === undefined) throw settingsErrors.tagNotVersion(tag);
    return { version, origin: 'tag', tag };
  }
  return { version: pushVersion(opts.now), origin: 'push' };
}
