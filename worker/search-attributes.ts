/**
 * Registers the lifecycle search attributes on the namespace if they are missing.
 * Idempotent, so every worker start (dev server or a real cluster) runs it.
 */
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { AUTOMATION_SEARCH_ATTRIBUTES } from '../workflows/automation/messages.ts';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';

/** Every custom search attribute the platform's workflows set: lifecycles', and automation executions' (rule, event). */
const SEARCH_ATTRIBUTES = [...LIFECYCLE_SEARCH_ATTRIBUTES, ...AUTOMATION_SEARCH_ATTRIBUTES];

const { temporal } = proto; // a CommonJS module: no named ESM exports

const INDEXED_TYPE = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as const;

/**
 * Registers every attribute without asking first: for the time-skipping test server,
 * which implements AddSearchAttributes but not ListSearchAttributes.
 */
export async function addSearchAttributesBlindly(connection: NativeConnection, namespace: string): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_TYPE[key.type]])),
  });
}

export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPE[key.type]])),
    });
  }
  return missing.map((key) => key.name);
}
