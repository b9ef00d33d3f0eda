"""Every loss family on tiny networks: the set-up shared by the family goldens (test_families.py) and the XLA
test (test_xla.py).

MLP G / D on 2-D points; the MAGAN auto-encoder on 28x28 images for the energy families; the translation G
with an unconditional SAGAN D for the image-to-image families. No network has batch norm, so replicas agree.
"""

import functools

import keras
import numpy as np
import tensorflow as tf

from tfgan_mh import losses
from tfgan_mh import models
from tfgan_mh.training import ema as ema_lib
from tfgan_mh.training import optim
from tfgan_mh.training.step import GANTrainer

K, BATCH, STEPS = 3, 8, 3
NETS = ("generator", "discriminator", "ema_generator")
_HEADS = {"adv_logits": "projection", "class_logits": "classifier", "kplus1_logits": "kplus1",
          "cosine_logits": "cosine", "fake_class_logits": "adc"}


def setup(name):
  family = losses.get_family(name, num_classes=K)
  g_args, d_args = {}, {}
  if "energy" in family.required_heads:
    shape, g_arch, d_arch, heads = (28, 28, 1), "magan", "magan_ae", ("energy",)
  elif family.generator_takes_images:  # G(x, c) on images; StarGAN's D is unconditional
    shape, g_arch, d_arch = (32, 32, 1), "translation", "sagan"  # no batch norm in D: replica-independent
    heads = ("adversarial", _HEADS[family.required_heads[1]])
    g_args, d_args = dict(ch=4, num_res=1), dict(ch=4, attention_resolution=None)
  else:
    shape, g_arch, d_arch = (2,), "mlp", "mlp"
    heads = tuple(dict.fromkeys(_HEADS[h] for h in family.required_heads if h in _HEADS))
    if "adc" in heads:  # the ADC head gives class_logits too
      heads = tuple(h for h in heads if h != "classifier")
    if not family.conditional_generator and "projection" in heads and "kplus1" not in heads:
      # An unconditional G's samples have no label for a projection head: plain adversarial head
      # (a K+1 head gives them D's dynamic label instead, which the *_projection families use).
      heads = tuple("adversarial" if h == "projection" else h for h in heads)
  make_g = functools.partial(models.build_generator, g_arch, image_shape=shape, num_classes=K,
                             conditional=family.conditional_generator, **g_args)
  make_d = functools.partial(models.build_discriminator, d_arch, image_shape=shape, num_classes=K,
                             heads=heads, **d_args)
  return family, shape, make_g, make_d


def trainer(strategy, name, d_steps, jit_compile=False):
  family, shape, make_g, make_d = setup(name)
  keras.utils.set_random_seed(0)
  return GANTrainer(strategy=strategy, make_generator=make_g, make_discriminator=make_d, family=family,
                    make_g_optimizer=lambda: optim.PreReducedAdam(1e-2, beta_1=0.0, epsilon=1e-3),
                    make_d_optimizer=lambda: optim.PreReducedAdam(2e-2, beta_1=0.5, epsilon=1e-3),
                    num_classes=K, image_shape=shape, global_batch_size=BATCH, d_steps=d_steps,
                    ema=ema_lib.EmaSettings(decay=0.5), seed=3, jit_compile=jit_compile)


def dataset(name, shape):
  rng = np.random.default_rng(1)
  n = BATCH * 2 * STEPS  # d_steps <= 2
  x = rng.uniform(-1, 1, (n, *shape)).astype(np.float32)
  y = rng.integers(0, K, n).astype(np.int32)
  ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH, drop_remainder=True)
  if losses.get_family(name, num_classes=K).data_streams:  # ("unlabeled",): (x, y, u) batches
    u = rng.uniform(-1, 1, (n, *shape)).astype(np.float32)
    ds = tf.data.Dataset.zip((ds, tf.data.Dataset.from_tensor_slices(u).batch(BATCH, drop_remainder=True)))
    ds = ds.map(lambda xy, u: (*xy, u))
  return ds


def weights(trainer):
  """{net: [arrays]} of G, D and the EMA G."""
  return {n: [np.array(v.numpy()) for v in getattr(trainer, n).variables] for n in NETS}


def steps(trainer, iterator, steps):
  """The measurements of each of `steps` single train steps."""
  return [{k: float(v) for k, v in trainer.train_steps(iterator, 1).items()} for _ in range(steps)]


def drawn_latents(run, steps_ahead):
  """The z and fake labels `run` (not compiled) draws at each step value 0..steps_ahead-1 and salt 0 / 1:
  ([S, 2, global batch, ...] z, [S, 2, global batch] labels).

  XLA's stateless generators give other numbers than TF's kernels for the same seed, so the compiled runs read
  these draws instead of drawing their own: the test then compares everything else (networks, losses, gradients,
  optimizers, EMA, spectral norm, measurements) between the compiled and the plain step.
  """
  zs, ys = [], []
  for s in range(steps_ahead):
    run.step.assign(s)
    pairs = [run._latents(BATCH, salt) for salt in (0, 1)]  # pylint: disable=protected-access
    zs.append(tf.stack([p[0] for p in pairs]))
    ys.append(tf.stack([p[1] for p in pairs]))
  run.step.assign(0)
  return tf.stack(zs), tf.stack(ys)


def read_latents(run, table):
  """Makes `run` take its z and fake labels from `table` (`drawn_latents`), sliced per replica as it would."""
  zs, ys = table

  def latents(batch, salt):
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    s, start = tf.cast(run.step.read_value(), tf.int32), replica * batch
    # A gather on the step, not a slice: XLA compiles a strided slice's bounds as constants, so slicing at the
    # step would compile the whole train step again at every step value.
    z, y = tf.gather(zs, s)[salt], tf.gather(ys, s)[salt]
    z = tf.reshape(z[start:start + batch], [batch] + zs.shape[3:].as_list())  # static shapes
    return z, tf.reshape(y[start:start + batch], [batch])

  run._latents = latents  # pylint: disable=protected-access  (before the first call traces the step)
