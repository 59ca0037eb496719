/**
 * Model media through the real API and worker (issue 14 item 7): multipart upload by a Content
 * Manager, SHA-256 checksum, local file store, processing on the heavy queue with sharp (sizes,
 * WebP, EXIF and GPS gone), status uploaded → processing → ready | failed, serving to users with
 * models.read, flags and order through GraphQL; bad, huge and unauthorised uploads refused with
 * nothing left behind (no row, no file); public items' links signed and time-limited (opening
 * without a session; changed, forged, expired ones 403), non-public items only to signed-in users
 * with models.read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import exifr from 'exifr';
import sharp from 'sharp';
import { createUrlSigner } from '../platform/url-signing.ts';
import { freshModel } from './support/models.ts';
import { startTestPlatform, testFiles, type TestPlatform } from './support/platform.ts';
import { eventually } from './support/wait.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { mediaRemovalWorkflowId, removeModelMediaFilesWorkflowType, type RemoveMediaFilesResult } from '../workflows/media/messages.ts';

/** Small enough to test both refusals quickly: over it by a little (streamed) and by a lot (announced). */
const LIMIT = 300_000;
const files = testFiles({ mediaMaxBytes: LIMIT });

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ files: { mediaMaxBytes: LIMIT } });
});
afterAll(async () => {
  await platform?.stop();
});

interface Uploaded {
  status: number;
  body: { media?: { id: string; status: string; checksum: string; sizeBytes: number; type: string; contentType: string }; duplicate?: boolean; error?: { code: string; reason?: string; message: string } };
}

async function upload(modelId: string, bytes: Uint8Array, role: string | null = 'CONTENT_MANAGER', name = 'photo.jpg'): Promise<Uploaded> {
  const form = new FormData();
  form.append('isPublic', 'true');
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const headers = role ? await platform.as(role) : {};
  const response = await fetch(`${platform.url}/api/v1/models/${modelId}/media`, { method: 'POST', body: form, headers });
  return { status: response.status, body: (await response.json()) as Uploaded['body'] };
}

/** A JPEG as a phone writes it: camera make and a GPS position in its EXIF. */
async function photoWithGps(width = 1200, height = 900, colour = '#c33'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().withExif({
    IFD0: { Make: 'PhoneCam', Model: 'X1' },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
  }).toBuffer();
}

const mediaRows = (modelId: string) => platform.sql<{ id: string; status: string }>('SELECT id, status FROM model_media WHERE model_id = ?', [modelId]);
const modelFolder = (modelId: string) => path.join(files.storageDir, 'models', modelId);
const staged = () => (existsSync(path.join(files.storageDir, '.staging')) ? readdirSync(path.join(files.storageDir, '.staging')) : []);

const mediaQuery = `query ($id: ID!) { modelMedia(id: $id) { id status error contentType sizeBytes checksum originalName isPrimary sortOrder variants { width height bytes url } } }`;
interface MediaView { id: string; status: string; error: string | null; contentType: string; sizeBytes: number; checksum: string; originalName: string; isPrimary: boolean; sortOrder: number; variants: Array<{ width: number; height: number; bytes: number; url: string }> }
const mediaOf = async (id: string) => (await platform.gql<{ modelMedia: MediaView }>(mediaQuery, { id })).data!.modelMedia;
const settled = (id: string) => eventually(() => mediaOf(id), (m) => m.status === 'ready' || m.status === 'failed', 90_000);

