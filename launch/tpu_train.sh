#!/usr/bin/env bash
# Train on a Cloud TPU: launch/tpu_train.sh GIN_FILE MODEL_DIR [TPU_NAME] [--pod=ZONE] [--dry_run] [extra flags]
#   TPU_NAME: a TPU node name or grpc:// address (model_dir must then be gs://: the TPU workers write it),
#             or 'local' on a TPU VM (default when /dev/accel0 or /dev/vfio exists). $TPU_NAME is used
#             when the argument is omitted.
#   --pod=ZONE: TPU_NAME is a TPU VM pod slice (v3-32, v4-64, ...; runtime tpu-vm-tf-*-pod-pjrt) in ZONE, run
#             from any machine with gcloud. TensorFlow drives a pod slice from ONE client: this runs
#               gcloud compute tpus tpu-vm ssh TPU_NAME --zone=ZONE --worker=all --command="cd $CHECKOUT && pip install -e ."
#               gcloud compute tpus tpu-vm ssh TPU_NAME --zone=ZONE --worker=0 --command="cd $CHECKOUT && \
#                 TPU_LOAD_LIBRARY=0 python -m tfgan_mh.train --gin_file=... --model_dir=gs://... --strategy=tpu --tpu=TPU_NAME"
#             (the first installs this checkout on every host, the second trains from worker 0: TPUStrategy runs one
#             input pipeline per host through distribute_datasets_from_function, each reading its shard).
#             $CHECKOUT (default ~/tfgan_mh) is where this repository is cloned on every host.
#   --dry_run: check the arguments and print the command(s) without running them.
set -euo pipefail
usage() { echo "usage: $0 GIN_FILE MODEL_DIR [TPU_NAME] [--pod=ZONE] [--dry_run] [extra tfgan_mh.train flags]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
gin_file=$1; model_dir=$2; shift 2
tpu="${TPU_NAME:-}"
if [[ $# -gt 0 && "$1" != --* ]]; then tpu=$1; shift; fi
dry_run=0; pod_zone=""; extra=()
for a in "$@"; do
  case "$a" in
    --dry_run) dry_run=1 ;;
    --pod=*) pod_zone="${a#--pod=}" ;;
    --pod) echo "error: --pod needs the TPU's zone: --pod=ZONE (e.g. --pod=europe-west4-a)" >&2; exit 2 ;;
    *) extra+=("$a") ;;
  esac
done
gin_exists() {  # a path, or a packaged name (experiments/x, gin/experiments/x.gin) under tfgan_mh/gin/
  local rel=${1#gin/}; local pkg; pkg="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tfgan_mh/gin/$rel"
  [[ -f "$1" || -f "$pkg" || -f "$pkg.gin" ]]
}
gin_exists "$gin_file" || {
  echo "error: gin file '$gin_file' does not exist (a path, or a packaged name such as experiments/mnist_mhinge_cpu)" >&2; exit 2; }
if [[ -n "$pod_zone" ]]; then
  [[ -n "$tpu" && "$tpu" != local ]] || { echo "error: --pod needs the pod slice's TPU_NAME (not 'local')" >&2; exit 2; }
  [[ "$model_dir" == gs://* ]] || { echo "error: model_dir '$model_dir' must be gs:// for a pod slice (every host reads and writes it)" >&2; exit 2; }
  checkout="${CHECKOUT:-~/tfgan_mh}"
  train=$(printf '%q ' python -m tfgan_mh.train --gin_file="$gin_file" --model_dir="$model_dir" --strategy=tpu \
          --tpu="$tpu" "${extra[@]}")  # quoted for the remote shell
  setup=(gcloud compute tpus tpu-vm ssh "$tpu" --zone="$pod_zone" --worker=all --command="cd $checkout && pip install -e .")
  run=(gcloud compute tpus tpu-vm ssh "$tpu" --zone="$pod_zone" --worker=0 --command="cd $checkout && TPU_LOAD_LIBRARY=0 $train")
  if (( dry_run )); then printf '%q ' "${setup[@]}"; echo; printf '%q ' "${run[@]}"; echo; exit 0; fi
  command -v gcloud >/dev/null || { echo "error: --pod runs gcloud, which is not installed here" >&2; exit 2; }
  "${setup[@]}"
  exec "${run[@]}"
fi
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
