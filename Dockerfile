# PM Copilot API. Build: docker build -t pm-copilot .   Run: see docker-compose.yml (API, Chroma and Redis).
# Python 3.11, as the tests and docker/constraints.txt (the pinned dependencies) were made with it.
FROM python:3.11-slim AS build
WORKDIR /app
# Dependencies first, from the pinned list: this layer is rebuilt only when the list changes.
COPY docker/install.sh docker/constraints.txt ./docker/
RUN sh docker/install.sh /opt/venv /app deps
COPY pyproject.toml README.md ./
COPY copilot ./copilot
COPY prompts ./prompts
COPY docker ./docker
RUN sh docker/install.sh /opt/venv /app app

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    VENV=/opt/venv \
    COPILOT_DATA_DIR=/data \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1
RUN groupadd --system --gid 10001 copilot \
    && useradd --system --uid 10001 --gid copilot --home-dir /data --no-log-init copilot \
    && mkdir /data \
    && chown copilot:copilot /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["sh", "docker/start.sh"]
