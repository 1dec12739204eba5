"""Exit 0 when /readyz on 127.0.0.1:PORT is ready and answered by process PID; 2 when another process answers;
1 when nothing answers yet. Usage: ready.py PORT PID (docker/check.sh polls it)."""

import json
import sys
import urllib.request

port, pid = sys.argv[1], int(sys.argv[2])
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
        body = json.load(r)
except (OSError, ValueError):
    sys.exit(1)
if body.get("pid") != pid:
    print(f"port {port} is answered by pid {body.get('pid')}, not by the server started ({pid})", file=sys.stderr)
    sys.exit(2)
sys.exit(0 if body.get("status") == "ready" else 1)
