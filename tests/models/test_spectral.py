"""Spectral-norm layers: sigma vs numpy SVD, no iteration at inference, gradient through sigma, bf16
master weights, checkpointed u, MirroredStrategy agreement, and why keras.layers.SpectralNormalization
is not used."""

import os

import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tests import helpers
from tfgan_mh import models


def _top_singular_value(kernel):
  """Largest singular value of a kernel reshaped to [prod(shape[:-1]), shape[-1]]."""
  k = np.asarray(kernel)
  return np.linalg.svd(k.reshape(-1, k.shape[-1]), compute_uv=False)[0]


def _layer_and_input(kind):
  """A built layer and an input for it."""
  if kind == "dense":
    return models.SNDense(7), tf.random.normal([3, 12], seed=1)
  if kind == "conv":
    return models.SNConv2D(6, 3), tf.random.normal([2, 5, 5, 4], seed=1)
  if kind == "deconv":
    return models.SNConv2DTranspose(5, 3, strides=2), tf.random.normal([2, 3, 3, 4], seed=1)
  return models.SNEmbedding(10, 8), tf.constant([0, 3, 9])


class MixedPolicyMixin:

  def tearDown(self):
    keras.mixed_precision.set_global_policy("float32")
    super().tearDown()


class SpectralNormTest(MixedPolicyMixin, parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters("dense", "conv", "deconv", "embedding")
  def test_sigma_matches_svd_after_power_iterations(self, kind):
    keras.utils.set_random_seed(0)
    layer, x = _layer_and_input(kind)
    layer(x)  # build
    for _ in range(60):
      layer(x, training=True)
    w = layer.kernel.numpy()
    self.assertAllClose(layer.sigma(), _top_singular_value(w), rtol=1e-3)
    # The normalized kernel has largest singular value 1.
    self.assertAllClose(_top_singular_value(layer.normalized_kernel()), 1.0, rtol=1e-3)

  def test_one_power_iteration_per_training_call_none_at_inference(self):
    keras.utils.set_random_seed(0)
    layer, x = _layer_and_input("conv")
    layer(x)
    u0 = layer.sn_u.numpy().copy()
    layer(x, training=False)
    self.assertAllEqual(layer.sn_u.numpy(), u0)  # inference: u untouched
    layer(x, training=True)
    w = layer.kernel.numpy().reshape(-1, 6)
    v = u0 @ w.T
    v /= np.linalg.norm(v)
    u1 = v @ w
    u1 /= np.linalg.norm(u1)
    self.assertAllClose(layer.sn_u.numpy(), u1, atol=1e-5)  # exactly one iteration

  def test_kernel_not_written_and_gradient_flows_through_sigma(self):
    keras.utils.set_random_seed(0)
    layer = models.SNDense(3, use_bias=False)
    x = tf.random.normal([4, 5], seed=2)
    layer(x)
    for _ in range(30):
      layer(x, training=True)
    w0 = layer.kernel.numpy().copy()
    u_old = layer.sn_u.numpy()[0]  # [M]
    with tf.GradientTape() as tape:
      y = tf.reduce_sum(layer(x, training=True))
    grad = tape.gradient(y, layer.kernel.value).numpy()
    self.assertAllEqual(layer.kernel.numpy(), w0)  # the layer never overwrites its kernel
    # Analytic gradient of sum(x W / sigma), sigma = v^T W u with v, u constants (SNGAN):
    w_mat = w0
    v = w_mat @ u_old
    v /= np.linalg.norm(v)
    u = v @ w_mat
    u /= np.linalg.norm(u)
    self.assertAllClose(layer.sn_u.numpy()[0], u, atol=1e-6)
    sigma = v @ w_mat @ u
    g = x.numpy().sum(0)[:, None] * np.ones((1, 3))  # d sum(xW)/dW
    expected = g / sigma - np.sum(g * w_mat) / sigma**2 * np.outer(v, u)
    self.assertAllClose(grad, expected, rtol=1e-4, atol=1e-5)

  def test_mixed_bfloat16_keeps_float32_master_weights(self):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    layer = models.SNConv2D(4, 3)
    x = tf.random.normal([2, 6, 6, 3], seed=3)
    y = layer(x, training=True)
    self.assertEqual(y.dtype, tf.bfloat16)
    self.assertEqual(layer.kernel.dtype, "float32")
    self.assertEqual(layer.sn_u.dtype, "float32")
    w0 = layer.kernel.numpy().copy()
    for _ in range(3):
      layer(x, training=True)
    w1 = layer.kernel.numpy()
    self.assertAllEqual(w1, w0)  # unchanged by the forward pass
    bf16 = w1.astype(tf.bfloat16.as_numpy_dtype).astype(np.float32)
    self.assertGreater(np.mean(w1 != bf16), 0.9)  # and still full float32 precision

  def test_u_is_checkpointed(self):
    keras.utils.set_random_seed(0)
    layer, x = _layer_and_input("dense")
    layer(x)
    for _ in range(5):
      layer(x, training=True)
    saved = layer.sn_u.numpy().copy()
    path = tf.train.Checkpoint(layer=layer).save(os.path.join(self.get_temp_dir(), "ckpt"))
    layer.sn_u.assign(np.zeros_like(saved))
    tf.train.Checkpoint(layer=layer).restore(path).assert_consumed()
    self.assertAllEqual(layer.sn_u.numpy(), saved)
    self.assertFalse(layer.sn_u.trainable)
    self.assertNotIn(id(layer.sn_u), [id(v) for v in layer.trainable_variables])

  def test_plain_layer_without_spectral_norm(self):
    layer = models.SNDense(3, spectral_norm=False)
    x = tf.random.normal([2, 4], seed=4)
    y = layer(x, training=True)
    self.assertIsNone(layer.sn_u)
    self.assertAllClose(y, x.numpy() @ layer.kernel.numpy(), atol=1e-6)


class MLPDiscriminatorWithoutSpectralNormTest(tf.test.TestCase):

  def test_plain_layers_and_heads_match_a_numpy_forward(self):
    keras.utils.set_random_seed(0)
    d = models.build_discriminator("mlp", image_shape=(2,), num_classes=3, heads=("projection", "classifier"),
                                   hidden=(8, 8), spectral_norm=False)
    x = tf.random.normal([5, 2], seed=1)
    y = tf.constant([0, 1, 2, 0, 1])
    out = d(x, y, training=True)
    self.assertEqual([v.path for v in d.variables if v.path.endswith("sn_u")], [])
    h = x.numpy()
    for layer in d.hidden:
      h = h @ layer.kernel.numpy() + layer.bias.numpy()
      h = np.where(h > 0, h, 0.2 * h)
    heads = d.head
    psi = h @ heads.psi.kernel.numpy() + heads.psi.bias.numpy()  # [5, 1]
    embed = heads.embed.kernel.numpy()[y.numpy()]  # [5, 8]
    self.assertAllClose(out.adv_logits, psi[:, 0] + np.sum(embed * h, axis=1), atol=1e-5)
    self.assertAllClose(out.class_logits, h @ heads.classifier.kernel.numpy() + heads.classifier.bias.numpy(),
                        atol=1e-5)

  def test_dcgan_drops_it_on_request_and_the_resnets_refuse(self):
    d = models.build_discriminator("dcgan", image_shape=(32, 32, 1), num_classes=3, ch=2)
    d(tf.zeros([2, 32, 32, 1]), tf.zeros([2], tf.int32))
    self.assertLen([v for v in d.variables if v.path.endswith("sn_u")], 8)  # 5 convs, psi, classifier, embed
    d = models.build_discriminator("dcgan", image_shape=(32, 32, 1), num_classes=3, ch=2, spectral_norm=False)
    d(tf.zeros([2, 32, 32, 1]), tf.zeros([2], tf.int32))
    self.assertEqual([v.path for v in d.variables if v.path.endswith("sn_u")], [])
    for arch in ("sagan", "biggan"):
      with self.assertRaisesRegex(ValueError, f"^build_discriminator.spectral_norm=False: the {arch} discriminator "
                                              "is always spectrally normalized; only mlp and dcgan can choose"):
        models.build_discriminator(arch, image_shape=(32, 32, 1), num_classes=3, ch=2, spectral_norm=False)

  def test_magan_has_plain_weights_and_refuses_it(self):
    for sn in (None, False):  # its own choice, or a config's False (ring_default.gin binds False for the mlp)
      d = models.build_discriminator("magan_ae", image_shape=(28, 28, 1), num_classes=3, spectral_norm=sn)
      d(tf.zeros([2, 28, 28, 1]))
      self.assertEqual([v.path for v in d.variables if v.path.endswith("sn_u")], [])
      self.assertFalse(models.reads_labels(d))
    with self.assertRaisesRegex(ValueError, "^build_discriminator.spectral_norm=True: the magan_ae discriminator "
                                            r"is never spectrally normalized \(the MAGAN authors' code\)"):
      models.build_discriminator("magan_ae", image_shape=(28, 28, 1), num_classes=3, spectral_norm=True)


class MirroredSpectralNormTest(tf.test.TestCase):

  def test_forward_backward_keeps_u_consistent_across_replicas(self):
    strategy = helpers.mirrored_strategy(self)
    keras.utils.set_random_seed(0)
    with strategy.scope():
      d = models.build_discriminator("mlp", image_shape=(2,), num_classes=3,
                                     heads=("projection", "classifier"), hidden=(8, 8))
      d(tf.zeros([2, 2]), tf.zeros([2], tf.int32))
      opt = keras.optimizers.SGD(0.1)
      opt.build(d.trainable_variables)
    u_vars = [v for v in d.non_trainable_variables if v.path.endswith("sn_u")]
    self.assertLen(u_vars, 5)  # 2 hidden layers, psi, classifier, projection embedding
    u_before = [v.numpy().copy() for v in u_vars]

    def replica_step(x, y):
      with tf.GradientTape() as tape:
        out = d(x, y, training=True)
        loss = tf.reduce_sum(tf.nn.relu(1.0 - out.adv_logits)) + tf.reduce_sum(out.class_logits)
      grads = tape.gradient(loss, d.trainable_variables)
      # The Keras optimizer sums the replicas' gradients in apply_gradients (replica context).
      opt.apply_gradients(zip(grads, d.trainable_variables))
      return loss

    @tf.function
    def step(x, y):
      return strategy.run(replica_step, args=(x, y))

    # Different data on each replica; u depends only on W, which all replicas share.
    dist = strategy.experimental_distribute_values_from_function(
        lambda ctx: (tf.random.normal([4, 2], seed=ctx.replica_id_in_sync_group),
                     tf.constant([0, 1, 2, ctx.replica_id_in_sync_group])))
    for _ in range(2):
      step(*dist)
    for v, before in zip(u_vars, u_before):
      copies = [t.numpy() for t in v.value.values]
      self.assertLen(copies, 2)
      self.assertAllEqual(copies[0], copies[1])
      self.assertNotAllClose(copies[0], before)  # the power iteration did run
    grads_finite = all(np.all(np.isfinite(w.numpy())) for w in d.trainable_variables)
    self.assertTrue(grads_finite)


class KerasSpectralNormalizationTest(MixedPolicyMixin, tf.test.TestCase):
  """Documents why the project does not use keras.layers.SpectralNormalization (Keras 3)."""

  def test_keras_layer_overwrites_kernel_and_rounds_master_weights_to_bf16(self):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    sn = keras.layers.SpectralNormalization(keras.layers.Dense(8))
    x = tf.random.normal([4, 16], seed=5)
    sn(x)
    w0 = sn.layer.kernel.numpy().copy()
    sn(x, training=True)
    w1 = sn.layer.kernel.numpy()
    self.assertGreater(np.max(np.abs(w1 - w0)), 1e-3)  # the trainable kernel was overwritten by W/sigma
    bf16 = w1.astype(tf.bfloat16.as_numpy_dtype).astype(np.float32)
    self.assertAllEqual(w1, bf16)  # ... with bf16-rounded values: float32 master weights corrupted
    # Ours leaves the kernel alone under the same policy.
    ours = models.SNDense(8)
    ours(x)
    k0 = ours.kernel.numpy().copy()
    ours(x, training=True)
    self.assertAllEqual(ours.kernel.numpy(), k0)


if __name__ == "__main__":
  tf.test.main()
