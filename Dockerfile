# syntax=docker/dockerfile:1
# mcpgw: the gateway as a container. Config is read from /config/gateway.yaml (mount it),
# tokens live in /data (a volume). See README.md, "Docker".

# Build: compile TypeScript to dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schema ./schema
RUN npx tsc -p tsconfig.build.json

# Production dependencies only.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    MCPGW_CONFIG=/config/gateway.yaml \
    MCPGW_DATA_DIR=/data \
    MCPGW_HEALTHCHECK_URL=http://127.0.0.1:8750/healthz
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schema ./schema
COPY examples ./examples
# The node user (uid 1000) owns the data volume; stdio servers started through npx keep
# their npm cache in its home.
RUN mkdir -p /config /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 8750
# Works with any listen port: set MCPGW_HEALTHCHECK_URL to match gateway.listen.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.MCPGW_HEALTHCHECK_URL).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/mcpgw.js"]
CMD ["run", "--log-format", "json"]
