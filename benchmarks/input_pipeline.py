r"""Input-pipeline throughput: images/s of the training stream at batch 64, after warm-up.

A benchmark, not a test. Pipelines:
  mnist        `build_source("mnist")`: TFDS, or the idx folder of --mnist_dir (60 000 x 28 x 28 x 1); skipped
               when neither can be read
  cifar_npz    `build_source("npz")` on a generated 50 000 x 32 x 32 x 3 uint8 npz (CIFAR-shaped)
  *_flip       the same with random_flip=True

  python benchmarks/input_pipeline.py [--batches 500] [--warmup 50] [--batch 64] [--mnist_dir DIR]

Each figure is examples delivered by `iter(src.input_fn(global_batch_size=batch, training=True))` per
second of wall time (shuffle, gather, scale to [-1, 1], optional flip, prefetch), median of 3 timed runs.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tfgan_mh import data  # noqa: E402  pylint: disable=g-import-not-at-top



def images_per_second(src, batch, batches, warmup):
  it = iter(src.input_fn(global_batch_size=batch, training=True, seed=0))
  for _ in range(warmup):
    next(it)
  rates = []
  for _ in range(3):
    start = time.perf_counter()
    for _ in range(batches):
      x, _ = next(it)
    x.numpy()
    rates.append(batches * batch / (time.perf_counter() - start))
  return float(np.median(rates))


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--batches", type=int, default=500)
  parser.add_argument("--warmup", type=int, default=50)
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--mnist_dir", default=None, help="a folder of MNIST idx files (default: TFDS mnist)")
  args = parser.parse_args()

  sources = {}
  try:
    data.build_source("mnist", path=args.mnist_dir)
    sources["mnist"] = lambda flip: data.build_source("mnist", path=args.mnist_dir, random_flip=flip)
  except ValueError as e:
    print(f"mnist: skipped ({str(e).splitlines()[0][:200]})")
  tmp = tempfile.mkdtemp()
  cifar = os.path.join(tmp, "cifar_like.npz")
  rng = np.random.default_rng(0)
  np.savez(cifar, x=rng.integers(0, 256, (50_000, 32, 32, 3), dtype=np.uint8),
           y=rng.integers(0, 10, 50_000))
  sources["cifar_npz"] = lambda flip: data.build_source("npz", path=cifar, random_flip=flip)

  print(f"batch {args.batch}, {args.batches} timed batches x 3 after {args.warmup} warm-up, "
        f"TF {tf.__version__}, {os.cpu_count()} CPUs")
  for name, make in sources.items():
    for flip in (False, True):
      src = make(flip)
      rate = images_per_second(src, args.batch, args.batches, args.warmup)
      print(f"{name + ('_flip' if flip else ''):16s} image_shape={src.image_shape}  {rate:12,.0f} images/s")
  os.remove(cifar)
  os.rmdir(tmp)


if __name__ == "__main__":
  main()
