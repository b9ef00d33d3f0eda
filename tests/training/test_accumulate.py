"""Gradient accumulation: the update over n micro-batches equals the update over the n-times batch.

Two networks: the tiny linear G / D of test_step (embeddings: sparse gradients made dense), and the ring's
real MLPs (spectral normalization in D: the power iteration must run once per update, not once per
micro-batch), under the default strategy and MirroredStrategy on 2 logical CPUs.
"""

import functools

import tensorflow as tf

from tests import helpers
from tests.training.test_step import HingeCE, TinyD, TinyG, _data
from tfgan_mh import losses
from tfgan_mh import models
from tfgan_mh.training import accumulate
from tfgan_mh.training import optim
from tfgan_mh.training.step import GANTrainer


def _tiny(strategy, batch, n):
  return GANTrainer(
      strategy=strategy, make_generator=TinyG, make_discriminator=TinyD, family=HingeCE(),
      make_g_optimizer=lambda: optim.PreReducedAdam(1e-2, beta_1=0.0),
      make_d_optimizer=lambda: optim.PreReducedAdam(2e-2, beta_1=0.0),
      num_classes=3, image_shape=(2,), global_batch_size=batch, d_steps=2, accumulate_steps=n)


def _ring(strategy, batch, n):
  tf.keras.utils.set_random_seed(0)
  family = losses.get_family("mhinge", num_classes=4)
  return GANTrainer(
      strategy=strategy, family=family,
      make_generator=functools.partial(models.build_generator, "mlp", image_shape=(2,), num_classes=4),
      make_discriminator=functools.partial(models.build_discriminator, "mlp", image_shape=(2,), num_classes=4,
                                           heads=("projection", "classifier")),
      make_g_optimizer=lambda: optim.PreReducedAdam(1e-3, beta_1=0.5),
      make_d_optimizer=lambda: optim.PreReducedAdam(2e-3, beta_1=0.5),
      num_classes=4, image_shape=(2,), global_batch_size=batch, d_steps=1, accumulate_steps=n)


def _train(make, strategy, n, steps=3, batch=16):
  trainer = make(strategy, batch, n)
  x, y = _data(batch)
  y = y % trainer.num_classes
  it = iter(strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors((x, y)).repeat()))
  out = trainer.train_steps(it, steps)
  return trainer, {k: float(v) for k, v in out.items()}


def _variables(trainer):
  nets = (trainer.generator, trainer.discriminator)
  return [v.numpy() for net in nets for v in net.variables]  # trainable weights and the SN u vectors


class AccumulateTest(tf.test.TestCase):

  def _assert_same(self, a, b):
    (ta, ma), (tb, mb) = a, b
    for va, vb in zip(_variables(ta), _variables(tb)):
      self.assertAllClose(va, vb, rtol=1e-5, atol=1e-6)
    self.assertEqual(ma.keys(), mb.keys())
    for k in ma:
      self.assertAllClose(ma[k], mb[k], rtol=1e-5, atol=1e-6, msg=k)

  def test_tiny_networks_four_micro_batches_equal_the_batch(self):
    default = tf.distribute.get_strategy()
    self._assert_same(_train(_tiny, default, 1), _train(_tiny, default, 4))

  def test_ring_with_spectral_norm_equal_and_mirrored(self):
    default = tf.distribute.get_strategy()
    full = _train(_ring, default, 1)
    self.assertTrue(any("sn_u" in v.name for v in full[0].discriminator.variables))
    self._assert_same(full, _train(_ring, helpers.mirrored_strategy(self), 4))  # 2 replicas x 4 micro-batches of 2

  def test_bad_values(self):
    with self.assertRaisesRegex(ValueError, r"^optimization.accumulate_steps=0: expected an int >= 1"):
      accumulate.check(0, 8)
    with self.assertRaisesRegex(ValueError,
                                r"^optimization.accumulate_steps=3 does not divide the per-replica batch 8"):
      _tiny(tf.distribute.get_strategy(), 8, 3)
