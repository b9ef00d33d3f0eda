#!/usr/bin/env bash
# Train on a Cloud TPU: launch/tpu_train.sh GIN_FILE MODEL_DIR [TPU_NAME] [--dry_run] [extra flags]
#   TPU_NAME: a TPU node name or grpc:// address (model_dir must then be gs://: the TPU workers write it),
#             or 'local' on a TPU VM (default when /dev/accel0 or /dev/vfio exists). $TPU_NAME is used
#             when the argument is omitted.
#   --dry_run: check the arguments and print the command without running it.
set -euo pipefail
usage() { echo "usage: $0 GIN_FILE MODEL_DIR [TPU_NAME] [--dry_run] [extra tfgan_mh.train flags]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
gin_file=$1; model_dir=$2; shift 2
tpu="${TPU_NAME:-}"
if [[ $# -gt 0 && "$1" != --* ]]; then tpu=$1; shift; fi
dry_run=0; extra=()
for a in "$@"; do if [[ "$a" == "--dry_run" ]]; then dry_run=1; else extra+=("$a"); fi; done
[[ -f "$gin_file" ]] || { echo "error: gin file '$gin_file' does not exist" >&2; exit 2; }
if [[ -z "$tpu" ]]; then
  if [[ -e /dev/accel0 || -d /dev/vfio ]]; then tpu=local
  else echo "error: no TPU name: pass TPU_NAME (a TPU node, grpc://host:8470, or 'local' on a TPU VM) or set \$TPU_NAME" >&2; exit 2
  fi
fi
if [[ "$tpu" != local && "$model_dir" != gs://* ]]; then
  echo "error: model_dir '$model_dir' must be a gs:// path when training on TPU node '$tpu' (its workers cannot see local disks)" >&2; exit 2
fi
cmd=(python -m tfgan_mh.train --gin_file="$gin_file" --model_dir="$model_dir" --strategy=tpu --tpu="$tpu" "${extra[@]}")
if (( dry_run )); then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
python -c "import tfgan_mh, tensorflow" 2>/dev/null || {
  echo "error: tfgan_mh / tensorflow not importable: run 'pip install -e .' in this checkout first" >&2; exit 2; }
if [[ "$model_dir" == gs://* && -z "${GOOGLE_APPLICATION_CREDENTIALS:-}" ]] && ! command -v gcloud >/dev/null; then
  echo "error: model_dir is on GCS but neither GOOGLE_APPLICATION_CREDENTIALS nor gcloud is available for credentials" >&2; exit 2
fi
exec "${cmd[@]}"
