r"""Scores images from anywhere with the eval job's metrics and protocol record.

  python -m tfgan_mh.cli.evaluate_samples --samples=DIR|FILE.npz --reference=SPEC [--output=FILE.jsonl] [settings]

--samples: a folder of PNG / JPEG images (flat: unlabeled; one subfolder per class: labeled) or an .npz with an
  image array (x / images / image / samples) and optionally labels (y / labels / label) — e.g. the samples
  another library (PyTorch-StudioGAN, BigGAN-PyTorch) saved, so its numbers and ours come from one protocol.
--reference: the real data, as a data gin file (a path, or a packaged name such as base/data_mnist.gin) or
  NAME[:PATH] of `tfgan_mh.data.build_source` (mnist: TFDS; mnist:/data/mnist: a local idx folder;
  npz:/data/real.npz; image_folder:/data/my_images); --real_split / --num_real pick its examples (default:
  train, as many as the samples).
Every eval setting of `tfgan_mh.evaluation.config` is a flag here too (--metrics, --inception, --classifier,
--kid_subset_size, ...; or --gin_file with EvalConfig bindings). Groups that need a generator or a
discriminator are recorded under "absent".

The record (one JSON object: values, "absent", "errors", "protocol", "timing") is printed on stdout and, with
--output, appended as one line to that file (existing lines are kept). Exit status 1 with a one-line error
on unreadable samples, a bad reference or bad settings, before anything is written.

Example (no network: a dataset classifier as the feature extractor):
  python -m tfgan_mh.cli.evaluate_samples --samples=/tmp/samples.npz --reference=base/data_mnist.gin \
      --inception=classifier:/models/mnist32 --metrics=fid,kid,precision_recall,density_coverage
"""

import dataclasses
import json

from absl import app
from absl import flags
from absl import logging

from tfgan_mh import cli
from tfgan_mh.evaluation import config as config_lib
from tfgan_mh.run import outputs

FLAGS = flags.FLAGS
_NOT_FOR_SAMPLES = ("num_samples", "use_ema", "truncation", "standing_stats_batches", "standing_stats_batch_size",
                    "validation_split", "num_validation", "best_metric", "best_mode")


def define_flags(fv) -> None:
  """This command's flags on `fv` (absl FLAGS when run as a program; a fresh FlagValues in tests)."""
  flags.DEFINE_string("samples", None, "Folder of PNG/JPEG images (optionally one subfolder per class) or an .npz.",
                      flag_values=fv)
  flags.DEFINE_string("samples_image_key", None, "npz: name of the image array (default: x, images, image, "
                      "samples).", flag_values=fv)
  flags.DEFINE_string("reference", None, "Real data: a data gin file or NAME[:PATH] of tfgan_mh.data.build_source.",
                      flag_values=fv)
  flags.DEFINE_integer("reference_resolution", 0, "NAME[:PATH] references: resize the real images to this side "
                       "(0: the source's default).", flag_values=fv)
  flags.DEFINE_string("output", None, "Append the record as one JSON line to this file (e.g. scores.jsonl).",
                      flag_values=fv)
  flags.DEFINE_integer("num_samples", 0, "Score the first N samples (0: all of them).", flag_values=fv)
  config_lib.define_flags(fv, skip=_NOT_FOR_SAMPLES)
  flags.adopt_module_key_flags(config_lib, flag_values=fv)  # --help lists the eval settings too


def build_reference(spec: str, resolution: int = 0):
  """The real `DataSource` of `--reference` (a data gin file, or NAME[:PATH]); one-line ValueError."""
  import gin  # pylint: disable=g-import-not-at-top
  from tfgan_mh import data  # pylint: disable=g-import-not-at-top
  if spec.endswith(".gin"):
    gin.clear_config()
    cli.parse_gin([spec], [])
    try:
      return data.build_source()
    finally:
      gin.clear_config()
  name, _, path = spec.partition(":")
  if name not in data.SOURCE_NAMES:
    raise ValueError(f"--reference={spec!r}: expected a data gin file (*.gin) or NAME[:PATH] with NAME one of "
                     f"{', '.join(data.SOURCE_NAMES)}")
  try:
    return data.build_source(name, path=path or None, resolution=resolution or None)
  except ValueError as e:
    raise ValueError(f"--reference={spec!r}: {cli.first_line(e)}") from None


def run(argv_flags) -> dict:
  """Loads, checks and scores; returns the record (raises ValueError with one line on bad input)."""
  from tfgan_mh.evaluation import evaluator  # pylint: disable=g-import-not-at-top
  from tfgan_mh.evaluation import records  # pylint: disable=g-import-not-at-top
  from tfgan_mh.evaluation import samples as samples_lib  # pylint: disable=g-import-not-at-top
  for name in ("samples", "reference"):
    if not getattr(argv_flags, name):
      raise ValueError(f"--{name} is required (see python -m tfgan_mh.cli.evaluate_samples --help)")
  unwritable = argv_flags.output and outputs.unwritable_reason(argv_flags.output)
  if unwritable:
    raise ValueError(f"--output={argv_flags.output!r} cannot be written: {unwritable}")
  if argv_flags.num_samples < 0:
    raise ValueError(f"--num_samples={argv_flags.num_samples}: expected >= 0 (0: all samples)")
  cfg = config_lib.config_from_flags(argv_flags, skip=_NOT_FOR_SAMPLES, best_metric=None,
                                     validation_split="none")
  samples = samples_lib.load_samples(argv_flags.samples, argv_flags.samples_image_key)
  if argv_flags.num_samples:
    samples = samples.limit(argv_flags.num_samples)
  cfg = dataclasses.replace(cfg, num_samples=samples.num).validate()
  source = build_reference(argv_flags.reference, argv_flags.reference_resolution)
  record = evaluator.Evaluator(cfg, source=source).evaluate_samples(samples, argv_flags.reference)
  if argv_flags.output:
    records.append_record(argv_flags.output, {k: v for k, v in record.items() if not k.startswith("_")})
  return record


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  try:
    record = run(FLAGS)
  except ValueError as e:
    cli.fail(cli.first_line(e))
  from tfgan_mh.evaluation import records  # pylint: disable=g-import-not-at-top
  logging.info("%d samples scored: %s", record["num_samples"], ", ".join(
      f"{k}={record[k]:.4g}" for k in ("fid", "kid_mean", "precision", "recall", "density", "coverage", "is_mean")
      if isinstance(record.get(k), float)))
  print(json.dumps(records.to_json_value({k: v for k, v in record.items() if not k.startswith("_")}),
                   sort_keys=True))


def console_main():
  """Console script `tfgan-evaluate-samples`."""
  define_flags(FLAGS)
  app.run(main)


if __name__ == "__main__":
  console_main()
