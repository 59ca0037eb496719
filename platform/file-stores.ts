/**
 * The file store a process uses, as its configuration says (FILE_STORAGE, platform/config.ts): an
 * S3-compatible bucket when FILE_STORAGE=s3, else the local folder. The API and the worker build
 * theirs here, so both always read and write the same store.
 */
import path from 'node:path';
import type { FilesConfig } from './config.ts';
import { createLocalFileStorage, type FileStorage } from './file-storage.ts';
import { createS3FileStorage } from './s3-file-storage.ts';

export function createFileStorage(files: Pick<FilesConfig, 'storageDir' | 's3'>): FileStorage {
  // With a bucket, the local folder only stages uploads while they are received and checked.
  return files.s3 ? createS3FileStorage(files.s3, path.join(path.resolve(files.storageDir), '.staging')) : createLocalFileStorage(files.storageDir);
}
