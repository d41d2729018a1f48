import { SettingsError } from '../../src/core/errors.js';
import {
  deriveGalleryVersion,
  galleryVersionProblem,
  MAX_VERSION_PART,
  pushVersion,
  validateGalleryVersion,
  versionFromTag,
} from '../../src/core/gallery-version.js';

function thrown(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error('expected a SettingsError');
}

describe('explicit versions', () => {
  it.each(['0.0.0', '1.2.3', '10.200.3000', `${MAX_VERSION_PART}.${MAX_VERSION_PART}.${MAX_VERSION_PART}`])(
    'accepts %s unchanged',
    (v) => {
      expect(galleryVersionProblem(v)).toBeUndefined();
      expect(validateGalleryVersion(v)).toBe(v);
    },
  );

  it.each([
    ['1.2', '2 parts instead of 3'],
    ['1.2.3.4', '4 parts instead of 3'],
    ['v1.2.3', "'v1' is not a whole number"],
    ['1.2.x', "'x' is not a whole number"],
    ['1..3', "'' is not a whole number"],
    ['1.02.3', "'02' has a leading zero"],
    ['1.2.2147483648', '2147483648 is greater than 2147483647'],
    ['1.2.99999999999', '99999999999 is greater than 2147483647'],
    ['-1.2.3', "'-1' is not a whole number"],
  ])('rejects %s (%s) naming the input, value and fix', (value, problem) => {
    const error = thrown(() => validateGalleryVersion(value));
    expect(error.input).toBe('gallery-image-version');
    expect(error.message).toContain(`Input 'gallery-image-version' is '${value}'`);
    expect(error.message).toContain(problem);
    expect(error.message).toContain('Use Major.Minor.Patch');
  });
});

describe('versions from tags', () => {
  it.each([
    ['v1.2.3', '1.2.3'],
    ['1.2.3', '1.2.3'],
    ['v0.0.1', '0.0.1'],
  ])('%s gives %s', (tag, version) => {
    expect(versionFromTag(tag)).toBe(version);
    expect(deriveGalleryVersion({ ref: `refs/tags/${tag}`, now: new Date() })).toEqual({
      version,
      origin: 'tag',
      tag,
    });
  });

  it.each(['release-1', 'v1.2', 'v1.2.3-rc.1', 'V1.2.3', 'vv1.2.3', 'v1.2.3.4'])(
    'tag %s is not a version: the error names the tag and the fix',
    (tag) => {
      expect(versionFromTag(tag)).toBeUndefined();
      const error = thrown(() => deriveGalleryVersion({ ref: `refs/tags/${tag}`, now: new Date() }));
      expect(error.input).toBe('gallery-image-version');
      expect(error.message).toContain(`'${tag}'`);
      expect(error.message).toContain("Set 'gallery-image-version' explicitly");
    },
  );

  it('an explicit version wins over the tag, even a tag that is not a version', () => {
    expect(deriveGalleryVersion({ explicit: '4.5.6', ref: 'refs/tags/nightly', now: new Date() })).toEqual({
      version: '4.5.6',
      origin: 'input',
    });
  });
});

describe('push scheme 0.YYYYMMDD.HHMMSS (UTC)', () => {
  it('reads the UTC date and time', () => {
    expect(pushVersion(new Date('2025-01-28T09:05:07Z'))).toBe('0.20250128.90507');
    expect(pushVersion(new Date('2025-01-28T00:00:00Z'))).toBe('0.20250128.0');
    expect(pushVersion(new Date('2025-12-31T23:59:59.999Z'))).toBe('0.20251231.235959');
    // 01:30 in UTC+2 is the previous day in UTC.
    expect(pushVersion(new Date('2025-03-01T01:30:00+02:00'))).toBe('0.20250228.233000');
  });

  it('is used for branches, pull requests and runs without a ref', () => {
    const now = new Date('2025-06-01T12:00:00Z');
    for (const ref of ['refs/heads/main', 'refs/pull/7/merge', undefined]) {
      expect(deriveGalleryVersion({ ref, now })).toEqual({ version: '0.20250601.120000', origin: 'push' });
    }
  });

  it('grows with time and always fits Major.Minor.Patch 32-bit parts', () => {
    const compare = (a: string, b: string) => {
      const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    };
    let previous = pushVersion(new Date('1999-12-31T23:59:58Z'));
    // One step past every boundary: seconds, minutes, hours, days, months, years, leap day.
    const instants = [
      '1999-12-31T23:59:59Z',
      '2000-01-01T00:00:00Z',
      '2000-01-01T00:00:01Z',
      '2000-01-01T00:01:00Z',
      '2000-01-01T01:00:00Z',
      '2000-02-29T12:00:00Z',
      '2000-03-01T00:00:00Z',
      '2026-07-15T09:59:59Z',
      '2026-07-15T10:00:00Z',
      '9999-12-31T23:59:59Z',
    ];
    for (const instant of instants) {
      const version = pushVersion(new Date(instant));
      expect(galleryVersionProblem(version)).toBeUndefined();
      expect(compare(version, previous)).toBeGreaterThan(0);
      previous = version;
    }
  });

  it('sorts below any release 1.0.0 or later', () => {
    const [major] = pushVersion(new Date('2099-01-01T00:00:00Z')).split('.').map(Number);
    expect(major).toBe(0);
  });
});
