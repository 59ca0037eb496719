/**
 * `GET /api/v1/reports/:id/csv` (issue 14 item 8): a ready report's CSV, bearer auth, to those
 * who may run its kind (reports.run, or reports.finance for revenue by model); 404 until ready.
 */
import express from 'express';
import { createReportService } from '../../services/reports.ts';
import { fileEndpoint, fileServiceDeps, refuse, type FileRouteOptions } from './uploads.ts';

export function reportRoutes(options: FileRouteOptions) {
  const log = options.logger.child({ component: 'reports' });
  const router = express.Router();
  router.get('/api/v1/reports/:id/csv', fileEndpoint(options, log, async (req, res, caller) => {
    const { file, name } = await createReportService(fileServiceDeps(options)).download(caller, String(req.params.id));
    res.status(200).set({
      'Content-Type': 'text/csv; charset=utf-8', 'Content-Length': String(file.size), 'Cache-Control': 'private, no-store',
      'Content-Disposition': `attachment; filename="${name}"`, 'X-Content-Type-Options': 'nosniff',
    });
    file.open().on('error', (error) => refuse(req, res, error, log)).pipe(res);
  }));
  return router;
}