describe('uploading a photo', () => {
  test('a Content Manager uploads a photo: checksummed, rendered to sizes as WebP with EXIF and GPS gone, served to users with models.read', async () => {
    const { id: modelId } = await freshModel(platform);
    const photo = await photoWithGps();
    expect(await exifr.gps(photo)).toMatchObject({ latitude: 51.5 });

    const first = await upload(modelId, photo);
    expect(first.status).toBe(201);
    expect(first.body.media).toMatchObject({ type: 'photo', contentType: 'image/jpeg', sizeBytes: photo.length, checksum: createHash('sha256').update(photo).digest('hex') });
    expect(['uploaded', 'processing', 'ready']).toContain(first.body.media!.status);
    const mediaId = first.body.media!.id;

    const ready = await settled(mediaId);
    expect(ready).toMatchObject({ status: 'ready', error: null, originalName: 'photo.jpg' });
    expect(ready.variants.map((v) => [v.width, v.height])).toEqual([[320, 240], [800, 600], [1200, 900]]);

    // Served to a user with models.read (an operator), as WebP without metadata.
    const operator = await platform.as('OPERATOR');
    for (const variant of ready.variants) {
      const response = await fetch(`${platform.url}${variant.url}`, { headers: operator });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length).toBe(variant.bytes);
      const meta = await sharp(body).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: variant.width });
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      // Whatever metadata the WebP had would survive into a JPEG that keeps it: there is no GPS.
      const roundTrip = await sharp(body).keepMetadata().jpeg().toBuffer();
      expect(await exifr.gps(roundTrip)).toBeUndefined();
    }
    // The smallest size at least as wide as asked.
    const asked = await fetch(`${platform.url}/api/v1/media/${mediaId}?width=500`, { headers: operator });
    expect((await sharp(Buffer.from(await asked.arrayBuffer())).metadata()).width).toBe(800);
    // Without a session: 401; without models.read (Finance): 403.
    expect((await fetch(`${platform.url}/api/v1/media/${mediaId}`)).status).toBe(401);
    expect((await fetch(`${platform.url}/api/v1/media/${mediaId}`, { headers: await platform.as('FINANCE') })).status).toBe(403);

    // The same file again is the same item (checksum): no second row, no second file.
    const again = await upload(modelId, photo);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, media: { id: mediaId } });
    expect(await mediaRows(modelId)).toHaveLength(1);
    expect(readdirSync(modelFolder(modelId))).toEqual([mediaId]);
  }, 180_000);

  test('primary and public flags and order are set through GraphQL on uploaded media', async () => {
    const { id: modelId } = await freshModel(platform);
    const a = (await upload(modelId, await photoWithGps(400, 300, '#111'))).body.media!.id;
    const b = (await upload(modelId, await photoWithGps(400, 300, '#222'))).body.media!.id;
    await settled(a);
    await settled(b);
    const cm = await platform.as('CONTENT_MANAGER');
    const flagged = await platform.gql<{ updateModelMedia: { isPrimary: boolean; isPublic: boolean } }>(
      'mutation ($id: ID!) { updateModelMedia(id: $id, input: { isPrimary: true, isPublic: false }) { isPrimary isPublic } }', { id: b }, cm);
    expect(flagged.errors).toBeUndefined();
    expect(flagged.data!.updateModelMedia).toEqual({ isPrimary: true, isPublic: false });
    const reordered = await platform.gql<{ reorderModelMedia: Array<{ id: string; sortOrder: number }> }>(
      'mutation ($m: ID!, $ids: [ID!]!) { reorderModelMedia(modelId: $m, mediaIds: $ids) { id sortOrder } }', { m: modelId, ids: [b, a] }, cm);
    expect(reordered.errors).toBeUndefined();
    const model = await platform.gql<{ model: { media: Array<{ id: string; isPrimary: boolean; status: string }> } }>(
      'query ($id: ID!) { model(id: $id) { media { id isPrimary status } } }', { id: modelId });
    expect(model.data!.model.media).toEqual([{ id: b, isPrimary: true, status: 'ready' }, { id: a, isPrimary: false, status: 'ready' }]);
  }, 180_000);

  test('a video is stored as uploaded and served once ready', async () => {
    const { id: modelId } = await freshModel(platform);
    const video = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), randomBytes(4000)]);
    const uploaded = await upload(modelId, video, 'CONTENT_MANAGER', 'clip.mp4');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.media).toMatchObject({ type: 'video', contentType: 'video/mp4' });
    const ready = await settled(uploaded.body.media!.id);
    expect(ready).toMatchObject({ status: 'ready', variants: [] });
    const served = await fetch(`${platform.url}/api/v1/media/${ready.id}`, { headers: await platform.as('OPERATOR') });
    expect(served.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await served.arrayBuffer()).equals(video)).toBe(true);
  }, 180_000);

  test('a photo that cannot be rendered ends failed with the reason, its files removed', async () => {
    const { id: modelId } = await freshModel(platform);
    const photo = await photoWithGps(800, 600);
    // The header reads (the upload accepts it); the picture data is cut short.
    const truncated = photo.subarray(0, Math.floor(photo.length * 0.6));
    const uploaded = await upload(modelId, truncated);
    expect(uploaded.status).toBe(201);
    const failed = await settled(uploaded.body.media!.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/cannot be (read|rendered)/);
    expect(failed.variants).toEqual([]);
    expect(existsSync(path.join(modelFolder(modelId), failed.id))).toBe(false);
  }, 180_000);
});

