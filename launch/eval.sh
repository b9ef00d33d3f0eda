#!/usr/bin/env bash
# Sidecar eval job: launch/eval.sh MODEL_DIR [--once] [--dry_run] [extra tfgan-eval flags]
#   Follows MODEL_DIR (local or gs://), evaluates each new checkpoint once into MODEL_DIR/eval/metrics.jsonl,
#   TensorBoard summaries in MODEL_DIR/eval, the best generator in MODEL_DIR/eval/best; exits after TRAIN_DONE.
#   e.g. launch/eval.sh /tmp/runs/mnist_mhgan --inception=none --classifier=classifier:/models/mnist32 --best_metric=am_score
#        launch/eval.sh gs://bucket/runs/imagenet128_mhgan --inception=inception:/models/inception --wait_for_run
# --once: evaluate the latest checkpoint and exit. --dry_run prints the command instead of running it.
set -euo pipefail
usage() { echo "usage: $0 MODEL_DIR [--once] [--dry_run] [extra tfgan-eval flags]" >&2; exit 2; }
[[ $# -ge 1 && "$1" != --* ]] || usage
model_dir=$1; shift
python="${PYTHON:-python}"
dry_run=0; extra=()
for a in "$@"; do if [[ "$a" == "--dry_run" ]]; then dry_run=1; else extra+=("$a"); fi; done
cmd=("$python" -m tfgan_mh.eval --model_dir="$model_dir" "${extra[@]}")
if (( dry_run )); then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
"$python" -c "import tfgan_mh, tensorflow" 2>/dev/null || {
  echo "error: tfgan_mh / tensorflow not importable with '$python': run 'pip install -e .' in this checkout (or pip install tfgan_mh) first" >&2; exit 2; }
exec "${cmd[@]}"
