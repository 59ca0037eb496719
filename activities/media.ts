/**
 * Media processing on the heavy queue (workflows/media/workflow.ts): renders a photo to the
 * widths of domain/media.ts as WebP with sharp (libvips). sharp writes no metadata unless asked,
 * so EXIF, GPS, XMP and ICC blocks of the original are not in any rendered file; the original's
 * EXIF orientation is applied first (`rotate()`), so a portrait stays upright. Videos are kept
 * as uploaded (no transcoder here). The original is never served: it may carry the camera's GPS.
 *
 * Each activity is idempotent: a retry finds the row's status and the files it already wrote.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import sharp from 'sharp';
import { ModelMedia, type MediaVariantRow } from '../db/entities/index.ts';
import { mayMoveMedia, mediaStorageKey, PHOTO_WIDTHS, variantName, type MediaStatus } from '../domain/media.ts';
import type { FileStorage } from '../platform/file-storage.ts';
import { mediaWorkflowId, UNREADABLE_MEDIA, type RemoveMediaFilesInput } from '../workflows/media/messages.ts';
import type { ActivityDeps } from './deps.ts';

/** A decompression bomb is refused before it is decoded (pixels, not bytes). */
const MAX_INPUT_PIXELS = 100_000_000;

/** The widths to render a photo of this width to: the sizes below it, and itself when smaller than the largest. */
export function widthsFor(width: number): number[] {
  const below = PHOTO_WIDTHS.filter((w) => w < width);
  const largest = PHOTO_WIDTHS[PHOTO_WIDTHS.length - 1] as number;
  return [...below, ...(width <= largest ? [width] : [largest])];
}

/** How often an activity waiting on something else tells Temporal it is alive (under the 30 s heartbeat timeout). */
const WAITING_HEARTBEAT_MS = 5_000;

export function createMediaActivities({ orm, logger, storage, temporal }: ActivityDeps & { storage: FileStorage }) {
  const move = async (mediaId: string, to: MediaStatus, fields: Partial<Pick<ModelMedia, 'variants' | 'error' | 'processedAt'>> = {}) => {
    const em = orm.em.fork();
    const row = await em.findOne(ModelMedia, { id: mediaId });
    if (!row) return undefined;
    if (row.status !== to && mayMoveMedia(row.status as MediaStatus, to)) {
      em.assign(row, { status: to, ...fields });
      await em.flush();
    }
    return row;
  };

  return {
    /** uploaded → processing; what the workflow does next (`gone` if the row is not there). */
    async beginMediaProcessing(mediaId: string): Promise<'gone' | 'ready' | 'render'> {
      const row = await move(mediaId, 'processing');
      if (!row) return 'gone';
      return row.status === 'ready' ? 'ready' : 'render';
    },

    /** Renders a photo's sizes (a video has none), then processing → ready. */
    async renderMedia(mediaId: string): Promise<void> {
      const em = orm.em.fork();
      const row = await em.findOne(ModelMedia, { id: mediaId }, { populate: ['model'] });
      // Removed while it waited (removeModelMedia): nothing to render; its removal cleans the folder.
      if (!row) return;
      const variants: MediaVariantRow[] = [];
      if (row.type === 'photo') {
        const original = await storage.read(row.storageKey);
        let width: number;
        try {
          const meta = await sharp(original, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
          // Orientations 5-8 are rotated by 90°: the upright width is the stored height.
          width = (meta.orientation ?? 1) >= 5 ? (meta.height ?? 0) : (meta.width ?? 0);
          if (!width) throw new Error('the image has no width');
        } catch (error) {
          throw ApplicationFailure.create({ type: UNREADABLE_MEDIA, nonRetryable: true, message: `The photo cannot be read: ${(error as Error).message}` });
        }
        for (const target of widthsFor(width)) {
          Context.current().heartbeat({ width: target });
          let rendered: { data: Buffer; info: { width: number; height: number } };
          try {
            rendered = await sharp(original, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' })
              .rotate()
              .resize({ width: target, withoutEnlargement: true })
              .webp({ quality: 82 })
              .toBuffer({ resolveWithObject: true });
          } catch (error) {
            throw ApplicationFailure.create({ type: UNREADABLE_MEDIA, nonRetryable: true, message: `The photo cannot be rendered: ${(error as Error).message}` });
          }
          const key = mediaStorageKey(row.model.id, row.id, variantName(target));
          await storage.putBytes(key, rendered.data);
          variants.push({ width: rendered.info.width, height: rendered.info.height, key, bytes: rendered.data.length });
        }
      }
      await move(mediaId, 'ready', { variants, processedAt: new Date(), error: null });
      logger.info({ mediaId, variants: variants.length }, 'media processed');
    },

    /**
     * Removes a removed item's folder (original and renditions). Runs after the item's processing
     * has ended, so no rendition is written after the folder is gone. The row is read under a lock:
     * while the deleting transaction is still open this waits for it; a row still there afterwards
     * means that transaction rolled back, and the files stay. Only the item's own folder is removed,
     * never its `storageKey` (a row added through GraphQL may name any key).
     */
    async removeMediaFiles({ mediaId, folder }: RemoveMediaFilesInput): Promise<'removed' | 'kept'> {
      if (temporal) {
        const beat = setInterval(() => Context.current().heartbeat('waiting for processing'), WAITING_HEARTBEAT_MS);
        try {
          // Ended (ready, failed, gone) or never started: either way it writes nothing more.
          await temporal.workflow.getHandle(mediaWorkflowId(mediaId)).result().catch(() => undefined);
        } finally {
          clearInterval(beat);
        }
      }
      const em = orm.em.fork();
      const stillThere = await em.transactional(async (tx) => (await tx.getConnection().execute<Array<{ id: string }>>(
        'SELECT id FROM model_media WHERE id = ? FOR UPDATE', [mediaId], 'all', tx.getTransactionContext())).length > 0);
      if (stillThere) {
        logger.warn({ mediaId }, 'media row still present: its removal did not commit, files kept');
        return 'kept';
      }
      await storage.remove(folder);
      logger.info({ mediaId, folder }, 'media files removed');
      return 'removed';
    },

    /** → failed with the reason; the item's files are removed (the row stays to say why). */
    async failMedia(mediaId: string, reason: string): Promise<void> {
      // Files first, so whoever sees `failed` finds no file left (a retry after a crash in between is
      // harmless); never those of an item already ready (a render that finished but was not reported).
      const row = await orm.em.fork().findOne(ModelMedia, { id: mediaId });
      if (row && mayMoveMedia(row.status as MediaStatus, 'failed')) await storage.remove(mediaStorageKey(row.model.id, row.id, ''));
      await move(mediaId, 'failed', { error: reason.slice(0, 1000), variants: [] });
      logger.warn({ mediaId, reason }, 'media processing failed');
    },
  };
}