describe('removing a media item removes its files', () => {
  const removeMedia = async (id: string) => platform.gql<{ removeModelMedia: string }>('mutation ($id: ID!) { removeModelMedia(id: $id) }', { id }, await platform.as('CONTENT_MANAGER'));
  const removal = (id: string) => platform.temporal.workflow.getHandle(mediaRemovalWorkflowId(id)).result() as Promise<RemoveMediaFilesResult>;

  test('the original and every rendition are gone once the row is; a retried removal is harmless', async () => {
    const { id: modelId } = await freshModel(platform);
    const mediaId = (await upload(modelId, await photoWithGps(900, 600, '#345'))).body.media!.id;
    expect((await settled(mediaId)).status).toBe('ready');
    const folder = path.join(modelFolder(modelId), mediaId);
    expect(readdirSync(folder).sort()).toEqual(['original.jpg', 'w320.webp', 'w800.webp', 'w900.webp']);

    expect((await removeMedia(mediaId)).data).toEqual({ removeModelMedia: mediaId });
    expect(await removal(mediaId)).toEqual({ status: 'removed' });
    expect(existsSync(folder)).toBe(false);
    expect(await mediaRows(modelId)).toEqual([]);

    // Again: the command answers NOT_FOUND (the row is gone) and the removal itself may run again.
    expect((await removeMedia(mediaId)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const rerun = await platform.temporal.workflow.execute(removeModelMediaFilesWorkflowType, {
      taskQueue: BACKGROUND_TASK_QUEUE, workflowId: mediaRemovalWorkflowId(mediaId), args: [{ mediaId, folder: `models/${modelId}/${mediaId}/` }],
    });
    expect(rerun).toEqual({ status: 'removed' });
  }, 180_000);

  test('removed while it is still being processed: nothing is left once processing has ended', async () => {
    const { id: modelId } = await freshModel(platform);
    const mediaId = (await upload(modelId, await photoWithGps(1800, 1200, '#567'))).body.media!.id;
    expect((await removeMedia(mediaId)).data).toEqual({ removeModelMedia: mediaId });
    expect(await removal(mediaId)).toEqual({ status: 'removed' });
    expect(existsSync(path.join(modelFolder(modelId), mediaId))).toBe(false);
  }, 180_000);

  test('a removal whose row is still there (its transaction rolled back) keeps the files', async () => {
    const { id: modelId } = await freshModel(platform);
    const mediaId = (await upload(modelId, await photoWithGps(400, 300, '#789'))).body.media!.id;
    expect((await settled(mediaId)).status).toBe('ready');
    const result = await platform.temporal.workflow.execute(removeModelMediaFilesWorkflowType, {
      taskQueue: BACKGROUND_TASK_QUEUE, workflowId: mediaRemovalWorkflowId(mediaId), args: [{ mediaId, folder: `models/${modelId}/${mediaId}/` }],
    });
    expect(result).toEqual({ status: 'kept' });
    expect(readdirSync(path.join(modelFolder(modelId), mediaId))).toContain('w400.webp');
    expect((await fetch(`${platform.url}/api/v1/media/${mediaId}`, { headers: await platform.as('OPERATOR') })).status).toBe(200);
  }, 180_000);
});

describe('refused uploads leave nothing behind', () => {
  const nothingLeft = async (modelId: string) => {
    expect(await mediaRows(modelId)).toEqual([]);
    expect(existsSync(modelFolder(modelId))).toBe(false);
    expect(staged()).toEqual([]);
  };

  test('a file over the limit: 413 VALIDATION too_large, whether announced or found while streaming', async () => {
    const { id: modelId } = await freshModel(platform);
    const header = await photoWithGps(64, 64);
    for (const size of [LIMIT + 30_000, LIMIT * 4]) {
      const big = Buffer.concat([header, randomBytes(size - header.length)]);
      const refused = await upload(modelId, big);
      expect(refused.status).toBe(413);
      expect(refused.body.error).toMatchObject({ code: 'VALIDATION', reason: 'too_large', field: 'file', limitBytes: LIMIT });
    }
    await nothingLeft(modelId);
  }, 60_000);

  test('not a photo or video, or a photo that cannot be read: 400 VALIDATION', async () => {
    const { id: modelId } = await freshModel(platform);
    const text = await upload(modelId, Buffer.from('name,email\nAnna,anna@example.com\n'), 'CONTENT_MANAGER', 'photo.jpg');
    expect(text.status).toBe(400);
    expect(text.body.error).toMatchObject({ code: 'VALIDATION', reason: 'unsupported_type' });
    const garbage = await upload(modelId, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]));
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toMatchObject({ code: 'VALIDATION', reason: 'unreadable' });
    const empty = await upload(modelId, Buffer.alloc(0));
    expect(empty.status).toBe(400);
    await nothingLeft(modelId);
  }, 60_000);

  test('only models.write uploads; unknown models are NOT_FOUND; anonymous is UNAUTHENTICATED', async () => {
    const { id: modelId } = await freshModel(platform);
    const photo = await photoWithGps(64, 64);
    for (const role of ['OPERATOR', 'FINANCE', 'READ_ONLY', 'INTEGRATIONS_ADMIN']) {
      const refused = await upload(modelId, photo, role);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', permission: 'models.write' });
    }
    expect((await upload(modelId, photo, null)).body.error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'missing' });
    expect((await upload('00000000-0000-4000-8000-000000000000', photo)).status).toBe(404);
    await nothingLeft(modelId);
    // The owner may (models.write), which proves the refusals were about the role.
    expect((await upload(modelId, photo, 'OWNER')).status).toBe(201);
  }, 60_000);
});

