#!/bin/sh
# Starts the API the way the container does. COPILOT_API_KEYS is required when listening beyond 127.0.0.1, and
# several workers need a Chroma server (COPILOT_CHROMA_URL).
set -eu
exec "${VENV:-/opt/venv}/bin/copilot" serve --host "${COPILOT_HOST:-0.0.0.0}" --port "${COPILOT_PORT:-8000}" \
    --workers "${COPILOT_WORKERS:-1}"
