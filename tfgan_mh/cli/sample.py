r"""Sample a trained run into a PNG: one row per class.

  python -m tfgan_mh.cli.sample --model_dir=D [--checkpoint=best|latest|STEP] [--num=8] [--labels=all|0,3,7] \
      --out=FILE.png [--seed=0] [--shared_z] [--raw] [--truncation=0.5] [--standing_stats_batches=16]

Rows are the requested classes in the order given, `--num` samples each, the class name on the left (the
data's names, else "class k"), the checkpoint step in the title: the train job's picture
(`tfgan_mh.plots`). `--shared_z` gives column j the same latent in every row, so a column shows one
z across classes. The EMA generator is used when the run has one (`--raw` for the trained G).
Unconditional runs (MAGAN, dynamic labeling) take no labels: the picture is `--num` samples in rows of 10.
Translation runs (G(x, c), Sapkota et al. 2022 (AAM)): row i is a real image of the validation (else test)
split, then its translations to every domain of --labels; `--num` rows.
2-D point data (the ring of Kavalerov et al. 2020 (K+1 GANs)): "real data" | "generated" scatter plots, `--num`
samples per class coloured by class with a class legend; the real panel needs the run's data source (use --num of
100 or more).
BigGAN's sampling options (Brock et al. 2019), both off by default and named in the printed line:
`--truncation=T` draws z from the truncated normal (every |z_i| > T resampled, §3.1); `--standing_stats_batches=N`
first sets G's batch-norm statistics to their average over N prior batches of `--standing_stats_batch_size`
(§3, `tfgan_mh.models.standing_stats`; the restored copy only, never the checkpoint).

Bad flags (unknown checkpoint, a label >= num_classes, an --out that cannot be written, ...) print one line
on stderr and exit 1 without writing anything; the PNG is written to a temporary name and renamed.

`figure(run, ...)` is the importable part (a matplotlib Figure); the flags are defined only when this file runs
as the program, so importing it defines none.
"""

import os
import uuid
from typing import Optional, Sequence

import numpy as np

from tfgan_mh import cli
from tfgan_mh.run import outputs

COLUMNS_UNCONDITIONAL = 10  # samples per row when the run has no classes to make rows of
GENERATE_BATCH = 256        # samples per generator call


def parse_labels(text: str) -> Optional[list]:
  """'all' -> None (every class); '0,3,7' -> [0, 3, 7]. ValueError naming the bad entry."""
  text = (text or "").strip()
  if text.lower() == "all":
    return None
  labels = []
  for entry in text.split(","):
    entry = entry.strip()
    if not entry.isdigit():
      raise ValueError(f"--labels={text!r}: {entry!r} is not a class id; expected 'all' or comma-separated "
                       "non-negative integers such as 0,1,2")
    labels.append(int(entry))
  return labels


def check_out(out: str) -> None:
  """ValueError (one line) if `out` is not a writable .png file path; checked before any work."""
  if not out:
    raise ValueError("--out is required: the .png file to write")
  if not out.lower().endswith(".png"):
    raise ValueError(f"--out={out!r} must end with .png (the picture is written as PNG)")
  if "://" in out:
    return
  if os.path.isdir(out):
    raise ValueError(f"--out={out!r} is a directory: expected a file name ending with .png")
  reason = outputs.unwritable_reason(out)
  if reason is None and os.path.exists(out) and not os.access(out, os.W_OK):
    reason = f"no write permission on {out!r}"
  if reason:
    raise ValueError(f"--out={out!r} cannot be written: {reason}")


