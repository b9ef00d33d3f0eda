r"""Do KID, precision / recall and density / coverage say what they should on real data? Figures, not a test.

Scores sets of real MNIST images whose defects are known, against the MNIST training images, with the eval
job's own `Evaluator.evaluate_samples` (the path of `python -m tfgan_mh.cli.evaluate_samples`) and a dataset
classifier's features (128-d; `python -m tfgan_mh.cli.train_classifier`, no network needed):

  test            the held-out test images: every metric near its ideal (KID ~ 0, density ~ 1)
  one_class       test images of the digit 1 only: collapsed, high fidelity (precision high), low recall/coverage
  three_classes   digits 0, 1, 2 only: partial mode dropping
  noisy           test images + N(0, 0.4^2) pixel noise: low fidelity (precision / density fall)
  blurred         test images blurred (3x3 box, twice): off the manifold in a milder way
  --run D [D ..]  samples of trained runs' EMA generators (balanced labels), as the eval job draws them

  python benchmarks/metric_sanity.py --classifier runs/reproduce/classifiers/mnist [--n 2000] [--run D ...]
"""

import argparse
import os
import time

import numpy as np

from tfgan_mh import data
from tfgan_mh.evaluation import config
from tfgan_mh.evaluation import evaluator
from tfgan_mh.evaluation import samples

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = ("fid", "kid_mean", "precision", "recall", "density", "coverage")


def _blur(x):
  """3x3 box blur twice, on uint8 [N, H, W, 1] (edges replicated)."""
  out = x.astype(np.float32)
  for _ in range(2):
    p = np.pad(out, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    out = sum(p[:, i:i + x.shape[1], j:j + x.shape[2]] for i in range(3) for j in range(3)) / 9.0
  return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _sets(test_x, test_y, n, rng):
  pick = lambda mask: rng.permutation(np.flatnonzero(mask))[:n]  # noqa: E731
  everything = pick(np.ones_like(test_y, bool))
  noisy = np.clip(test_x[everything] / 127.5 - 1.0 + rng.normal(0, 0.4, test_x[everything].shape), -1, 1)
  return {
      "test": (test_x[everything], test_y[everything]),
      "one_class": (test_x[pick(test_y == 1)], test_y[pick(test_y == 1)]),
      "three_classes": (test_x[pick(test_y <= 2)], test_y[pick(test_y <= 2)]),
      "noisy": (noisy.astype(np.float32), test_y[everything]),
      "blurred": (_blur(test_x[everything]), test_y[everything]),
  }


def _run_samples(model_dir, n):
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  run = restore.load_run(model_dir, "latest", with_discriminator=False)
  xs, ys = [], []
  for z, y, b in evaluator.sample_inputs(n, 100, run.generator.z_dim, run.num_classes, seed=0):
    xs.append(run.sample(z, y, use_ema=True).numpy()[:b])
    ys.append(y[:b])
  return np.concatenate(xs), np.concatenate(ys)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--classifier", default=os.path.join(REPO, "runs", "reproduce", "classifiers", "mnist"))
  parser.add_argument("--mnist", default=None, help="a folder of MNIST idx files (default: TFDS mnist)")
  parser.add_argument("--n", type=int, default=2000, help="samples per set and real reference size")
  parser.add_argument("--run", nargs="*", default=(), help="trained MNIST run directories to score as well")
  args = parser.parse_args()

  source = data.build_source("mnist", path=args.mnist, resolution=32)
  test_x, test_y = source.arrays("test")
  sets = _sets(test_x, test_y, args.n, np.random.default_rng(0))
  for model_dir in args.run:
    sets["run:" + "/".join(model_dir.rstrip("/").split("/")[-2:])] = _run_samples(model_dir, args.n)
  spec = f"classifier:{args.classifier}"
  cfg = config.EvalConfig(metrics="fid,kid,precision_recall,density_coverage", inception=spec, num_samples=args.n,
                          num_real=args.n, best_metric=None, kid_subset_size=min(1000, args.n))
  print(f"reference: {args.n} MNIST training images at 32 px; features: {spec} (128-d); n = samples per set")
  print(f"| set | n | {' | '.join(KEYS)} | seconds |")
  print("|---" * (len(KEYS) + 3) + "|")
  for name, (x, y) in sets.items():
    start = time.perf_counter()
    sample_set = samples.from_arrays(x, y, name)
    cfg_n = config.EvalConfig(**{**cfg.__dict__, "num_samples": sample_set.num})
    r = evaluator.Evaluator(cfg_n, source=source).evaluate_samples(sample_set, "mnist train")
    values = " | ".join(f"{r[k]:.4f}" if isinstance(r.get(k), float) else "-" for k in KEYS)
    print(f"| {name} | {sample_set.num} | {values} | {time.perf_counter() - start:.1f} |", flush=True)


if __name__ == "__main__":
  main()
