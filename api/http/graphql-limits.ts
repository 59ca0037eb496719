/**
 * Operation limits checked before anything executes (HTTP and WebSocket alike, as Yoga plugins):
 * depth, aliases, tokens and directives through graphql-armor, and the cost model below through
 * graphql-query-complexity, each refused as VALIDATION naming the limit. In production field
 * suggestions ("did you mean …") and introspection are off, so the schema is not enumerable.
 *
 * The cost model counts what an operation may return: every field costs 1, and a field that
 * pages (`first`) costs its own selection once per item asked for (`first`, or the default page
 * of 20 when absent), so nested pages multiply. `bookings(first: 20) { …15 fields, timeline(first: 5)
 * { 3 fields } }` costs about 1,000; `bookings(first: 100) { … timeline(first: 100) { … } }`
 * about 50,000. Variables count at their values (the check runs once they are known).
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type DocumentNode, type GraphQLSchema, type ValidationContext } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import { invalidRequest } from '../../domain/errors.ts';
import type { ApiLimits } from '../../platform/config.ts';
import { DEFAULT_PAGE_SIZE } from '../graphql/connection.ts';
import { graphQLError } from '../graphql/errors.ts';

/** Every field 1; a paged field (`first`) its own selection once per item asked for. */
const perItem: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const own = 1 + childComplexity;
  if (!field.args.some((a) => a.name === 'first')) return own;
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return own * Math.max(first, 1);
};

/** What an operation may cost under the model above. Throws if its variables do not fit it. */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string): number {
  return getComplexity({ schema, query: document, variables: variables ?? {}, ...(operationName ? { operationName } : {}), estimators: [perItem] });
}

/**
 * The cost limit, checked before execution once variables are known (a validation rule would
 * not see them, and Yoga caches validation per document). Bad variables are left to execution,
 * which refuses them before anything runs.
 */
function costLimit(maxCost: number, refused: (cost: number) => GraphQLError): Plugin {
  const overLimit = (schema: GraphQLSchema, document: DocumentNode, variables: unknown, operationName: string | null | undefined): GraphQLError | undefined => {
    let cost: number;
    try {
      cost = operationCost(schema, document, variables as Record<string, unknown> | undefined, operationName ?? undefined);
    } catch {
      return undefined;
    }
    return cost > maxCost ? refused(cost) : undefined;
  };
  return {
    onExecute({ args }) {
      // Thrown: Yoga answers and logs it like every refusal.
      const error = overLimit(args.schema, args.document, args.variableValues, args.operationName);
      if (error) throw error;
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      // graphql-ws expects a result, not a throw, from a refused subscription.
      const error = overLimit(args.schema, args.document, args.variableValues, args.operationName);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

type LimitName = 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxDirectives';

export function graphqlLimits(limits: ApiLimits, production: boolean): Plugin[] {
  const restated = (error: GraphQLError, limit: LimitName) =>
    graphQLError(invalidRequest(`${error.message.replace(/^Syntax Error: /, '')} (limit: ${limit})`, { limit }), error.nodes);
  // Armor's own errors say "Syntax Error: …" and carry no code. Validation limits report a
  // restated error instead of throwing (a throw would abort validation and lose the code).
  const reported = (limit: LimitName) => ({
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(restated(error, limit))],
  });
  // The token limit is enforced while parsing (no validation context): it throws, restated below.
  const parseRefusals = new WeakSet<GraphQLError>();
  // An envelop plugin typed for an empty context; Yoga's plugins are envelop plugins.
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ...reported('maxDepth') },
    // Armor's cost model ignores `first` given as a variable and compounds a factor per level,
    // which refused ordinary list views: ours (costLimit below) counts items instead.
    costLimit: { enabled: false },
    maxAliases: { n: limits.maxAliases, ...reported('maxAliases') },
    maxDirectives: { n: limits.maxDirectives, ...reported('maxDirectives') },
    maxTokens: { n: limits.maxTokens, onReject: [(_: unknown, error: GraphQLError) => void parseRefusals.add(error)] },
    blockFieldSuggestion: { enabled: production },
  }) as unknown as Plugin;
  const restateParse: Plugin = {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError && parseRefusals.has(result)) replaceParseResult(restated(result, 'maxTokens'));
      };
    },
  };
  const noIntrospection: Plugin = {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
  const cost = costLimit(limits.maxCost, (found) =>
    graphQLError(invalidRequest(`Query cost limit of ${limits.maxCost} exceeded, found ${found}: ask for fewer items (first) or less nesting (limit: costLimit).`, {
      limit: 'costLimit', cost: found, maxCost: limits.maxCost,
    })));
  return production ? [armor, restateParse, cost, noIntrospection] : [armor, restateParse, cost];
}
