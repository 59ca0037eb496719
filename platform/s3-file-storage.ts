/**
 * The file store as an S3-compatible bucket (FILE_STORAGE=s3): AWS S3 itself, or any server that
 * speaks its API (MinIO, Ceph, R2 … with S3_ENDPOINT and usually S3_FORCE_PATH_STYLE=true), through
 * the official SDK. Keys are the store's keys as they are (`models/<model>/<media>/w800.webp`), so
 * a bucket and a local folder hold the same layout and a store can be copied from one to the other.
 *
 * An object appears whole or not at all on S3 (a PUT is atomic), which is what the local store
 * gets by writing a temporary file and renaming it. Uploads are still staged on a local disk while
 * they are received, hashed and checked: nothing refused ever reaches the bucket.
 */
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3StorageConfig } from './config.ts';
import { checkedKey, type FileStorage } from './file-storage.ts';

/** DeleteObjects takes at most this many keys a request. */
const DELETE_BATCH = 1000;

const isMissing = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

export function createS3Client(config: S3StorageConfig): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    // Absent: the SDK's own chain (AWS_* variables, a shared profile, the instance's or task's role).
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Since 2025 the SDK adds CRC checksums (and aws-chunked bodies) to every upload by default;
    // many S3-compatible servers refuse those, so against one they are sent only where the API
    // requires them. The originals are SHA-256-checksummed by the upload itself.
    ...(config.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
}

export function createS3FileStorage(config: S3StorageConfig, stagingDir: string, client: S3Client = createS3Client(config)): FileStorage {
  const Bucket = config.bucket;

  const put = (key: string, Body: Uint8Array | string | Readable, ContentLength?: number) =>
    client.send(new PutObjectCommand({ Bucket, Key: checkedKey(key), Body, ...(ContentLength === undefined ? {} : { ContentLength }) }));

  async function removePrefix(prefix: string): Promise<void> {
    // Listed and deleted page by page until nothing is left under the prefix; keys already gone are fine.
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: DELETE_BATCH }));
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
      if (keys.length > 0) {
        const result = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
        const failed = result.Errors ?? [];
        if (failed.length > 0) throw new Error(`the bucket refused to delete ${failed.length} object(s) under ${prefix}: ${failed[0]?.Code} ${failed[0]?.Message ?? ''}`.trim());
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  return {
    stagingDir,
    async putFile(key, source) {
      const { size } = await stat(source);
      await put(key, createReadStream(source), size);
      await rm(source, { force: true });
    },
    async putBytes(key, data) {
      await put(key, data);
    },
    async read(key) {
      const object = await client.send(new GetObjectCommand({ Bucket, Key: checkedKey(key) }));
      if (!object.Body) throw new Error(`the bucket returned no body for ${key}`);
      return Buffer.from(await object.Body.transformToByteArray());
    },
    async find(key) {
      let size: number;
      try {
        size = (await client.send(new HeadObjectCommand({ Bucket, Key: checkedKey(key) }))).ContentLength ?? 0;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      return {
        size,
        // The download starts when the caller opens it; its failure (e.g. removed in between)
        // surfaces as the stream's error, as a local file's would.
        open() {
          const out = new PassThrough();
          client.send(new GetObjectCommand({ Bucket, Key: key })).then(
            (object) => {
              const body = object.Body as Readable | undefined;
              if (!body) return out.destroy(new Error(`the bucket returned no body for ${key}`));
              body.on('error', (error) => out.destroy(error));
              body.pipe(out);
            },
            (error: Error) => out.destroy(error),
          );
          return out;
        },
      };
    },
    async remove(keyOrPrefix) {
      const key = checkedKey(keyOrPrefix);
      if (key.endsWith('/')) await removePrefix(key);
      else await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
  };
}