def figure(run, *, labels: Optional[Sequence[int]] = None, num: int = 8, seed: int = 0,
           shared_z: bool = False, use_ema: bool = True, truncation: Optional[float] = None):
  """The picture of samples of a restored run (`tfgan_mh.run.restore.Run`), a matplotlib Figure.

  Images: one row per class, its name on the left (`tfgan_mh.plots.grid_figure`). 2-D points: "real data" |
  "generated (checkpoint step N)" panels coloured by class (`tfgan_mh.plots.points_figure`).

  Args:
    run: the restored run.
    labels: class ids, one row each (None = every class); must be None for an unconditional run.
    num: samples per class (unconditional: in total).
    seed: seed of the latents (numpy default_rng, standard normal).
    shared_z: the same `num` latents in every row.
    use_ema: the EMA generator when the run has one.
    truncation: every |z_i| > truncation drawn again (BigGAN §3.1, `latents.truncate_numpy`); None / 0: off.

  Raises:
    ValueError: num < 1, a label outside [0, num_classes), labels for an unconditional run, truncation < 0.
  """
  from tfgan_mh import plots  # pylint: disable=g-import-not-at-top
  from tfgan_mh.models import latents  # pylint: disable=g-import-not-at-top
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  truncation = latents.check_truncation(truncation, "--truncation")
  k = run.num_classes
  if num < 1:
    raise ValueError(f"--num={num}: expected at least 1 sample per class")
  if not run.conditional:
    if labels is not None:
      raise ValueError(f"--labels: the run in {run.model_dir} has an unconditional generator (no class "
                       "input); omit --labels")
    row_labels = np.zeros([1], np.int32)
  else:
    if labels is None:
      labels = list(range(k))
    bad = [l for l in labels if not 0 <= l < k]
    if bad:
      raise ValueError(f"--labels: class {bad[0]} is out of range; the run has num_classes={k} "
                       f"(valid 0..{k - 1})")
    row_labels = np.asarray(labels, np.int32)
  names = run.info.get("class_names")
  if run.info.get("generator_takes_images"):
    if truncation:
      raise ValueError("--truncation: a translation run (G(x, c)) has no latents to truncate")
    return _translation_figure(run, row_labels, num, seed, use_ema)
  samples, y = _generate(run, row_labels, num, seed, shared_z, use_ema, truncation)
  title = _title(run, use_ema)
  if samples.ndim == 2:  # 2-D points
    real_x, real_y = restore.real_data(run)
    return plots.points_figure(real_x, real_y, samples, y, title=title, num_classes=k, class_names=names,
                               conditional=run.conditional)
  if not run.conditional:
    cols = min(num, COLUMNS_UNCONDITIONAL)
    rows = -(-num // cols)
    fill = np.ones((rows * cols - num,) + samples.shape[1:], np.float32)  # white tiles
    return plots.grid_figure(np.concatenate([samples, fill], 0), [""] * rows, title=title)
  return plots.grid_figure(samples, [plots.class_name(c, names) for c in row_labels], title=title)


def _generate(run, row_labels, num, seed, shared_z, use_ema, truncation):
  """(samples [rows * num, ...], their labels): row r holds `num` samples of class row_labels[r]."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh.models import latents  # pylint: disable=g-import-not-at-top
  rows = len(row_labels)
  rng = np.random.default_rng(seed)
  z = rng.standard_normal((num if shared_z else rows * num, int(run.info["z_dim"]))).astype(np.float32)
  z = latents.truncate_numpy(z, truncation, rng)
  if shared_z:
    z = np.tile(z, (rows, 1))  # [rows * num, z_dim]
  y = np.repeat(row_labels, num)  # [rows * num], row-major: row r holds class row_labels[r]
  samples = np.concatenate([
      run.sample(tf.constant(z[i:i + GENERATE_BATCH]), tf.constant(y[i:i + GENERATE_BATCH]),
                 use_ema=use_ema).numpy()
      for i in range(0, len(z), GENERATE_BATCH)], 0)
  return samples, y


def _title(run, use_ema: bool, what: str = "generated") -> str:
  """E.g. "generated (checkpoint step 2000)"; says "raw generator" when the run's EMA generator is not used."""
  raw = ", raw generator" if run.ema_generator is not None and not use_ema else ""
  return f"{what} (checkpoint step {run.step}{raw})"


def _translation_figure(run, targets, num: int, seed: int, use_ema: bool):
  """Row i: real image i (`num` drawn with `seed` from the validation / test split), then its translation to
  every target domain in `targets`; rows named by the source's class, columns by the target."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh import data  # pylint: disable=g-import-not-at-top
  from tfgan_mh import plots  # pylint: disable=g-import-not-at-top
  source = data.build_source()  # load_run left the run's gin config parsed
  for split in ("validation", "test", "train"):
    try:
      ds = source.input_fn(global_batch_size=1024, split=split, training=False)
      break
    except ValueError:  # the source has no such split
      continue
  pool_x, pool_y = (t.numpy() for t in next(iter(ds)))
  picks = np.random.default_rng(seed).choice(len(pool_x), size=min(num, len(pool_x)), replace=False)
  x = pool_x[picks]  # [n, H, W, C]
  k = len(targets)
  out = run.sample(tf.constant(np.repeat(x, k, 0)), tf.constant(np.tile(targets, len(x))), use_ema=use_ema)
  return plots.image_to_image_figure(x, pool_y[picks], out.numpy(), targets,
                                  title=_title(run, use_ema, "translations"), class_names=run.info.get("class_names"))


def write_png_atomic(path: str, picture) -> None:
  """Writes the picture to a temporary name beside `path`, then renames it (no partial file)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh import plots  # pylint: disable=g-import-not-at-top
  tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}.png"
  try:
    plots.write_png(tmp, picture)
    tf.io.gfile.rename(tmp, path, overwrite=True)
  except tf.errors.OpError as e:
    if tf.io.gfile.exists(tmp):
      tf.io.gfile.remove(tmp)
    raise ValueError(f"--out={path!r} cannot be written: {cli.first_line(e)}") from None


