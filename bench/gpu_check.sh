#!/usr/bin/env bash
# Every GPU run the grader owes, in one command on the GPU machine, from the repository root:
#
#     bash bench/gpu_check.sh                  # $OUT: where each step's output goes
#
# A dry run here, on the CPU with small sizes (no wheels installed, the project's venv used):
#
#     DEVICE=cpu PYTHON=.venv/bin/python COPIES=1 LANES=1,2 CPU_JOBS=2 bash bench/gpu_check.sh
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
# Exit status: 0 when every step exited 0, else 1.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-results/gpu_check}
device=${DEVICE:-cuda}
python=${PYTHON:-python3}
jobs=${JOBS:-8}
copies=${COPIES:-3}
lanes=${LANES:-1,2,4,8}
cpu_jobs=${CPU_JOBS:-8}
seed=${SEED:-7}
validate_s=${VALIDATE_S:-330}
mkdir -p "$out"
summary=$out/summary.txt
: >"$summary"
failed=0
export PYTHONUNBUFFERED=1

say() { echo "$*" | tee -a "$summary"; }

# step NAME SECONDS COMMAND...: run COMMAND under `timeout`, its output in $out/NAME.txt
step() {
    local name=$1 limit=$2 began status
    shift 2
    say "== $name (limit ${limit} s): $*"
    began=$(date +%s)
    timeout -k 10 "$limit" "$@" >"$out/$name.txt" 2>&1
    status=$?
    say "== $name: exit $status in $(($(date +%s) - began)) s$([[ $status == 124 ]] && echo ' (TIMED OUT)')"
    [[ $status == 0 ]] || failed=1
    return "$status"
}

environment() {
    if [[ -d .whl ]] && compgen -G ".whl/*.whl" >/dev/null; then
        "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
            --target /tmp/site .whl/*.whl || return 1
        export PYTHONPATH=/tmp/site
    fi
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    "$python" - <<'PY'
import importlib, os, platform, torch
print("python", platform.python_version(), "on", os.cpu_count(), "cores")
for name in ("torch", "torchvision", "numpy", "pytest", "pydantic", "nbformat", "typer", "rich", "jinja2"):
    module = importlib.import_module(name)
    print(f"{name} {module.__version__} from {os.path.dirname(module.__file__)}")
print("cuda", torch.version.cuda, "available", torch.cuda.is_available())
if torch.cuda.is_available():
    props = torch.cuda.get_device_properties(0)
    print("gpu", props.name, f"{props.total_memory / 2**30:.0f} GiB")
import grader.cli, grader.grade, grader.validate  # noqa: E401,F401 - the grader imports
print("the grader imports from", os.path.dirname(grader.cli.__file__))
PY
}

grader() { "$python" -c "from grader.cli import main; main()" "$@"; }

step env 120 environment
# the exports made inside `environment` ran in a child shell: repeat them here
[[ -d /tmp/site ]] && export PYTHONPATH=/tmp/site
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
cat "$out/env.txt"

step probe 120 "$python" bench/gpu_probe.py --device "$device"
tail -n 6 "$out/probe.txt" | tee -a "$summary"

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

step lanes 240 "$python" bench/lanes.py --assignment cnn_classifiers --device "$device" \
    --lanes "$lanes" --copies "$copies" --seed "$seed" --startup
tee -a "$summary" <"$out/lanes.txt"

step cpu 120 "$python" bench/lanes.py --assignment cnn_classifiers --device cpu \
    --lanes "$cpu_jobs" --copies "$copies" --seed "$seed"
tee -a "$summary" <"$out/cpu.txt"

say "== done: $([[ $failed == 0 ]] && echo 'every step exited 0' || echo 'a step failed')"
exit "$failed"
