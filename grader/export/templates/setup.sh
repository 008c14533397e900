#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: it installs
# Python 3.11+ and the grader into $ROOT/venv, which run_autograder uses (docs/gradescope.md).
# Made by `grader export gradescope -a {{assignment}}`: re-export rather than edit it.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
GRADER_REQUIREMENT={{requirement}}
INDEX_OPTIONS=({{index_options}})

if [ "${GRADER_SKIP_INSTALL:-0}" = "1" ]; then
    echo "GRADER_SKIP_INSTALL=1: would install $GRADER_REQUIREMENT ${INDEX_OPTIONS[*]} into $VENV"
    exit 0
fi

if python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    && python3 -m venv "$VENV" 2>/dev/null; then
    echo "using the image's $(python3 --version)"
else  # Ubuntu 22.04's python3 is 3.10: uv brings a standalone Python 3.12
    apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    curl -LsSf https://astral.sh/uv/install.sh | env UV_INSTALL_DIR=/usr/local/bin sh
    rm -rf "$VENV"
    uv venv --seed --python 3.12 "$VENV"
fi

"$VENV/bin/python" -m pip install --upgrade pip
"$VENV/bin/python" -m pip install "${INDEX_OPTIONS[@]}" "$GRADER_REQUIREMENT"
"$VENV/bin/python" -c "import grader; print('installed dl-grader', grader.__version__)"
