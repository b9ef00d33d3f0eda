r"""The sidecar eval job: `python eval/run_eval.py --model_dir=D [--once] [flags]` (or `launch/eval.sh D ...`).

Follows D with `tf.train.checkpoints_iterator`, evaluates every checkpoint once, appends one JSON line per
checkpoint to D/eval/metrics.jsonl, writes TensorBoard summaries to D/eval and exports the best generator to
D/eval/best (+ D/eval/best.json). Stops when D/TRAIN_DONE exists and every checkpoint is evaluated, or after
--timeout seconds without a new checkpoint; --once evaluates the latest checkpoint and exits.
The job itself is `tfgan_mh.evaluation.job` (this file only turns flags into an `EvalConfig`).

Examples (README.md, "Evaluate"):
  python eval/run_eval.py --model_dir=/tmp/runs/mnist --inception=none \
      --classifier=classifier:/work/artifacts/mnist32_classifier --best_metric=am_score
  python eval/run_eval.py --model_dir=gs://bucket/runs/imagenet128_mhgan --inception=inception:/models/inception \
      --intra_fid_classes=0-99 --num_samples=50000
Exit status: 0 when done / timed out / --once finished; 1 with a one-line error on bad input.
"""

import sys

from absl import app
from absl import flags
from absl import logging

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", None, "Run directory written by tfgan_mh.train (local or gs://).")
flags.DEFINE_bool("once", False, "Evaluate the latest checkpoint (unless already in metrics.jsonl) and exit.")
flags.DEFINE_string("metrics", "default",
                    "Comma-separated metric groups, 'default' (all but gan_train) or 'all'; e.g. 'default,gan_train'.")
flags.DEFINE_string("inception", "inception",
                    "Extractor for IS / FID / intra-FID: inception (TF-Hub, needs network), inception:/local/dir, "
                    "classifier:/savedmodel, or none.")
flags.DEFINE_string("classifier", "none",
                    "Dataset classifier (classifier:/savedmodel from tfgan_mh.train_classifier) for AM Score, "
                    "classifier IS, GAN-test, confidence and class histogram; none = those are absent.")
flags.DEFINE_integer("num_samples", 10000, "Generated samples per checkpoint.")
flags.DEFINE_integer("batch_size", 100, "Samples per generator / extractor batch.")
flags.DEFINE_integer("num_splits", 0, "Inception Score splits (0: the run's protocol, eval_protocol.inception_score_"
                     "splits of its gin file: 1 for 000's TF-GAN eval, 10 for the Salimans script of 001 / 004).")
flags.DEFINE_integer("num_real", 0, "Real samples for the FID reference (0: --num_samples).")
flags.DEFINE_enum("real_split", "train", ["train", "validation", "test"], "Split of the FID reference.")
flags.DEFINE_enum("intra_fid_split", "auto", ["auto", "train", "validation", "test"],
                  "Split of the intra-FID reference (auto: validation, else test, else train; 000: validation).")
flags.DEFINE_integer("num_intra_fid_real", 0, "Cap on intra-FID reference examples (0: the whole split).")
flags.DEFINE_integer("intra_fid_min_per_class", 50,
                     "Refuse intra-FID when a class has fewer real reference samples (000: ~50 per class).")
flags.DEFINE_string("validation_split", "auto",
                    "Split for the discriminator metrics: auto (validation, else test), validation, test, none.")
flags.DEFINE_integer("num_validation", 0, "Cap on validation examples (0: the whole split).")
flags.DEFINE_bool("use_ema", True, "Sample from the EMA generator when the run has one.")
flags.DEFINE_integer("seed", 0, "Seed of the latents and labels (the same for every checkpoint).")
flags.DEFINE_float("truncation", 0.0, "Truncation threshold of the latents: every |z_i| beyond it is resampled "
                   "(BigGAN §3.1; 0: z ~ N(0, I)). Recorded as \"truncation\" in metrics.jsonl.")
flags.DEFINE_integer("standing_stats_batches", 0, "Give G's batch norms standing statistics over this many prior "
                     "batches before sampling each checkpoint (BigGAN §3; 0: the checkpoint's moving statistics). "
                     "Recorded as \"standing_stats\" in metrics.jsonl.")
flags.DEFINE_integer("standing_stats_batch_size", 256, "Samples per standing-statistics batch.")
flags.DEFINE_string("intra_fid_classes", "", "Classes for intra-FID, e.g. '0-99' or '1,5,9' (default: all).")
flags.DEFINE_integer("ms_ssim_images_per_class", 50, "Samples kept per class for MS-SSIM pairs.")
flags.DEFINE_integer("ms_ssim_pairs_per_class", 100, "Random same-class pairs per class.")
flags.DEFINE_integer("pairwise_base", 128, "Pairwise distance batches are n x this (002: 128).")
flags.DEFINE_list("pairwise_multiples", ["1", "2", "4", "8"], "The n of the pairwise-distance batches.")
flags.DEFINE_integer("gan_train_epochs", 10, "Epochs of the GAN-train classifier (with --metrics=...,gan_train).")
flags.DEFINE_string("best_metric", "fid", "Metric choosing the exported best checkpoint (none: no export).")
flags.DEFINE_enum("best_mode", "auto", ["auto", "min", "max"], "auto: lower is better for FID-like metrics.")
flags.DEFINE_float("timeout", 3 * 3600.0, "Stop after this many seconds without a new checkpoint (0: never).")
flags.DEFINE_float("poll_secs", 60.0, "Seconds between looks for new checkpoints and TRAIN_DONE.")
flags.DEFINE_bool("wait_for_run", False, "Wait for training to create the run instead of failing.")


def parse_classes(text: str):
  """'0-99' / '1,5,9' / '0-4,7' -> sorted tuple of ints; '' -> None."""
  if not text.strip():
    return None
  out = set()
  for part in text.split(","):
    lo, sep, hi = part.strip().partition("-")
    try:
      out.update(range(int(lo), int(hi) + 1) if sep else [int(lo)])
    except ValueError:
      raise ValueError(f"--intra_fid_classes={text!r}: expected class ids like 0-99 or 1,5,9") from None
  return tuple(sorted(out))


def config_from_flags():
  from tfgan_mh.evaluation import job  # pylint: disable=g-import-not-at-top
  try:
    multiples = [int(n) for n in FLAGS.pairwise_multiples]
  except ValueError:
    raise ValueError(f"--pairwise_multiples={','.join(FLAGS.pairwise_multiples)!r}: expected ints such as "
                     "1,2,4,8") from None
  return job.EvalConfig(
      metrics=FLAGS.metrics, inception=FLAGS.inception, classifier=FLAGS.classifier,
      num_samples=FLAGS.num_samples, batch_size=FLAGS.batch_size, num_splits=FLAGS.num_splits or None,
      num_real=FLAGS.num_real or None, real_split=FLAGS.real_split, intra_fid_split=FLAGS.intra_fid_split,
      num_intra_fid_real=FLAGS.num_intra_fid_real or None, intra_fid_min_per_class=FLAGS.intra_fid_min_per_class,
      validation_split=FLAGS.validation_split,
      num_validation=FLAGS.num_validation or None, use_ema=FLAGS.use_ema, seed=FLAGS.seed,
      truncation=FLAGS.truncation, standing_stats_batches=FLAGS.standing_stats_batches,
      standing_stats_batch_size=FLAGS.standing_stats_batch_size,
      intra_fid_classes=parse_classes(FLAGS.intra_fid_classes),
      ms_ssim_images_per_class=FLAGS.ms_ssim_images_per_class,
      ms_ssim_pairs_per_class=FLAGS.ms_ssim_pairs_per_class, pairwise_base=FLAGS.pairwise_base,
      pairwise_multiples=multiples, gan_train_epochs=FLAGS.gan_train_epochs, best_metric=FLAGS.best_metric,
      best_mode=FLAGS.best_mode).validate()


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not FLAGS.model_dir:
    raise app.UsageError("--model_dir is required")
  from tfgan_mh.evaluation import job  # pylint: disable=g-import-not-at-top
  try:
    config = config_from_flags()
    status = job.watch(FLAGS.model_dir, config, once=FLAGS.once, timeout=FLAGS.timeout or None,
                       poll_secs=FLAGS.poll_secs, wait_for_run=FLAGS.wait_for_run)
  except ValueError as e:
    text = str(e).strip()
    print(f"error: {text.splitlines()[0] if text else type(e).__name__}", file=sys.stderr)
    sys.exit(1)
  logging.info("eval job finished: %s", status)
  print(f"{status}: {FLAGS.model_dir.rstrip('/')}/eval/metrics.jsonl")


if __name__ == "__main__":
  app.run(main)
