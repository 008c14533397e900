#!/usr/bin/env bash
# The GPU-lane curve of issue 8 on the GPU machine, in one command, from the repository root:
#
#     bash bench/gpu_lanes.sh [LANES] [COPIES]      # default 1,2,4,8 and 4; $OUT: where output goes
#
# 1. bench/gpu_validate.py --env-only: the environment (the machine's own torch is used; a
#    missing package goes into $GPU_VENV made with --system-site-packages) and the CUDA probe
#    (start-up time, CUDA under the GPU worker's RLIMIT_DATA, the memory share enforced);
# 2. bench/lanes.py --device cuda: cnn_classifiers' demo class, each submission COPIES times,
#    graded with each lane count; wall time, submissions per minute, speed-up over one lane;
#    then the CUDA start-up per submission (a class whose one check makes one CUDA tensor,
#    graded on cuda and on the CPU).
# Output: $OUT/probe.txt and $OUT/lanes.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
lanes="${1:-1,2,4,8}"
copies="${2:-4}"
out="${OUT:-results/gpu_lanes}"
mkdir -p "$out"
python3 bench/gpu_validate.py --env-only --out "$out"
python=python3
venv="${GPU_VENV:-$HOME/.cache/dl-grader/venv-gpu}"
[[ -x "$venv/bin/python" ]] && python="$venv/bin/python"
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$python" bench/lanes.py --device cuda \
    --lanes "$lanes" --copies "$copies" --startup 2>&1 | tee "$out/lanes.txt"
