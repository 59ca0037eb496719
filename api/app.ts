/**
 * The API's composition root: Express with GraphQL Yoga at /graphql (GraphiQL for operators
 * outside production), graphql-ws subscriptions on the same path fed by the realtime hub
 * (api/realtime/), health and metrics, the web app under `/` with its cookie sign-in
 * (api/http/web-app.ts, web-session.ts); CORS, body and operation limits in front (api/http/).
 * `buildApp()` returns `{ start, stop }` and tracks its sockets, so tests and shutdown are clean.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Connection, type Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Context, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { DEFAULT_API_LIMITS, loadConfig, type ApiLimits, type FilesConfig, type MetricsAccess } from '../platform/config.ts';
import { createFileStorage } from '../platform/file-stores.ts';
import { STRICT_OUTBOUND, type OutboundPolicy } from '../platform/guarded-fetch.ts';
import { createUrlSigner } from '../platform/url-signing.ts';
import type { MediaLinks } from '../services/media.ts';
import type { Logger } from '../platform/logger.ts';
import type { ApiContext, ServerContext } from './graphql/context.ts';
import { contractError, socketError } from './graphql/errors.ts';
import { useIdempotencyKey } from './graphql/idempotency.ts';
import { buildSchema } from './graphql/schema.ts';
import { createSessions } from './auth/sessions.ts';
import { bearerToken, signingKey } from './auth/tokens.ts';
import { createViewerCache, type ViewerCache } from './auth/viewer-cache.ts';
import { graphqlConsole } from './http/console.ts';
import { graphqlLimits } from './http/graphql-limits.ts';
import { healthHandler } from './http/health.ts';
import { registerAutomationMetrics } from './http/automation-metrics.ts';
import { createApiMetrics, metricsHandler, startMetricsServer, type ApiMetrics, type MetricsServer } from './http/metrics.ts';
import { registerDeliveryMetrics } from './http/delivery-metrics.ts';
import { requestContext } from './http/request-context.ts';
import { bodyErrors, corsFor, graphqlBody } from './http/request-guards.ts';
import { webAppRouter } from './http/web-app.ts';
import { WEB_SESSION_PATH, webSessionRouter } from './http/web-session.ts';
import { stripeWebhookRoute } from './http/stripe-webhook.ts';
import { mediaRoutes } from './http/media.ts';
import { importRoutes } from './http/imports.ts';
import { reportRoutes } from './http/reports.ts';
import { inboundRoutes } from './http/inbound/index.ts';
import { calendarFeedRoute } from './http/calendar-feed.ts';
import { createConnectionAuth, REALTIME_CONTEXT_KEY, type RealtimeConnection } from './realtime/connection.ts';
import { createRealtimeHub, type RealtimeHub, type RealtimeOptions } from './realtime/hub.ts';

export interface AppDeps {
  readonly orm: MikroORM;
  readonly temporal: Client;
  /** For the health check, which uses its own connection (see below). */
  readonly temporalAddress: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly production: boolean;
  /** Signs access tokens (JWT_SECRET). */
  readonly jwtSecret: string;
  /** CORS, body and operation limits (platform/config.ts); defaults when absent. */
  readonly limits?: ApiLimits;
  /** For the realtime LISTEN connection; defaults to the ORM's URL. */
  readonly databaseUrl?: string;
  readonly realtime?: Partial<RealtimeOptions>;
  /** The Temporal Web UI (TEMPORAL_UI_URL), for the web app's workflow links. */
  readonly temporalUiUrl?: string;
  /** The built web app served under `/` (default web/dist). */
  readonly webDist?: string;
  /** Who may read /metrics (platform/config.ts); when absent, open on the API port outside production, not served in it. */
  readonly metricsAccess?: MetricsAccess;
  /** Stripe's webhook endpoint: its signing secret (absent: 503) and timestamp tolerance. */
  readonly stripeWebhook?: { readonly secret: string | undefined; readonly toleranceSeconds: number };
  /** The file store (media, imports, reports) and upload limits; absent: an empty environment's defaults. */
  readonly files?: FilesConfig;
  /** Which non-public hosts operator-supplied URLs may reach (CALENDAR_IMPORT_ALLOW_HOSTS); absent: none. */
  readonly outbound?: OutboundPolicy;
}

export interface App {
  readonly url: string;
  readonly metrics: ApiMetrics;
  readonly realtime: RealtimeHub;
  readonly viewers: ViewerCache;
  /** Where /metrics is served, once started: on the API's own port, or on the internal address. */
  readonly metricsUrl: string;
  start(host: string, port: number): Promise<string>;
  stop(): Promise<void>;
}

