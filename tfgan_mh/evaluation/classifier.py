r"""Dataset classifiers for the eval job: trained on real data, exported as a SavedModel (logits + features).

The papers score samples with a classifier trained on the dataset itself: the AM Score of the AM-GAN paper (§6.4,
Eq. (23), "an accordingly pretrained classifier", a DenseNet there), GAN-test and the average confidence
of the AAM paper (§4.4, a ResNet-18 on CIFAR-100 at 77 % test accuracy), and the MNIST "inception
score" of the MAGAN paper
(§5, "we replaced the pre-trained inception model with the aforementioned convolutional MNIST
classifier"). `train_and_export` trains one on a `tfgan_mh.data` source, exports it and reports its test
accuracy, measured through the exported SavedModel (`extractors.ClassifierExtractor`), so the figure
in `test_accuracy.json` is that of the model the eval job loads.

Architectures (`build_classifier`):
  * "mnist_cnn": conv32-conv32-pool-conv64-conv64-pool-dense128 (features) -> K, the usual small MNIST
    convnet (0.59 M parameters at 32 px). Measured here: 99.09 % test accuracy after 3 epochs on the
    full MNIST train set at 32 px, 238 s of training on this 2-core CPU (command below).
  * "vgg": [conv-BN-ReLU] x 2 + max-pool stages of 64, 128, 256, 512, 512 ... channels until the map
    is 4 x 4 or smaller (32 px: 4 stages, 4.7 M parameters), global average pool (features), dropout,
    dense K; trained with random flips and translations, for CIFAR-size and larger RGB data. Not
    measured on CIFAR here (no data); it trains at ~77 images/s on this CPU (benchmarks/extractors.py),
    i.e. ~11 min per CIFAR epoch: train it on a GPU / Colab.
  * "auto": mnist_cnn for 1-channel images up to 32 px, else vgg.

Export: a SavedModel whose 'serving_default' signature takes `images` float32 [B, H, W, C] in [-1, 1]
(the dataset's shape) and returns {'logits': [B, K], 'features': [B, d]} (inference mode: batch-norm
moving statistics, no dropout).

  python -m tfgan_mh.cli.train_classifier --dataset=mnist --resolution=32 --out=/tmp/mnist32_classifier \
      [--path=/path/to/mnist]     # 3 epochs: 99.09 %, 4 min 10 s wall on a 2-core CPU
(without --path, TFDS mnist, downloaded once; with it, a local folder of the four MNIST idx files.)
"""

import json
import os
import shutil
import time
from typing import Any, Dict, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan_mh import data
from tfgan_mh.data import builder as data_builder
from tfgan_mh.evaluation import config
from tfgan_mh.evaluation import extractors
from tfgan_mh.metrics.accuracy import classifier_accuracy
from tfgan_mh.run import outputs

ARCHS = ("auto", "mnist_cnn", "vgg")
# Epochs when none are given: the MNIST convnet is at ~99 % after 3; the VGG needs tens on CIFAR.
DEFAULT_EPOCHS = {"mnist_cnn": 3, "vgg": 30}
EVAL_BATCH = 500


def _holds_idx_files(folder: str) -> bool:
  """Whether `folder` is an MNIST-format idx folder (a TFDS data_dir is not)."""
  from tfgan_mh.data import local  # pylint: disable=g-import-not-at-top
  try:
    local.check_idx_folder(folder)
  except ValueError:
    return False
  return True


def resolve_arch(arch: str, image_shape: Sequence[int]) -> str:
  """"auto" -> "mnist_cnn" for 1-channel images up to 32 px, else "vgg"; other names are checked."""
  if arch not in ARCHS:
    raise ValueError(f"arch={arch!r}: expected one of {', '.join(ARCHS)}")
  if arch != "auto":
    return arch
  return "mnist_cnn" if image_shape[-1] == 1 and max(image_shape[:2]) <= 32 else "vgg"


