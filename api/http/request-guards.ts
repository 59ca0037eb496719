/**
 * What reaches GraphQL over HTTP: CORS for the configured browser origins only, a body size
 * limit enforced before parsing (413), and JSON bodies only, each refusal a GraphQL-shaped error
 * with a message saying what to send instead. Nothing refused here reaches a resolver.
 */
import cors from 'cors';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { invalidRequest } from '../../domain/errors.ts';
import { graphQLError } from '../graphql/errors.ts';

function refuse(res: Response, status: number, message: string, extra: Record<string, unknown> = {}) {
  res.status(status).json({ errors: [graphQLError(invalidRequest(message, extra)).toJSON()] });
}

/**
 * Empty list: no CORS headers at all, so browsers allow same-origin callers only. '*': any
 * origin. Tokens travel in the Authorization header, never cookies, so no credentials mode.
 */
export function corsFor(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  return cors({
    origin: (origin, callback) => callback(null, any ? true : origin !== undefined && origins.includes(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'accept'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });
}

const JSON_TYPES = ['application/json', 'application/graphql-response+json'];

/** POST bodies of /graphql: JSON objects with a query, at most `limitBytes`. */
export function graphqlBody(limitBytes: number): RequestHandler[] {
  const tooLarge = `The request body is larger than the limit of ${limitBytes} bytes.`;
  const precheck: RequestHandler = (req, res, next) => {
    if (req.method !== 'POST') return next();
    // Refused on the declared length without reading a byte.
    if (Number(req.header('content-length') ?? 0) > limitBytes) return refuse(res, 413, tooLarge, { limitBytes });
    if (!req.is(JSON_TYPES)) {
      return refuse(res, 415, 'Send the operation as JSON: Content-Type: application/json with a body like {"query": "…", "variables": {…}}.');
    }
    next();
  };
  const parse = express.json({ limit: limitBytes, type: JSON_TYPES, strict: false });
  const shape: RequestHandler = (req, res, next) => {
    if (req.method !== 'POST') return next();
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return refuse(res, 400, 'The request body must be a JSON object such as {"query": "…", "variables": {…}}; batches are not accepted.');
    }
    const { query } = body as { query?: unknown };
    if (typeof query !== 'string' || query.trim() === '') {
      return refuse(res, 400, 'The request body has no "query": send {"query": "…", "variables": {…}}.', { field: 'query' });
    }
    next();
  };
  return [precheck, parse, shape];
}

/** Turns body-parser's failures (over the limit mid-stream, malformed JSON) into clear errors. */
export const bodyErrors: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, _req: Request, res: Response, next: NextFunction) => {
  if (err.type === 'entity.too.large') return refuse(res, 413, `The request body is larger than the limit.`);
  if (err.type === 'entity.parse.failed') return refuse(res, 400, `The request body is not valid JSON (${err.message ?? 'parse error'}).`);
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') return refuse(res, 415, err.message ?? 'Unsupported encoding.');
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return refuse(res, err.status, err.message ?? 'Bad request.');
  next(err);
};
