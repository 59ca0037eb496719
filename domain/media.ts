/**
 * Model media (seed §3, §9 heavy queue): what may be uploaded, how a file is recognised, the
 * sizes a photo is rendered to, and the processing status a file moves through. Pure rules: the
 * upload endpoint, the media service and the processing workflow all decide with these.
 */
import { invalidRequest } from './errors.ts';

/** uploaded → processing → ready | failed; a failed or ready file is not processed again. */
export const MEDIA_STATUSES = ['uploaded', 'processing', 'ready', 'failed'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

const NEXT: Readonly<Record<MediaStatus, readonly MediaStatus[]>> = {
  uploaded: ['processing', 'failed'],
  processing: ['ready', 'failed'],
  ready: [],
  failed: [],
};

export function mayMoveMedia(from: MediaStatus, to: MediaStatus): boolean {
  return NEXT[from].includes(to);
}

/**
 * Widths (px) a photo is rendered to, as WebP; a photo narrower than a width is not enlarged
 * (that width is skipped, the original's width is rendered instead once).
 */
export const PHOTO_WIDTHS = [320, 800, 1600] as const;

/** A file the upload accepts: its kind, content type and the extension it is stored with. */
export interface RecognisedFile {
  readonly type: 'photo' | 'video';
  readonly contentType: string;
  readonly extension: string;
}

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Uint8Array, from: number, to: number) => String.fromCharCode(...head.subarray(from, to));

/**
 * What a file is, from its first bytes (never from the name or the client's content type, which
 * anyone can spell): JPEG, PNG, WebP photos; MP4 / QuickTime and WebM videos. Anything else is
 * refused. Needs the first 16 bytes.
 */
export function recogniseFile(head: Uint8Array): RecognisedFile | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { type: 'photo', contentType: 'image/jpeg', extension: 'jpg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { type: 'photo', contentType: 'image/png', extension: 'png' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { type: 'photo', contentType: 'image/webp', extension: 'webp' };
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    return brand === 'qt  ' ? { type: 'video', contentType: 'video/quicktime', extension: 'mov' } : { type: 'video', contentType: 'video/mp4', extension: 'mp4' };
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { type: 'video', contentType: 'video/webm', extension: 'webm' };
  return undefined;
}

export const ACCEPTED_MEDIA = 'JPEG, PNG or WebP photos; MP4, QuickTime or WebM videos';

/** VALIDATION for a file that is none of the accepted kinds. */
export function unsupportedMedia(): Error {
  return invalidRequest(`The file is not a supported photo or video (${ACCEPTED_MEDIA}).`, { field: 'file', reason: 'unsupported_type' });
}

/** VALIDATION for a file over the limit (the endpoint answers 413 with it). */
export function mediaTooLarge(limitBytes: number): Error {
  return invalidRequest(`The file is larger than the limit of ${limitBytes} bytes.`, { field: 'file', reason: 'too_large', limitBytes });
}

/** Where a model's media file lives in storage: one folder per media item. */
export function mediaStorageKey(modelId: string, mediaId: string, name: string): string {
  return `models/${modelId}/${mediaId}/${name}`;
}

/** The name of a rendered photo in its media item's folder. */
export const variantName = (width: number) => `w${width}.webp`;

/**
 * Links to media files the API serves (`GET /api/v1/media/:id`). A public item's link is signed
 * and time-limited, so it opens without a session (an <img> on a public page); a non-public
 * item has no such link: it is served only to a signed-in user whose roles have models.read.
 */
export const MEDIA_PATH_PREFIX = '/api/v1/media/';

/** The path a media item's file is served at, in the one form links are signed over. */
export function mediaPath(mediaId: string, width?: number): string {
  return `${MEDIA_PATH_PREFIX}${mediaId}${width === undefined ? '' : `?width=${width}`}`;
}

/**
 * A signed link's expiry (Unix seconds): at least `ttlSeconds` from now, rounded up to a
 * 5-minute step, so the links handed out stay the same for five minutes at a time and a browser
 * or cache can reuse what it fetched instead of seeing a new URL on every query.
 */
export const MEDIA_LINK_STEP_SECONDS = 300;
export function mediaLinkExpiry(nowMs: number, ttlSeconds: number): number {
  return Math.ceil((nowMs / 1000 + ttlSeconds) / MEDIA_LINK_STEP_SECONDS) * MEDIA_LINK_STEP_SECONDS;
}

/** Why a signed link does not open its file, or undefined if it does (the item being public is checked beside it). */
export function signedLinkProblem(link: { expires: string | undefined; signature: string | undefined }, verify: (expires: number, signature: string) => boolean, nowMs: number):
  { reason: 'malformed' | 'bad_signature' | 'expired'; message: string } | undefined {
  if (!link.signature || !link.expires || !/^\d{1,12}$/.test(link.expires)) return { reason: 'malformed', message: 'The link is not a signed media link: it needs both expires and signature.' };
  const expires = Number(link.expires);
  if (!verify(expires, link.signature)) return { reason: 'bad_signature', message: 'The link\'s signature does not match it: the link was changed, or not issued by this platform.' };
  if (expires * 1000 <= nowMs) return { reason: 'expired', message: `The link expired at ${new Date(expires * 1000).toISOString()}: read the media item again for a fresh link.` };
  return undefined;
}
