r"""Seconds for the metric math of IS + FID on 10k samples (2048-d features, 1008 logits).

A benchmark, not a test: random data stand in for Inception pool_3 features and logits, so only the
host-side math of `tfgan_mh.metrics` is timed (the generator and the feature extractor are timed by
the eval job's own benchmark).

  python benchmarks/metrics_math.py [--n 10000] [--dim 2048] [--classes 1008] [--batch 500] [--sqrtm]

Timed stages: streaming FeatureStats for the real and the generated set (batches of --batch),
Fréchet distance by the eigh route (and scipy sqrtm with --sqrtm), streaming Inception Score with
10 splits. Prints one line per stage and the IS + FID total.
"""

import argparse
import os
import time

import numpy as np

from tfgan_mh.metrics import feature_stats
from tfgan_mh.metrics import fid
from tfgan_mh.metrics import inception_score


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


if __name__ == "__main__":
  main()
