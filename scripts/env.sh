#!/usr/bin/env bash
# Print the path of a virtual environment with this project installed, creating or updating it.
#
# The environment lives outside the clone (torch alone is several GB) and is reused while
# pyproject.toml and the clone's location are unchanged; otherwise it is brought up to date.
# A fresh machine gets a fresh environment: slower, never different.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${PYTHON:-python3}
tag=$("$py" -c 'import sys; print("py%d%d" % sys.version_info[:2])')
venv=${GRADER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/dl-grader/venv-$tag}
key="$(sha256sum "$root/pyproject.toml" | cut -c1-16) $root"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv (first time: torch and torchvision download, a few minutes)" >&2
  "$py" -m venv "$venv"
fi
if [ "$(cat "$venv/.grader-stamp" 2>/dev/null)" != "$key" ]; then
  echo "installing the project into $venv" >&2
  # torch and torchvision must resolve together from the registry: a local CPU-only torch
  # wheel in find-links would pair with a torchvision that cannot import against it.
  PIP_FIND_LINKS="" "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$root[dev]" >&2
  echo "$key" > "$venv/.grader-stamp"
fi
echo "$venv"
