r"""Seconds for the metric math of IS + FID (+ KID, precision-recall, density-coverage) on 10k samples.

A benchmark, not a test: random data stand in for Inception pool_3 features and logits, so only the
host-side math of `tfgan_mh.metrics` is timed (the generator and the feature extractor are timed by
the eval job's own benchmark).

  python benchmarks/metrics_math.py [--n 10000] [--dim 2048] [--classes 1008] [--batch 500] [--sqrtm]
                                   [--kid_subsets 100] [--kid_subset_size 1000] [--no_knn]

Timed stages: streaming FeatureStats for the real and the generated set (batches of --batch),
Fréchet distance by the eigh route (and scipy sqrtm with --sqrtm), streaming Inception Score with
10 splits; KID (100 subsets of 1000), improved precision / recall (k 3), density / coverage (k 5) on the
kept features, separately and in the eval job's shared pass (`manifold.prdc`); `--no_knn` leaves those out.
Prints one line per stage and the totals.
"""

import argparse
import os
import time

import numpy as np

from tfgan_mh.metrics import feature_stats
from tfgan_mh.metrics import fid
from tfgan_mh.metrics import inception_score
from tfgan_mh.metrics import kid
from tfgan_mh.metrics import manifold


def _timed(label, fn):
  start = time.perf_counter()
  out = fn()
  seconds = time.perf_counter() - start
  print(f"{label:<44s} {seconds:8.2f} s")
  return out, seconds


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--n", type=int, default=10000)
  parser.add_argument("--dim", type=int, default=2048)
  parser.add_argument("--classes", type=int, default=1008)
  parser.add_argument("--batch", type=int, default=500)
  parser.add_argument("--sqrtm", action="store_true", help="also time the scipy sqrtm route")
  parser.add_argument("--kid_subsets", type=int, default=100)
  parser.add_argument("--kid_subset_size", type=int, default=1000)
  parser.add_argument("--no_knn", action="store_true", help="skip KID, precision-recall, density-coverage")
  args = parser.parse_args()

  rng = np.random.default_rng(0)
  # Non-negative, correlated features like pool_3 activations; float32 as the extractor returns.
  mix = rng.normal(size=(args.dim, args.dim)).astype(np.float32) / np.sqrt(args.dim)
  real = np.maximum(rng.standard_normal((args.n, args.dim), np.float32) @ mix, 0.0)
  fake = np.maximum(1.1 * rng.standard_normal((args.n, args.dim), np.float32) @ mix + 0.05, 0.0)
  logits = 3.0 * rng.standard_normal((args.n, args.classes), np.float32)
  print(f"n={args.n} dim={args.dim} classes={args.classes} batch={args.batch} "
        f"cpus={os.cpu_count()} numpy={np.__version__}")

  def stream(x):
    stats = feature_stats.FeatureStats(args.dim)
    for i in range(0, args.n, args.batch):
      stats.update(x[i:i + args.batch])
    return stats

  (real_stats, t_real) = _timed("FeatureStats real (streamed)", lambda: stream(real))
  (fake_stats, t_fake) = _timed("FeatureStats generated (streamed)", lambda: stream(fake))
  (moments, t_mom) = _timed("mean + cov of both",
                            lambda: (real_stats.mean, real_stats.cov, fake_stats.mean,
                                     fake_stats.cov))
  (res, t_fid) = _timed("Frechet distance, eigh route", lambda: fid.frechet_distance(*moments))
  print(f"  FID = {res.fid:.4f}")
  if args.sqrtm:
    (res_s, _) = _timed("Frechet distance, scipy sqrtm route",
                        lambda: fid.frechet_distance(*moments, method="sqrtm"))
    print(f"  FID = {res_s.fid:.4f} (|imag| dropped {res_s.max_imag:.2e}; "
          f"diff vs eigh {abs(res_s.fid - res.fid):.2e})")

  def stream_is():
    acc = inception_score.InceptionScoreAccumulator(args.classes, 10, num_samples=args.n)
    for i in range(0, args.n, args.batch):
      acc.update(logits=logits[i:i + args.batch])
    return acc.result()

  (score, t_is) = _timed("Inception Score, 10 splits (streamed)", stream_is)
  print(f"  IS = {score.mean:.4f} +- {score.std:.4f}")
  print(f"{'TOTAL IS + FID math (generated + real stats)':<44s} "
        f"{t_real + t_fake + t_mom + t_fid + t_is:8.2f} s")
  print(f"{'  per checkpoint with cached real stats':<44s} {t_fake + t_mom + t_fid + t_is:8.2f} s")
  if args.no_knn:
    return
  ((kid_mean, kid_std), t_kid) = _timed(f"KID, {args.kid_subsets} subsets of {args.kid_subset_size}",
                                        lambda: kid.kernel_inception_distance(
                                            real, fake, num_subsets=args.kid_subsets,
                                            subset_size=args.kid_subset_size))
  print(f"  KID = {kid_mean:.5f} +- {kid_std:.5f}")
  ((prec, rec), t_pr) = _timed("precision / recall, k 3", lambda: manifold.precision_recall(real, fake, k=3))
  print(f"  precision = {prec:.4f}, recall = {rec:.4f}")
  ((dens, cov), t_dc) = _timed("density / coverage, k 5", lambda: manifold.density_coverage(real, fake, k=5))
  print(f"  density = {dens:.4f}, coverage = {cov:.4f}")
  (both, t_prdc) = _timed("prdc: all four in one set of passes", lambda: manifold.prdc(real, fake))
  assert both == dict(precision=prec, recall=rec, density=dens, coverage=cov), both
  print(f"{'TOTAL KID + the four k-NN metrics (eval job)':<44s} {t_kid + t_prdc:8.2f} s "
        f"(separately: {t_kid + t_pr + t_dc:.2f} s)")


if __name__ == "__main__":
  main()
