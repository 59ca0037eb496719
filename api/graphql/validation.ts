/**
 * Input errors shared by the resolvers: zod failures become VALIDATION naming the field, unique
 * violations become CONFLICT naming the field, and missing rows NOT_FOUND, so a bad request
 * reads the same in every area and never surfaces as an internal error. The errors are
 * DomainErrors (domain/errors.ts); api/graphql/errors.ts maps them to GraphQL.
 */
import { z } from 'zod';
import { invalidInput, type DomainError } from '../../domain/errors.ts';
import { MONEY_HINT, MONEY_PATTERN, PHONE_PATTERN, normalizeAmount, normalizePhone } from '../../domain/formats.ts';

export { conflict, invalidInput, notFound } from '../../domain/errors.ts';

/** VALIDATION naming the field of the first issue, with every issue. */
export function validationError(error: z.ZodError): DomainError {
  const first = error.issues[0];
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return invalidInput(first?.path.join('.') ?? '', first?.message ?? 'invalid', issues);
}

/** The parsed input, or VALIDATION before anything is written. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

export { isUuid } from '../../services/rows.ts';

/** Unique violations as CONFLICT: in the application layer (services/unique-writes.ts). */
export { uniquely } from '../../services/unique-writes.ts';

/** Reusable field shapes. */
export const text = (max: number) => z.string().trim().min(1).max(max);
/** Absent stays absent (the column default applies); null or blank clears. */
export const optionalText = (max: number) => z.string().trim().max(max).nullish().transform((v) => (v === undefined ? undefined : v || null));
export const slug = z.string().trim().min(1).max(120).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single dashes only');
export const email = z.string().trim().toLowerCase().pipe(z.email().max(320));
/** Stored as + and digits only (domain/formats.ts), so an exact match finds it however it was typed. */
export const phone = z.string().trim().regex(PHONE_PATTERN, 'must be a phone number').transform(normalizePhone);
/** An amount for a NUMERIC(10,2) column, zero allowed, stored with two decimals. */
export const money = z.string().trim().regex(MONEY_PATTERN, MONEY_HINT).transform(normalizeAmount);
/** A price or deposit: a money amount above zero, as given (the workflow's guards read it). */
export const amount = z.string().trim().regex(MONEY_PATTERN, MONEY_HINT).refine((v) => Number(v) > 0, 'must be positive');
export const uuid = z.uuid();
/** Free text for ILIKE: wildcards in the user's text match literally; a leading # (as in #B-1235) is dropped. */
export function likePattern(search: string): string {
  return `%${search.trim().replace(/^#/, '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
