/**
 * CSV import chunks on the heavy queue (workflows/imports/workflow.ts), thin over
 * services/imports.ts: each heartbeats per row (with the row's line), so a dead worker is noticed
 * within the heartbeat timeout and the chunk is retried elsewhere.
 */
import { Context } from '@temporalio/activity';
import type { ImportStatus } from '../domain/imports.ts';
import type { FileStorage } from '../platform/file-storage.ts';
import { createImportService } from '../services/imports.ts';
import type { ActivityDeps } from './deps.ts';

export function createImportActivities({ orm, temporal, storage }: ActivityDeps & { storage: FileStorage }) {
  const service = () => createImportService({
    em: orm.em.fork(), storage,
    // Chunks write through the model and client services, which never message workflows or end sessions here.
    temporal: temporal as NonNullable<typeof temporal>,
    sessions: { revokeUser: () => Promise.reject(new Error('no sessions in the worker')) },
  });
  const heartbeat = (line: number) => Context.current().heartbeat({ line });
  return {
    setImportStatus: (importId: string, status: ImportStatus, failure?: string) => service().moveTo(importId, status, failure ?? null),
    checkImportChunk: (importId: string, offset: number, limit: number) => service().checkChunk(importId, offset, limit, heartbeat),
    applyImportChunk: (importId: string, offset: number, limit: number) => service().applyChunk(importId, offset, limit, heartbeat),
  };
}
