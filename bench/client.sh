#!/usr/bin/env bash
# Jupiter's model client vs Python's openai AsyncOpenAI client: requests/s against the same
# scripted OpenAI-compatible server (in the jupiter-bench process), 256 concurrent requests.
# Usage: bench/client.sh [REQUESTS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${1:-20000}"
ROUNDS="${2:-3}"
VENV=bench/.venv-client
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet openai
fi
swift build -c release --product jupiter-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)/jupiter-bench"
"$BIN" client --requests "$REQUESTS" --concurrency 256 --rounds "$ROUNDS" \
    --python "$VENV/bin/python" --peer-script bench/client_peer.py
