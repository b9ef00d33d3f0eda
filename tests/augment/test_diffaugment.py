"""DiffAugment: each policy against numpy with the same random draws, gradients, determinism, bad input, and
the train step applying it to every image D sees."""

from unittest import mock

import keras
import numpy as np
import tensorflow as tf

from tests.training.test_step import HingeCE
from tfgan_mh.models import base as models_base
from tfgan_mh.models.outputs import DiscOutput
from tfgan_mh.augment import diffaugment as augment
from tfgan_mh.training import optim
from tfgan_mh.training.step import GANTrainer

SEED = tf.constant([3, 9], tf.int32)


def _u(seed, batch, salt):
  return tf.random.stateless_uniform([batch, 1, 1, 1], seed=seed + [0, salt]).numpy()


class DiffAugmentTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.x = tf.random.stateless_uniform([4, 8, 6, 3], seed=[1, 2], minval=-1, maxval=1)

  def test_color_is_brightness_saturation_contrast(self):
    x = self.x.numpy()
    x = x + (_u(SEED, 4, 1) - 0.5)
    m = x.mean(3, keepdims=True)
    x = (x - m) * (2 * _u(SEED, 4, 2)) + m
    m = x.mean((1, 2, 3), keepdims=True)
    expected = (x - m) * (_u(SEED, 4, 3) + 0.5) + m
    self.assertAllClose(augment.color(self.x, SEED), expected, atol=1e-6)

  def test_translation_shifts_whole_pixels_with_zeros(self):
    out = augment.translation(self.x, SEED).numpy()
    x = self.x.numpy()
    b = x.shape[0]
    dy = tf.random.stateless_uniform([b], seed=SEED + [0, 4], minval=-1, maxval=2, dtype=tf.int32).numpy()
    dx = tf.random.stateless_uniform([b], seed=SEED + [0, 5], minval=-1, maxval=2, dtype=tf.int32).numpy()
    self.assertGreater(len(set(zip(dy, dx))), 1)  # the draws differ between examples
    for k in range(b):
      expected = np.zeros_like(x[k])
      for i in range(8):
        for j in range(6):
          si, sj = i - dy[k], j - dx[k]
          if 0 <= si < 8 and 0 <= sj < 6:
            expected[i, j] = x[k, si, sj]
      self.assertAllClose(out[k], expected, atol=1e-6)

  def test_cutout_zeroes_one_square(self):
    x = tf.ones([64, 8, 6, 2])
    out = augment.cutout(x, SEED).numpy()
    zero = out[..., 0] == 0  # [B, H, W]
    self.assertAllEqual(out[..., 0], out[..., 1])  # all channels
    for k in range(64):
      rows, cols = np.nonzero(zero[k])
      if rows.size:  # a clipped or full 4 x 3 square of zeros
        self.assertEqual(rows.size, (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1))
        self.assertLessEqual(rows.max() - rows.min() + 1, 4)
        self.assertLessEqual(cols.max() - cols.min() + 1, 3)
    self.assertEqual(zero.sum(axis=(1, 2)).max(), 12)  # some squares lie fully inside
    self.assertTrue(np.all(np.isin(out, [0.0, 1.0])))

  def test_gradients_flow_and_the_draws_are_deterministic(self):
    policy = augment.parse_policy("color,translation,cutout")
    with tf.GradientTape() as tape:
      tape.watch(self.x)
      y = augment.diff_augment(self.x, policy, SEED)
      loss = tf.reduce_sum(y * y)
    grad = tape.gradient(loss, self.x)
    self.assertGreater(float(tf.reduce_sum(tf.abs(grad))), 0.0)
    self.assertAllEqual(y, augment.diff_augment(self.x, policy, SEED))
    self.assertNotAllClose(y, augment.diff_augment(self.x, policy, SEED + [0, 1]))
    self.assertAllEqual(augment.diff_augment(self.x, (), SEED), self.x)

  def test_translation_gradient_is_the_shift_back(self):
    with tf.GradientTape() as tape:
      tape.watch(self.x)
      y = augment.translation(self.x, SEED)
    grad = tape.gradient(y, self.x, output_gradients=tf.ones_like(y)).numpy()
    self.assertTrue(np.all(np.isin(grad, [0.0, 1.0])))  # each input pixel lands on at most one output

  def test_bad_policy_is_one_line(self):
    self.assertEqual(augment.parse_policy(None), ())
    self.assertEqual(augment.parse_policy("color, cutout"), ("color", "cutout"))
    with self.assertRaisesRegex(ValueError, r"^DiffAugment policy 'flip' is not valid; valid: color, translation, "
                                r"cutout$"):
      augment.parse_policy("color,flip")


