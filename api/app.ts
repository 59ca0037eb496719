/**
 * The API's composition root: Express with GraphQL Yoga at /graphql (GraphiQL for operators
 * outside production), graphql-ws subscriptions on the same path fed by the realtime hub
 * (api/realtime/), health and metrics; CORS, body and operation limits in front (api/http/).
 * `buildApp()` returns `{ start, stop }` and tracks its sockets, so tests and shutdown are clean.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Connection, type Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import type { Context, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { DEFAULT_API_LIMITS, type ApiLimits } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { ApiContext, ServerContext } from './graphql/context.ts';
import { asGraphQLError, isRefusal, toGraphQLError } from './graphql/errors.ts';
import { useIdempotencyKey } from './graphql/idempotency.ts';
import { buildSchema } from './graphql/schema.ts';
import { createSessions } from './auth/sessions.ts';
import { bearerToken, signingKey } from './auth/tokens.ts';
import { createViewerCache, type ViewerCache } from './auth/viewer-cache.ts';
import { graphqlLimits } from './http/graphql-limits.ts';
import { healthHandler } from './http/health.ts';
import { createApiMetrics, type ApiMetrics } from './http/metrics.ts';
import { requestContext } from './http/request-context.ts';
import { bodyErrors, corsFor, graphqlBody } from './http/request-guards.ts';
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
}

export interface App {
  readonly url: string;
  readonly metrics: ApiMetrics;
  readonly realtime: RealtimeHub;
  readonly viewers: ViewerCache;
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

/** Yoga's logger: refused requests are answers (info), anything else that fails is a fault (error). */
function graphqlLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug(args[0] as object, ...(args.slice(1) as [])),
    info: (...args: unknown[]) => logger.info(args[0] as object, ...(args.slice(1) as [])),
    warn: (...args: unknown[]) => logger.warn(args[0] as object, ...(args.slice(1) as [])),
    error: (...args: unknown[]) => (isRefusal(args[0]) ? logger.info(args[0] as object, 'request refused') : logger.error(args[0] as object, ...(args.slice(1) as []))),
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
  const metrics = createApiMetrics();
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
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  const yoga = createYoga<AppServerContext, ApiContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: deps.production ? false : { title: 'Virel Ops — GraphQL console', subscriptionsProtocol: 'WS' },
    landingPage: false,
    // CORS is Express's (corsFor): Yoga's default would reflect every origin.
    cors: false,
    logging: graphqlLogger(deps.logger.child({ component: 'graphql' })),
    plugins: [graphqlMetrics(metrics), useIdempotencyKey(), ...graphqlLimits(limits, deps.production)],
    context: async (initial) => {
      const socket = initial[REALTIME_CONTEXT_KEY];
      if (socket) {
        // A graphql-ws operation: the viewer authenticated when the socket connected.
        return {
          em: deps.orm.em.fork(), temporal: deps.temporal, log: deps.logger, requestId: 'ws', sessions,
          viewer: socket.viewer, client: { ip: null, userAgent: null }, idempotencyKey: undefined,
        };
      }
      const req = initial.req;
      const bearer = bearerToken(req?.header('authorization'));
      return {
        em: deps.orm.em.fork(),
        temporal: deps.temporal,
        log: req?.log ?? deps.logger,
        requestId: req?.requestId ?? 'internal',
        sessions,
        viewer: bearer ? await sessions.viewer(bearer) : undefined,
        client: { ip: req?.ip ?? null, userAgent: req?.header('user-agent') ?? null },
        idempotencyKey: req?.header('idempotency-key') ?? undefined,
      };
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof Error && 'originalError' in error ? (error as { originalError: unknown }).originalError : error;
        const mapped = toGraphQLError(original);
        if (mapped) return mapped;
        deps.logger.error({ err: original }, 'unexpected GraphQL error');
        return maskError(error, message, isDev);
      },
    },
  });
  // Yoga is a request listener; its types predate Express 5's.
  app.use(yoga.graphqlEndpoint, ...graphqlBody(limits.bodyLimitBytes), yoga as unknown as express.RequestHandler);
  app.use(bodyErrors);

  const server: Server = createServer(app);
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
          return [asGraphQLError(error)];
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
        if (errors.length) return errors;
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
    async start(host, port) {
      await Promise.all([realtime.start(), viewers.start()]);
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
      await Promise.all([realtime.stop(), viewers.stop()]);
    },
  };
}
