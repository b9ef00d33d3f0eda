"""Feature extractors: TF-GAN's Inception path on stand-ins with its signature; classifier SavedModels.

The Inception stand-in takes [B, 299, 299, 3] float32 (any other size fails inside the SavedModel) and
returns {'logits': [B, 1008], 'pool_3': [B, 1, 1, 2048]} made of statistics and pixels of its input, so
the tests see exactly what the extractor fed it: the size, the value range, the legacy-bilinear resize
(checked against a numpy reference of TF1's kernel) and the grayscale tiling.
"""

import os
import shutil
import sys
import tempfile
import types
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_mh.data import pipeline
from tfgan_mh.evaluation import classifier
from tfgan_mh.evaluation import extractors

S = extractors.INCEPTION_IMAGE_SIZE
ROWS = slice(150, 153)  # pool_3 of the stand-in = these 3 rows of its input (3 * 299 * 3 >= 2048 values)


def _stand_in_outputs(images):
  b = tf.shape(images)[0]
  flat = tf.reshape(images, [b, -1])
  stats = tf.stack([tf.reduce_min(flat, 1), tf.reduce_max(flat, 1), tf.reduce_mean(flat, 1)], 1)  # [B, 3]
  channel_means = tf.reduce_mean(images, [1, 2])  # [B, 3]
  logits = tf.concat([stats, channel_means, tf.zeros([b, extractors.INCEPTION_NUM_LOGITS - 6])], 1)
  pool = tf.reshape(images[:, ROWS], [b, -1])[:, :extractors.INCEPTION_FEATURE_DIM]
  return {"logits": logits, "pool_3": tf.reshape(pool, [b, 1, 1, extractors.INCEPTION_FEATURE_DIM])}


_SPEC = tf.TensorSpec([None, S, S, 3], tf.float32)


class _CallableStandIn(tf.Module):
  """Like a TF2 Hub module: TF-GAN calls the loaded object, `tfhub.load(handle)(images)`."""

  @tf.function(input_signature=[_SPEC])
  def __call__(self, images):
    return _stand_in_outputs(images)


def save_callable_stand_in(path):
  tf.saved_model.save(_CallableStandIn(), path)


def save_signature_stand_in(path):
  """Like a TF1 Hub module: not callable, a 'default' signature with one named input."""
  module = tf.Module()
  fn = tf.function(_stand_in_outputs, input_signature=[tf.TensorSpec([None, S, S, 3], tf.float32,
                                                                     name="images")])
  module.fn = fn
  tf.saved_model.save(module, path, signatures={"default": fn.get_concrete_function()})


def legacy_bilinear_reference(x, size):
  """numpy TF1 bilinear (align_corners=False, half_pixel_centers=False): source = i * in / out."""
  def axis(n_in):
    src = np.arange(size) * (n_in / size)
    lo = np.floor(src).astype(int)
    return lo, np.minimum(lo + 1, n_in - 1), src - lo
  y0, y1, fy = axis(x.shape[1])
  x0, x1, fx = axis(x.shape[2])
  top = x[:, y0][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y0][:, :, x1] * fx[None, None, :, None]
  bottom = x[:, y1][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y1][:, :, x1] * fx[None, None, :, None]
  return top * (1 - fy)[None, :, None, None] + bottom * fy[None, :, None, None]


def _images(n, size, channels, seed=0):
  return np.random.default_rng(seed).uniform(-1, 1, size=(n, size, size, channels)).astype(np.float32)


class InceptionExtractorTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp(prefix="tfgan_mh_extractors_")
    cls.callable_dir = os.path.join(cls.root, "callable")
    cls.signature_dir = os.path.join(cls.root, "signature")
    save_callable_stand_in(cls.callable_dir)
    save_signature_stand_in(cls.signature_dir)
    cls.ext = extractors.load_extractor("inception:" + cls.callable_dir)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_interface(self):
    self.assertEqual(self.ext.name, "inception")
    self.assertEqual((self.ext.num_logits, self.ext.feature_dim), (1008, 2048))
    self.assertEqual(self.ext.image_shape, (299, 299, 3))
    logits, features = self.ext(_images(5, 32, 3))
    self.assertEqual((logits.shape, features.shape), ((5, 1008), (5, 2048)))
    self.assertEqual((logits.dtype, features.dtype), (tf.float32, tf.float32))

  def test_resize_to_299_is_tf1_legacy_bilinear(self):
    x = _images(3, 32, 3)
    want = legacy_bilinear_reference(x.astype(np.float64), S)  # [3, 299, 299, 3]
    logits, features = (t.numpy() for t in self.ext(x))
    # pool_3 of the stand-in holds rows 150-152 of what it received: the resized images, pixel for pixel.
    self.assertAllClose(features, want[:, ROWS].reshape(3, -1)[:, :2048], atol=1e-5)
    self.assertAllClose(logits[:, :3], np.stack([want.reshape(3, -1).min(1), want.reshape(3, -1).max(1),
                                                 want.reshape(3, -1).mean(1)], 1), atol=1e-5)
    self.assertAllClose(logits[:, 3:6], want.mean((1, 2)), atol=1e-5)
    self.assertAllEqual(logits[:, 6:], np.zeros([3, 1002]))
    # Values are not rescaled: interpolation is convex, so they stay within the input's range ...
    self.assertAllEqual(logits[:, 0] >= x.reshape(3, -1).min(1) - 1e-6, [True] * 3)
    self.assertAllEqual(logits[:, 1] <= x.reshape(3, -1).max(1) + 1e-6, [True] * 3)
    # ... and a constant image arrives as the same constant, -1 and 1 included.
    for c in (-1.0, 0.3, 1.0):
      const_logits, _ = self.ext(np.full([1, 20, 24, 3], c, np.float32))
      self.assertAllEqual(const_logits[0, :2], np.float32([c, c]))  # min, max
      self.assertAllClose(const_logits[0, 2:6], [c] * 4, atol=1e-3)  # float32 means over 89401 pixels
    # The same as TF-GAN's SAGAN example (tf.compat.v1.image.resize, BILINEAR), not TF2's half-pixel resize.
    v1 = tf.compat.v1.image.resize(x, [S, S], method=tf.image.ResizeMethod.BILINEAR).numpy()
    self.assertAllClose(extractors.legacy_resize_bilinear(x, S).numpy(), v1, atol=1e-6)
    v2 = tf.image.resize(x, [S, S], method="bilinear").numpy()
    self.assertGreater(np.abs(v2[:, ROWS].reshape(3, -1)[:, :2048] - features).max(), 0.05)

  def test_299_input_passes_unchanged(self):
    x = _images(2, S, 3, seed=1)
    _, features = self.ext(x)
    self.assertAllEqual(features.numpy(), x[:, ROWS].reshape(2, -1)[:, :2048])

  def test_grayscale_is_tiled_to_rgb(self):
    gray = _images(4, 28, 1, seed=2)
    logits_g, features_g = self.ext(gray)
    logits_rgb, features_rgb = self.ext(np.repeat(gray, 3, axis=-1))
    self.assertAllClose(logits_g, logits_rgb, atol=1e-6)
    self.assertAllClose(features_g, features_rgb, atol=1e-6)
    self.assertAllClose(logits_g[:, 3], logits_g[:, 5], atol=1e-7)  # equal channel means

  def test_chunks_give_the_same_outputs(self):
    x = _images(10, 16, 3, seed=3)
    whole = self.ext(x)
    chunked = extractors.InceptionExtractor(self.callable_dir, batch_size=4)(x)  # chunks 4, 4, 2
    for a, b in zip(whole, chunked):
      self.assertEqual(b.shape[0], 10)
      self.assertAllClose(a, b, atol=1e-6)

  def test_signature_only_module_and_tf_function_caller(self):
    ext = extractors.load_extractor("inception:" + self.signature_dir)
    x = _images(6, 32, 3, seed=4)
    for a, b in zip(ext(x), self.ext(x)):
      self.assertAllClose(a, b, atol=1e-6)
    # Inside a caller's tf.function with an unknown batch size (no chunking possible): same numbers.
    fn = tf.function(lambda images: ext(images), input_signature=[tf.TensorSpec([None, 32, 32, 3])])
    for a, b in zip(fn(x), self.ext(x)):
      self.assertAllClose(a, b, atol=1e-6)

  def test_inception_spec_resolves_the_tfhub_url(self):
    fake_hub = types.ModuleType("tensorflow_hub")
    fake_hub.resolve = mock.Mock(return_value=self.callable_dir)
    with mock.patch.dict(sys.modules, {"tensorflow_hub": fake_hub}):
      ext = extractors.load_extractor("inception")
    fake_hub.resolve.assert_called_once_with("https://tfhub.dev/tensorflow/tfgan/eval/inception/1")
    self.assertEqual(ext.name, "inception")
    self.assertAllClose(ext(_images(1, 8, 3))[0], self.ext(_images(1, 8, 3))[0])

  def test_inception_spec_without_tensorflow_hub_or_network(self):
    with mock.patch.dict(sys.modules, {"tensorflow_hub": None}):  # import fails
      with self.assertRaisesRegex(ValueError, r"^extractor 'inception' .*tensorflow_hub.*tfgan_mh\[hub\].*"
                                  r"inception/1\?tf-hub-format=compressed.*'inception:D'$"):
        extractors.load_extractor("inception")
    offline_hub = types.ModuleType("tensorflow_hub")
    offline_hub.resolve = mock.Mock(side_effect=OSError("Temporary failure in name resolution\nmore"))
    with mock.patch.dict(sys.modules, {"tensorflow_hub": offline_hub}):
      with self.assertRaisesRegex(ValueError, r"^extractor 'inception' could not download .*name "
                                  r"resolution\).*tf-hub-format=compressed"):
        extractors.load_extractor("inception")

  def test_bad_specs_and_paths(self):
    empty = os.path.join(self.root, "empty")
    os.makedirs(empty, exist_ok=True)
    cases = {
        "inceptionv3": r"unknown extractor spec 'inceptionv3': expected one of inception, ",
        "classifier": r"unknown extractor spec 'classifier'",
        "": r"unknown extractor spec ''",
        "inception:": r"has an empty path",
        "classifier:": r"has an empty path",
        "inception:/no/such/dir": r"'/no/such/dir' is not a directory",
        "classifier:" + empty: r"has no saved_model.pb",
    }
    for spec, pattern in cases.items():
      with self.subTest(spec=spec):
        with self.assertRaisesRegex(ValueError, pattern) as ctx:
          extractors.load_extractor(spec)
        self.assertNotIn("\n", str(ctx.exception))
    with self.assertRaisesRegex(ValueError, "is not a string"):
      extractors.load_extractor(None)

  def test_wrong_savedmodels(self):
    wrong_outputs = os.path.join(self.root, "wrong_outputs")
    module = tf.Module()
    module.__call__ = tf.function(lambda x: {"logits": tf.reduce_mean(x, [1, 2])},
                                  input_signature=[_SPEC])
    tf.saved_model.save(module, wrong_outputs)
    with self.assertRaisesRegex(ValueError, r"returns \['logits'\]: expected a dict with 'logits' and "
                                r"'pool_3'"):
      extractors.load_extractor("inception:" + wrong_outputs)
    # An Inception stand-in is no classifier (no serving_default with logits and features), and vice versa.
    with self.assertRaisesRegex(ValueError, r"no one-input 'serving_default' signature returning logits "
                                r"and features"):
      extractors.load_extractor("classifier:" + self.callable_dir)

  def test_bad_images(self):
    for images, pattern in ((np.zeros([2, 8, 8, 4], np.float32), r"shape \(2, 8, 8, 4\)"),
                            (np.zeros([8, 8, 3], np.float32), r"shape \(8, 8, 3\)"),
                            (np.zeros([2, 8, 8, 3], np.uint8), r"dtype uint8: expected float32")):
      with self.subTest(pattern=pattern):
        with self.assertRaisesRegex(ValueError, "^inception: images have " + pattern):
          self.ext(images)


class ClassifierExtractorTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp(prefix="tfgan_mh_extractors_")
    tf.keras.utils.set_random_seed(0)
    cls.gray_model = classifier.build_classifier((28, 28, 1), 10, arch="mnist_cnn", width=8)
    cls.gray_dir = os.path.join(cls.root, "gray")
    classifier.export(cls.gray_model, cls.gray_dir)
    cls.rgb_model = classifier.build_classifier((16, 16, 3), 5, arch="vgg", width=8)
    cls.rgb_dir = os.path.join(cls.root, "rgb")
    classifier.export(cls.rgb_model, cls.rgb_dir)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_outputs_are_the_models(self):
    ext = extractors.load_extractor("classifier:" + self.gray_dir)
    self.assertEqual(ext.name, "classifier:" + self.gray_dir)
    self.assertEqual((ext.num_logits, ext.feature_dim, ext.image_shape), (10, 128, (28, 28, 1)))
    x = _images(7, 28, 1)
    logits, features = ext(x)
    want_logits, want_features = self.gray_model(x, training=False)
    self.assertAllClose(logits, want_logits, atol=1e-5)
    self.assertAllClose(features, want_features, atol=1e-5)
    self.assertEqual(ext.info, {})  # no test_accuracy.json beside this one

  def test_other_sizes_are_resized_like_the_data_pipeline(self):
    ext = extractors.load_extractor("classifier:" + self.gray_dir)
    x32 = _images(4, 32, 1, seed=5)
    resized = pipeline.resize_images(tf.constant(x32), (28, 28)).numpy()  # area: shrink
    for a, b in zip(ext(x32), self.gray_model(resized, training=False)):
      self.assertAllClose(a, b, atol=1e-5)
    with self.assertRaisesRegex(ValueError, r"shape \(4, 32, 32, 3\): expected \[B, H, W, C\] with C in "
                                r"\(1,\)"):
      ext(np.repeat(x32, 3, axis=-1))

  def test_rgb_classifier_tiles_gray_and_chunks(self):
    ext = extractors.ClassifierExtractor(self.rgb_dir, batch_size=3)
    self.assertEqual((ext.num_logits, ext.feature_dim, ext.image_shape), (5, 32, (16, 16, 3)))
    gray = _images(8, 16, 1, seed=6)
    logits, features = ext(gray)  # chunks of 3, 3, 2
    want_logits, want_features = self.rgb_model(np.repeat(gray, 3, axis=-1), training=False)
    self.assertAllClose(logits, want_logits, atol=1e-5)
    self.assertAllClose(features, want_features, atol=1e-5)
