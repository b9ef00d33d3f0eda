#!/usr/bin/env bash
# Train locally (CPU / one or more GPUs): launch/train.sh GIN_FILE MODEL_DIR [extra flags]
#   e.g. launch/train.sh gin/experiments/mnist_mhinge_cpu.gin /tmp/runs/mnist_mhgan --gin_param='train.num_steps=200'
# --dry_run prints the command instead of running it.
set -euo pipefail
usage() { echo "usage: $0 GIN_FILE MODEL_DIR [--dry_run] [extra tfgan_mh.train flags]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
gin_file=$1; model_dir=$2; shift 2
gin_exists() {  # a path, or a packaged name (experiments/x, gin/experiments/x.gin) under tfgan_mh/gin/
  local rel=${1#gin/}; local pkg; pkg="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tfgan_mh/gin/$rel"
  [[ -f "$1" || -f "$pkg" || -f "$pkg.gin" ]]
}
gin_exists "$gin_file" || {
  echo "error: gin file '$gin_file' does not exist (a path, or a packaged name such as experiments/mnist_mhinge_cpu)" >&2; exit 2; }
dry_run=0; extra=()
for a in "$@"; do if [[ "$a" == "--dry_run" ]]; then dry_run=1; else extra+=("$a"); fi; done
cmd=(python -m tfgan_mh.train --gin_file="$gin_file" --model_dir="$model_dir" "${extra[@]}")
if (( dry_run )); then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
exec "${cmd[@]}"
