r"""Seconds the eval job spends on IS + FID of 10k samples: generator, feature extractor, metric math.

A benchmark, not a test. It runs the job's own `Evaluator` (tfgan_mh/evaluation/evaluator.py) with metrics "is,fid"
and reads the per-stage timing it records in metrics.jsonl ("timing"), so the figures are the job's:

  python benchmarks/eval_is_fid.py [--n 10000] [--batch 100] [--arch sagan --resolution 32 --ch 64]
                                   [--model_dir RUN] [--inception SPEC] [--extractor_sample 256]

Generator: an untrained SAGAN / DCGAN of the given size (speed does not depend on weights), or the latest
checkpoint of --model_dir (its EMA G when there is one). Feature extractor: --inception=SPEC (e.g.
inception:/models/tfgan_inception), else a stand-in of TF-GAN's Inception at its real size (Keras InceptionV3
with random weights, 1008 logits + 2048-d pool, the TF-Hub module's interface) loaded through the job's
InceptionExtractor, so the 299 px legacy-bilinear resize is included. Real data for the FID reference: random
uint8 images of the generator's shape (the reference is computed once per job, reported apart).

--extractor_sample=M: on a slow CPU the Inception pass over 2 x 10k images takes more than an hour, so the job
is run end to end with an extractor of the same output shapes that costs ~nothing (a fixed random projection:
the metric math is then exactly the job's), and the Inception extractor is timed on M images and
extrapolated linearly (said so in the output).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf

from tfgan_mh import models
from tfgan_mh.data import arrays
from tfgan_mh.evaluation import extractors
from tfgan_mh.evaluation import job
from tfgan_mh.run import restore


class _Projection:
  """Same output shapes as Inception (1008 logits, 2048 features) for a fraction of the cost."""

  def __init__(self, image_shape, num_logits, feature_dim):
    rng = np.random.default_rng(0)
    pixels = int(np.prod(image_shape))
    self.name = f"projection {num_logits} logits / {feature_dim}-d"
    self.num_logits, self.feature_dim = num_logits, feature_dim
    self.w1 = tf.constant((rng.standard_normal((pixels, feature_dim)) / np.sqrt(pixels)).astype(np.float32))
    w2 = rng.standard_normal((feature_dim, num_logits)) / np.sqrt(feature_dim)
    self.w2 = tf.constant(w2.astype(np.float32))

  def __call__(self, images):
    x = tf.reshape(tf.convert_to_tensor(images, tf.float32), [tf.shape(images)[0], -1])
    features = tf.nn.relu(x @ self.w1)  # [B, 2048] non-negative, like pool_3
    return features @ self.w2, features


def _inception_stand_in(path):
  sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
  import extractors as bench_extractors  # benchmarks/extractors.py  pylint: disable=g-import-not-at-top
  bench_extractors._save_inception_stand_in(path)  # pylint: disable=protected-access
  return extractors.InceptionExtractor(path)


def _run(args):
  if args.model_dir:
    run = restore.load_run(args.model_dir, "latest", with_discriminator=False)
    shape, k = tuple(run.info["image_shape"]), run.num_classes
    label = f"{args.model_dir} step {run.step}"
  else:
    shape, k = (args.resolution, args.resolution, args.channels), 10
    g = models.build_generator(args.arch, image_shape=shape, num_classes=k, conditional=True, ch=args.ch)
    g(tf.zeros([2, g.z_dim]), tf.zeros([2], tf.int32), training=False)
    params = sum(int(np.prod(v.shape)) for v in g.trainable_variables)
    run = restore.Run(model_dir="", checkpoint="untrained", step=0, info=dict(
        image_shape=list(shape), num_classes=k, conditional=True), generator=g, discriminator=None,
        ema_generator=None)
    label = f"untrained {args.arch} ch={args.ch}, {params / 1e6:.1f} M parameters"
  return run, shape, k, label


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--n", type=int, default=10000, help="generated (and real) samples")
  parser.add_argument("--batch", type=int, default=100, help="samples per generator / extractor batch")
  parser.add_argument("--arch", default="sagan", choices=["sagan", "dcgan"])
  parser.add_argument("--resolution", type=int, default=32)
  parser.add_argument("--channels", type=int, default=3)
  parser.add_argument("--ch", type=int, default=64, help="generator channel multiplier")
  parser.add_argument("--model_dir", default=None, help="time this run's latest generator instead")
  parser.add_argument("--inception", default=None, help="extractor spec; default: InceptionV3 stand-in")
  parser.add_argument("--extractor_sample", type=int, default=0,
                      help="time the extractor on this many images and extrapolate (0: run it on all)")
  args = parser.parse_args()

  run, shape, k, label = _run(args)
  tmp = tempfile.mkdtemp(prefix="tfgan_mh_eval_bench_")
  try:
    if args.inception:
      inception, inc_label = extractors.load_extractor(args.inception), args.inception
    else:
      inception = _inception_stand_in(os.path.join(tmp, "inception"))
      inc_label = ("STAND-IN: Keras InceptionV3, random weights, TF-Hub interface (the real module is "
                   "unavailable)")
    rng = np.random.default_rng(1)
    real = (rng.integers(0, 256, (args.n,) + shape, dtype=np.uint8), (np.arange(args.n) % k).astype(np.int32))
    source = arrays.ArraySource(name="random", num_classes=k, loaders={"train": lambda: real}, train=real)
    print(f"TF {tf.__version__}, {os.cpu_count()} CPUs visible, load {os.getloadavg()[0]:.1f}; n={args.n} "
          f"batch={args.batch}; generator: {label}, images {shape}")
    print(f"feature extractor: {inc_label}")
    sample = args.extractor_sample
    in_job = inception if not sample else _Projection(shape, inception.num_logits, inception.feature_dim)
    cfg = job.EvalConfig(metrics="is,fid", inception=in_job, num_samples=args.n, num_real=args.n,
                         batch_size=args.batch, best_metric=None)
    # One checkpoint; every checkpoint of a job pays the generator's trace (new networks), the first one
    # also the real reference pass (reported apart) and the extractor's trace (once per job, small).
    record = job.Evaluator(cfg, source=source).evaluate(run)
    t = record["timing"]
    extractor_s = t.get("inception", 0.0)
    reference_s = t.get("real_reference", 0.0)
    note = ""
    if sample:
      images = np.random.default_rng(2).uniform(-1, 1, (sample,) + shape).astype(np.float32)
      inception(images[:8])  # trace
      start = time.perf_counter()
      for i in range(0, sample, args.batch):
        inception(images[i:i + args.batch])[0].numpy()
      rate = sample / (time.perf_counter() - start)
      projection_s = extractor_s
      extractor_s = args.n / rate
      reference_s = reference_s - projection_s + args.n / rate  # the reference pass is one extractor pass
      note = f"  (EXTRAPOLATED from {sample} images at {rate:.1f} images/s)"
    other = (t["total"] - t.get("generator", 0.0) - t.get("inception", 0.0) - t.get("metric_math", 0.0)
             - t.get("real_reference", 0.0) - t.get("data_source", 0.0))
    total = t.get("generator", 0.0) + extractor_s + t.get("metric_math", 0.0) + other
    print(f"{'generator (' + str(args.n) + ' samples, incl. trace)':<40s} {t.get('generator', 0.0):9.1f} s")
    print(f"{'feature extractor (' + str(args.n) + ' samples)':<40s} {extractor_s:9.1f} s{note}")
    print(f"{'metric math (IS 10 splits + FID)':<40s} {t.get('metric_math', 0.0):9.1f} s")
    print(f"{'other (input feeding, host copies)':<40s} {other:9.1f} s")
    print(f"{'per checkpoint, IS + FID':<40s} {total:9.1f} s")
    print(f"{'once per job: real reference (' + str(args.n) + ')':<40s} {reference_s:9.1f} s")
    print(f"IS {record['is_mean']:.3f} ± {record['is_std']:.3f}, FID {record['fid']:.2f} (untrained / random "
          "data: only the timing means anything)")
  finally:
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
  main()
