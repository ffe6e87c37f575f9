# The bot in a container (see README, "Deploy"): docker build -t arxiv-digest-bot .
# Stage 1 installs the runtime lock (hash-checked) and the project's wheel into a venv with
# scripts/install-app, the very script tests/test_install.py runs: keep these COPY lines and
# that RUN line simple, the test reads them to reproduce this stage.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE requirements.lock ./
COPY scripts/install-app scripts/
COPY bot bot/
COPY cogs cogs/
RUN scripts/install-app /opt/arxiv-digest-bot

# Stage 2: the same base, the venv and nothing else (no sources, no build tools' caches).
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data
COPY --from=build /opt/arxiv-digest-bot /opt/arxiv-digest-bot
# HEALTH_PORT: /healthz and /metrics on 8080 (README, "Operating"), on every interface of the
# container so that Prometheus can scrape it; nothing is published unless asked (-p 8080:8080).
ENV PATH=/opt/arxiv-digest-bot/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HEALTH_PORT=8080 \
    HEALTH_HOST=0.0.0.0
EXPOSE 8080
# The default DATABASE_PATH, data/arxiv-digest.sqlite3, is relative to this folder: the
# database and its WAL live on the volume.
WORKDIR /app
VOLUME ["/app/data"]
USER bot
# Healthy while /healthz answers 200: Discord connected and the last poll no older than two
# poll intervals. An env file with an empty `HEALTH_PORT=` (as in a copied .env.example) turns
# the server off, and then the check only passes while the process runs: compose.yaml sets
# HEALTH_PORT itself for that reason.
HEALTHCHECK --interval=60s --timeout=5s --start-period=120s --retries=3 CMD \
    ["python", "-c", "import os, urllib.request as r; p = os.environ.get('HEALTH_PORT'); p and r.urlopen(f'http://127.0.0.1:{p}/healthz', timeout=4)"]
ENTRYPOINT ["arxiv-digest-bot"]
CMD ["run"]
