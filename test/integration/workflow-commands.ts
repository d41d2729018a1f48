// What @actions/core writes to stdout when a test calls it in-process (workflow commands such as
// ::add-mask:: and ::debug::): kept out of the test output and held for the test to check.
// Call at the top level of a test file; it installs its own beforeAll/afterAll hooks.
import { jest } from '@jest/globals';

export interface WorkflowCommands {
  /** Everything written to stdout since the last clear(). */
  written(): string[];
  /** The values of the ::add-mask:: commands since the last clear(). */
  masked(): string[];
  clear(): void;
}

export function captureWorkflowCommands(): WorkflowCommands {
  let written: string[] = [];
  let spy: ReturnType<typeof jest.spyOn> | undefined;
  beforeAll(() => {
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterAll(() => spy?.mockRestore());
  return {
    written: () => [...written],
    masked: () => written.flatMap((w) => [...w.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1])),
    clear: () => {
      written = [];
    },
  };
}
