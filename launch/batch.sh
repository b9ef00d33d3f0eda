#!/usr/bin/env bash
# Run a sweep: launch/batch.sh SWEEP_FILE [--dry_run] [--prefix=DIR|gs://...] [--tpu=NAME[,NAME...]|local|env]
#     [--eval] [--no_eval] [--eval_args='...'] [--keep_going] [--rerun_done] [--log_dir=DIR]
#   One run per line of SWEEP_FILE: GIN_FILE [bindings or --gin_param=...] [name=RUN] [tpu=TPU]  (# comments)
#   e.g. launch/batch.sh sweeps/ring.sweep --prefix=/tmp/runs/ring_sweep --dry_run
#        launch/batch.sh sweeps/cifar10_tpu.sweep --tpu=tpu-a,tpu-b --prefix=gs://BUCKET/runs/cifar10_losses
#   Locally the runs go one after another (launch/train.sh, with --eval then launch/eval.sh MODEL_DIR --once);
#   finished runs (TRAIN_DONE) are skipped. With --tpu each TPU runs its lines one after another
#   (launch/tpu_train.sh), each beside a sidecar launch/eval.sh, detached; logs in ./sweep_logs/SWEEP_STEM.
#   Every line is checked first (gin files exist and parse with the line's bindings); bad lines are reported
#   as SWEEP:LINE: message and nothing starts. --dry_run prints the plan. Details: tfgan_mh/cli/sweep.py
#   (the file format: tfgan_mh/cli/sweep_file.py).
set -euo pipefail
usage() {
  echo "usage: $0 SWEEP_FILE [--dry_run] [--prefix=DIR] [--tpu=NAMES] [--eval] [--no_eval] [--eval_args=...]" \
    "[--keep_going] [--rerun_done] [--log_dir=DIR]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
[[ "$1" == -h || "$1" == --help ]] && { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
[[ -f "$1" ]] || { echo "error: sweep file '$1' does not exist" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python -c "import tfgan_mh.cli.sweep" 2>/dev/null || {
  echo "error: tfgan_mh is not importable by '$(command -v python || echo python)':" \
    "run 'pip install -e .' first" >&2
  exit 2; }
exec python -m tfgan_mh.cli.sweep --launch_dir="$here" "$@"
