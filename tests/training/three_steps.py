"""Trains a packaged experiment's networks 3 steps on fixed synthetic data and saves losses and weights (.npz).

  python -m tests.training.three_steps EXPERIMENT OUT.npz [gin bindings...]

Run in a fresh process so that the environment (TF_ENABLE_ONEDNN_OPTS, threads) is chosen before TensorFlow
starts; `test_onednn.py` compares two such runs. The data: 3 global batches from a fixed numpy seed, in the
experiment's image shape and classes; the networks, loss family, optimizers and batch are the experiment's
(`tfgan_mh.training.loop.build_trainer`), seed 0.
"""

import dataclasses
import sys

import numpy as np


def main(experiment: str, out: str, bindings) -> None:
  import gin  # pylint: disable=g-import-not-at-top
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh import cli, cpu, losses  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import loop  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import settings as settings_lib  # pylint: disable=g-import-not-at-top

  cli.parse_gin([f"experiments/{experiment}"], list(bindings))  # the data source is never built: numpy below
  train = gin.get_bindings("train")
  batch, d_steps = train["global_batch_size"], train.get("d_steps", 1)
  shape, k = (32, 32, 1), 10

  class Source:  # the shape and classes of the experiment's data; the batches come from numpy below
    image_shape, num_classes = shape, k

  keras.utils.set_random_seed(0)
  family = losses.get_family(train["loss_family"], num_classes=k)
  settings = loop.RunSettings(train=dataclasses.replace(settings_lib.TrainSettings(), seed=0))
  trainer = loop.build_trainer(tf.distribute.get_strategy(), Source, family, settings)
  rng = np.random.default_rng(0)
  n = 3 * d_steps
  images = rng.uniform(-1, 1, (n * batch,) + shape).astype(np.float32)
  labels = rng.integers(0, k, n * batch).astype(np.int32)
  it = iter(tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch, drop_remainder=True))
  measured = {}
  for step in range(3):
    for key, value in trainer.train_steps(it, 1).items():
      measured[f"step{step}/{key}"] = float(value)
  weights = {f"w/{v.path}": v.numpy() for v in trainer.generator.variables + trainer.discriminator.variables}
  np.savez(out, onednn=cpu.onednn_state()["enabled"], **measured, **weights)


if __name__ == "__main__":
  main(sys.argv[1], sys.argv[2], sys.argv[3:])
