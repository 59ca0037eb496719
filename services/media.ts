/**
 * Model media as files (issue 14 item 7, seed §2 Content Manager "Media upload"): an upload the
 * API has staged on disk (checksummed while it streamed) becomes a stored original, a
 * model_media row in status `uploaded` and the item's processing workflow on the heavy queue,
 * together or not at all: if any step fails, the stored file is removed and no row remains.
 * The same file uploaded again for the same model is the same item (by its SHA-256).
 * The workflow's activities move the status on (activities/media.ts); nothing else writes it.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Model, ModelMedia } from '../db/entities/index.ts';
import { assertPermission, type Principal } from '../domain/access.ts';
import { notFound } from '../domain/errors.ts';
import { mediaLinkExpiry, mediaPath, mediaStorageKey, type RecognisedFile } from '../domain/media.ts';
import type { UrlSigner } from '../platform/url-signing.ts';
import type { FileStorage } from '../platform/file-storage.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { mediaWorkflowId, processModelMediaWorkflowType, type ProcessMediaInput } from '../workflows/media/messages.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';
import { uniquely } from './unique-writes.ts';

export interface MediaDeps extends ServiceDeps {
  readonly storage: FileStorage;
}

/** An upload the edge has written to the storage's staging folder and measured. */
export interface StagedUpload {
  readonly path: string;
  readonly file: RecognisedFile;
  /** SHA-256, hex. */
  readonly checksum: string;
  readonly sizeBytes: number;
  readonly originalName: string | null;
  readonly isPublic: boolean;
}

/** The path a media item's files are served from (api/http/media.ts), as stored in its `url`. */
export const mediaUrl = (mediaId: string) => mediaPath(mediaId);

/** How the API signs media links: the key (MEDIA_URL_SECRET) and how long a link lasts (MEDIA_URL_TTL_SECONDS). */
export interface MediaLinks {
  readonly signer: UrlSigner;
  readonly ttlSeconds: number;
}

/**
 * The link a viewer gets to a media item's file (or one rendered width of a photo): for an
 * uploaded item the API serves, a public one's link is signed and expires (`expiresAt`), a
 * non-public one's is the plain path (Authorization: Bearer, models.read); an item added by URL
 * is its own URL, unchanged.
 */
export function mediaLinkOf(links: MediaLinks, row: { id: string; url: string; isPublic?: boolean | null }, width?: number, nowMs = Date.now()): { url: string; expiresAt: Date | null } {
  if (row.url !== mediaUrl(row.id)) return { url: row.url, expiresAt: null };
  const path = mediaPath(row.id, width);
  if (row.isPublic === false) return { url: path, expiresAt: null };
  const expires = mediaLinkExpiry(nowMs, links.ttlSeconds);
  const signed = `${path}${path.includes('?') ? '&' : '?'}expires=${expires}&signature=${links.signer.sign(path, expires)}`;
  return { url: signed, expiresAt: new Date(expires * 1000) };
}

/** Media files follow their model's rights: models.write to upload, models.read to see. */
export function assertMayUploadMedia(principal: Principal): void {
  assertPermission(principal, 'models.write');
}

export function createMediaService(deps: MediaDeps) {
  const findDuplicate = (em: EntityManager, modelId: string, checksum: string) =>
    em.findOne(ModelMedia, { model: modelId, checksum, contentType: { $ne: null }, status: { $ne: 'failed' } });

  return {
    /** Throws NOT_FOUND for an unknown model (the edge asks before it reads the body). */
    async assertModelExists(modelId: string): Promise<void> {
      if (!isUuid(modelId) || !(await deps.em.fork().count(Model, { id: modelId }))) throw notFound('model', modelId);
    },

    /**
     * Stores a staged upload and starts its processing. The staged file is always consumed
     * (stored, or removed when refused). Returns the item and whether it already existed.
     */
    async acceptUpload(caller: Caller, modelId: string, upload: StagedUpload): Promise<{ media: ModelMedia; duplicate: boolean }> {
      let storedFolder: string | undefined;
      try {
        assertMayUploadMedia(caller.principal);
        await this.assertModelExists(modelId);
        const existing = await findDuplicate(deps.em.fork(), modelId, upload.checksum);
        if (existing) return { media: existing, duplicate: true };

        const id = randomUUID();
        const key = mediaStorageKey(modelId, id, `original.${upload.file.extension}`);
        storedFolder = mediaStorageKey(modelId, id, '');
        await deps.storage.putFile(key, upload.path);
        await uniquely(() => deps.em.fork().transactional(async (em) => {
          const model = await em.findOneOrFail(Model, { id: modelId });
          const [last] = await em.getConnection().execute<Array<{ next: number }>>(
            'SELECT coalesce(max(sort_order) + 1, 0)::int AS next FROM model_media WHERE model_id = ?', [model.id], 'all', em.getTransactionContext());
          const row = em.create(ModelMedia, {
            id, model, type: upload.file.type, storageKey: key, url: mediaUrl(id), checksum: upload.checksum,
            isPrimary: false, isPublic: upload.isPublic, sortOrder: last?.next ?? 0, status: 'uploaded',
            contentType: upload.file.contentType, sizeBytes: upload.sizeBytes, originalName: upload.originalName, variants: [],
          });
          await em.flush();
          await recordEdit(em, caller, {
            action: 'MEDIA_UPLOAD', entityType: 'model', entityId: model.id, after: { id, type: row.type, checksum: row.checksum, sizeBytes: row.sizeBytes },
            metadata: { mediaId: id },
          });
          // Started inside the transaction: if the start fails nothing commits; if the commit
          // fails, the workflow finds no row and ends (its first activity says `gone`).
          await deps.temporal.workflow.start(processModelMediaWorkflowType, {
            taskQueue: BACKGROUND_TASK_QUEUE, workflowId: mediaWorkflowId(id), args: [{ mediaId: id } satisfies ProcessMediaInput],
          });
        }), { checksum: 'This file was just uploaded for this model.' });
        return { media: await deps.em.fork().findOneOrFail(ModelMedia, { id }), duplicate: false };
      } catch (error) {
        if (storedFolder) await deps.storage.remove(storedFolder);
        throw error;
      } finally {
        await rm(upload.path, { force: true });
      }
    },

    /** A media item opened by a signed link (the signature is the right to it: checked by the caller), or NOT_FOUND. */
    async linked(mediaId: string): Promise<ModelMedia> {
      const row = isUuid(mediaId) ? await deps.em.fork().findOne(ModelMedia, { id: mediaId }) : null;
      if (!row) throw notFound('model media', mediaId);
      return row;
    },

    /** A media item for a viewer with models.read, or NOT_FOUND. */
    async viewable(caller: Caller, mediaId: string): Promise<ModelMedia> {
      assertPermission(caller.principal, 'models.read');
      const row = isUuid(mediaId) ? await deps.em.fork().findOne(ModelMedia, { id: mediaId }) : null;
      if (!row) throw notFound('model media', mediaId);
      return row;
    },
  };
}
