// Records every long-running operation an in-process emulator starts (what the build asked Azure
// to do, with the duration the emulator's latency table gave it and when it really finished), by
// wrapping the emulator's LroEngine.start on that one instance. The emulator's code is unchanged.
import type { EmulatorHandle } from '../../test/emulator/index.js';
import type { OperationSpec } from '../../test/emulator/lro.js';
import type { OperationRecord } from './limit.js';

export interface RecordedOperation extends OperationRecord {
  /** The operation id in its status URL (Azure-AsyncOperation / Location), to find its polls. */
  operationId?: string;
  /** Model time (epoch ms) the emulator settled it. */
  endedAt?: number;
}

export function recordOperations(emu: EmulatorHandle): RecordedOperation[] {
  const core = emu.control.core;
  const lro = core.lro;
  const start = lro.start.bind(lro);
  const ops: RecordedOperation[] = [];
  lro.start = (spec: OperationSpec): Record<string, string> => {
    const rec: RecordedOperation = {
      method: spec.req.method,
      path: spec.req.path,
      startedAt: core.clock.now(),
      durationMs: spec.durationMs,
    };
    ops.push(rec);
    const finished = (): void => {
      rec.endedAt = core.clock.now();
      rec.tookMs = rec.endedAt - rec.startedAt;
    };
    const headers = start({
      ...spec,
      complete: async () => {
        try {
          return await spec.complete?.();
        } finally {
          finished();
        }
      },
    });
    const url = headers['azure-asyncoperation'] ?? headers['location'] ?? '';
    rec.operationId = /\/(?:operations|capsOperations|DiskOperations|operationresults)\/([^/?]+)/i.exec(
      url,
    )?.[1];
    return headers;
  };
  return ops;
}
