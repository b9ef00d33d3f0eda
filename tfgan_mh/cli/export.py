r"""Export a run's generator as a SavedModel: `tfgan-export --model_dir=D [--checkpoint=best|latest|STEP] --out=DIR`
(`python -m tfgan_mh.cli.export`). The export itself is `tfgan_mh.run.export`.
"""

import time

import tensorflow as tf

from tfgan_mh import cli
from tfgan_mh.run import export as export_lib


def main(argv) -> None:
  """Exports one checkpoint's generator (flags defined by `console_main` only)."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  from absl import logging  # pylint: disable=g-import-not-at-top
  logging.set_verbosity(logging.WARNING)  # tf.saved_model.save logs every asset and fingerprint at INFO
  flag_values = flags.FLAGS
  if len(argv) > 1:
    cli.fail(f"unexpected arguments: {' '.join(argv[1:])}", 2)
  if not flag_values.model_dir or not flag_values.out:
    cli.fail("--model_dir and --out are required", 2)
  start = time.time()
  try:
    run, truncation, standing = cli.restore_generator(flag_values, check=lambda: export_lib.check_target(
        flag_values.out.rstrip("/"), flag_values.overwrite, flag_values.model_dir))
    export_lib.export_generator(run, flag_values.out, use_ema=not flag_values.raw, overwrite=flag_values.overwrite,
                                truncation=truncation, standing_stats=standing)
  except (ValueError, tf.errors.OpError) as e:
    cli.fail(cli.first_line(e))
  which, extra = cli.generator_used(run, flag_values.raw, truncation, standing)
  print(f"exported the {which} of {run.checkpoint} (step {run.step}) to {flag_values.out} "
        f"in {time.time() - start:.1f}s{extra}")


def _define_flags() -> None:
  from absl import flags  # pylint: disable=g-import-not-at-top
  cli.define_generator_flags("Export")  # --truncation: of the 'sample' signature's latents
  flags.DEFINE_string("out", None, "Export directory (replaced atomically when it exists and --overwrite).")
  flags.DEFINE_bool("overwrite", False, "Replace an existing export at --out.")
  flags.DEFINE_integer("seed", 0, "Seed of the standing-statistics batches.")


def console_main():
  """Console script `tfgan-export`."""
  from absl import app  # pylint: disable=g-import-not-at-top
  _define_flags()
  app.run(main, flags_parser=cli.parse_flags)


if __name__ == "__main__":
  console_main()
