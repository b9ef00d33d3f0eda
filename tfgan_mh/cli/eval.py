r"""The sidecar eval job: `tfgan-eval --model_dir=D [--once] [flags]` (or `launch/eval.sh D`).

Follows D with `tf.train.checkpoints_iterator`, evaluates every checkpoint once, appends one JSON line per
checkpoint to D/eval/metrics.jsonl, writes TensorBoard summaries to D/eval and exports the best generator to
D/eval/best (+ D/eval/best.json). Stops when D/TRAIN_DONE exists and every checkpoint is evaluated, or after
--timeout seconds without a new checkpoint; --once evaluates the latest checkpoint and exits.
The job itself is `tfgan_mh.evaluation` (`watcher.watch`); this file only reads the settings.
`python -m tfgan_mh.eval` and a checkout's `eval/run_eval.py` run this module.

Settings: one flag per `EvalConfig` field (defaults and help from `tfgan_mh.evaluation.config`), or gin:
--gin_file=eval/cpu_quick (a packaged name or a path) / --gin_param="EvalConfig.num_samples = 5000"; a flag
given on the command line wins over gin, gin over the default.

Examples (docs/evaluation.md):
  tfgan-eval --model_dir=/tmp/runs/mnist --inception=none \
      --classifier=classifier:/models/mnist32_classifier --best_metric=am_score
  tfgan-eval --model_dir=gs://bucket/runs/imagenet128_mhgan --inception=inception:/models/inception \
      --intra_fid_classes=0-99 --num_samples=50000
Exit status: 0 when done / timed out / --once finished; 1 with a one-line error on bad input.
"""

import sys

from absl import app
from absl import flags
from absl import logging

from tfgan_mh import cli
from tfgan_mh.evaluation import config as config_lib

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", None, "Run directory written by tfgan_mh.train (local or gs://).")
flags.DEFINE_bool("once", False, "Evaluate the latest checkpoint (unless already in metrics.jsonl) and exit.")
flags.DEFINE_float("timeout", 3 * 3600.0, "Stop after this many seconds without a new checkpoint (0: never).")
flags.DEFINE_float("poll_secs", 60.0, "Seconds between looks for new checkpoints and TRAIN_DONE.")
flags.DEFINE_bool("wait_for_run", False, "Wait for training to create the run instead of failing.")
config_lib.define_flags(FLAGS)
flags.adopt_module_key_flags(config_lib)  # --help lists the eval settings too


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not FLAGS.model_dir:
    raise app.UsageError("--model_dir is required")
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh.evaluation import watcher  # pylint: disable=g-import-not-at-top
  try:
    config = config_lib.config_from_flags(FLAGS)
    status = watcher.watch(FLAGS.model_dir, config, once=FLAGS.once, timeout=FLAGS.timeout or None,
                           poll_secs=FLAGS.poll_secs, wait_for_run=FLAGS.wait_for_run)
  except ValueError as e:
    text = str(e).strip()
    print(f"error: {text.splitlines()[0] if text else type(e).__name__}", file=sys.stderr)
    sys.exit(1)
  except (OSError, tf.errors.OpError) as e:
    full = cli.disk_full(e, f"{FLAGS.model_dir.rstrip('/')}/eval")
    if full is None:
      raise
    cli.fail(full)
  logging.info("eval job finished: %s", status)
  print(f"{status}: {FLAGS.model_dir.rstrip('/')}/eval/metrics.jsonl")


def console_main():
  """Console script `tfgan-eval`."""
  app.run(main)


if __name__ == "__main__":
  console_main()
