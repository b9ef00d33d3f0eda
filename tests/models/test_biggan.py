"""BigGAN networks: PyTorch-StudioGAN's parameter counts, the hierarchical latents, the linear conditional BN
against numpy, the shared embedding, orthogonal initialisation, errors."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_mh import models
from tfgan_mh.models import biggan


def _count(model):
  return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


class StudioGANCountsTest(tf.test.TestCase):

  def test_cifar10_mhgan_parameter_counts_equal_studiogans(self):
    # PyTorch-StudioGAN src/configs/CIFAR10/MHGAN.yaml: big_resnet, g/d_conv_dim 96, z 80, shared 128,
    # attn_g_loc [2] (after G block 2: 16 px), attn_d_loc [1] (after D block 1: 16 px), d_cond_mtd "MH"
    # (one SN linear to K+1 with bias: our "kplus1" head).
    keras.utils.set_random_seed(0)
    g = models.build_generator("biggan", image_shape=(32, 32, 3), num_classes=10, z_dim=80, ch=96,
                               shared_dim=128, attention_resolution=16)
    d = models.build_discriminator("biggan", image_shape=(32, 32, 3), num_classes=10, heads=("kplus1",),
                                   ch=96, attention_resolution=16)
    x = g(tf.random.normal([2, 80], seed=0), tf.constant([3, 7]), training=True)
    d(x, tf.constant([3, 7]), training=True)
    self.assertEqual(_count(g), 9_416_196)
    self.assertEqual(_count(d), 2_415_180)
    # By hand: the attention block of G at 384 channels is 384*48*2 + 384*192*2 + 1 parameters.
    g_noattn = models.build_generator("biggan", image_shape=(32, 32, 3), num_classes=10, z_dim=80, ch=96,
                                      attention_resolution=None)
    g_noattn(tf.zeros([1, 80]), tf.constant([0]))
    self.assertEqual(_count(g) - _count(g_noattn), 384 * 48 * 2 + 384 * 192 * 2 + 1)


class GeneratorTest(tf.test.TestCase):

  def _g(self, **kwargs):
    keras.utils.set_random_seed(1)
    kwargs = dict(dict(image_shape=(32, 32, 3), num_classes=5, z_dim=12, ch=2, shared_dim=6), **kwargs)
    g = models.build_generator("biggan", **kwargs)
    g(tf.zeros([2, g.z_dim]), tf.constant([0, 1]) if g.conditional else None, training=False)
    return g

  def test_hierarchical_latents_and_shared_embedding_reach_each_block(self):
    g = self._g()
    self.assertEqual(g.chunk, 3)  # z 12 over 3 blocks + 1
    block1_bn = g.blocks[1].bn1
    seen = {}
    call = block1_bn.call

    def recording_call(x, cond, training=False):
      seen["cond"] = cond
      return call(x, cond, training)

    block1_bn.call = recording_call
    z = tf.reshape(tf.range(24, dtype=tf.float32), [2, 12]) / 24.0
    g(z, tf.constant([2, 4]), training=False)
    # c_1 = [shared[y], z chunk 2] (chunk 0 goes to the linear layer, chunk 1 to block 0).
    table = g.shared.numpy()
    expected = np.concatenate([table[[2, 4]], z.numpy()[:, 6:9]], axis=1)
    self.assertAllClose(seen["cond"], expected)

  def test_linear_conditional_bn_against_numpy(self):
    keras.utils.set_random_seed(2)
    layer = biggan.LinearConditionalBN(name="cbn")
    x = tf.random.normal([4, 3, 3, 5], seed=3) * 2.0 + 1.0
    cond = tf.random.normal([4, 7], seed=4)
    out = layer(x, cond, training=True).numpy()
    xn = x.numpy().astype(np.float64)
    mean, var = xn.mean(axis=(0, 1, 2)), xn.var(axis=(0, 1, 2))
    wg = layer.gain.normalized_kernel(False).numpy()  # the u updated by the training call above
    wb = layer.bias.normalized_kernel(False).numpy()
    gain, bias = 1.0 + cond.numpy() @ wg, cond.numpy() @ wb  # [B, C]
    expected = (xn - mean) / np.sqrt(var + 1e-4) * gain[:, None, None] + bias[:, None, None]
    self.assertAllClose(out, expected, atol=2e-4)
    self.assertFalse(hasattr(layer.bn, "gamma"))  # affine=False: no per-channel gain / bias of its own

  def test_class_weights_one_hot_equal_labels_and_mix_the_shared_embedding(self):
    g = self._g()
    z = tf.random.normal([2, 12], seed=5)
    y = tf.constant([1, 3])
    by_label = g(z, y, training=False)
    by_weights = g(z, tf.one_hot(y, 5), training=False)
    self.assertAllClose(by_label, by_weights, atol=1e-6)
    half = tf.constant([[0.5, 0.5, 0.0, 0.0, 0.0]] * 2)
    self.assertAllClose(g._shared(half), (g.shared.numpy()[0] + g.shared.numpy()[1])[None].repeat(2, 0) / 2)

  def test_orthogonal_initialisation(self):
    g = self._g()
    table = g.shared.numpy()  # [5, 6]: orthonormal rows
    self.assertAllClose(table @ table.T, np.eye(5), atol=1e-5)
    w = g.blocks[0].conv1.kernel.numpy().reshape(-1, 8)  # [3*3*8, 8]: orthonormal columns
    self.assertAllClose(w.T @ w, np.eye(8), atol=1e-5)

  def test_layers_of_the_same_shape_start_different(self):
    # One shared Keras initializer instance would give every same-shaped kernel the same draw.
    g = self._g()
    d = models.build_discriminator("biggan", image_shape=(32, 32, 3), num_classes=5, ch=2, heads=("kplus1",))
    d(tf.zeros([2, 32, 32, 3]), None)
    pairs = [(d.blocks[2].conv1, d.blocks[3].conv1), (d.attention.theta, d.attention.phi),
             (g.blocks[1].conv1, g.blocks[2].conv1), (g.blocks[1].bn1.gain, g.blocks[1].bn1.bias)]
    for a, b in pairs:
      self.assertEqual(a.kernel.shape, b.kernel.shape)
      self.assertGreater(np.abs(a.kernel.numpy() - b.kernel.numpy()).max(), 0.1, msg=f"{a.path} vs {b.path}")

  def test_unconditional_uses_z_chunks_only(self):
    g = self._g(conditional=False)
    self.assertIsNone(g.shared)
    self.assertEqual(g.blocks[0].bn1.gain.kernel.shape, (3, 8))  # c = the z chunk (12 / 4) alone -> 4ch
    self.assertEqual(g(tf.zeros([2, 12]), None).shape, (2, 32, 32, 3))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, r"splits z into 4 equal chunks: z_dim=10 is not a positive multiple"):
      models.build_generator("biggan", image_shape=(32, 32, 3), num_classes=5, z_dim=10)
    with self.assertRaisesRegex(ValueError, r"attention_resolution=4 .*valid: \[8, 16, 32, 64\]"):
      models.build_generator("biggan", image_shape=(64, 64, 3), num_classes=5, attention_resolution=4)
    with self.assertRaisesRegex(ValueError, r"'biggan' does not support image_shape \(28, 28, 1\)"):
      models.build_discriminator("biggan", image_shape=(28, 28, 1), num_classes=5)


class DiscriminatorTest(tf.test.TestCase):

  def test_layout_and_heads(self):
    keras.utils.set_random_seed(3)
    d = models.build_discriminator("biggan", image_shape=(64, 64, 3), num_classes=5, ch=2,
                                   heads=("projection", "classifier"))
    out = d(tf.random.normal([2, 64, 64, 3], seed=6), tf.constant([0, 4]), training=True)
    self.assertEqual(out.features.shape, (2, 32))  # 16ch
    self.assertEqual(out.class_logits.shape, (2, 5))
    self.assertEqual([b.channels for b in d.blocks], [2, 4, 8, 16, 32])
    self.assertEqual([b.downsample for b in d.blocks], [True, True, True, True, False])
    self.assertEqual(d.attention_after, 0)  # 32 px by default: after the first block


if __name__ == "__main__":
  tf.test.main()
