# One image for every Cutover process (api, workers, agent); docker-compose.yml picks the command.
# tsx runs the api's and workers' TypeScript directly, as `npm start` does; the agent runs as one
# esbuild bundle (npm run agent), built here so an agent container starts at once.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# The revision worker fetches and archives pushed commits with git (ssh for ssh:// clone URLs).
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
  && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a source change does not reinstall them. tsx is a runtime dependency.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
RUN npm run build:agent

# Agents run hook scripts as root, as CodeDeploy's agent does; api and workers could drop to `node`.
CMD ["npm", "start"]
