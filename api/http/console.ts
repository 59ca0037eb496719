/**
 * The GraphQL console (GraphiQL on GET /graphql, development only): the operators' tool for
 * signalling workflows. It works offline: its code, styles and editor workers come from the npm
 * package @graphql-yoga/render-graphiql and graphql-ws's browser build, inlined into the page the
 * API serves, so nothing is fetched from a CDN. It opens with ready tabs for the daily operations,
 * and its Docs pane is the schema's descriptions (kept complete by `npm run schema:lint`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as GraphiQLAssetsModule from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/** Where the bearer token goes, said once and shown in every tab that needs it. */
const TOKEN_HELP = `# Needs your access token in the Headers pane (below the editor; open it with "Headers"):
#   {"authorization": "Bearer <accessToken from the Sign in tab>"}
# A token lasts 15 minutes: run Sign in again (or refreshSession) for a new one.`;

/** Headers of every tab after Sign in: replace the placeholder with the accessToken. */
const TOKEN_HEADERS = JSON.stringify({ authorization: 'Bearer <accessToken>' }, null, 2);

const tab = (query: string, variables: Record<string, unknown> = {}, headers = TOKEN_HEADERS) => ({
  query, variables: JSON.stringify(variables, null, 2), headers,
});

/**
 * The operators' daily operations (seed §5, §7), one tab each, written against schema/*.graphql
 * (test/console.test.ts runs them). GraphiQL uses them while the browser has no saved tabs.
 */
export const CONSOLE_TABS: NonNullable<GraphiQLOptions['defaultTabs']> = [
  tab(`# Sign in. Copy "accessToken" from the result into the Headers pane of the other tabs:
#   {"authorization": "Bearer <accessToken>"}
# (Headers pane: below the editor, next to Variables.) Subscriptions send the same headers
# as the socket's connectionParams. Demo passwords: .data/demo-credentials.json.
mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken
    accessTokenExpiresAt
    refreshToken
    user { id name roles }
  }
}
`, { email: 'operator@virel.local', password: '' }, '{}'),
  tab(`${TOKEN_HELP}
# Your open work, most urgent first, with what you may do about each item (quickActions).
query ActionCenter {
  actionCenter(first: 10) {
    counts { urgent high normal breached completedToday }
    groups {
      name
      totalCount
      items {
        kind id ref title severity status slaRemainingSeconds slaBreached assigneeId
        entity { type id ref summary }
        quickActions { kind label mutation entityType entityId toStatus assigneeId }
      }
    }
  }
}
`),
  tab(`${TOKEN_HELP}
# One box over bookings, inquiries, clients, models, tasks and exceptions: refs (B-1001),
# names, emails, phones, phrases.
query Search($text: String!) {
  search(text: $text, first: 5) {
    groups {
      kind count moreThanCount
      hits { kind id ref title subtitle status matchedOn }
    }
  }
}
`, { text: 'B-1001' }),
  tab(`${TOKEN_HELP}
# Moves an inquiry, booking, task or exception through its workflow. Ids come from the Action
# Center or Search tabs. INVALID_TRANSITION lists the allowed targets. Add an
# "idempotency-key" header (a fresh value per change) to make a retry safe.
mutation ChangeStatus($input: ChangeStatusInput!) {
  changeStatus(input: $input) { entityType entityId from to at duplicate }
}
`, { input: { entity: { type: 'booking', id: '<booking id>' }, to: 'confirmed', reason: 'Client confirmed by phone' } }),
  tab(`${TOKEN_HELP}
# Takes work (assigneeId: your user id, from Sign in's user.id) or releases it (null).
# Giving it to someone else needs escalations.manage.
mutation Assign($input: AssignInput!) {
  assign(input: $input) { entityType entityId duplicate }
}
`, { input: { entity: { type: 'task', id: '<task id>' }, assigneeId: '<your user id>', reason: 'Taking it' } }),
  tab(`${TOKEN_HELP}
# Adds a note to the entity's timeline (1-5000 characters).
mutation AddNote($input: AddNoteInput!) {
  addNote(input: $input) { entityType entityId duplicate }
}
`, { input: { entity: { type: 'exception', id: '<exception id>' }, text: 'Called the client; payment retried.' } }),
  tab(`${TOKEN_HELP}
# Live Action Center changes over graphql-ws (stop with the button that replaced Run).
subscription ActionCenterUpdates {
  actionCenterUpdates { eventType kind entityType entityId ref status assigneeId visible occurredAt }
}
`),
];