function graphqlMetrics(metrics: ApiMetrics): Plugin {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const operation = args.operationName ?? 'anonymous';
      const type = args.document.definitions.find((d: { kind: string }) => d.kind === 'OperationDefinition')?.operation ?? 'unknown';
      return {
        onExecuteDone({ result }) {
          const outcome = 'errors' in result && result.errors?.length ? 'error' : 'ok';
          metrics.graphqlDuration.observe({ operation, type, outcome }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

/**
 * Yoga's logger. Yoga reports every error it maps through `error`, some twice (once masking,
 * once answering): each is logged once, a refusal (a documented code other than INTERNAL) at
 * info with its code and details and no stack, a fault at error with its stack.
 */
function graphqlLogger(logger: Logger) {
  const seen = new WeakSet<object>();
  return {
    debug: (...args: unknown[]) => logger.debug(args[0] as object, ...(args.slice(1) as [])),
    info: (...args: unknown[]) => logger.info(args[0] as object, ...(args.slice(1) as [])),
    warn: (...args: unknown[]) => logger.warn(args[0] as object, ...(args.slice(1) as [])),
    error: (...args: unknown[]) => {
      const [error] = args;
      if (typeof error === 'object' && error !== null) {
        if (seen.has(error)) return;
        seen.add(error);
      }
      const answer = contractError(error);
      if (answer.extensions.code === 'INTERNAL') return logger.error({ err: error }, 'unexpected GraphQL error');
      if (answer.extensions.code === 'UNAVAILABLE') return logger.warn({ err: error }, 'PostgreSQL or Temporal unavailable; answered retryable');
      const { http: _http, ...extensions } = answer.extensions;
      logger.info({ ...extensions, message: answer.message, path: answer.path?.join('.') }, 'request refused');
    },
  };
}

/**
 * Validation errors (which Yoga neither masks nor logs) in the contract's form, naming the
 * field / argument / variable at fault, and logged like every other refusal.
 */
function useErrorContract(log: ReturnType<typeof graphqlLogger>): Plugin {
  return {
    onValidate({ params }) {
      return ({ valid, result, setResult }) => {
        if (valid) return;
        const errors = result.map((error) => contractError(error, params.documentAST));
        errors.forEach((error) => log.error(error));
        setResult(errors);
      };
    },
  };
}

/** graphql-ws hands back what onSubscribe returned; the enveloped executors ride in rootValue. */
interface EnvelopedRoot {
  execute: (args: unknown) => never;
  subscribe: (args: unknown) => never;
}

/** Yoga's server context: an HTTP request, or the authenticated socket of a graphql-ws operation. */
type AppServerContext = ServerContext & { readonly [REALTIME_CONTEXT_KEY]?: RealtimeConnection };

export function buildApp(deps: AppDeps): App {
  const limits = deps.limits ?? DEFAULT_API_LIMITS;
  const outbound = deps.outbound ?? STRICT_OUTBOUND;
  const files = deps.files ?? loadConfig({}).files;
  const storage = createFileStorage(files);
  const mediaLinks: MediaLinks = { signer: createUrlSigner(files.mediaLinks.key), ttlSeconds: files.mediaLinks.ttlSeconds };
  const metrics = createApiMetrics();
  registerDeliveryMetrics(metrics.registry, deps.orm);
  registerAutomationMetrics(metrics.registry, deps.orm);
  const key = signingKey(deps.jwtSecret);
  const databaseUrl = deps.databaseUrl ?? deps.orm.config.get('clientUrl');
  if (!databaseUrl) throw new Error('buildApp needs the database URL for its realtime connection');
  const viewers = createViewerCache({ databaseUrl, logger: deps.logger });
  const sessions = createSessions({ orm: deps.orm, key, viewers });
  const realtime = createRealtimeHub({ databaseUrl, logger: deps.logger, registry: metrics.registry, options: deps.realtime });
  const connectionAuth = createConnectionAuth({ sessions, key, hub: realtime });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', limits.trustProxy);
  app.use(requestContext(deps.logger, metrics));
  app.use(corsFor(limits.corsOrigins));

  // Health gets a connection without the SDK's retry interceptor: one attempt per check, so
  // a check reports "down" promptly and leaves no retry timers behind.
  const healthConnection = Connection.lazy({ address: deps.temporalAddress, interceptors: [] });
  app.get('/api/v1/health', healthHandler({ orm: deps.orm, temporal: healthConnection, namespace: deps.namespace }));
  // On an internal address, /metrics is not served on the public port at all; nor is it, in
  // production, without a token (platform/config.ts refuses that configuration anyway).
  const metricsAccess = deps.metricsAccess ?? { token: undefined, address: undefined };
  if (!metricsAccess.address && (metricsAccess.token || !deps.production)) {
    const serveMetrics = metricsHandler(metrics.registry, metricsAccess.token);
    app.get('/metrics', (req, res) => serveMetrics(req, res));
  }
  let metricsServer: MetricsServer | undefined;

  // Stripe calls in with a signed raw body (its own parser; nothing else reads it first).
  app.use(stripeWebhookRoute({
    orm: deps.orm, logger: deps.logger,
    secret: deps.stripeWebhook?.secret, toleranceSeconds: deps.stripeWebhook?.toleranceSeconds ?? 300,
  }));
  // The inbound channels (web form, partner API, Telegram, WhatsApp): raw bodies, verified per channel.
  app.use(inboundRoutes({ orm: deps.orm, temporal: deps.temporal, logger: deps.logger }));
  // Phone calendars subscribe to a model's bookings at a secret URL (no session, no body).
  app.use(calendarFeedRoute({ orm: deps.orm, logger: deps.logger }));

  // Uploads and downloads of files (multipart, streamed; their own parsers).
  app.use(mediaRoutes({ orm: deps.orm, temporal: deps.temporal, sessions, storage, maxBytes: files.mediaMaxBytes, logger: deps.logger, links: mediaLinks }));
  app.use(importRoutes({ orm: deps.orm, temporal: deps.temporal, sessions, storage, maxBytes: files.importMaxBytes, logger: deps.logger }));
  app.use(reportRoutes({ orm: deps.orm, temporal: deps.temporal, sessions, storage, logger: deps.logger }));

  const operatorConsole = graphqlConsole();
  const graphqlLog = graphqlLogger(deps.logger.child({ component: 'graphql' }));
  const yoga = createYoga<AppServerContext, ApiContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    // The console (api/http/console.ts): served from the project, works offline; off in production.
    graphiql: deps.production ? false : operatorConsole.options,
    renderGraphiQL: operatorConsole.render,
    landingPage: false,
    // CORS is Express's (corsFor): Yoga's default would reflect every origin.
    cors: false,
    logging: graphqlLog,
    plugins: [graphqlMetrics(metrics), useErrorContract(graphqlLog), useIdempotencyKey(), ...graphqlLimits(limits, deps.production)],
    context: async (initial) => {
      const socket = initial[REALTIME_CONTEXT_KEY];
      if (socket) {
        // A graphql-ws operation: the viewer authenticated when the socket connected.
        return {
          em: deps.orm.em.fork(), temporal: deps.temporal, outbound, mediaLinks, log: deps.logger, requestId: 'ws', sessions,
          viewer: socket.viewer, authRefusal: undefined, client: { ip: null, userAgent: null }, idempotencyKey: undefined,
        };
      }
      const req = initial.req;
      const bearer = bearerToken(req?.header('authorization'));
      const authentication = bearer ? await sessions.authenticate(bearer) : { refused: 'missing' as const };
      return {
        em: deps.orm.em.fork(),
        temporal: deps.temporal,
        outbound,
        mediaLinks,
        log: req?.log ?? deps.logger,
        requestId: req?.requestId ?? 'internal',
        sessions,
        viewer: 'viewer' in authentication ? authentication.viewer : undefined,
        authRefusal: 'refused' in authentication ? authentication.refused : undefined,
        client: { ip: req?.ip ?? null, userAgent: req?.header('user-agent') ?? null },
        idempotencyKey: req?.header('idempotency-key') ?? undefined,
      };
    },
    // Every error leaves in the contract's form (api/graphql/errors.ts); faults are masked.
    maskedErrors: { maskError: (error) => contractError(error) },
  });
  // Yoga is a request listener; its types predate Express 5's.
  app.use(yoga.graphqlEndpoint, ...graphqlBody(limits.bodyLimitBytes), yoga as unknown as express.RequestHandler);
  app.use(WEB_SESSION_PATH, webSessionRouter({
    sessions,
    secureCookie: deps.production,
    temporalUi: deps.temporalUiUrl ? { url: deps.temporalUiUrl.replace(/\/$/, ''), namespace: deps.namespace } : undefined,
  }));
  app.use(bodyErrors);
  app.use(webAppRouter(deps.webDist));

  const server: Server = createServer(app);
  // Node closes an idle keep-alive connection after 5 s; a client (or a load balancer, often 60 s
  // idle) that reuses it at that moment gets ECONNRESET on a request that never arrived. Outlast them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  // Subscriptions share context, auth and plugins with queries through yoga.getEnveloped.
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: limits.bodyLimitBytes });
  const wsDisposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onConnect: (ctx: Context<Record<string, unknown>, Extra>) => connectionAuth.onConnect(ctx.extra.socket, ctx.connectionParams),
      onSubscribe: async (ctx: Context<Record<string, unknown>, Extra>, _id: string, params: SubscribePayload) => {
        // graphql-ws accepts subscriptions only on sockets onConnect admitted, which it registered.
        const connection = connectionAuth.connectionOf(ctx.extra.socket) as RealtimeConnection;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          [REALTIME_CONTEXT_KEY]: connection,
          params,
        });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [socketError(error)];
        }
        const args = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors.map((error: unknown) => socketError(error, document));
        return args;
      },
    },
    wss,
  );

  let url = '';
  return {
    get url() {
      return url;
    },
    metrics,
    realtime,
    viewers,
    get metricsUrl() {
      return metricsServer?.url ?? `${url}/metrics`;
    },
    async start(host, port) {
      await Promise.all([realtime.start(), viewers.start()]);
      const { address } = metricsAccess;
      if (address) metricsServer = await startMetricsServer(metrics.registry, { ...metricsAccess, address });
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          const actualPort = typeof address === 'object' && address ? address.port : port;
          url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
          resolve(url);
        });
      });
    },
    async stop() {
      await wsDisposable.dispose();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => sockets.forEach((s) => s.destroy()), 5000);
      await closed;
      clearTimeout(force);
      await healthConnection.close();
      await Promise.all([realtime.stop(), viewers.stop(), metricsServer?.close()]);
    },
  };
}
