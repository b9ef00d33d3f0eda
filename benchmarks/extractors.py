r"""Images per second of the eval job's feature extractors on this machine (a benchmark, not a test).

  python benchmarks/extractors.py [--n 2000] [--batch 500] [--no-inception] [--train_steps 20]

Times `extractor(images)` (logits + features, including the resize inside the graph) after one warm-up
call, for:
  * the MNIST classifier (mnist_cnn, 28 x 28 x 1) on 28 px and on 32 px inputs (area resize to 28);
  * the CIFAR-size classifier (vgg, 32 x 32 x 3);
  * a stand-in of TF-GAN's Inception at its real size: Keras InceptionV3 (random weights, 2048-d average
    pool + 1008 logits) exported with the TF-Hub module's interface, fed 32 x 32 RGB images that the
    extractor resizes to 299 px (legacy bilinear). The real module's cost is the same network's.
With --train_steps, also the training speed (images/s) of both classifiers, from which the time of a
`python -m tfgan_mh.cli.train_classifier` run follows (epochs x train images / speed).
Untrained weights: speed does not depend on them.
"""

import argparse
import os
import shutil
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from tfgan_mh.evaluation import classifier
from tfgan_mh.evaluation import extractors


def _rate(fn, images, repeats=2):
  fn(images[:8])  # warm-up: traces
  start = time.perf_counter()
  for _ in range(repeats):
    logits, _ = fn(images)
    logits.numpy()
  return repeats * len(images) / (time.perf_counter() - start)


def _save_inception_stand_in(path):
  base = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg",
                                        input_shape=(299, 299, 3))
  head = keras.layers.Dense(extractors.INCEPTION_NUM_LOGITS)
  module = tf.Module()
  module.base, module.head = base, head
  head.build((None, extractors.INCEPTION_FEATURE_DIM))

  @tf.function(input_signature=[tf.TensorSpec([None, 299, 299, 3], tf.float32)])
  def call(images):
    pool = module.base(images, training=False)  # [B, 2048]
    return {"logits": module.head(pool), "pool_3": pool}

  module.__call__ = call
  tf.saved_model.save(module, path)


def _train_rate(shape, steps, batch):
  model = classifier.build_classifier(shape, 10)
  train = keras.Model(model.inputs, model.outputs[0])
  train.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  x = np.random.default_rng(0).uniform(-1, 1, (batch * steps,) + shape).astype(np.float32)
  y = np.random.default_rng(1).integers(0, 10, batch * steps)
  train.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)  # warm-up
  start = time.perf_counter()
  train.fit(x, y, batch_size=batch, epochs=1, verbose=0)
  return batch * steps / (time.perf_counter() - start)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--n", type=int, default=2000, help="images per timed call (classifiers)")
  parser.add_argument("--batch", type=int, default=500, help="classifier extractor chunk size")
  parser.add_argument("--inception_n", type=int, default=128, help="images per timed call (Inception)")
  parser.add_argument("--no-inception", dest="inception", action="store_false")
  parser.add_argument("--train_steps", type=int, default=0, help="also time this many training steps")
  args = parser.parse_args()
  rng = np.random.default_rng(0)
  root = tempfile.mkdtemp(prefix="tfgan_mh_bench_")
  print(f"TF {tf.__version__}, {os.cpu_count()} CPUs visible; images/s of extractor(images), "
        f"logits + features")
  try:
    for shape, sizes in (((28, 28, 1), (28, 32)), ((32, 32, 3), (32,))):
      path = os.path.join(root, "x".join(map(str, shape)))
      classifier.export(classifier.build_classifier(shape, 10), path)
      ext = extractors.ClassifierExtractor(path, batch_size=args.batch)
      arch = classifier.resolve_arch("auto", shape)
      for size in sizes:
        images = rng.uniform(-1, 1, (args.n, size, size, shape[-1])).astype(np.float32)
        print(f"classifier {arch:<9s} {shape} on {size} px inputs: {_rate(ext, images):10.0f} images/s")
    if args.inception:
      path = os.path.join(root, "inception")
      _save_inception_stand_in(path)
      ext = extractors.InceptionExtractor(path)
      images = rng.uniform(-1, 1, (args.inception_n, 32, 32, 3)).astype(np.float32)
      print(f"Inception-v3 stand-in, 32 px -> 299 px inputs:   {_rate(ext, images, 1):10.1f} images/s "
            f"(chunks of {ext.batch_size})")
    if args.train_steps:
      for shape in ((28, 28, 1), (32, 32, 3)):
        rate = _train_rate(shape, args.train_steps, 128)
        arch = classifier.resolve_arch("auto", shape)
        print(f"training {arch:<9s} {shape}, batch 128: {rate:8.0f} images/s "
              f"({50000 / rate / 60:.1f} min per 50k-image epoch)")
  finally:
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
  main()
