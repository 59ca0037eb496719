/**
 * The edge of file uploads and downloads (media, CSV imports, report CSVs): bearer sign-in like
 * GraphQL's, one multipart file read with busboy straight to the file store's staging folder
 * while it is hashed (SHA-256) and measured, and errors in the HTTP endpoints' shape
 * (`{ error: { code, message, …details } }`, as the web session endpoints answer).
 * A file over the limit is cut off as it streams (busboy's `fileSize` limit): 413, and the
 * staged part is removed. Every endpoint is a `fileEndpoint`: the viewer signed in first, the
 * caller built once, refusals answered alike.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import busboy from 'busboy';
import type { Request, RequestHandler, Response } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { DomainError, invalidRequest } from '../../domain/errors.ts';
import type { FileStorage } from '../../platform/file-storage.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Caller } from '../../services/index.ts';
import { requireViewer } from '../auth/authorize.ts';
import type { Sessions, Viewer } from '../auth/sessions.ts';
import { bearerToken } from '../auth/tokens.ts';

const STATUS: Record<string, number> = {
  VALIDATION: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, INVALID_TRANSITION: 409, RATE_LIMITED: 429,
};

/** Answers a refusal in the endpoints' shape; anything else is a masked 500, logged. */
export function refuse(req: Request, res: Response, error: unknown, log: Logger): void {
  // A refusal before the body was read: the client is still sending, so the rest is drained
  // (a client that is cut off mid-send sees a reset instead of the answer).
  if (!req.complete) req.resume();
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof DomainError) {
    const status = error.details.reason === 'too_large' ? 413 : (STATUS[error.code] ?? 400);
    res.status(status).json({ error: { code: error.code, message: error.message, ...error.details } });
    return;
  }
  log.error({ err: error }, 'file endpoint failed');
  res.status(500).json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } });
}

/** The signed-in viewer of a request (Authorization: Bearer), or UNAUTHENTICATED with the reason. */
export async function viewerOf(req: Request, sessions: Sessions): Promise<Viewer> {
  const token = bearerToken(req.header('authorization'));
  const authentication = token ? await sessions.authenticate(token) : { refused: 'missing' as const };
  return requireViewer('viewer' in authentication ? { viewer: authentication.viewer } : { viewer: undefined, authRefusal: authentication.refused });
}

/** What the file endpoints are built with: their services' dependencies, the sign-in sessions, a logger. */
export interface FileRouteOptions {
  readonly orm: MikroORM;
  readonly temporal: Client;
  readonly sessions: Sessions;
  readonly storage: FileStorage;
  readonly logger: Logger;
}

/** A file service's dependencies, over a unit of work of its own. */
export function fileServiceDeps(options: FileRouteOptions) {
  return { em: options.orm.em.fork(), temporal: options.temporal, sessions: options.sessions, storage: options.storage };
}

/** The signed-in viewer as the application layer's caller: this request's id and where it came from. */
export interface FileCaller extends Caller {
  readonly principal: Viewer;
}

/** The request's signed-in viewer as a caller (UNAUTHENTICATED without a valid session). */
export async function fileCallerOf(req: Request, sessions: Sessions): Promise<FileCaller> {
  const viewer = await viewerOf(req, sessions);
  return { principal: viewer, requestId: req.requestId, origin: { ip: req.ip ?? null, userAgent: req.header('user-agent') ?? null } };
}

/**
 * A file endpoint: the bearer viewer is signed in before anything else, then `handle` runs with
 * them as the caller; a refusal is answered in the endpoints' shape, anything else is a masked
 * 500, logged.
 */
export function fileEndpoint(options: Pick<FileRouteOptions, 'sessions'>, log: Logger, handle: (req: Request, res: Response, caller: FileCaller) => Promise<void>): RequestHandler {
  return (req, res) => {
    void (async () => {
      await handle(req, res, await fileCallerOf(req, options.sessions));
    })().catch((error: unknown) => refuse(req, res, error, req.log ?? log));
  };
}

