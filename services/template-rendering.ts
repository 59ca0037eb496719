/**
 * Message templates rendered with Handlebars (the npm `handlebars` package, logic-less
 * Mustache syntax with a parser whose AST we can read). Why Handlebars: it escapes HTML by
 * default (`{{name}}` in an email's HTML body cannot inject markup; `{{{x}}}` is refused here),
 * it can render without escaping for plain-text channels (Telegram and WhatsApp messages are
 * sent as plain text, where HTML entities would show up literally), it blocks prototype access
 * by default, and its AST tells us which variables a template uses, so an unknown or missing
 * variable is a VALIDATION error naming it instead of a silently empty string.
 *
 * Only the built-in block helpers `if`, `unless`, `each` and `with` are allowed (`log` would
 * write message data to the console; partials and custom helpers are not offered).
 */
import Handlebars from 'handlebars';
import type { TemplateVariable } from '../db/entities/index.ts';
import { invalidInput, type InputIssue } from '../domain/errors.ts';

/** A template's texts: subject (email), plain-text body, optional HTML body (email). */
export interface TemplateContent {
  readonly subject?: string | null | undefined;
  readonly bodyText: string;
  readonly bodyHtml?: string | null | undefined;
}

export interface RenderedMessage {
  readonly subject: string | null;
  readonly bodyText: string;
  readonly bodyHtml: string | null;
}

const ALLOWED_BLOCKS = new Set(['if', 'unless', 'each', 'with']);
/** Blocks whose body reads the fields of another object (names inside are not the template's variables). */
const CONTEXT_BLOCKS = new Set(['each', 'with']);
const hb = Handlebars.create();
hb.unregisterHelper('log');
const compileOptions = { knownHelpers: { if: true, unless: true, each: true, with: true }, knownHelpersOnly: true, strict: false };

type Node = hbs.AST.Node;

/** The root variable names a template text uses, or the problems that make it unusable. */
function referencesOf(field: string, source: string): { names: Set<string>; issues: InputIssue[] } {
  const names = new Set<string>();
  const issues: InputIssue[] = [];
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(source);
  } catch (error) {
    return { names, issues: [{ path: field, message: `is not a valid template: ${(error as Error).message.split('\n')[0]}` }] };
  }
  const pathName = (node: Node): string | undefined => {
    if (node.type !== 'PathExpression') return undefined;
    const path = node as hbs.AST.PathExpression;
    if (path.data || path.depth > 0 || path.parts.length === 0 || path.original.startsWith('this')) return undefined;
    return path.parts[0];
  };
  const visitExpression = (node: Node, collect: boolean): void => {
    if (node.type === 'SubExpression') {
      issues.push({ path: field, message: 'sub-expressions are not supported' });
      return;
    }
    const name = pathName(node);
    if (name && collect) names.add(name);
  };
  const visit = (node: Node | null | undefined, collect: boolean): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const statement of (node as hbs.AST.Program).body) visit(statement, collect);
        return;
      case 'MustacheStatement': {
        const mustache = node as hbs.AST.MustacheStatement;
        if (!mustache.escaped) issues.push({ path: field, message: 'triple-stash {{{…}}} (unescaped output) is not allowed' });
        if (mustache.params.length > 0 || mustache.hash) issues.push({ path: field, message: `helpers are not allowed: {{${(mustache.path as hbs.AST.PathExpression).original} …}}` });
        else visitExpression(mustache.path, collect);
        return;
      }
      case 'BlockStatement': {
        const block = node as hbs.AST.BlockStatement;
        const helper = (block.path as hbs.AST.PathExpression).original;
        if (!ALLOWED_BLOCKS.has(helper)) {
          issues.push({ path: field, message: `unknown block {{#${helper}}}: use if, unless, each or with` });
          return;
        }
        for (const param of block.params) visitExpression(param, collect);
        visit(block.program, collect && !CONTEXT_BLOCKS.has(helper));
        visit(block.inverse, collect);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        issues.push({ path: field, message: 'partials and decorators are not allowed' });
        return;
      default:
        return; // content and comments
    }
  };
  visit(ast, true);
  return { names, issues };
}

const TEXTS = ['subject', 'bodyText', 'bodyHtml'] as const;

/** Every variable name the texts use. */
export function variablesUsed(content: TemplateContent): string[] {
  const all = new Set<string>();
  for (const field of TEXTS) {
    const source = content[field];
    if (source) for (const name of referencesOf(field, source).names) all.add(name);
  }
  return [...all].sort();
}

/**
 * Checks a template version before it is saved: every text parses, uses only the allowed
 * blocks, and every variable it uses is declared. VALIDATION naming the field otherwise.
 */
export function assertValidTemplate(content: TemplateContent, declared: readonly TemplateVariable[]): void {
  const issues: InputIssue[] = [];
  const known = new Set(declared.map((v) => v.name));
  for (const field of TEXTS) {
    const source = content[field];
    if (!source) continue;
    const found = referencesOf(field, source);
    issues.push(...found.issues);
    const unknown = [...found.names].filter((name) => !known.has(name)).sort();
    if (unknown.length > 0) issues.push({ path: field, message: `uses undeclared variables: ${unknown.join(', ')}` });
  }
  if (issues.length > 0) throw invalidInput(issues[0]!.path, issues.map((i) => `${i.path} ${i.message}`).join('; '), issues);
}

/**
 * Renders a version with the given values: VALIDATION naming every variable the template uses
 * that has no value. Values it does not use are ignored (a rule passes its whole context).
 * Subject and text are plain (not escaped); the HTML body is HTML-escaped.
 */
export function renderTemplate(content: TemplateContent, values: Readonly<Record<string, unknown>>): RenderedMessage {
  const missing = variablesUsed(content).filter((name) => values[name] === undefined || values[name] === null);
  if (missing.length > 0) throw invalidInput('variables', `no value for ${missing.join(', ')}`, missing.map((name) => ({ path: `variables.${name}`, message: 'is required by the template' })));
  const plain = (source: string) => hb.compile(source, { ...compileOptions, noEscape: true })(values);
  return {
    subject: content.subject ? plain(content.subject).trim() : null,
    bodyText: plain(content.bodyText),
    bodyHtml: content.bodyHtml ? hb.compile(content.bodyHtml, compileOptions)(values) : null,
  };
}

/** Sample values for a preview: the declared examples, else the variable's name in brackets. */
export function sampleValues(declared: readonly TemplateVariable[]): Record<string, string> {
  return Object.fromEntries(declared.map((v) => [v.name, v.example ?? `[${v.name}]`]));
}