describe('links to media files: signed and time-limited for public items, sessions only for the rest', () => {
  const LINKS = 'id isPublic url urlExpiresAt variants { width bytes url }';
  type Links = { id: string; isPublic: boolean; url: string; urlExpiresAt: string | null; variants: Array<{ width: number; bytes: number; url: string }> };
  const linksOf = async (id: string, role = 'OPERATOR') => (await platform.gql<{ modelMedia: Links }>(`query ($id: ID!) { modelMedia(id: $id) { ${LINKS} } }`, { id }, await platform.as(role))).data!.modelMedia;
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${platform.url}${url}`, { headers });
  const refusal = async (url: string) => {
    const response = await get(url);
    return { status: response.status, ...((await response.json()) as { error: { code: string; reason: string } }).error };
  };
  /** The test API's key (an empty environment's development key: testFiles()). */
  const ourKey = createUrlSigner(files.mediaLinks.key);
  const signedBy = (signer: ReturnType<typeof createUrlSigner>, path: string, expires: number) => `${path}${path.includes('?') ? '&' : '?'}expires=${expires}&signature=${signer.sign(path, expires)}`;

  test('a public item\'s links open without a session until they expire; a changed, forged, expired or incomplete link is 403', async () => {
    const { id: modelId } = await freshModel(platform);
    const mediaId = (await upload(modelId, await photoWithGps(900, 600, '#2a6'))).body.media!.id;
    expect((await settled(mediaId)).status).toBe('ready');
    const before = Date.now();
    const links = await linksOf(mediaId);
    expect(links.isPublic).toBe(true);
    expect(links.url).toMatch(new RegExp(`^/api/v1/media/${mediaId}\\?expires=(\\d+)&signature=[A-Za-z0-9_-]{43}$`));
    const expires = Number(new URL(links.url, platform.url).searchParams.get('expires'));
    // At least MEDIA_URL_TTL_SECONDS (3600 here) ahead, rounded up to 5 minutes.
    expect(expires % 300).toBe(0);
    expect(expires * 1000).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expires * 1000).toBeLessThanOrEqual(Date.now() + 3900_000);
    expect(links.urlExpiresAt).toBe(new Date(expires * 1000).toISOString());

    // No session at all: each size opens, as an <img> on a public page would fetch it.
    for (const variant of links.variants) {
      expect(variant.url).toMatch(new RegExp(`^/api/v1/media/${mediaId}\\?width=${variant.width}&expires=${expires}&signature=`));
      const response = await get(variant.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      expect(Buffer.from(await response.arrayBuffer()).length).toBe(variant.bytes);
      // Kept no longer than the link lasts.
      const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(Math.min(3600, expires - Math.floor(before / 1000)));
    }
    expect((await get(links.url)).status).toBe(200);

    const [small, medium] = links.variants;
    // Another width, a later expiry, another item, another key: the signature no longer matches.
    expect(await refusal(small!.url.replace(`width=${small!.width}`, `width=${medium!.width}`))).toMatchObject({ status: 403, code: 'FORBIDDEN', reason: 'bad_signature' });
    expect(await refusal(links.url.replace(`expires=${expires}`, `expires=${expires + 86_400}`))).toMatchObject({ status: 403, reason: 'bad_signature' });
    const other = (await upload(modelId, await photoWithGps(400, 300, '#a62'))).body.media!.id;
    expect(await refusal(links.url.replace(mediaId, other))).toMatchObject({ status: 403, reason: 'bad_signature' });
    const forged = createUrlSigner('not-the-platform-key-not-the-platform-key');
    expect(await refusal(signedBy(forged, `/api/v1/media/${mediaId}`, expires))).toMatchObject({ status: 403, reason: 'bad_signature' });
    // Signed with the platform's own key but expired a second ago.
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = await refusal(signedBy(ourKey, `/api/v1/media/${mediaId}`, past));
    expect(expired).toMatchObject({ status: 403, code: 'FORBIDDEN', reason: 'expired' });
    expect((expired as unknown as { message: string }).message).toContain(new Date(past * 1000).toISOString());
    // The same key and a future expiry: it opens (so the refusal above was the expiry alone).
    expect((await get(signedBy(ourKey, `/api/v1/media/${mediaId}`, past + 120))).status).toBe(200);
    expect(await refusal(`/api/v1/media/${mediaId}?expires=${expires}`)).toMatchObject({ status: 403, reason: 'malformed' });
    expect(await refusal(`/api/v1/media/${mediaId}?signature=${new URL(links.url, platform.url).searchParams.get('signature')}`)).toMatchObject({ status: 403, reason: 'malformed' });
    // Without a link the path still needs a session.
    expect((await get(`/api/v1/media/${mediaId}`)).status).toBe(401);
  }, 180_000);

  test('a non-public item gets no signed link: only a signed-in user whose roles have models.read sees it, and its earlier links stop opening', async () => {
    const { id: modelId } = await freshModel(platform);
    const mediaId = (await upload(modelId, await photoWithGps(700, 500, '#62a'))).body.media!.id;
    expect((await settled(mediaId)).status).toBe('ready');
    const publicLinks = await linksOf(mediaId);
    expect((await get(publicLinks.url)).status).toBe(200);

    const hidden = await platform.gql('mutation ($id: ID!) { updateModelMedia(id: $id, input: { isPublic: false }) { isPublic } }', { id: mediaId }, await platform.as('CONTENT_MANAGER'));
    expect(hidden.errors).toBeUndefined();
    // The link handed out while it was public, and a fresh one signed with the platform's key: both refused.
    expect(await refusal(publicLinks.url)).toMatchObject({ status: 403, code: 'FORBIDDEN', reason: 'not_public' });
    expect(await refusal(signedBy(ourKey, `/api/v1/media/${mediaId}?width=320`, Math.floor(Date.now() / 1000) + 600))).toMatchObject({ status: 403, reason: 'not_public' });

    const links = await linksOf(mediaId, 'CONTENT_MANAGER');
    expect(links).toMatchObject({ isPublic: false, url: `/api/v1/media/${mediaId}`, urlExpiresAt: null });
    expect(links.variants.map((v) => v.url)).toEqual(links.variants.map((v) => `/api/v1/media/${mediaId}?width=${v.width}`));
    expect((await get(links.url)).status).toBe(401);
    expect((await get(links.url, await platform.as('FINANCE'))).status).toBe(403);
    for (const role of ['OPERATOR', 'CONTENT_MANAGER', 'READ_ONLY']) expect((await get(links.url, await platform.as(role))).status).toBe(200);

    // Public again: signed links again.
    await platform.gql('mutation ($id: ID!) { updateModelMedia(id: $id, input: { isPublic: true }) { isPublic } }', { id: mediaId }, await platform.as('CONTENT_MANAGER'));
    expect((await get((await linksOf(mediaId)).url)).status).toBe(200);

    // Media added by URL keeps its own URL, unsigned.
    const added = await platform.gql<{ addModelMedia: { url: string; urlExpiresAt: string | null } }>(
      'mutation ($m: ID!, $input: ModelMediaInput!) { addModelMedia(modelId: $m, input: $input) { url urlExpiresAt } }',
      { m: modelId, input: { type: 'photo', storageKey: 'external/1.jpg', url: 'https://cdn.example.com/1.jpg' } }, await platform.as('CONTENT_MANAGER'));
    expect(added.data!.addModelMedia).toEqual({ url: 'https://cdn.example.com/1.jpg', urlExpiresAt: null });
  }, 180_000);
});
