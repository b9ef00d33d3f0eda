"""Standing statistics (BigGAN §3): BN moving statistics = the average of per-batch statistics over the prior."""

from unittest import mock

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_mh import models
from tfgan_mh.models import layers
from tfgan_mh.models import standing_stats


def _generator(arch):
  shape = (32, 32, 1) if arch == "dcgan" else (32, 32, 3)
  g = models.build_generator(arch, image_shape=shape, num_classes=3, ch=4,
                             z_dim=None if arch == "biggan" else 8)  # biggan: its hierarchical z (80 at 32 px)
  g(tf.zeros([2, g.z_dim]), tf.zeros([2], tf.int32), training=False)
  return g


def _stats(g):
  return [(bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy())
          for bn in standing_stats.batch_norm_layers(g)]


class StandingStatsTest(tf.test.TestCase, parameterized.TestCase):

  def test_average_of_the_per_batch_statistics_against_numpy(self):
    g = _generator("dcgan")
    bns = standing_stats.batch_norm_layers(g)
    self.assertEqual([bn.name for bn in bns], ["bn0", "bn1", "bn2", "bn3"])
    record = standing_stats.accumulate_standing_stats(g, num_batches=3, batch_size=10, seed=4, truncation=0.8)
    self.assertEqual(record, dict(batches=3, batch_size=10, seed=4, truncation=0.8, layers=4))
    got = _stats(g)  # before the recording passes below move the averages again
    # The same draws again, recording what each BN normalises (training mode: the batch's statistics).
    seen = {bn.name: [] for bn in bns}
    original = layers.BatchNorm.normalize

    def recording(bn, x, training=False):
      seen[bn.name].append(np.asarray(x, np.float64))
      return original(bn, x, training)

    with mock.patch.object(layers.BatchNorm, "normalize", recording):
      for i in range(3):
        z, labels = standing_stats.prior_batch(g, i, 10, 4, 0.8)
        self.assertLessEqual(np.abs(z.numpy()).max(), 0.8)
        self.assertTrue(set(labels.numpy()) <= {0, 1, 2})
        g(z, labels, training=True)
    for bn, (mean, variance) in zip(bns, got):
      xs = seen[bn.name]
      self.assertLen(xs, 3)
      axes = tuple(range(xs[0].ndim - 1))
      self.assertAllClose(mean, np.mean([x.mean(axes) for x in xs], 0), atol=1e-6, rtol=1e-5)
      self.assertAllClose(variance, np.mean([x.var(axes) for x in xs], 0), atol=1e-6, rtol=1e-4)
      # Not the pooled variance of all 30 samples: that adds the spread of the batch means.
      self.assertGreater(np.abs(variance - np.concatenate(xs).var(axes)).max(), 1e-7)
    # Inference normalises with them: bn0 on its last recorded input.
    standing_stats.accumulate_standing_stats(g, num_batches=3, batch_size=10, seed=4, truncation=0.8)
    x = seen["bn0"][-1].astype(np.float32)
    want = (x - got[0][0]) / np.sqrt(got[0][1] + 1e-5)
    self.assertAllClose(bns[0].normalize(tf.constant(x), training=False), want, atol=1e-5)

  def test_same_seed_same_statistics(self):
    g = _generator("dcgan")
    standing_stats.accumulate_standing_stats(g, num_batches=2, batch_size=8, seed=1)
    first = _stats(g)
    standing_stats.accumulate_standing_stats(g, num_batches=2, batch_size=8, seed=1)
    for (m1, v1), (m2, v2) in zip(first, _stats(g)):
      np.testing.assert_array_equal(m1, m2)
      np.testing.assert_array_equal(v1, v2)
    standing_stats.accumulate_standing_stats(g, num_batches=2, batch_size=8, seed=2)
    self.assertGreater(np.abs(first[0][0] - _stats(g)[0][0]).max(), 0)

  @parameterized.parameters("sagan", "biggan")
  def test_only_the_batch_norm_statistics_change(self, arch):
    g = _generator(arch)  # spectral norm: training-mode passes update u, which must be put back
    stats_ids = {id(v) for bn in standing_stats.batch_norm_layers(g) for v in (bn.moving_mean, bn.moving_variance)}
    self.assertLen(stats_ids, 14)  # sagan: 3 blocks x 2 + output BN; biggan: the same, affine=False in the blocks
    before = {id(v): v.numpy().copy() for v in g.variables}
    z, labels = tf.random.stateless_normal([4, g.z_dim], [0, 0]), tf.constant([0, 1, 2, 0])
    out_before = g(z, labels, training=False).numpy()
    standing_stats.accumulate_standing_stats(g, num_batches=2, batch_size=6, seed=0)
    changed = 0
    for v in g.variables:
      if id(v) in stats_ids:
        changed += int(np.abs(v.numpy() - before[id(v)]).max() > 0)
      else:
        np.testing.assert_array_equal(v.numpy(), before[id(v)], err_msg=v.path)
    self.assertEqual(changed, 14)
    self.assertTrue(all(bn.momentum == 0.9 for bn in standing_stats.batch_norm_layers(g)))
    self.assertGreater(np.abs(g(z, labels, training=False).numpy() - out_before).max(), 1e-3)

  def test_failure_puts_everything_back(self):
    g = _generator("dcgan")
    before = [v.numpy().copy() for v in g.variables]
    with mock.patch.object(layers.BatchNorm, "_normalize_batch", side_effect=RuntimeError("boom")):
      with self.assertRaisesRegex(RuntimeError, "boom"):
        standing_stats.accumulate_standing_stats(g, num_batches=2, batch_size=4)
    for v, b in zip(g.variables, before):
      np.testing.assert_array_equal(v.numpy(), b)

  def test_generator_without_batch_norm(self):
    g = models.build_generator("mlp", image_shape=(2,), num_classes=3)
    g(tf.zeros([2, g.z_dim]), tf.zeros([2], tf.int32), training=False)
    record = standing_stats.accumulate_standing_stats(g, num_batches=1, batch_size=4)
    self.assertEqual(record["layers"], 0)

  def test_bad_settings(self):
    g = _generator("dcgan")
    with self.assertRaisesRegex(ValueError, r"^standing_stats_batches=-1 is not valid: expected an int >= 0 "
                                r"\(0: no standing statistics\)$"):
      standing_stats.check_settings(-1, 8)
    with self.assertRaisesRegex(ValueError, r"^--standing_stats_batch_size=0 is not valid: expected an int >= 1$"):
      standing_stats.check_settings(2, 0, prefix="--")
    with self.assertRaisesRegex(ValueError, r"^num_batches=0 is not valid: expected an int >= 1$"):
      standing_stats.accumulate_standing_stats(g, num_batches=0, batch_size=8)
    with self.assertRaisesRegex(ValueError, r"^truncation=-1 is not valid"):
      standing_stats.accumulate_standing_stats(g, num_batches=1, batch_size=8, truncation=-1)

  def test_describe(self):
    self.assertEqual(standing_stats.describe(None), "batch-norm moving statistics of the checkpoint")
    self.assertEqual(standing_stats.describe(dict(batches=16, batch_size=256, seed=0, truncation=0.5, layers=7)),
                     "standing statistics: 16 batches x 256 prior samples, seed 0, truncation 0.5")


if __name__ == "__main__":
  tf.test.main()
