#!/usr/bin/env bash
# Print the path of this clone's virtual environment, creating or updating it as needed.
#
# Two layers, so a fresh clone is ready in seconds while torch (several GB) is installed once:
#   1. a shared dependency environment under ~/.cache/dl-grader/, keyed by the dependency
#      list in pyproject.toml with every optional extra (torch, data, report, notebook,
#      cluster, all, dev; the same requirement once): reused by every clone while the
#      dependencies are unchanged;
#   2. a thin .venv/ inside the clone that sees the shared packages and holds this clone's
#      editable install, so two clones never repoint each other.
# A fresh machine builds both: slower, never different.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${PYTHON:-python3}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/dl-grader
read -r tag deps_key deps_list < <("$py" - "$root/pyproject.toml" <<'PY'
import hashlib, json, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
extras = project.get("optional-dependencies", {})
deps = sorted(set(project["dependencies"]).union(*extras.values()))
tag = "py%d%d" % sys.version_info[:2]
print(tag, hashlib.sha256(json.dumps(deps).encode()).hexdigest()[:12], json.dumps(deps).replace(" ", ""))
PY
)
deps=${GRADER_DEPS_VENV:-$cache/deps-$tag-$deps_key}
if [ ! -f "$deps/.complete" ]; then
  echo "building the shared dependency environment $deps (first time: torch downloads, a few minutes)" >&2
  rm -rf "$deps"
  mkdir -p "$cache"
  "$py" -m venv "$deps"
  mapfile -t reqs < <("$py" -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])))' "$deps_list")
  # torch and torchvision must resolve together from the registry: a local CPU-only torch
  # wheel in find-links would pair with a torchvision that cannot import against it.
  PIP_FIND_LINKS="" "$deps/bin/python" -m pip install -q --disable-pip-version-check "${reqs[@]}" >&2
  touch "$deps/.complete"
fi
venv=$root/.venv
# the clone's own install depends on pyproject.toml too (entry points, package data)
stamp="$deps $(sha256sum "$root/pyproject.toml" | cut -c1-12)"
if [ "$(cat "$venv/.grader-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "linking $venv to $deps and installing this clone" >&2
  rm -rf "$venv"
  "$py" -m venv --without-pip "$venv"  # pip and setuptools come from the shared layer
  purelib() { "$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }
  echo "import site; site.addsitedir('$(purelib "$deps")')" > "$(purelib "$venv")/_grader_deps.pth"
  for tool in ruff mypy; do ln -sf "$deps/bin/$tool" "$venv/bin/$tool"; done
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$root" >&2
  echo "$stamp" > "$venv/.grader-stamp"
fi
echo "$venv"
