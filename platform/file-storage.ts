/**
 * Where the platform keeps files (model media, import files, report CSVs): a small interface so
 * the store can be a local folder (the default, `.data/media` under DATA_DIR) or, by
 * configuration, an S3-compatible bucket. Keys are relative paths such as
 * `models/<model>/<media>/w800.webp`; a key never leaves the store's root.
 *
 * The local folder is implemented here; the bucket in platform/s3-file-storage.ts. Which one a
 * process uses comes from its configuration (FILE_STORAGE): platform/file-stores.ts.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface StoredFile {
  readonly size: number;
  open(): Readable;
}

export interface FileStorage {
  /** Stores a local file under `key` (moved when possible: uploads are staged on the same disk). */
  putFile(key: string, source: string): Promise<void>;
  putBytes(key: string, data: Uint8Array | string): Promise<void>;
  read(key: string): Promise<Buffer>;
  /** The file to stream, or undefined if there is none. */
  find(key: string): Promise<StoredFile | undefined>;
  /** Removes a key, or every key under a folder prefix (ending in `/`); absent keys are fine. */
  remove(keyOrPrefix: string): Promise<void>;
  /** A local folder for staging an upload before it is stored (same disk as a local store). */
  readonly stagingDir: string;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*\/?$/;

/** The key itself, or an error for one that could escape the store's root (`..`) or is not a plain path. */
export function checkedKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`not a storage key: ${key}`);
  return key;
}

export function createLocalFileStorage(root: string): FileStorage {
  const base = path.resolve(root);
  const stagingDir = path.join(base, '.staging');
  const pathOf = (key: string) => path.join(base, checkedKey(key));
  // Written under a temporary name and renamed: a reader never sees half a file.
  const place = async (key: string, write: (tmp: string) => Promise<void>) => {
    const target = pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.part`;
    try {
      await write(tmp);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  };
  return {
    stagingDir,
    async putFile(key, source) {
      await place(key, async (tmp) => {
        try {
          await rename(source, tmp);
        } catch {
          await copyFile(source, tmp);
          await rm(source, { force: true });
        }
      });
    },
    putBytes: (key, data) => place(key, (tmp) => writeFile(tmp, data)),
    read: (key) => readFile(pathOf(key)),
    async find(key) {
      const file = pathOf(key);
      try {
        const info = await stat(file);
        if (!info.isFile()) return undefined;
        return { size: info.size, open: () => createReadStream(file) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async remove(keyOrPrefix) {
      await rm(pathOf(keyOrPrefix), { recursive: keyOrPrefix.endsWith('/'), force: true });
    },
  };
}