def build_classifier(image_shape: Sequence[int], num_classes: int, *, arch: str = "auto",
                     width: Optional[int] = None) -> keras.Model:
  """A classifier model images [B, H, W, C] -> [logits [B, K], features [B, d]].

  Args:
    image_shape: (H, W, C) with C in (1, 3).
    num_classes: K >= 2.
    arch: one of `ARCHS`.
    width: channels of the first stage (default 32 for mnist_cnn, 64 for vgg).

  Returns:
    A functional keras.Model with two outputs, logits and the penultimate features.
  """
  image_shape = tuple(int(d) for d in image_shape)
  if len(image_shape) != 3 or image_shape[-1] not in (1, 3):
    raise ValueError(f"image_shape={image_shape}: expected images (H, W, C) with C = 1 or 3 (a classifier "
                     "extractor is for image datasets, not the 2-D ring)")
  if isinstance(num_classes, bool) or int(num_classes) < 2:
    raise ValueError(f"num_classes={num_classes!r}: expected at least 2 classes")
  arch = resolve_arch(arch, image_shape)
  inputs = keras.Input(image_shape, name="images")
  if arch == "mnist_cnn":
    w = width or 32
    h = inputs
    for channels in (w, w, "pool", 2 * w, 2 * w, "pool"):
      h = (keras.layers.MaxPooling2D()(h) if channels == "pool"
           else keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(h))
    h = keras.layers.Flatten()(h)
    features = keras.layers.Dense(128, activation="relu", name="features")(h)  # [B, 128]
    h = keras.layers.Dropout(0.5)(features)
  else:
    w = width or 64
    h = inputs
    side = min(image_shape[:2])
    stage = 0
    while True:
      for _ in range(2):
        h = keras.layers.Conv2D(w * min(2 ** stage, 8), 3, padding="same", use_bias=False)(h)  # VGG: <= 8w
        h = keras.layers.BatchNormalization()(h)
        h = keras.layers.ReLU()(h)
      if side <= 4 or stage >= 5:
        break
      h = keras.layers.MaxPooling2D()(h)
      side //= 2
      stage += 1
    features = keras.layers.GlobalAveragePooling2D(name="features")(h)  # [B, d]
    h = keras.layers.Dropout(0.3)(features)
  logits = keras.layers.Dense(int(num_classes), name="logits")(h)  # [B, K]
  return keras.Model(inputs, [logits, features], name=f"{arch}_classifier")


def export(model: keras.Model, path: str) -> None:
  """Writes `model` (images -> [logits, features]) as a SavedModel with the 'serving_default' signature.

  The signature takes `images` float32 [B, H, W, C] (the model's input shape) and returns
  {'logits': [B, K], 'features': [B, d]} computed with training=False.
  """
  shape = tuple(model.inputs[0].shape[1:])
  module = tf.Module()
  module.model = model

  @tf.function(input_signature=[tf.TensorSpec((None,) + shape, tf.float32, name="images")])
  def serve(images):
    logits, features = module.model(images, training=False)
    return {"logits": tf.cast(logits, tf.float32), "features": tf.cast(features, tf.float32)}

  module.serve = serve
  tf.saved_model.save(module, path, signatures={extractors.CLASSIFIER_SIGNATURE: serve})


def evaluation_split(source: data.DataSource, split: str = "auto") -> str:
  """"auto": "test" when the source has it (MNIST, CIFAR), else "validation" (ImageNet); else `split`."""
  candidates = ("test", "validation") if split == "auto" else (split,)
  errors = []
  for name in candidates:
    try:
      source.input_fn(global_batch_size=1, split=name, training=False)
      return name
    except ValueError as e:
      errors.append(str(e).splitlines()[0])
  raise ValueError(f"source {source.name!r} has no {' or '.join(repr(c) for c in candidates)} split to "
                   f"measure test accuracy on ({errors[-1]})")


def evaluate(extractor: extractors.FeatureExtractor, source: data.DataSource, split: str,
             max_examples: Optional[int] = None):
  """Top-1 accuracy of `extractor`'s logits on every example of `split` (no partial batch dropped), or on its
  first `max_examples` (a quick check).

  Returns:
    (accuracy, number of examples).
  """
  # input_fn drops the last partial batch; with batches of 1 nothing is dropped, then re-batch.
  ds = source.input_fn(global_batch_size=1, split=split, training=False).unbatch()
  ds = (ds.take(max_examples) if max_examples else ds).batch(EVAL_BATCH)
  correct = []
  for images, labels in ds:
    logits, _ = extractor(images)
    correct.append(classifier_accuracy(logits=logits.numpy(), labels=labels.numpy(), reduce=False))
  if not correct:
    raise ValueError(f"split {split!r} of source {source.name!r} is empty: nothing to measure accuracy on")
  correct = np.concatenate(correct)
  return float(np.mean(correct)), int(correct.size)


