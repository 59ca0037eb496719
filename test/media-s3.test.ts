/**
 * The file store as an S3-compatible bucket (FILE_STORAGE=s3, issue 14 item 7) against a real
 * S3 server: moto in server mode (launcher/moto.ts), reached by the platform through the official
 * SDK exactly as it would reach AWS or MinIO. A photo goes up through the API, is processed on the
 * heavy queue from the bucket and its sizes are served from the bucket; the objects are checked
 * with the SDK directly; removing the item removes its objects. A refused upload leaves no object,
 * and nothing lands on the local disk.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import exifr from 'exifr';
import sharp from 'sharp';
import { startMoto, type Moto } from '../launcher/moto.ts';
import { freePort } from '../launcher/ports.ts';
import { loadConfig, type FilesConfig } from '../platform/config.ts';
import { createS3Client } from '../platform/s3-file-storage.ts';
import { freshModel } from './support/models.ts';
import { startTestPlatform, testEnv, type TestPlatform } from './support/platform.ts';
import { eventually } from './support/wait.ts';
import { mediaRemovalWorkflowId } from '../workflows/media/messages.ts';

const BUCKET = 'virel-media-test';

let moto: Moto;
let platform: TestPlatform;
let s3: S3Client;
let files: FilesConfig;

beforeAll(async () => {
  moto = await startMoto({ port: await freePort() });
  // Configured as an operator would: the environment variables, through platform/config.ts.
  files = loadConfig({
    FILE_STORAGE: 's3', S3_ENDPOINT: moto.url, S3_BUCKET: BUCKET, S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'virel-test', S3_SECRET_ACCESS_KEY: 'virel-test-secret', S3_FORCE_PATH_STYLE: 'true',
    FILE_STORAGE_DIR: await mkdtemp(path.join(testEnv().dataDir, 'files-s3-')),
  }).files;
  s3 = createS3Client(files.s3!);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  platform = await startTestPlatform({ files });
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  s3?.destroy();
  await moto?.stop();
});

async function upload(modelId: string, bytes: Uint8Array, name = 'photo.jpg') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const response = await fetch(`${platform.url}/api/v1/models/${modelId}/media`, { method: 'POST', body: form, headers: await platform.as('CONTENT_MANAGER') });
  return { status: response.status, body: (await response.json()) as { media?: { id: string; checksum: string }; error?: { code: string; reason?: string } } };
}

/** The bucket's keys under a prefix, read with the SDK (not through the platform). */
async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

const mediaQuery = `query ($id: ID!) { modelMedia(id: $id) { id status error variants { width height bytes url } } }`;
type MediaView = { id: string; status: string; error: string | null; variants: Array<{ width: number; height: number; bytes: number; url: string }> };
const mediaOf = async (id: string) => (await platform.gql<{ modelMedia: MediaView }>(mediaQuery, { id })).data!.modelMedia;
const settled = (id: string) => eventually(() => mediaOf(id), (m) => m.status === 'ready' || m.status === 'failed', 90_000);
const localModels = () => path.join(files.storageDir, 'models');
const staged = () => (existsSync(path.join(files.storageDir, '.staging')) ? readdirSync(path.join(files.storageDir, '.staging')) : []);

describe('media in an S3-compatible bucket', () => {
  test('a photo is stored in the bucket, rendered from it on the heavy queue, and its sizes served from it', async () => {
    const { id: modelId } = await freshModel(platform);
    const photo = await sharp({ create: { width: 1000, height: 750, channels: 3, background: '#2a6' } }).jpeg()
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } }).toBuffer();

    const uploaded = await upload(modelId, photo);
    expect(uploaded.status).toBe(201);
    const mediaId = uploaded.body.media!.id;
    const ready = await settled(mediaId);
    expect(ready).toMatchObject({ status: 'ready', error: null });
    expect(ready.variants.map((v) => [v.width, v.height])).toEqual([[320, 240], [800, 600], [1000, 750]]);

    // The objects are in the bucket under the store's keys, the original byte for byte.
    const folder = `models/${modelId}/${mediaId}/`;
    expect(await keysUnder(folder)).toEqual([`${folder}original.jpg`, `${folder}w1000.webp`, `${folder}w320.webp`, `${folder}w800.webp`]);
    const original = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${folder}original.jpg` }));
    const originalBytes = Buffer.from(await original.Body!.transformToByteArray());
    expect(createHash('sha256').update(originalBytes).digest('hex')).toBe(uploaded.body.media!.checksum);

    // Served through the API from the bucket: each size as WebP without GPS, equal to its object.
    const operator = await platform.as('OPERATOR');
    for (const variant of ready.variants) {
      const response = await fetch(`${platform.url}${variant.url}`, { headers: operator });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length).toBe(variant.bytes);
      expect((await sharp(body).metadata()).width).toBe(variant.width);
      expect(await exifr.gps(await sharp(body).keepMetadata().jpeg().toBuffer())).toBeUndefined();
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${folder}w${variant.width}.webp` }));
      expect(Buffer.from(await object.Body!.transformToByteArray()).equals(body)).toBe(true);
    }

    // Nothing was kept on the local disk: the folder only staged the upload.
    expect(existsSync(localModels())).toBe(false);
    expect(staged()).toEqual([]);

    // Removing the item removes its objects (listed by prefix, deleted in a batch).
    const removed = await platform.gql('mutation ($id: ID!) { removeModelMedia(id: $id) }', { id: mediaId }, await platform.as('CONTENT_MANAGER'));
    expect(removed.errors).toBeUndefined();
    expect(await platform.temporal.workflow.getHandle(mediaRemovalWorkflowId(mediaId)).result()).toEqual({ status: 'removed' });
    expect(await keysUnder(folder)).toEqual([]);
  }, 180_000);

  test('a refused upload leaves no object in the bucket; a photo that fails processing leaves none either', async () => {
    const { id: modelId } = await freshModel(platform);
    const text = await upload(modelId, Buffer.from('name,email\nAnna,anna@example.com\n'));
    expect(text.status).toBe(400);
    expect(text.body.error).toMatchObject({ code: 'VALIDATION', reason: 'unsupported_type' });
    expect(await keysUnder(`models/${modelId}/`)).toEqual([]);
    expect(staged()).toEqual([]);

    // Accepted (its header reads), stored in the bucket, then it cannot be rendered: failed, objects removed.
    const photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    const truncated = await upload(modelId, photo.subarray(0, Math.floor(photo.length * 0.6)));
    expect(truncated.status).toBe(201);
    const failed = await settled(truncated.body.media!.id);
    expect(failed.status).toBe('failed');
    expect(await keysUnder(`models/${modelId}/`)).toEqual([]);
  }, 180_000);
});