/** graphql-ws's own browser build (the version the API serves), for subscriptions. */
function graphqlWsBrowserBuild(): string {
  const entry = createRequire(import.meta.url).resolve('graphql-ws');
  return readFileSync(path.join(path.dirname(entry), '..', 'umd', 'graphql-ws.min.js'), 'utf8');
}

/**
 * The console's fetcher, in the browser. GraphiQL hands it the active tab's headers on every run:
 * queries and mutations POST with them; subscriptions open a graphql-ws socket whose
 * connectionParams are those headers (the API authenticates a socket once, by
 * connectionParams.authorization). Yoga's own fetcher sends WS subscriptions without them.
 */
const FETCHER = `
(() => {
  const endpoint = new URL(location.pathname, location.href);
  const socketUrl = endpoint.href.replace(/^http/, 'ws');
  let socket = null; // { key, client }: one socket per set of headers
  const clientFor = (headers) => {
    const key = JSON.stringify(headers);
    if (socket && socket.key === key) return socket.client;
    if (socket) socket.client.dispose();
    const client = graphqlWs.createClient({ url: socketUrl, connectionParams: headers, retryAttempts: 0 });
    socket = { key, client };
    return client;
  };
  // The operation GraphiQL runs: the named one, else the document's first.
  const operationType = (query, name) => {
    const source = query.replace(/#[^\\n]*/g, '');
    const named = name && new RegExp('\\\\b(query|mutation|subscription)\\\\s+' + name + '\\\\b').exec(source);
    const first = /\\b(query|mutation|subscription)\\b|{/.exec(source);
    return named ? named[1] : first && first[1] ? first[1] : 'query';
  };
  async function* subscribe(client, params) {
    try {
      yield* client.iterate({ query: params.query, variables: params.variables, operationName: params.operationName });
    } catch (error) {
      // A refused socket ends with a CloseEvent: show its code and reason as a GraphQL error.
      const message = error && 'code' in error ? 'Socket closed ' + error.code + ': ' + error.reason : String(error && error.message || error);
      yield { errors: [{ message }] };
    }
  }
  window.virelConsoleFetcher = async (params, options) => {
    const headers = (options && options.headers) || {};
    if (operationType(params.query, params.operationName) === 'subscription') return subscribe(clientFor(headers), params);
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify(params),
    });
    return response.json();
  };
})();
`;

/** GraphiQL's code, styles and editor workers: a 9 MB module, loaded when the console is first opened. */
type GraphiQLAssets = typeof GraphiQLAssetsModule;

/** The page Yoga's own renderer builds (render-graphiql's index), with the console's fetcher. */
function renderConsole(options: GraphiQLOptions, assets: GraphiQLAssets, graphqlWs: string): string {
  const { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } = assets;
  const title = (options.title ?? 'GraphiQL').replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'));
  // JSON inside <script>: "</" would end the script early.
  const json = (value: unknown) => JSON.stringify(value).replace(/<\//g, '<\\/');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${favicon}" />
    <style>${css}</style>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run the console.</noscript>
    <div id="root"></div>
    <script>${graphqlWs}</script>
    <script>${FETCHER}</script>
    <script>
      const worker = (source) => URL.createObjectURL(new Blob([source], { type: 'application/javascript' }));
      const workers = { editorWorkerService: worker(${json(editorWorkerService)}), json: worker(${json(jsonWorker)}), graphql: worker(${json(graphqlWorker)}) };
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
      ${js};
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), { ...${json(options)}, fetcher: window.virelConsoleFetcher });
    </script>
  </body>
</html>`;
}

/** Yoga's graphiql options and renderer for the console; the page is built once, when first asked for. */
export function graphqlConsole(): { options: GraphiQLOptions; render: (options: GraphiQLOptions) => Promise<string> } {
  const options: GraphiQLOptions = { title: 'Virel Ops — GraphQL console', defaultTabs: CONSOLE_TABS, defaultEditorToolsVisibility: 'headers' };
  let page: Promise<string> | undefined;
  const build = async (given: GraphiQLOptions) =>
    renderConsole({ ...options, ...given }, await import('@graphql-yoga/render-graphiql/graphiql'), graphqlWsBrowserBuild());
  const render = (given: GraphiQLOptions) => {
    page ??= build(given).catch((error: unknown) => {
      page = undefined; // a failed build is retried by the next request, not cached
      throw error;
    });
    return page;
  };
  return { options, render };
}
