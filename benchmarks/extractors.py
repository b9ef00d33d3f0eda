r"""Images per second of the eval job's feature extractors on this machine (a benchmark, not a test).

  python benchmarks/extractors.py [--n 2000] [--batch 500] [--no-inception] [--train_steps 20] [--backbones]

Times `extractor(images)` (logits + features, including the resize inside the graph) after one warm-up
call, for:
  * the MNIST classifier (mnist_cnn, 28 x 28 x 1) on 28 px and on 32 px inputs (area resize to 28);
  * the CIFAR-size classifier (vgg, 32 x 32 x 3);
  * a stand-in of TF-GAN's Inception at its real size: Keras InceptionV3 (random weights, 2048-d average
    pool + 1008 logits) exported with the TF-Hub module's interface, fed 32 x 32 RGB images that the
    extractor resizes to 299 px (legacy bilinear). The real module's cost is the same network's.
With --backbones, also the KerasHub feature spaces at their full size (random weights, saved as local presets and
loaded through the real specs; needs the `features` extra): DINOv2 ViT-L/14 at 224 px (FD_DINOv2), CLIP ViT-B/32
at 224 px (CLIP-FID) and CLIP ViT-L/14 at 336 px (CMMD), fed 32 x 32 RGB images.
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

import experiment_speed  # pylint: disable=g-import-not-at-top  (benchmarks/, beside this script)
from tfgan_mh.evaluation import classifier
from tfgan_mh.evaluation import extractors

# The published architectures (KerasHub presets dinov2_large, clip_vit_base_patch32, clip_vit_large_patch14_336):
# vision tower (patch, hidden, layers, heads, MLP width, side) and, for CLIP, the projection width.
FULL_SIZE = {
    "dinov2": dict(patch_size=14, hidden_dim=1024, num_layers=24, num_heads=16, intermediate_dim=4096, side=224),
    "clip:vit_b_32": dict(patch_size=32, hidden_dim=768, num_layers=12, num_heads=12, intermediate_dim=3072,
                          side=224, projection=512),
    "clip:vit_l_14_336": dict(patch_size=14, hidden_dim=1024, num_layers=24, num_heads=16, intermediate_dim=4096,
                              side=336, projection=768),
}


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


def _save_backbone(name, folder):
  """A full-size vision tower of `name` (FULL_SIZE) with random weights, as a KerasHub preset folder; its spec."""
  import keras_hub  # pylint: disable=g-import-not-at-top
  a = dict(FULL_SIZE[name])
  side, projection = a.pop("side"), a.pop("projection", None)
  if projection is None:
    keras_hub.models.DINOV2Backbone(image_shape=(side, side, 3), position_embedding_shape=(518, 518, 3),
                                    **a).save_to_preset(folder)
    return f"dinov2:{folder}"
  vision = keras_hub.models.CLIPVisionEncoder(image_shape=(side, side, 3), **a)
  text = keras_hub.models.CLIPTextEncoder(vocabulary_size=64, embedding_dim=32, hidden_dim=32, num_layers=1,
                                          num_heads=2, intermediate_dim=64, max_sequence_length=8)  # not timed
  keras_hub.models.CLIPBackbone(vision_encoder=vision, text_encoder=text,
                                projection_dim=projection).save_to_preset(folder)
  return f"clip:{folder}"


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
  parser.add_argument("--backbones", action="store_true", help="also time DINOv2 / CLIP at full size")
  parser.add_argument("--backbone_n", type=int, default=32, help="images per timed call (backbones)")
  args = parser.parse_args()
  rng = np.random.default_rng(0)
  root = tempfile.mkdtemp(prefix="tfgan_mh_bench_")
  print(f"TF {tf.__version__}, {experiment_speed.cpu_summary()}; images/s of extractor(images), "
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
    if args.backbones:
      for name in FULL_SIZE:
        ext = extractors.load_extractor(_save_backbone(name, os.path.join(root, name.replace(":", "_"))))
        images = rng.uniform(-1, 1, (args.backbone_n, 32, 32, 3)).astype(np.float32)
        print(f"{name:<18s} {ext.feature_dim}-d, 32 px -> {ext.image_shape[0]} px inputs: "
              f"{_rate(ext, images, 1):8.1f} images/s (chunks of {ext.batch_size})")
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
