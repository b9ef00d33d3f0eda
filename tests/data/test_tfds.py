"""TFDS sources through `tfds.testing.mock_data` (offline, never downloading), and the CelebA 5-class rule."""

import math
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tests.data import helpers
from tfgan_mh import data

# name -> (num_classes, image_shape)
EXPECTED = {
    "mnist": (10, (28, 28, 1)),
    "fashion_mnist": (10, (28, 28, 1)),
    "cifar10": (10, (32, 32, 3)),
    "cifar100": (100, (32, 32, 3)),
    "celeb_a_5": (5, (64, 64, 3)),
    "imagenet2012_64": (1000, (64, 64, 3)),
    "imagenet2012_128": (1000, (128, 128, 3)),
    "imagenet_resized_64": (1000, (64, 64, 3)),
    "imagenet2012_subset_10pct": (1000, (128, 128, 3)),
}

# Aligned-CelebA-like landmarks (pixels of the 218 x 178 image): eyes level, nose midway.
FRONT = dict(lefteye_x=69, lefteye_y=111, righteye_x=109, righteye_y=111, nose_x=89, nose_y=135,
             leftmouth_x=72, leftmouth_y=152, rightmouth_x=106, rightmouth_y=152)


def _encode(image):
  image = tf.constant(image, tf.uint8)
  return (tf.io.encode_png(image) if image.shape[-1] == 1 else tf.io.encode_jpeg(image, quality=100)).numpy()


def _fake_as_dataset(examples_by_builder):
  """An `as_dataset_fn` for mock_data yielding hand-made examples (images encoded: we read with SkipDecoding)."""
  def as_dataset(self, split, **kwargs):
    del split, kwargs
    return tf.data.Dataset.from_tensor_slices(examples_by_builder[self.name])
  return as_dataset


def _with_label(image_value, labels, shape):
  return {"image": [_encode(np.full(shape, v, np.uint8)) for v in image_value],
          "label": np.asarray(labels, np.int64)}


class TfdsMockTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(*EXPECTED)
  def test_source_yields_right_shapes_ranges_and_labels(self, name):
    k, shape = EXPECTED[name]
    with tfds.testing.mock_data(num_examples=12):
      src = data.build_source(name, data_dir=helpers.make_tempdir(self))
      self.assertEqual((src.name, src.num_classes, src.image_shape), (name, k, shape))
      for split, training in (("train", True), ("validation", False)):
        x, y = next(iter(src.input_fn(global_batch_size=4, split=split, training=training)))
        self.assertEqual((x.shape, x.dtype, y.shape, y.dtype), ((4,) + shape, tf.float32, (4,), tf.int32))
        self.assertAllInRange(x, -1.0, 1.0)
        self.assertAllInRange(y, 0, k - 1)
      if name == "imagenet2012_subset_10pct":
        self.assertTrue(src.semi_supervised)
        self.assertEqual(next(iter(src.unlabeled_input_fn(global_batch_size=4))).shape, (4,) + shape)
      else:
        with self.assertRaisesRegex(ValueError, "is not semi-supervised"):
          src.unlabeled_input_fn(global_batch_size=4)

  def test_same_seed_same_batches(self):
    with tfds.testing.mock_data(num_examples=40):
      src = data.build_source("cifar10", random_flip=True, shuffle_buffer=40)
      a = helpers.take(src.input_fn(global_batch_size=8, seed=5), 6)
      b = helpers.take(src.input_fn(global_batch_size=8, seed=5), 6)
      c = helpers.take(src.input_fn(global_batch_size=8, seed=6), 6)
    for (xa, ya), (xb, yb) in zip(a, b):
      np.testing.assert_array_equal(xa, xb)
      np.testing.assert_array_equal(ya, yb)
    self.assertFalse(all(np.array_equal(xa, xc) for (xa, _), (xc, _) in zip(a, c)))

  def test_celeb_a_classes_through_the_pipeline(self):
    turned = dict(FRONT, nose_x=89 + 10)  # nose 10 px right of the eye midpoint, h = 20 -> yaw 26.6
    landmarks = [FRONT, FRONT, FRONT, FRONT, turned]
    male, mouth = [False, False, True, True, True], [False, True, False, True, False]
    attr_names = tfds.builder("celeb_a").info.features["attributes"].keys()
    examples = {
        "image": [_encode(np.full((218, 178, 3), 40 * i, np.uint8)) for i in range(5)],
        "landmarks": {k: np.array([lm[k] for lm in landmarks], np.int64) for k in FRONT},
        "attributes": {a: np.array(male if a == "Male" else mouth if a == "Mouth_Slightly_Open"
                                   else [False] * 5) for a in attr_names},
        "identity": {"Identity_No": np.arange(5, dtype=np.int64)},
    }
    with tfds.testing.mock_data(as_dataset_fn=_fake_as_dataset({"celeb_a": examples})):
      src = data.build_source("celeb_a_5")
      x, y = helpers.all_batches(src.input_fn(global_batch_size=5, training=False))
    np.testing.assert_array_equal(y, [0, 1, 2, 3, 4])
    self.assertEqual(x.shape, (5, 64, 64, 3))
    np.testing.assert_allclose(x.mean((1, 2, 3)), 40 * np.arange(5) / 127.5 - 1, atol=2 / 127.5)

  def test_labeled_fraction_keeps_per_class_counts(self):
    counts = [10, 20, 5, 1, 0, 0, 0, 0, 0, 45]  # rounds to 1, 2, 1 (0.5 up), 1 (at least one), ..., 5 (4.5 up)
    labels = np.repeat(np.arange(10), counts)
    examples = _with_label(np.arange(len(labels)) % 256, labels, (32, 32, 3))
    with tfds.testing.mock_data(as_dataset_fn=_fake_as_dataset({"cifar10": examples})):
      src = data.build_source("cifar10", labeled_fraction=0.1, labeled_split_seed=3)
      self.assertEqual(src.num_examples, 10)
      _, y = helpers.all_batches(src.input_fn(global_batch_size=5, training=False))
      np.testing.assert_array_equal(np.bincount(y, minlength=10), [1, 2, 1, 1, 0, 0, 0, 0, 0, 5])
      self.assertEqual(next(iter(src.unlabeled_input_fn(global_batch_size=8))).shape, (8, 32, 32, 3))
      other = data.build_source("cifar10", labeled_fraction=0.1, labeled_split_seed=4)
      self.assertNotEqual(src._labeled_mask.tolist(), other._labeled_mask.tolist())

  def test_semi_supervised_imagenet_reads_unlabeled_from_imagenet2012(self):
    fake = {"imagenet2012_subset": _with_label([200] * 4, [0, 1, 2, 3], (20, 30, 3)),
            "imagenet2012": _with_label([50] * 8, [0] * 8, (30, 20, 3))}
    with tfds.testing.mock_data(as_dataset_fn=_fake_as_dataset(fake)):
      src = data.build_source("imagenet2012_subset_10pct", resolution=16)
      x, y = next(iter(src.input_fn(global_batch_size=4, training=False)))
      u = next(iter(src.unlabeled_input_fn(global_batch_size=4)))
    np.testing.assert_array_equal(y, [0, 1, 2, 3])
    self.assertEqual(u.shape, (4, 16, 16, 3))
    self.assertAllClose(x, np.full(x.shape, 200 / 127.5 - 1), atol=2 / 127.5)
    self.assertAllClose(u, np.full(u.shape, 50 / 127.5 - 1), atol=2 / 127.5)

  def test_streaming_labels_out_of_range_fail_in_the_pipeline(self):
    fake = {"cifar10": _with_label([0, 0], [3, 12], (32, 32, 3))}
    with tfds.testing.mock_data(as_dataset_fn=_fake_as_dataset(fake)):
      src = data.build_source("cifar10")
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "label >= num_classes=10"):
        helpers.all_batches(src.input_fn(global_batch_size=2, training=False))

  def test_bad_arguments(self):
    with tfds.testing.mock_data(num_examples=4):
      for name, kwargs, pattern in [
          ("imagenet2012_64", dict(resolution=32), "resolution=32 conflicts with source 'imagenet2012_64'"),
          ("imagenet2012_subset_10pct", dict(labeled_fraction=0.1), "already split"),
          ("cifar10", dict(labeled_fraction=1.5), r"labeled_fraction=1.5: expected a fraction in \(0, 1\]"),
          ("cifar10", dict(path="/tmp/x"), "path='/tmp/x' is only used by the local sources"),
          ("cifar10", dict(resolution=0), "resolution=0"),
          ("cifar10", dict(shuffle_buffer=0), "shuffle_buffer=0"),
      ]:
        with self.subTest(name=name, **kwargs):
          with self.assertRaises(ValueError) as ctx:
            data.build_source(name, **kwargs)
          self.assertRegex(helpers.our_message(ctx.exception), pattern)
          self.assertNotIn("\n", helpers.our_message(ctx.exception))
      src = data.build_source("cifar10")
      with self.assertRaisesRegex(ValueError, "split='dev' is not available .* 'train', 'validation', 'test'"):
        src.input_fn(global_batch_size=4, split="dev")
      with self.assertRaisesRegex(ValueError, "global_batch_size=0"):
        src.input_fn(global_batch_size=0)


class TfdsAbsentTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters("celeb_a_5", "imagenet2012_64", "imagenet2012_subset_10pct")
  def test_absent_data_is_a_clear_error_and_nothing_is_downloaded(self, name):
    # Downloadable datasets (MNIST, Fashion-MNIST, CIFAR): tests/data/test_tfds_download.py.
    data_dir = helpers.make_tempdir(self)
    with self.assertRaises(ValueError) as ctx:
      data.build_source(name, data_dir=data_dir)
    message = helpers.our_message(ctx.exception)
    self.assertNotIn("\n", message)
    self.assertIn(f"data_dir={data_dir!r}", message)
    self.assertIn("will not be downloaded", message)
    self.assertIn("pass data_dir pointing at prepared TFDS data", message)
    self.assertIn("use a local source (npz, image_folder)", message)
    self.assertNotIn("connect to the network", message)
    self.assertFalse(os.path.exists(os.path.join(data_dir, "downloads")))

  def test_unknown_name_lists_valid_names(self):
    with self.assertRaises(ValueError) as ctx:
      data.build_source("cifar11")
    message = helpers.our_message(ctx.exception)
    self.assertRegex(message, "unknown dataset name 'cifar11': valid names are mnist, .*cifar10, .*ring")
    for name in data.SOURCE_NAMES:
      self.assertIn(name, message)
    self.assertNotIn("\n", message)


class CelebA5ClassRuleTest(tf.test.TestCase):

  def _class(self, landmarks, male, mouth_open, **kwargs):
    return int(data.celeb_a_5_class({k: tf.constant(v) for k, v in landmarks.items()},
                                     {"Male": tf.constant(male), "Mouth_Slightly_Open": tf.constant(mouth_open)},
                                     **kwargs))

  def test_front_facing_gender_by_mouth(self):
    self.assertEqual(self._class(FRONT, False, False), 0)
    self.assertEqual(self._class(FRONT, False, True), 1)
    self.assertEqual(self._class(FRONT, True, False), 2)
    self.assertEqual(self._class(FRONT, True, True), 3)

  def test_angles_from_landmarks(self):
    roll, yaw = data.face_angles({k: tf.constant(v) for k, v in FRONT.items()})
    self.assertAllClose([roll, yaw], [0.0, 0.0])
    # Eye line tilted by 20 degrees (right eye lower), nose on the eye midline: roll 20, yaw 0.
    c, s = math.cos(math.radians(20)), math.sin(math.radians(20))
    tilted = dict(FRONT, righteye_x=69 + 100 * c, righteye_y=111 + 100 * s, nose_x=69 + 50 * c - 30 * s,
                  nose_y=111 + 50 * s + 30 * c)
    roll, yaw = data.face_angles({k: tf.constant(v, tf.float64) for k, v in tilted.items()})
    self.assertAllClose([roll, yaw], [20.0, 0.0], atol=1e-4)
    # Level eyes 40 px apart (h = 20), nose u px right of the midpoint: yaw = atan(u / (rho h)).
    for u, rho in ((5, 1.0), (20, 1.0), (-10, 1.0), (10, 0.5)):
      lm = dict(FRONT, nose_x=89 + u)
      _, yaw = data.face_angles({k: tf.constant(v) for k, v in lm.items()}, nose_depth_ratio=rho)
      self.assertAllClose(yaw, math.degrees(math.atan(u / (rho * 20))), atol=1e-4)

  def test_rotated_beyond_15_degrees_is_class_4(self):
    # tan(15 deg) * 20 = 5.36 px of nose offset is the boundary.
    self.assertEqual(self._class(dict(FRONT, nose_x=89 + 5), True, True), 3)    # yaw 14.0
    self.assertEqual(self._class(dict(FRONT, nose_x=89 + 6), True, True), 4)    # yaw 16.7
    self.assertEqual(self._class(dict(FRONT, nose_x=89 - 6), False, False), 4)  # turned the other way
    # Roll: right eye 12 px lower over 40 px -> 16.7 degrees; 10 px -> 14.0 (nose kept on the midline).
    self.assertEqual(self._class(dict(FRONT, righteye_y=111 + 12, nose_x=89 - 3, nose_y=135), False, True), 4)
    self.assertEqual(self._class(dict(FRONT, righteye_y=111 + 10, nose_x=89 - 2.5, nose_y=135), False, True), 1)
    self.assertEqual(self._class(dict(FRONT, nose_x=89 + 6), True, True, max_angle=20.0), 3)
    # Batched: the rule maps element-wise.
    batch = {k: tf.constant([v, v + (6 if k == "nose_x" else 0)]) for k, v in FRONT.items()}
    out = data.celeb_a_5_class(batch, {"Male": tf.constant([True, False]),
                                       "Mouth_Slightly_Open": tf.constant([False, False])})
    self.assertAllEqual(out, [2, 4])


if __name__ == "__main__":
  tf.test.main()
