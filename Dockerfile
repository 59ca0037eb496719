# Virel Ops application image: one image for `api`, `worker` and `migrate`
# (see docker-compose.yml). The app runs its .ts sources directly through Node's
# type stripping (on by default from Node 22.18), so there is no build step.
# The web app (web/) is built to static files in a build stage with the dev dependencies
# (Vite, React); the runtime image gets only web/dist.
FROM node:22.23-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/build-web.ts --force

FROM node:22.23-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so this layer is reused while only sources change.
# Install scripts run (the `node` package fetches its platform binary into
# node_modules/.bin; native modules pick their prebuilt binaries).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Sources stay owned by root: the unprivileged user can read but not modify them.
COPY . .
COPY --from=web /app/web/dist ./web/dist

# The file store's folder (a named volume in docker-compose starts with this ownership).
RUN mkdir -p /var/lib/virel/files && chown node:node /var/lib/virel/files

# `node` (uid 1000) is the unprivileged user of the official Node image.
USER node

EXPOSE 4000
CMD ["node", "api/main.ts"]