class ImageG(models_base.LatentInput, keras.Model):
  z_dim, conditional, num_classes = 4, True, 3

  def __init__(self):
    super().__init__()
    self.dense = keras.layers.Dense(8 * 8 * 3, kernel_initializer=keras.initializers.RandomNormal(seed=1))

  def call(self, z, labels=None, training=False):
    return tf.tanh(tf.reshape(self.dense(z), [-1, 8, 8, 3]) + tf.cast(labels, tf.float32)[:, None, None, None])


class ImageD(keras.Model):
  heads, num_classes = ("projection", "classifier"), 3

  def __init__(self):
    super().__init__()
    self.phi = keras.layers.Dense(5, activation="tanh", kernel_initializer=keras.initializers.RandomNormal(seed=3))
    self.lin = keras.layers.Dense(1, kernel_initializer=keras.initializers.RandomNormal(seed=4))
    self.cls = keras.layers.Dense(3, kernel_initializer=keras.initializers.RandomNormal(seed=6))

  def call(self, x, labels=None, training=False):
    h = self.phi(tf.reshape(x, [-1, 8 * 8 * 3]))
    return DiscOutput(adv_logits=tf.squeeze(self.lin(h), -1), class_logits=self.cls(h), features=h)


def _run(policy, steps=3):
  trainer = GANTrainer(
      strategy=tf.distribute.get_strategy(), make_generator=ImageG, make_discriminator=ImageD, family=HingeCE(),
      make_g_optimizer=lambda: optim.PreReducedAdam(1e-2), make_d_optimizer=lambda: optim.PreReducedAdam(1e-2),
      num_classes=3, image_shape=(8, 8, 3), global_batch_size=4, augment=policy)
  x = tf.random.stateless_uniform([4, 8, 8, 3], seed=[4, 4], minval=-1, maxval=1)
  it = iter(tf.data.Dataset.from_tensors((x, tf.constant([0, 1, 2, 0]))).repeat())
  return {k: float(v) for k, v in trainer.train_steps(it, steps).items()}


class TrainStepAugmentTest(tf.test.TestCase):

  def test_every_image_d_sees_is_augmented_with_its_own_draws(self):
    calls = []
    real_fn = augment.diff_augment

    def recording(images, policy, seed):
      calls.append((tuple(images.shape), policy, seed))
      return real_fn(images, policy, seed)

    with mock.patch.object(augment, "diff_augment", recording):
      out = _run("translation,cutout", steps=1)
    self.assertTrue(all(np.isfinite(v) for v in out.values()), out)
    # Traced once: real and fake in the D step, fake in the G step, each [4, 8, 8, 3].
    self.assertLen(calls, 3)
    self.assertEqual({c[0] for c in calls}, {(4, 8, 8, 3)})
    self.assertEqual({c[1] for c in calls}, {("translation", "cutout")})

  def test_augmented_training_is_deterministic_and_differs_from_plain(self):
    plain, a, b = _run(""), _run("color,translation,cutout"), _run("color,translation,cutout")
    self.assertEqual(a, b)
    self.assertNotAlmostEqual(plain["d/loss"], a["d/loss"], places=4)

  def test_samples_that_are_not_images_are_refused(self):
    with self.assertRaisesRegex(ValueError, r"DiffAugment color needs images \[H, W, C\]"):
      GANTrainer(strategy=tf.distribute.get_strategy(), make_generator=ImageG, make_discriminator=ImageD,
                 family=HingeCE(), make_g_optimizer=optim.PreReducedAdam, make_d_optimizer=optim.PreReducedAdam,
                 num_classes=3, image_shape=(2,), global_batch_size=4, augment="color")


if __name__ == "__main__":
  tf.test.main()
