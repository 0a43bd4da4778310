# syntax=docker/dockerfile:1
# Qianbao API image: `docker build -t qianbao .` then, with QIANBAO_MASTER_KEY exported (README, "Docker and compose"),
#   docker run -p 8000:8000 -v qianbao-data:/data -e QIANBAO_MASTER_KEY qianbao
# (QIANBAO_MASTER_KEY: base64 of 32 random bytes, from your secret store; production mode refuses to start without it.)
# (SQLite in /data by default; set QIANBAO_DATABASE_URL=postgres://... for PostgreSQL, see compose.yaml).
# The image runs with a read-only root filesystem: it writes only to /data and to /tmp (uploads Starlette
# spools to disk), e.g. docker run --read-only --tmpfs /tmp ... (compose.yaml does the same).

# --- build: the project and its dependencies as wheels ----------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY api ./api
COPY auth ./auth
COPY schema ./schema
COPY services ./services
COPY models ./models
# Every dependency, transitive ones included, at the version of the lock file (reproducible builds).
RUN pip wheel --constraint requirements.lock --wheel-dir /wheels .

# --- runtime: the installed package (not editable), no sources, non-root -----
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    QIANBAO_ENV=production \
    QIANBAO_DATABASE_URL=sqlite:///data/qianbao.sqlite3

# Only the wheels built above (--no-index), at the versions of requirements.lock.
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels qianbao

# The default SQLite file lives in /data, owned by the unprivileged user.
RUN groupadd --system --gid 10001 qianbao \
 && useradd --system --uid 10001 --gid qianbao --home-dir /data --no-create-home --shell /usr/sbin/nologin qianbao \
 && mkdir /data \
 && chown qianbao:qianbao /data
VOLUME ["/data"]
WORKDIR /data
# Numeric, so that runtimes enforcing runAsNonRoot can verify it.
USER 10001:10001

EXPOSE 8000
# slim has no curl: ask /healthz with the standard library (urlopen raises on non-2xx).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["qianbao", "serve", "--host", "0.0.0.0", "--port", "8000"]
