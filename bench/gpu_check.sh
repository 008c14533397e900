#!/usr/bin/env bash
# Every GPU run the grader owes, in one command on the GPU machine, from the repository root:
#
#     bash bench/gpu_check.sh                  # $OUT: where each step's output goes
#
# A dry run here, on the CPU with small sizes (no wheels installed, the project's venv used):
#
#     DEVICE=cpu PYTHON=.venv/bin/python WHEELS=none JOBS=1 COPIES=1 LANES=1,2 CPU_JOBS=2 \
#         VALIDATE_S=200 bash bench/gpu_check.sh
#
# The steps, each under its own `timeout`, each writing to its own file in $OUT as it goes
# (a step cut off still returns what it printed), with one line per step in $OUT/summary.txt:
#
# 1. env: the wheels carried in .whl/ (pydantic, nbformat and what they need; the machine's
#    own torch, torchvision and numpy are used as they are) installed into a target folder,
#    the checkout on PYTHONPATH; the versions in use.
# 2. probe: bench/gpu_probe.py. CUDA inside a sandboxed worker, its start-up time, and the
#    per-worker memory share enforced (a worker past its share fails with the named reason;
#    the next one is unharmed).
# 3. validate-cnn and 4. validate-seg: `grader validate --device $DEVICE --jobs $JOBS` for
#    cnn_classifiers and segmentation_transfer, run side by side (they check correctness,
#    not speed, and the machine has 16 cores).
# 5. lanes: bench/lanes.py --device $DEVICE. cnn_classifiers' demo class, each submission
#    $COPIES times, graded with $LANES lanes: submissions per minute and speed-up; then the
#    CUDA start-up per submission.
# 6. cpu: the same class on the CPU with $CPU_JOBS lanes, for the GPU-over-CPU ratio.
#
# Every limit is cut to what is left before $DEADLINE seconds (default 500) from the start,
# so the run ends, summary written, inside one 10-minute call on the GPU machine.
# Exit status: 0 when every step exited 0, else 1.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-results/gpu_check}
device=${DEVICE:-cuda}
python=${PYTHON:-python3}
wheels=${WHEELS:-.whl}  # a folder of wheels to install first, or "none"
jobs=${JOBS:-8}
copies=${COPIES:-2}
startup_n=${STARTUP_N:-8}
lanes=${LANES:-1,2,4,8}
cpu_jobs=${CPU_JOBS:-8}
seed=${SEED:-7}
validate_s=${VALIDATE_S:-230}
deadline=${DEADLINE:-500}  # seconds: no step runs past this, so the summary is always written
started=$(date +%s)
mkdir -p "$out"
summary=$out/summary.txt
: >"$summary"
failed=0
export PYTHONUNBUFFERED=1 COLUMNS=160  # rich tables unfolded in the logs

say() { echo "$*" | tee -a "$summary"; }

# step NAME SECONDS COMMAND...: run COMMAND under `timeout`, its output in $out/NAME.txt; the
# limit is cut to what is left before the deadline
step() {
    local name=$1 limit=$2 began status left
    shift 2
    left=$((started + deadline - $(date +%s)))
    ((limit > left)) && limit=$left
    if ((limit < 5)); then
        say "== $name: skipped, the ${deadline} s deadline has passed"
        failed=1
        return 1
    fi
    say "== $name (limit ${limit} s): $*"
    began=$(date +%s)
    # through bash, so that a function of this script (environment, grader) can be the command
    timeout -k 10 "$limit" bash -c '"$@"' "$name" "$@" >"$out/$name.txt" 2>&1
    status=$?
    say "== $name: exit $status in $(($(date +%s) - began)) s$([[ $status == 124 ]] && echo ' (TIMED OUT)')"
    [[ $status == 0 ]] || failed=1
    return "$status"
}

environment() {
    if [[ -d $wheels ]] && compgen -G "$wheels/*.whl" >/dev/null; then
        "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
            --target /tmp/site "$wheels"/*.whl || return 1
        export PYTHONPATH=/tmp/site
    fi
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    "$python" - <<'PY'
import importlib, importlib.metadata, os, platform, torch
print("python", platform.python_version(), "on", os.cpu_count(), "cores")
for name in ("torch", "torchvision", "numpy", "pytest", "pydantic", "nbformat", "typer", "rich", "jinja2"):
    where = os.path.dirname(importlib.import_module(name).__file__)
    print(f"{name} {importlib.metadata.version(name)} from {where}")
print("cuda", torch.version.cuda, "available", torch.cuda.is_available())
if torch.cuda.is_available():
    props = torch.cuda.get_device_properties(0)
    print("gpu", props.name, f"{props.total_memory / 2**30:.0f} GiB")
import grader.cli, grader.grade, grader.validate  # noqa: E401,F401 - the grader imports
print("the grader imports from", os.path.dirname(grader.cli.__file__))
PY
}

grader() { "$python" -c "from grader.cli import main; main()" "$@"; }
export python wheels
export -f environment grader

step env 90 environment
# the exports made inside `environment` ran in a child shell: repeat them here
[[ -d $wheels && -d /tmp/site ]] && export PYTHONPATH=/tmp/site
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
cat "$out/env.txt"

step probe 90 "$python" bench/gpu_probe.py --device "$device"
tee -a "$summary" <"$out/probe.txt"

step validate-cnn "$validate_s" grader validate -a cnn_classifiers --device "$device" --jobs "$jobs" \
    --seed "$seed" &
cnn=$!
step validate-seg "$validate_s" grader validate -a segmentation_transfer --device "$device" \
    --jobs "$jobs" --seed "$seed" &
seg=$!
wait "$cnn" || failed=1
wait "$seg" || failed=1
for name in validate-cnn validate-seg; do
    grep -E "FAIL|validate .*seed|^Error|Error:" "$out/$name.txt" | head -n 20 | tee -a "$summary"
done

step lanes 200 "$python" bench/lanes.py --assignment cnn_classifiers --device "$device" \
    --lanes "$lanes" --copies "$copies" --seed "$seed" --startup --startup-n "$startup_n"
tee -a "$summary" <"$out/lanes.txt"

step cpu 90 "$python" bench/lanes.py --assignment cnn_classifiers --device cpu \
    --lanes "$cpu_jobs" --copies "$copies" --seed "$seed"
tee -a "$summary" <"$out/cpu.txt"

say "== done in $(($(date +%s) - started)) s: $([[ $failed == 0 ]] && echo 'every step exited 0' || echo 'a step failed')"
exit "$failed"
