"""Cross-replica (synchronized) batch norm: MirroredStrategy on 2 logical CPUs vs one BN on the whole batch."""

import gin
import numpy as np
import tensorflow as tf

from tests import helpers
from tfgan_mh import models
from tfgan_mh.models import layers


def _halves(shape, seed):
  """A global batch whose two halves differ (N(0, 1) and N(2, 9)), so per-replica statistics are not global."""
  rng = np.random.default_rng(seed)
  x = rng.standard_normal(shape).astype(np.float32)
  x[shape[0] // 2:] = x[shape[0] // 2:] * 3.0 + 2.0
  w = rng.standard_normal(shape).astype(np.float32)  # weights of the loss sum(y * w)
  return x, w


def _set_affine(bn, seed):
  rng = np.random.default_rng(seed)
  c = bn.gamma.shape[-1]
  bn.gamma.assign(rng.uniform(0.5, 1.5, c).astype(np.float32))
  bn.beta.assign(rng.standard_normal(c).astype(np.float32))


class CrossReplicaBatchNormTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _mirrored(self, x, w, cross_replica, affine=True):
    """Output [B, ...], input gradient, gamma gradient (summed over replicas), moving mean / variance."""
    strategy = helpers.mirrored_strategy(self)
    with strategy.scope():
      bn = models.BatchNorm(momentum=0.5, affine=affine, cross_replica=cross_replica)
      bn.build(x.shape)
      if affine:
        _set_affine(bn, 7)
    half = x.shape[0] // 2
    dist = lambda a: strategy.experimental_distribute_values_from_function(  # noqa: E731
        lambda ctx: tf.constant(a[ctx.replica_id_in_sync_group * half:(ctx.replica_id_in_sync_group + 1) * half]))

    def step(xs, ws):
      with tf.GradientTape() as tape:
        tape.watch(xs)
        y = bn(xs, training=True) if affine else bn.normalize(xs, training=True)
        loss = tf.reduce_sum(y * ws)
      targets = [xs] + ([bn.gamma] if affine else [])
      return [y] + tape.gradient(loss, targets)

    outs = tf.function(lambda a, b: strategy.run(step, args=(a, b)))(dist(x), dist(w))
    local = [strategy.experimental_local_results(o) for o in outs]
    y = np.concatenate([t.numpy() for t in local[0]], 0)
    dx = np.concatenate([t.numpy() for t in local[1]], 0)
    dgamma = sum(t.numpy() for t in local[2]) if affine else None
    return y, dx, dgamma, bn.moving_mean.numpy(), bn.moving_variance.numpy()

  def _whole_batch(self, x, w, affine=True):
    bn = models.BatchNorm(momentum=0.5, affine=affine)
    bn.build(x.shape)
    if affine:
      _set_affine(bn, 7)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
      tape.watch(xt)
      y = bn(xt, training=True) if affine else bn.normalize(xt, training=True)
      loss = tf.reduce_sum(y * w)
    grads = tape.gradient(loss, [xt] + ([bn.gamma] if affine else []))
    return (y.numpy(), grads[0].numpy(), grads[1].numpy() if affine else None, bn.moving_mean.numpy(),
            bn.moving_variance.numpy())

  def _assert_global(self, shape, affine=True):
    x, w = _halves(shape, 0)
    want = self._whole_batch(x, w, affine)
    got = self._mirrored(x, w, cross_replica=True, affine=affine)
    for name, g, e in zip(("output", "input gradient", "gamma gradient", "moving mean", "moving variance"),
                          got, want):
      if e is not None:
        self.assertAllClose(g, e, atol=1e-5, rtol=1e-5, msg=name)
    # The numbers are the numpy ones: global mean and biased variance over every axis but the last.
    axes = tuple(range(len(shape) - 1))
    self.assertAllClose(got[3], 0.5 * x.mean(axes), atol=1e-5)
    self.assertAllClose(got[4], 0.5 + 0.5 * x.astype(np.float64).var(axes), atol=1e-5)
    return x, w, want

  def test_images_equal_the_whole_batch(self):
    x, w, want = self._assert_global([8, 3, 3, 4])
    per_replica = self._mirrored(x, w, cross_replica=False)  # the test can fail: halves differ
    self.assertGreater(np.abs(per_replica[0] - want[0]).max(), 0.1)
    self.assertGreater(np.abs(per_replica[1] - want[1]).max(), 0.01)

  def test_vectors_equal_the_whole_batch(self):
    x, w, want = self._assert_global([6, 5])
    self.assertGreater(np.abs(self._mirrored(x, w, cross_replica=False)[0] - want[0]).max(), 0.1)

  def test_normalize_without_affine_equals_the_whole_batch(self):
    self._assert_global([4, 2, 2, 3], affine=False)  # BigGAN's layers call bn.normalize on these

  def test_one_replica_is_the_per_replica_batch_norm_exactly(self):
    x, w = _halves([4, 2, 2, 3], 1)
    sync, plain = models.BatchNorm(cross_replica=True), models.BatchNorm(cross_replica=False)
    np.testing.assert_array_equal(sync(tf.constant(x), training=True).numpy(),
                                  plain(tf.constant(x), training=True).numpy())
    np.testing.assert_array_equal(sync.moving_variance.numpy(), plain.moving_variance.numpy())
    del w

  def test_variance_of_an_offset_batch_is_accurate(self):
    # Mean 1000, std 1: E[x^2] - E[x]^2 in float32 would lose the variance (ulp(1e6) = 0.06); two passes keep it.
    rng = np.random.default_rng(2)
    x = (1000.0 + rng.standard_normal([64, 3])).astype(np.float32)
    got = self._mirrored(x, np.ones_like(x), cross_replica=True, affine=False)
    self.assertAllClose(got[4], 0.5 + 0.5 * x.astype(np.float64).var(0), rtol=1e-4)

  def test_gin_turns_it_on_for_every_batch_norm(self):
    gin.parse_config("BatchNorm.cross_replica = True")
    g = models.build_generator("sagan", image_shape=(32, 32, 3), num_classes=3, ch=4, z_dim=8)
    g(tf.zeros([2, 8]), tf.zeros([2], tf.int32), training=False)
    bns = [l for l in g._flatten_layers() if isinstance(l, layers.BatchNorm)]  # pylint: disable=protected-access
    self.assertLen(bns, 7)  # 3 blocks x 2 + the output BN
    self.assertTrue(all(bn.cross_replica for bn in bns))
    self.assertIn("BatchNorm.cross_replica = True", gin.operative_config_str())
    self.assertFalse(models.BatchNorm(cross_replica=False).cross_replica)  # an explicit argument wins
    gin.clear_config()
    self.assertFalse(models.BatchNorm().cross_replica)

  def test_bad_value(self):
    with self.assertRaisesRegex(ValueError, r"^BatchNorm: cross_replica='yes' is not valid; valid: True, False$"):
      models.BatchNorm(cross_replica="yes")


if __name__ == "__main__":
  tf.test.main()
