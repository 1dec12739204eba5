#!/bin/sh
# Starts the API with docker/start.sh, as the image does, on a free port, and waits until /readyz says ready
# from that very process (its pid), so a server already listening elsewhere cannot pass for it. Stops it again.
# `make docker-check` runs it after docker/install.sh. Usage: check.sh VENV WORKDIR
set -u
VENV="$1"
WORK="$2"
HERE="$(dirname "$0")"
mkdir -p "$WORK"
PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
VENV="$VENV" COPILOT_DATA_DIR="$WORK/data" COPILOT_API_KEYS="${COPILOT_API_KEYS:-check}" COPILOT_HOST=127.0.0.1 \
    COPILOT_PORT="$PORT" sh "$HERE/start.sh" > "$WORK/server.log" 2>&1 &
PID=$!
ok=1
i=0
while [ "$i" -lt 120 ]; do
    "$VENV/bin/python" "$HERE/ready.py" "$PORT" "$PID"
    rc=$?
    if [ "$rc" = 0 ]; then ok=0; break; fi
    if [ "$rc" = 2 ] || ! kill -0 "$PID" 2>/dev/null; then break; fi  # someone else answers, or it exited
    sleep 1
    i=$((i + 1))
done
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
if [ "$ok" = 0 ]; then
    echo "docker-check: ready on port $PORT, answered by the server it started (pid $PID)"
else
    echo "docker-check: the server it started (pid $PID) never answered ready on port $PORT; its log:" >&2
    cat "$WORK/server.log" >&2
fi
exit "$ok"
