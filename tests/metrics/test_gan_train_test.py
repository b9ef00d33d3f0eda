"""GAN-train / GAN-test helpers and the small Keras trainer on a separable toy problem."""

import functools

import numpy as np
import tensorflow as tf

from tfgan_mh.metrics import gan_train_test as gtt

K = 4


def _toy(n, seed):
  """8x8x1 images whose class k lights up quadrant k (plus noise): easily separable."""
  rng = np.random.default_rng(seed)
  y = rng.integers(0, K, size=n)
  x = rng.normal(scale=0.3, size=(n, 8, 8, 1)).astype(np.float32)
  for i, k in enumerate(y):
    r, c = divmod(int(k), 2)
    x[i, 4 * r:4 * r + 4, 4 * c:4 * c + 4, 0] += 1.0
  return x, y


class GanTrainTestTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.x_train, cls.y_train = _toy(512, 0)
    cls.x_test, cls.y_test = _toy(256, 1)
    cls.make = functools.partial(gtt.build_small_classifier, (8, 8, 1), K, width=8)
    cls.real_classifier = gtt.train_classifier(cls.make(), cls.x_train, cls.y_train, epochs=6,
                                               batch_size=32, learning_rate=1e-2, seed=0)

  def test_classifier_learns_and_gan_test_of_perfect_generator_is_test_accuracy(self):
    test_acc = gtt.gan_test(classifier=self.real_classifier, x_generated=self.x_test,
                            y_generated=self.y_test)
    self.assertGreater(test_acc, 0.95)
    logits = gtt.predict_logits(self.real_classifier, self.x_test, batch_size=100)
    self.assertEqual(logits.shape, (256, K))
    self.assertAllClose(logits, self.real_classifier.predict(self.x_test, verbose=0), atol=1e-4)

  def test_gan_test_of_label_ignoring_generator_is_low(self):
    wrong = (self.y_test + 1) % K  # Samples drawn for class y + 1 look like class y.
    acc = gtt.gan_test(classifier=self.real_classifier, x_generated=self.x_test, y_generated=wrong)
    self.assertLess(acc, 0.05)

  def test_gan_train(self):
    good = gtt.gan_train(make_classifier=self.make, x_generated=self.x_train,
                         y_generated=self.y_train, x_test=self.x_test, y_test=self.y_test,
                         epochs=6, batch_size=32, learning_rate=1e-2)
    self.assertGreater(good.accuracy, 0.95)
    permuted = gtt.gan_train(make_classifier=self.make, x_generated=self.x_train,
                             y_generated=(self.y_train + 1) % K, x_test=self.x_test,
                             y_test=self.y_test, epochs=6, batch_size=32, learning_rate=1e-2)
    self.assertLess(permuted.accuracy, 0.05)

  def test_mlp_for_vectors_and_bad_input(self):
    model = gtt.build_small_classifier((2,), 3)
    self.assertEqual(model(np.zeros([5, 2], np.float32)).shape, (5, 3))
    with self.assertRaisesRegex(ValueError, r"\[H, W, C\] or \[d\]"):
      gtt.build_small_classifier((4, 4), 3)
    with self.assertRaisesRegex(ValueError, "3 inputs and 2 labels"):
      gtt.train_classifier(model, np.zeros([3, 2]), [0, 1])
