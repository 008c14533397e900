#!/usr/bin/env bash
# Every accuracy spread of docs/fair-checks/cnn_classifiers.md, one process per (task, model),
# in parallel (one torch thread each), logs under ${OUT:-/tmp}/spread/. Needs a machine with as
# many free cores as there are lines below (12); on 2 cores run the lines one at a time.
set -u
PY=${PY:-.venv/bin/python}
LOG=${OUT:-/tmp}/spread
mkdir -p "$LOG"
ALT=assignments/cnn_classifiers/alternatives
run() { name=$1; shift; OMP_NUM_THREADS=1 "$PY" bench/cnn_accuracy_spread.py "$@" --seeds 1-10 > "$LOG/$name.log" 2>&1 & }
run budget_reference budget_cnn --epochs 10 --model reference/cnn_classifiers/models.py
run budget_lenet budget_cnn --epochs 12 --model bench/models/lenet_budget.py
for alt in logsoftmax_nll functional module_list numpy_scalars running_mean; do
    run "budget_$alt" budget_cnn --epochs 10 --model "$ALT/$alt/models.py"
done
run net_cifar net_cifar --epochs 10 --model reference/cnn_classifiers/models.py
run fashion model_fashion_mnist --epochs 6 --model reference/cnn_classifiers/models.py
run mnist cnn_mnist --epochs 6 --model reference/cnn_classifiers/models.py
run net_cifar_alt net_cifar --epochs 10 --model "$ALT/logsoftmax_nll/models.py"
run fashion_alt model_fashion_mnist --epochs 6 --model "$ALT/module_list/models.py"
wait
