# The hub as a container image. Same start command as the README (`npm start`); the embedded store
# lives in /data (mount a volume), or set DATABASE_URL / REDIS_URL / HUB_SECRET_KEY for scale-out.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production \
    HUB_DATA_DIR=/data \
    PORT=3000
COPY package.json package-lock.json ./
COPY src ./src
COPY connectors ./connectors
COPY console ./console
# npm ci: exactly the locked versions (the lockfile is complete; .ci/run checks it). Its prepare step builds
# the web console (Vite, a devDependency) into console/dist; the build tools are then pruned.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 2775
# A worker answers on HUB_HEALTH_PORT when it is set (PORT otherwise), a gateway on PORT.
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "const e=process.env;fetch('http://127.0.0.1:'+((e.HUB_ROLE==='worker'&&e.HUB_HEALTH_PORT)||e.PORT)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npm", "start"]
