/**
 * `POST /api/v1/imports` (issue 14 item 8): a CSV file of models or clients, multipart with the
 * file in `file` and the kind in `kind` (`models` or `clients`, sent before the file), bearer
 * auth; importing models needs models.write, clients clients.write. The file is parsed at once:
 * a malformed file, a wrong header, no rows or over IMPORT_MAX_UPLOAD_BYTES (413) is refused
 * and nothing is stored. 202 with the import's id: its dry run runs on the heavy queue; its
 * progress and problems are the `dataImport` query, and `applyDataImport` applies it.
 */
import express from 'express';
import { assertPermission } from '../../domain/access.ts';
import { invalidRequest } from '../../domain/errors.ts';
import { IMPORT_KINDS, IMPORT_PERMISSION, type ImportKind } from '../../domain/imports.ts';
import { createImportService } from '../../services/imports.ts';
import { fileEndpoint, fileServiceDeps, receiveFile, type FileRouteOptions } from './uploads.ts';

export interface ImportRouteOptions extends FileRouteOptions {
  readonly maxBytes: number;
}

const isKind = (value: unknown): value is ImportKind => (IMPORT_KINDS as readonly unknown[]).includes(value);

export function importRoutes(options: ImportRouteOptions) {
  const log = options.logger.child({ component: 'imports' });
  const router = express.Router();
  router.post('/api/v1/imports', fileEndpoint(options, log, async (req, res, caller) => {
    // The kind may come as a query parameter too, so the right is checked before the body is read.
    const early = req.query.kind;
    if (isKind(early)) assertPermission(caller.principal, IMPORT_PERMISSION[early]);
    const received = await receiveFile(req, options.storage.stagingDir, options.maxBytes);
    const kind = received.fields.kind ?? early;
    const service = createImportService(fileServiceDeps(options));
    if (!isKind(kind)) {
      await service.discard(received.path);
      throw invalidRequest(`kind must be one of ${IMPORT_KINDS.join(', ')}.`, { field: 'kind' });
    }
    const created = await service.acceptUpload(caller, kind, {
      path: received.path, checksum: received.checksum, originalName: received.originalName,
    });
    res.status(202).json({ import: { id: created.id, kind, status: 'uploaded', totalRows: created.totalRows } });
  }));
  return router;
}