def _check_out_dir(out: str, overwrite: bool) -> None:
  """Fails early (before any training) on an out dir that cannot be written or would be clobbered."""
  if not out:
    raise ValueError("out is empty: expected a directory to write the SavedModel to")
  if os.path.exists(out) and not os.path.isdir(out):
    raise ValueError(f"out={out!r} exists and is not a directory: expected a new or empty directory")
  if os.path.isdir(out) and os.listdir(out):
    if not overwrite:
      raise ValueError(f"out={out!r} is not empty: pass overwrite (--overwrite) to replace it, or choose a new "
                       "directory")
    outputs.check_replaceable(out, marker=extractors.CLASSIFIER_INFO_FILE, what="classifier export", flag="out")
  reason = outputs.unwritable_reason(out)
  if reason:
    raise ValueError(f"out={out!r} cannot be written: {reason}")


def _check_settings(*, dataset, epochs, batch_size, learning_rate, train_fraction, eval_examples, arch) -> None:
  """One-line ValueError for a bad `train_and_export` argument (before anything is read or written)."""
  if dataset not in data.SOURCE_NAMES:
    raise ValueError(f"unknown dataset {dataset!r}: valid names are {', '.join(data.SOURCE_NAMES)}")
  if dataset == "ring":
    raise ValueError("dataset 'ring' holds 2-D points, not images: a classifier extractor needs an image "
                     "dataset (mnist, cifar10, image_folder, ...)")
  if epochs is not None:
    config.check_positive_int("epochs", epochs)
  config.check_positive_int("batch_size", batch_size)
  if not learning_rate > 0:
    raise ValueError(f"learning_rate={learning_rate!r}: expected a positive float")
  if train_fraction is not None and not 0.0 < train_fraction <= 1.0:
    raise ValueError(f"train_fraction={train_fraction!r}: expected a fraction in (0, 1]")
  if eval_examples is not None:
    try:
      config.check_positive_int("eval_examples", eval_examples)
    except ValueError as e:
      raise ValueError(f"{e}, or None for the whole split") from None
  if arch not in ARCHS:
    raise ValueError(f"arch={arch!r}: expected one of {', '.join(ARCHS)}")


def _fit(source: data.DataSource, *, arch: str, epochs: int, steps_per_epoch: int, batch_size: int,
         learning_rate: float, seed: int):
  """(model, Keras history, seconds) of training a fresh `arch` classifier on the source's train split."""
  keras.utils.set_random_seed(seed)
  model = build_classifier(source.image_shape, source.num_classes, arch=arch)
  images = keras.Input(source.image_shape)
  x = images
  if arch == "vgg":  # RGB data, training only: left-right flips and shifts of up to 1/8 of the side (4 px
    # on CIFAR), the usual CIFAR augmentation (digits are neither flipped nor shifted).
    x = keras.layers.RandomFlip("horizontal", seed=seed)(x)
    x = keras.layers.RandomTranslation(0.125, 0.125, fill_mode="reflect", seed=seed + 1)(x)
  train_model = keras.Model(images, model(x)[0])
  schedule = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * steps_per_epoch)
  train_model.compile(optimizer=keras.optimizers.Adam(schedule),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], jit_compile=False)  # XLA measured slower on CPU for this small net
  ds = source.input_fn(global_batch_size=batch_size, split="train", training=True, seed=seed)
  start = time.perf_counter()
  history = train_model.fit(ds, epochs=epochs, steps_per_epoch=steps_per_epoch,
                           shuffle=False, verbose=0)  # the source shuffles
  train_seconds = time.perf_counter() - start
  return model, history, train_seconds