def main(argv) -> None:
  from absl import flags  # pylint: disable=g-import-not-at-top
  flag_values = flags.FLAGS
  if len(argv) > 1:
    cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
  if not flag_values.model_dir:
    cli.fail("--model_dir is required: the run directory written by tfgan_mh.train")
  try:
    check_out(flag_values.out)
    labels = parse_labels(flag_values.labels)
    if flag_values.num < 1:
      raise ValueError(f"--num={flag_values.num}: expected at least 1 sample per class")
    run, truncation, standing = cli.restore_generator(flag_values)
    from tfgan_mh import plots  # pylint: disable=g-import-not-at-top
    picture = plots.to_array(figure(run, labels=labels, num=flag_values.num, seed=flag_values.seed,
                                    shared_z=flag_values.shared_z, use_ema=not flag_values.raw,
                                    truncation=truncation))
    write_png_atomic(flag_values.out, picture)
  except ValueError as e:
    cli.fail(cli.first_line(e))
  which, extra = cli.generator_used(run, flag_values.raw, truncation, standing)
  print(f"wrote {flag_values.out} ({picture.shape[1]}x{picture.shape[0]} px) from the {which} of "
        f"{run.checkpoint} (step {run.step}){extra}")


def _define_flags() -> None:
  from absl import flags  # pylint: disable=g-import-not-at-top
  cli.define_generator_flags("Sample")
  flags.DEFINE_integer("num", 8, "Samples per class (unconditional runs: in total).")
  flags.DEFINE_string("labels", "all", "'all' (one row per class) or comma-separated class ids, e.g. 0,1,2.")
  flags.DEFINE_string("out", None, "The .png file to write.")
  flags.DEFINE_integer("seed", 0, "Seed of the latents (and of the standing-statistics batches).")
  flags.DEFINE_bool("shared_z", False, "The same latents in every row (column j: one z across classes).")


def console_main():
  """Console script `tfgan-sample`."""
  from absl import app  # pylint: disable=g-import-not-at-top
  _define_flags()
  app.run(main, flags_parser=cli.parse_flags)


if __name__ == "__main__":
  console_main()
