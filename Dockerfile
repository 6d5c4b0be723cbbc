# One image for both roles: `npm run api` (default) or `npm run worker`.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev tools (tests, linters) stay out of the image; tsx and esbuild (dependencies) build the bundles
# the roles run (scripts/build.ts) and the workflow bundle at each worker start.
RUN npm ci --omit=dev --no-audit --no-fund
COPY --chown=node:node . .
RUN npm run build && chown -R node:node dist
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