def train_and_export(*, dataset: str, out: str, data_dir: Optional[str] = None, path: Optional[str] = None,
                     validation_path: Optional[str] = None, resolution: Optional[int] = None,
                     arch: str = "auto", epochs: Optional[int] = None, batch_size: int = 128,
                     learning_rate: float = 1e-3, train_fraction: Optional[float] = None,
                     eval_split: str = "auto", eval_examples: Optional[int] = None, seed: int = 0,
                     overwrite: bool = False,
                     log: Any = print) -> Dict[str, Any]:
  """Trains a classifier on `dataset`, exports it to `out`, measures and records its test accuracy.

  Args:
    dataset: a `tfgan_mh.data.SOURCE_NAMES` image dataset.
    out: folder for the SavedModel and `test_accuracy.json` (local path; new, empty, or `overwrite`).
      The model is written to `out + '.partial'` first and moved into place when everything succeeded.
    data_dir: TFDS data directory (TFDS sources).
    path: mnist / fashion_mnist: a local folder of idx files, read instead of TFDS; local sources' folder /
      file. Given only `data_dir`, a local source, or mnist / fashion_mnist when `data_dir` holds the idx
      files, reads `data_dir` as the path.
    validation_path: npz / image_folder validation split.
    resolution: train (and export) at this side; match the GAN's resolution (e.g. 32 for the MNIST gin).
    arch: one of `ARCHS`.
    epochs: passes over the training data (default `DEFAULT_EPOCHS[arch]`).
    batch_size: training batch.
    learning_rate: peak Adam learning rate (cosine decay to 0 over the run).
    train_fraction: train on this fraction of every class (a quick run), None = all.
    eval_split: "auto" ("test", else "validation"), or a split name.
    eval_examples: measure the accuracy on the first this many examples of that split (a quick run), None = all.
    seed: global seed (weights, shuffling, augmentation).
    overwrite: replace a non-empty `out`.
    log: callable for progress lines.

  Returns:
    The dict written to `out/test_accuracy.json` (accuracy, num_examples, split, shapes, timings ...).

  Raises:
    ValueError: bad dataset, arguments or out dir (one line; nothing written in that case).
  """
  _check_settings(dataset=dataset, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                  train_fraction=train_fraction, eval_examples=eval_examples, arch=arch)
  _check_out_dir(out, overwrite)
  out = os.path.normpath(out)

  if path is None and data_dir and (dataset in data_builder.LOCAL_NAMES or
                                    (dataset in data_builder.IDX_NAMES and _holds_idx_files(data_dir))):
    path, data_dir = data_dir, None  # the folder to read, not TFDS data (never downloaded into)
  if path is not None and "://" not in path:
    path = os.path.abspath(path)  # recorded in test_accuracy.json
  source = data.build_source(name=dataset, data_dir=data_dir, path=path, validation_path=validation_path,
                             resolution=resolution, labeled_fraction=train_fraction)
  if len(source.image_shape) != 3:
    raise ValueError(f"dataset {dataset!r} yields examples of shape {source.image_shape}: expected images")
  split = evaluation_split(source, eval_split)
  arch = resolve_arch(arch, source.image_shape)
  epochs = epochs or DEFAULT_EPOCHS[arch]
  num_examples = int(source.num_examples)
  steps_per_epoch = max(1, num_examples // batch_size)
  log(f"training a {arch} classifier on {num_examples} {dataset} images {source.image_shape}, "
      f"{source.num_classes} classes: {epochs} epochs of {steps_per_epoch} steps (batch {batch_size})")

  model, history, train_seconds = _fit(source, arch=arch, epochs=epochs, steps_per_epoch=steps_per_epoch,
                                       batch_size=batch_size, learning_rate=learning_rate, seed=seed)

  staging = out + ".partial"
  shutil.rmtree(staging, ignore_errors=True)
  export(model, staging)
  extractor = extractors.ClassifierExtractor(staging, spec=f"classifier:{out}")
  start = time.perf_counter()
  accuracy, count = evaluate(extractor, source, split, eval_examples)
  eval_seconds = time.perf_counter() - start
  info = {
      "accuracy": accuracy, "num_examples": count, "split": split, "dataset": dataset,
      "data_dir": data_dir, "path": path, "resolution": resolution, "image_shape": list(source.image_shape),
      "num_classes": source.num_classes, "feature_dim": extractor.feature_dim, "arch": arch,
      "epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
      "train_examples": num_examples, "train_fraction": train_fraction, "seed": seed,
      "final_train_accuracy": float(history.history["accuracy"][-1]),
      "train_seconds": round(train_seconds, 2), "eval_seconds": round(eval_seconds, 2),
  }
  with open(os.path.join(staging, extractors.CLASSIFIER_INFO_FILE), "w") as f:
    json.dump(info, f, indent=2)
  if os.path.isdir(out):
    shutil.rmtree(out)  # empty, or overwrite was asked for; only now that the new model is complete
  os.replace(staging, out)
  log(f"test accuracy {accuracy:.4f} on {count} {split!r} images of {dataset} "
      f"(trained {train_seconds:.0f} s); saved to {out}")
  return info
