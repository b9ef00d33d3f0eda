r"""Does a translation keep its source? The spread of G(x, c) over sources x, per target digit c, against the data's.

  python results/translation_diversity.py [--out results/campaign] [--seeds 0,1,2] [--arms ce,aam,aam_adacos]
                                          [--per_class 100]

Reads the aam_translation claim's runs under OUT/runs/aam_translation/mnist/ARM/seedS at their last checkpoint
(run it where `tfgan-reproduce aam_translation --out OUT` trained them) and writes
OUT/aam_translation_diversity.md. For every target digit c it translates the same `per_class` t10k images of
each digit to c and measures the per-pixel standard deviation over those sources, averaged over pixels
("spread"); the reference is the same spread of the t10k images of digit c. A generator that draws one
prototype per target (ignoring the source's slant and stroke) has a spread ratio near 0; one that keeps the
source's style near 1. A copy of the source (the identity) is told apart by GAN-test, not by the spread.
The translation setting is Sapkota et al., "Adaptive Additive Margin...", 2022 (003 in the README).
"""

import argparse
import os

import numpy as np

from tfgan_mh import data, inspection
from tfgan_mh.reproduce import curves

K = 10


def _t10k(per_class: int):
  """`per_class` t10k images of each digit in file order: x [K * per_class, H, W, C], y [K * per_class]."""
  source = data.build_source()  # inspection.load left the run's gin config parsed
  xs, ys = [], []
  for x, y in source.input_fn(global_batch_size=1000, split="test", training=False):
    xs.append(x.numpy())
    ys.append(y.numpy())
  x, y = np.concatenate(xs), np.concatenate(ys)
  picks = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in range(K)])
  return x[picks], y[picks]


def spread(images) -> float:
  """Mean over pixels of the standard deviation over images (axis 0)."""
  return float(np.mean(np.std(np.asarray(images, np.float64), axis=0)))


def run_spreads(run, x) -> np.ndarray:
  """[K]: the spread of G(x, c) over the sources x, for every target c."""
  batches = [x[i:i + 250] for i in range(0, len(x), 250)]
  out = []
  for c in range(K):
    fakes = [run.sample(b, np.full([len(b)], c, np.int32)).numpy() for b in batches]
    out.append(spread(np.concatenate(fakes)))
  return np.array(out)


def _cell(values) -> str:
  return curves.cell(curves.stats(values), ".3f", ".3f")


def main(args) -> None:
  seeds = [int(s) for s in args.seeds.split(",")]
  arms = args.arms.split(",")
  real = None
  ratios, per_seed = {}, []
  for arm in arms:
    for seed in seeds:
      model_dir = os.path.join(args.out, "runs", "aam_translation", "mnist", arm, f"seed{seed}")
      run = inspection.load(model_dir, "latest", with_discriminator=False)
      if real is None:
        x, y = _t10k(args.per_class)
        real = np.array([spread(x[y == c]) for c in range(K)])
      r = run_spreads(run, x) / real
      ratios.setdefault(arm, []).append(float(r.mean()))
      per_seed.append(f"| {arm} | {seed} | {run.step} | {r.mean():.3f} | {r.min():.3f} (digit {r.argmin()}) |")
      print(per_seed[-1], flush=True)
  lines = [
      "# aam_translation: does a translation keep its source?", "",
      "`python results/translation_diversity.py --out " + args.out + f" --seeds {args.seeds} --arms {args.arms}"
      f" --per_class {args.per_class}` (its docstring says what is measured).", "",
      f"Spread ratio: for each target digit c, the per-pixel std of G(x, c) over {args.per_class * K} t10k sources "
      f"({args.per_class} of each digit), averaged over pixels, divided by the same spread of the t10k images of "
      f"digit c (real spread {real.mean():.3f} on average, [-1, 1] pixel units); then averaged over c. Near 0: one "
      "prototype per target, whatever the source; near 1: the source's style kept.", "",
      "| arm | spread ratio (mean ± std over seeds) |", "|---|---|"]
  lines += [f"| {arm} | {_cell(ratios[arm])} |" for arm in arms]
  lines += ["", "| arm | seed | step | spread ratio | lowest target |", "|---|---|---|---|---|"] + per_seed
  path = os.path.join(args.out, "aam_translation_diversity.md")
  with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
  print(f"wrote {path}")


if __name__ == "__main__":
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--out", default="results/campaign")
  parser.add_argument("--seeds", default="0,1,2")
  parser.add_argument("--arms", default="ce,aam,aam_adacos")
  parser.add_argument("--per_class", type=int, default=100)
  main(parser.parse_args())
