# Porchlight: one image for both the API and the worker (the command picks which).
# Server TypeScript runs directly on Node 24 (type stripping); only the browser bundles are built.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# scripts/node-flags.ts (API_ENV): two malloc arenas, less RSS for the API (and the worker).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY core ./core
COPY api ./api
COPY worker ./worker
COPY migrations ./migrations
COPY scripts ./scripts
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The API with the flags of scripts/node-flags.ts (heap capped: RSS < 200 MB under load).
CMD ["node", "--max-semi-space-size=12", "--max-old-space-size=96", "api/main.ts"]
