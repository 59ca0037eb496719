/**
 * Model media over plain HTTP (seed §7 `POST /api/v1/models/:id/media`, issue 14 item 7):
 *
 * - `POST /api/v1/models/:id/media`, multipart/form-data with the file in `file` (and optionally
 *   `isPublic=false`), bearer auth, models.write (Content Managers, owners). The file is streamed
 *   to the file store's staging folder, hashed and measured; what it is comes from its first
 *   bytes; a photo's header is read by sharp. 201 with the media item in status `uploaded` (its
 *   processing workflow runs on the heavy queue), 200 with `duplicate: true` for a file the
 *   model already has. Refused (nothing stored, no row): 413 over MEDIA_MAX_UPLOAD_BYTES, 400
 *   for a file that is not a supported photo or video or cannot be read, 404 for no such model.
 * - `GET /api/v1/media/:id?width=800`: a ready photo's rendered WebP (the smallest size at least
 *   `width` wide, else the largest), or a ready video's file. Either with a signed link
 *   (`&expires=…&signature=…`, as ModelMedia.url gives it for a PUBLIC item: HMAC over the path,
 *   width and expiry, domain/media.ts), which needs no session and opens only a public item until
 *   it expires — a changed, forged or expired link, or one to an item no longer public, is 403;
 *   or with bearer auth and models.read, for any item (the only way to a non-public one).
 *   The uploaded original of a photo is never served (it may carry the camera's GPS position).
 */
import { rm } from 'node:fs/promises';
import express from 'express';
import sharp from 'sharp';
import { DomainError, conflict, invalidRequest, notFound } from '../../domain/errors.ts';
import { mediaPath, recogniseFile, signedLinkProblem, unsupportedMedia } from '../../domain/media.ts';
import { assertMayUploadMedia, createMediaService, type MediaLinks } from '../../services/media.ts';
import { fileCallerOf, fileEndpoint, fileServiceDeps, receiveFile, refuse, type FileRouteOptions } from './uploads.ts';

export interface MediaRouteOptions extends FileRouteOptions {
  readonly maxBytes: number;
  /** Checks the signed links of public media. */
  readonly links: MediaLinks;
}

/** Pixels a photo may have (a small file can decode to a huge image). */
const MAX_PIXELS = 100_000_000;

/** How a media item is shown by the upload endpoint. */
const shown = (row: { id: string; type: string; status: string; checksum?: string | null; sizeBytes?: number | null; contentType?: string | null; url: string; sortOrder?: number | null; isPublic?: boolean | null }) => ({
  id: row.id, type: row.type, status: row.status, checksum: row.checksum ?? null, sizeBytes: row.sizeBytes ?? null,
  contentType: row.contentType ?? null, url: row.url, sortOrder: row.sortOrder ?? 0, isPublic: row.isPublic ?? true,
});

export function mediaRoutes(options: MediaRouteOptions) {
  const log = options.logger.child({ component: 'media' });
  const media = () => createMediaService(fileServiceDeps(options));
  const router = express.Router();

  router.post('/api/v1/models/:id/media', fileEndpoint(options, log, async (req, res, caller) => {
    assertMayUploadMedia(caller.principal);
    const modelId = String(req.params.id);
    await media().assertModelExists(modelId);
    const received = await receiveFile(req, options.storage.stagingDir, options.maxBytes);
    try {
      const file = recogniseFile(received.head);
      if (!file) throw unsupportedMedia();
      if (file.type === 'photo') {
        const meta = await sharp(received.path, { limitInputPixels: false }).metadata().catch((error: Error) => {
          throw invalidRequest(`The photo cannot be read: ${error.message}`, { field: 'file', reason: 'unreadable' });
        });
        if (!meta.width || !meta.height) throw invalidRequest('The photo has no size.', { field: 'file', reason: 'unreadable' });
        if (meta.width * meta.height > MAX_PIXELS) throw invalidRequest(`The photo has more than ${MAX_PIXELS} pixels.`, { field: 'file', reason: 'too_large', limitPixels: MAX_PIXELS });
      }
      const isPublic = received.fields.isPublic === undefined ? true : received.fields.isPublic !== 'false';
      const { media: row, duplicate } = await media().acceptUpload(caller, modelId, {
        path: received.path, file, checksum: received.checksum, sizeBytes: received.sizeBytes, originalName: received.originalName, isPublic,
      });
      res.status(duplicate ? 200 : 201).json({ media: shown(row), duplicate });
    } finally {
      await rm(received.path, { force: true });
    }
  }));

  router.get('/api/v1/media/:id', (req, res) => {
    void (async () => {
      const mediaId = String(req.params.id);
      const wanted = req.query.width === undefined ? undefined : Number(req.query.width);
      const link = { expires: req.query.expires, signature: req.query.signature };
      const signed = link.expires !== undefined || link.signature !== undefined;
      let row;
      if (signed) {
        // The signature is the right to the file: no session is asked for (or used).
        const path = mediaPath(mediaId, wanted);
        const problem = signedLinkProblem({ expires: typeof link.expires === 'string' ? link.expires : undefined, signature: typeof link.signature === 'string' ? link.signature : undefined },
          (expires, signature) => options.links.signer.verify(path, expires, signature), Date.now());
        if (problem) throw new DomainError('FORBIDDEN', problem.message, { reason: problem.reason });
        row = await media().linked(mediaId);
        if (row.isPublic === false) throw new DomainError('FORBIDDEN', 'This media item is not public: only a signed-in user whose roles have models.read may see it.', { reason: 'not_public' });
      } else {
        row = await media().viewable(await fileCallerOf(req, options.sessions), mediaId);
      }
      // (A signed link with another width than it was signed for fails its signature above.)
      if (wanted !== undefined && !(Number.isInteger(wanted) && wanted > 0)) throw invalidRequest('width must be a positive whole number of pixels.', { field: 'width' });
      if (row.status !== 'ready') throw conflict(`The media item is ${row.status}, not ready: it can be served once processed.`, { status: row.status, mediaId: row.id });
      let key = row.storageKey;
      let contentType = row.contentType ?? 'application/octet-stream';
      if (row.type === 'photo') {
        const sizes = [...(row.variants ?? [])].sort((a, b) => a.width - b.width);
        const chosen = (wanted === undefined ? undefined : sizes.find((v) => v.width >= wanted)) ?? sizes[sizes.length - 1];
        if (!chosen) throw notFound('rendered photo', row.id);
        key = chosen.key;
        contentType = 'image/webp';
      }
      const file = await options.storage.find(key);
      if (!file) throw notFound('media file', row.id);
      // A signed link's answer may be kept until the link expires, no longer.
      const maxAge = signed ? Math.max(0, Math.min(3600, Number(link.expires) - Math.floor(Date.now() / 1000))) : 3600;
      res.status(200).set({
        'Content-Type': contentType, 'Content-Length': String(file.size), 'Cache-Control': `private, max-age=${maxAge}`,
        'X-Content-Type-Options': 'nosniff', 'Content-Disposition': 'inline',
      });
      file.open().on('error', (error) => refuse(req, res, error, log)).pipe(res);
    })().catch((error: unknown) => refuse(req, res, error, req.log ?? log));
  });

  return router;
}
