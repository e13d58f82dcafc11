# syntax=docker/dockerfile:1
# One image for every carelog service and operator tool: they share all their code and
# dependencies and differ only in the entry point, so one build, one scan and one tag per
# release keep them in lockstep (their event schemas and migrations are released together).
# Choose what runs by the first argument (or CARELOG_SERVICE):
#   docker run carelog record-api          docker run carelog audit-verify
# Build: docker build -t carelog .   (see docs/operations.md)

ARG NODE_IMAGE=node:20.19-bookworm-slim

# 1. Compile: every dependency (swc), then `npm run build` into dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the build needs none, and the local-only Postgres binaries are not wanted.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY libs ./libs
COPY services ./services
COPY schemas ./schemas
COPY infra/local ./infra/local
COPY tools ./tools
RUN npm run build

# 2. Production dependencies only, as `npm ci --omit=dev` gives them.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: node, production dependencies and dist/, owned by root and run as an
#    unprivileged user that can write only its state directory.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    CARELOG_LOCAL_DIR=/var/lib/carelog
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
RUN mkdir -p /var/lib/carelog && chown 1000:1000 /var/lib/carelog
# The image's own `node` user (uid 1000), numeric so that Kubernetes can check runAsNonRoot.
USER 1000:1000
VOLUME ["/var/lib/carelog"]
EXPOSE 3100-3110
ENTRYPOINT ["node", "--enable-source-maps", "dist/tools/carelog.js"]
CMD ["record-api"]
