/**
 * The media processing workflow's contract (issue 14 item 7): one workflow per uploaded media
 * item, id `media:<media id>`, started by the upload (services/media.ts) on the `background` workflow
 * queue; its activities run on the `heavy` queue.
 */

export const processModelMediaWorkflowType = 'processModelMedia';

export const mediaWorkflowId = (mediaId: string) => `media:${mediaId}`;

export interface ProcessMediaInput {
  readonly mediaId: string;
}

export interface ProcessMediaResult {
  /** ready or failed; gone when the row was removed before processing began. */
  readonly status: 'ready' | 'failed' | 'gone';
}

/**
 * Removing a media item's files once its row is gone (`removeModelMedia`, services/models.ts):
 * one workflow per removed item, id `media-removal:<media id>`, started in the transaction that
 * deletes the row, on the `background` workflow queue; its activity runs on the `heavy` queue.
 */
export const removeModelMediaFilesWorkflowType = 'removeModelMediaFiles';

export const mediaRemovalWorkflowId = (mediaId: string) => `media-removal:${mediaId}`;

export interface RemoveMediaFilesInput {
  readonly mediaId: string;
  /** The item's own folder in the file store (`models/<model>/<media>/`): only it is removed. */
  readonly folder: string;
}

export interface RemoveMediaFilesResult {
  /** removed; kept when the row is still there (the deleting transaction did not commit). */
  readonly status: 'removed' | 'kept';
}

/** The failure type of a file the image library cannot read: not retried. */
export const UNREADABLE_MEDIA = 'UnreadableMedia';
