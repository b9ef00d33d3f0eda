"""MAGAN margin controller (Algorithm 1 + Eq. (4) of shared/papers/004) on scripted energy sequences."""

import math
import os

import numpy as np
import tensorflow as tf

from tfgan_mh import losses
from tfgan_mh.models.outputs import DiscOutput


def _epoch(state, real_mean, fake_mean, steps=3, batch=8.0):
  """Feeds one epoch of `steps` global batches with the given mean energies; ends the epoch."""
  for _ in range(steps):
    state.accumulate(real_mean * batch, fake_mean * batch, batch)
  return bool(state.end_epoch())


def _pretrain(state, real_means):
  for r in real_means:
    state.accumulate(r * 8.0, 0.0, 8.0)
    state.end_epoch()  # no-op during pre-training: statistics keep accumulating
  return float(state.end_pretraining())


class MarginUpdateRuleTest(tf.test.TestCase):

  def test_three_conditions(self):
    def upd(m, r, f, prev):
      new, updated = losses.magan_margin_update(margin=m, real_mean=r, fake_mean=f,
                                                prev_fake_mean=prev)
      return float(new), bool(updated)

    self.assertEqual(upd(5.0, 4.0, 7.0, 6.0), (4.0, True))
    self.assertEqual(upd(5.0, 4.0, 7.0, 7.5), (5.0, False))  # E_G decreased
    self.assertEqual(upd(5.0, 5.5, 7.0, 6.0), (5.0, False))  # E_data >= m
    self.assertEqual(upd(5.0, 4.0, 3.9, 3.0), (5.0, False))  # E_data >= E_G
    self.assertEqual(upd(5.0, 4.0, 7.0, math.inf), (5.0, False))  # first epoch: S^0_G = inf
    self.assertEqual(upd(5.0, 4.0, 7.0, 7.0), (4.0, True))  # E^{t-1}_G <= E^t_G includes equality


class MarginStateTest(tf.test.TestCase):

  def test_scripted_sequence(self):
    state = losses.MarginState()
    self.assertEqual(float(state.margin), 0.0)  # m_0 = 0 during pre-training
    self.assertEqual(_pretrain(state, [6.0, 4.0]), 5.0)  # m_1 = mean real energy of pre-training
    self.assertEqual(int(state.pretraining), 0)
    script = [  # (E_data, E_G, updated, margin after)
        (4.0, 6.0, False, 5.0),  # epoch 1: E^0_G = inf
        (4.0, 7.0, True, 4.0),  # all three conditions hold
        (3.0, 6.5, False, 4.0),  # E_G went down
        (3.5, 8.0, True, 3.5),
        (3.8, 9.0, False, 3.5),  # E_data >= m
        (3.0, 2.5, False, 3.5),  # E_G went down (and E_data > E_G)
        (3.0, 2.9, False, 3.5),  # E_G up, E_data < m, but E_data >= E_G
        (2.0, 3.0, True, 2.0),
    ]
    for real, fake, updated, margin in script:
      self.assertEqual(_epoch(state, real, fake), updated, (real, fake))
      self.assertAllClose(float(state.margin), margin)
      self.assertAllClose(float(state.last_fake_mean), fake)
      self.assertEqual(float(state.count), 0.0)
    self.assertEqual(int(state.num_updates), 3)

  def test_random_sequences_match_reference_and_never_increase(self):
    rng = np.random.RandomState(0)
    for _ in range(3):
      state = losses.MarginState()
      margin = _pretrain(state, rng.uniform(2.0, 6.0, size=2))
      prev = math.inf
      for real, fake in rng.uniform(0.0, 6.0, size=[25, 2]):
        expected = prev <= fake and real < margin and real < fake
        self.assertEqual(_epoch(state, real, fake), expected)
        new_margin = float(state.margin)
        self.assertLessEqual(new_margin, margin)
        self.assertAllClose(new_margin, real if expected else margin, rtol=1e-6)
        margin, prev = new_margin, fake

  def test_in_tf_function(self):
    state = losses.MarginState()
    state.accumulate(40.0, 0.0, 8.0)
    tf.function(state.end_pretraining)()
    end = tf.function(state.end_epoch)
    acc = tf.function(state.accumulate)
    for real, fake, updated in ((4.0, 6.0, False), (4.0, 7.0, True)):
      acc(real * 8.0, fake * 8.0, 8.0)
      self.assertEqual(bool(end()), updated)
    self.assertAllClose(float(state.margin), 4.0)

  def test_checkpoint_round_trip(self):
    state = losses.MarginState()
    _pretrain(state, [5.0])
    _epoch(state, 4.0, 6.0)
    state.accumulate(1.0, 2.0, 3.0)
    path = tf.train.Checkpoint(margin_state=state).save(os.path.join(self.get_temp_dir(), "ckpt"))
    restored = losses.MarginState()
    tf.train.Checkpoint(margin_state=restored).restore(path).assert_consumed()
    for name in ("margin", "real_energy_sum", "fake_energy_sum", "count", "last_fake_mean",
                 "pretraining", "num_updates"):
      self.assertAllClose(getattr(restored, name), getattr(state, name), msg=name)
    self.assertAllClose(float(restored.margin), 5.0)
    self.assertAllClose(float(restored.last_fake_mean), 6.0)

  def test_under_mirrored_strategy(self):
    if len(tf.config.list_logical_devices("CPU")) < 2:
      self.skipTest("needs 2 logical CPUs (tests/conftest.py)")
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
      state = losses.MarginState()
    fam = losses.get_family("magan", num_classes=2)

    @tf.function
    def step(real_sum, fake_sum):
      def replica_fn():
        energy = tf.constant([3.0, 1.0])
        terms = fam.discriminator_loss(real=DiscOutput(energy=energy), fake=DiscOutput(energy=energy),
                                       real_labels=None, fake_labels=None, margin=state.margin)
        return terms["d_energy_hinge_fake"]

      per_replica = strategy.run(replica_fn)
      state.accumulate(real_sum, fake_sum, 8.0)
      return strategy.experimental_local_results(per_replica)

    step(40.0, 0.0)
    state.end_pretraining()
    self.assertAllClose(float(state.margin), 5.0)
    for hinge in step(32.0, 56.0):
      self.assertAllClose(hinge, [2.0, 4.0])  # max(0, 5 - E) with the pre-training margin
    state.end_epoch()
    step(32.0, 64.0)
    self.assertTrue(bool(state.end_epoch()))
    self.assertAllClose(float(state.margin), 4.0)
    for v in state._margin.values:
      self.assertAllClose(float(v), 4.0)


if __name__ == "__main__":
  tf.test.main()
