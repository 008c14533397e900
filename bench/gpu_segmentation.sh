#!/usr/bin/env bash
# segmentation_transfer on the GPU machine, in one command, from the repository root:
#
#     bash bench/gpu_segmentation.sh [SEED]        # default seed 1; $OUT: where results go
#
# 1. grader validate --assignment segmentation_transfer --device cuda (reference 100%, template
#    0%, every mutant caught), and
# 2. the demo class graded with --device cuda and --device cpu, each submission's seconds per
#    device; its student "ama" is the reference, whose line is printed again at the end.
#
# bench/gpu_validate.py does the work: it checks the environment (the machine's own torch and
# torchvision are used as they are; a package that is missing goes into a venv made with
# --system-site-packages, or, without an index to install from, the script stops naming it),
# probes CUDA under the worker's address-space limit ([limits] memory_mb), runs the grader from
# this checkout with PYTHONPATH, and writes validate-cuda.txt, grade-{cuda,cpu}/ and summary.txt.
# Exit status: 0 when validate passed and both gradings ran, 1 otherwise, 2 when the
# environment is not ready.
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-1}"
out="${OUT:-results/gpu_segmentation}"
status=0
python3 bench/gpu_validate.py --assignment segmentation_transfer --validate cuda \
    --devices cuda,cpu --seed "$seed" --jobs "${JOBS:-4}" --out "$out" || status=$?
if [[ -f "$out/summary.txt" ]]; then
    echo
    echo "the reference submission (ama), result.json duration_s per device:"
    grep -E '^ *(student|ama) ' "$out/summary.txt" || true
fi
exit "$status"
