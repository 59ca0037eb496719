/**
 * Operation limits checked before anything executes (HTTP and WebSocket alike, as Yoga plugins):
 * depth, cost, aliases, tokens and directives through graphql-armor, refused as VALIDATION errors
 * naming the limit. In production field suggestions ("did you mean …") and introspection are off,
 * so the schema is not enumerable from outside.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { invalidRequest } from '../../domain/errors.ts';
import type { ApiLimits } from '../../platform/config.ts';
import { graphQLError } from '../graphql/errors.ts';

type LimitName = 'maxDepth' | 'costLimit' | 'maxAliases' | 'maxTokens' | 'maxDirectives';

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
    costLimit: { maxCost: limits.maxCost, ...reported('costLimit') },
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
  return production ? [armor, restateParse, noIntrospection] : [armor, restateParse];
}