export interface ReceivedFile {
  /** Where it was staged (the caller stores or removes it). */
  readonly path: string;
  readonly sizeBytes: number;
  /** SHA-256, hex. */
  readonly checksum: string;
  /** The first bytes, to recognise what it is. */
  readonly head: Buffer;
  readonly originalName: string | null;
  /** The other form fields, as sent. */
  readonly fields: Readonly<Record<string, string>>;
}

const HEAD_BYTES = 32;

/**
 * Reads a multipart/form-data body with exactly one file in the field `file` into `stagingDir`.
 * VALIDATION (413 `too_large`) when it exceeds `maxBytes`; VALIDATION when there is no file or
 * the body is not multipart. Nothing is left staged when it throws.
 */
export async function receiveFile(req: Request, stagingDir: string, maxBytes: number): Promise<ReceivedFile> {
  if (!req.header('content-type')?.toLowerCase().startsWith('multipart/form-data')) {
    throw invalidRequest('Send the file as multipart/form-data in the field "file".', { field: 'file', reason: 'not_multipart' });
  }
  // A body announced as far beyond the limit is refused before it is read (multipart framing aside).
  const announced = Number(req.header('content-length'));
  if (Number.isFinite(announced) && announced > maxBytes + 65_536) {
    req.resume();
    throw invalidRequest(`The file is larger than the limit of ${maxBytes} bytes.`, { field: 'file', reason: 'too_large', limitBytes: maxBytes });
  }
  await mkdir(stagingDir, { recursive: true });
  const staged = path.join(stagingDir, `${randomUUID()}.upload`);
  const fields: Record<string, string> = {};
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 10_000 } });
  } catch (error) {
    throw invalidRequest(`The multipart body cannot be read: ${(error as Error).message}.`, { field: 'file', reason: 'not_multipart' });
  }
  try {
    return await new Promise<ReceivedFile>((resolve, reject) => {
      let file: Promise<Omit<ReceivedFile, 'fields'>> | undefined;
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(parser);
        req.resume();
        reject(error);
      };
      parser.on('field', (name, value) => {
        fields[name] = value;
      });
      parser.on('file', (name, stream, info) => {
        if (name !== 'file' || file) {
          stream.resume();
          return;
        }
        file = new Promise((done, error) => {
          const hash = createHash('sha256');
          const chunks: Buffer[] = [];
          let head = 0;
          let size = 0;
          const out = createWriteStream(staged);
          stream.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            size += chunk.length;
            if (head < HEAD_BYTES) {
              chunks.push(chunk.subarray(0, HEAD_BYTES - head));
              head += Math.min(chunk.length, HEAD_BYTES - head);
            }
          });
          stream.on('limit', () => {
            out.destroy();
            error(invalidRequest(`The file is larger than the limit of ${maxBytes} bytes.`, { field: 'file', reason: 'too_large', limitBytes: maxBytes }));
          });
          stream.on('error', error);
          out.on('error', error);
          out.on('finish', () => done({
            path: staged, sizeBytes: size, checksum: hash.digest('hex'), head: Buffer.concat(chunks), originalName: info.filename ? info.filename.slice(0, 255) : null,
          }));
          stream.pipe(out);
        });
        file.catch(fail);
      });
      parser.on('error', (error) => fail(invalidRequest(`The multipart body cannot be read: ${(error as Error).message}.`, { field: 'file', reason: 'not_multipart' })));
      parser.on('close', () => {
        if (!file) return fail(invalidRequest('No file was sent: put it in the field "file".', { field: 'file', reason: 'missing' }));
        file.then((received) => {
          if (received.sizeBytes === 0) return fail(invalidRequest('The file is empty.', { field: 'file', reason: 'empty' }));
          if (!failed) resolve({ ...received, fields });
        }, fail);
      });
      req.pipe(parser);
    });
  } catch (error) {
    await rm(staged, { force: true });
    throw error;
  }
}
