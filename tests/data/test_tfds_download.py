"""TFDS downloading: MNIST, Fashion-MNIST and CIFAR are downloaded when not prepared, ImageNet / CelebA never;
a failed download is one line naming every way to get the data; `path=` reads a local idx folder instead.

Nothing here touches the network: TFDS is read through `tfds.testing.mock_data`, and `download_and_prepare`
is replaced by a recorder or by a function raising what an offline machine raises.
"""

import os
from unittest import mock

from absl.testing import parameterized
import requests
import tensorflow as tf
import tensorflow_datasets as tfds

from tests.data import helpers
from tfgan_mh import data
from tfgan_mh.data import arrays
from tfgan_mh.data import tfds_sources

_BUILDER = tfds.core.DatasetBuilder
_OFFLINE = requests.exceptions.ConnectionError(
    "HTTPSConnectionPool(host='storage.googleapis.com', port=443): Max retries exceeded\nsecond line")


class DownloadTest(parameterized.TestCase, tf.test.TestCase):

  def _build(self, name, download, **kwargs):
    """build_source(name) on mock TFDS data that is not prepared; `download` replaces download_and_prepare."""
    with tfds.testing.mock_data(num_examples=8), \
        mock.patch.object(_BUILDER, "is_prepared", lambda self: False), \
        mock.patch.object(_BUILDER, "download_and_prepare", download):
      return data.build_source(name, **kwargs)

  def test_mnist_reads_tfds(self):
    with tfds.testing.mock_data(num_examples=8):
      src = data.build_source("mnist")
      x, y = next(iter(src.input_fn(global_batch_size=4, training=False)))
    self.assertIsInstance(src, tfds_sources.TfdsSource)
    self.assertNotIsInstance(src, arrays.ArraySource)
    self.assertEqual((src.name, src.num_classes, src.image_shape), ("mnist", 10, (28, 28, 1)))
    self.assertEqual(x.shape, (4, 28, 28, 1))
    self.assertAllInRange(y, 0, 9)

  @parameterized.parameters(("mnist", True), ("fashion_mnist", True), ("cifar10", True), ("cifar100", True),
                            ("imagenet2012_64", False), ("imagenet2012_128", False), ("celeb_a_5", False),
                            ("imagenet2012_subset_10pct", False))
  def test_download_only_for_small_free_datasets(self, name, downloads):
    self.assertEqual(tfds_sources.TFDS_SPECS[name].downloadable, downloads)
    calls = []
    src = self._build(name, lambda builder, *a, **k: calls.append(builder.name))
    self.assertEqual(calls, [tfds_sources.TFDS_SPECS[name].tfds_name.split("/")[0]] if downloads else [])
    self.assertEqual(src.name, name)

  def test_prepared_data_is_not_downloaded_again(self):
    calls = []
    with tfds.testing.mock_data(num_examples=8), \
        mock.patch.object(_BUILDER, "is_prepared", lambda self: True), \
        mock.patch.object(_BUILDER, "download_and_prepare", lambda *a, **k: calls.append(1)):
      data.build_source("cifar10")
    self.assertEqual(calls, [])

  def test_prepared_data_that_cannot_be_read_is_not_called_undownloadable(self):
    with tfds.testing.mock_data(num_examples=8), \
        mock.patch.object(_BUILDER, "is_prepared", lambda self: True), \
        mock.patch.object(_BUILDER, "as_dataset", side_effect=FileNotFoundError("mnist-train.tfrecord")):
      with self.assertRaises(ValueError) as ctx:
        data.build_source("mnist")
    self.assertRegex(helpers.our_message(ctx.exception),
                     r"^TFDS dataset 'mnist' is not prepared under .* and cannot be read \(FileNotFoundError: "
                     r"mnist-train.tfrecord\)")

  def _offline_message(self, name, err=_OFFLINE, **kwargs):
    def download(builder, *args, **kw):
      raise err
    with self.assertRaises(ValueError) as ctx:
      self._build(name, download, **kwargs)
    message = helpers.our_message(ctx.exception)
    self.assertNotIn("\n", message)
    return message

  @parameterized.parameters("mnist", "fashion_mnist")
  def test_failed_download_names_tfds_data_dir_and_local_idx_folder(self, name):
    data_dir = helpers.make_tempdir(self)
    message = self._offline_message(name, data_dir=data_dir)
    self.assertStartsWith(message, f"TFDS dataset {name!r} is not prepared under data_dir={data_dir!r} and could "
                                   "not be downloaded (ConnectionError: HTTPSConnectionPool")
    self.assertNotIn("second line", message)
    self.assertIn("connect to the network", message)  # way 1: network
    self.assertIn(f"pass data_dir pointing at prepared TFDS data (tfds build {name}", message)  # way 2: TFDS data
    self.assertIn(f"read a local idx folder with build_source.path='/path/to/{name}' (the files "
                  "train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), "
                  "t10k-labels-idx1-ubyte(.gz))", message)  # way 3: the MNIST site's files
    self.assertNotIn("shared", message)

  def test_failed_download_without_data_dir_names_the_tfds_default(self):
    message = self._offline_message("mnist")
    self.assertIn("data_dir=None (the TFDS default, ~/tensorflow_datasets)", message)

  def test_failed_cifar_download_names_the_local_sources(self):
    message = self._offline_message("cifar10")
    self.assertIn("connect to the network", message)
    self.assertIn("use a local source (npz, image_folder)", message)
    self.assertNotIn("idx", message)

  def test_missing_module_says_what_to_install(self):
    # TFDS 4.9 imports importlib_resources when downloading but does not declare it on Python >= 3.9.
    err = ModuleNotFoundError("No module named 'importlib_resources'", name="importlib_resources")
    message = self._offline_message("mnist", err=err)
    self.assertIn("(ModuleNotFoundError: No module named 'importlib_resources'; pip install importlib_resources)",
                  message)


class LocalIdxInsteadOfTfdsTest(tf.test.TestCase):

  def test_path_reads_the_idx_folder_and_never_tfds(self):
    if not os.path.isdir(helpers.MNIST_DIR):
      self.skipTest(f"MNIST idx files absent at {helpers.MNIST_DIR} (the workspace's shared data)")
    with mock.patch.object(_BUILDER, "download_and_prepare", side_effect=AssertionError("TFDS used")), \
        mock.patch.object(_BUILDER, "as_dataset", side_effect=AssertionError("TFDS used")):
      src = data.build_source("mnist", path=helpers.MNIST_DIR, resolution=32)
    self.assertIsInstance(src, arrays.ArraySource)
    self.assertEqual((src.name, src.num_classes, src.image_shape, src.num_examples),
                     ("mnist", 10, (32, 32, 1), 60000))

  def test_path_and_data_dir_together_and_path_of_other_sources_are_errors(self):
    for name, kwargs, pattern in [
        ("mnist", dict(path="/x", data_dir="/y"), r"source 'mnist' got both path='/x' \(a local idx folder\) "
                                                  r"and data_dir='/y' \(TFDS data\): pass one of them"),
        ("cifar10", dict(path="/x"), r"path='/x' is only used by the local sources .* and by mnist, fashion_mnist "
                                     r"\(an idx folder\), not 'cifar10'"),
        ("fashion_mnist", dict(path="/nonexistent/fashion"),
         r"source 'fashion_mnist': path='/nonexistent/fashion' is not a directory: expected a folder of the four "
         r"MNIST-format idx files \(train-images-idx3-ubyte, .*optionally \.gz\)"),
    ]:
      with self.subTest(name=name, **kwargs):
        with self.assertRaises(ValueError) as ctx:
          data.build_source(name, **kwargs)
        message = helpers.our_message(ctx.exception)
        self.assertRegex(message, pattern)
        self.assertNotIn("\n", message)
        self.assertNotIn("shared", message)


if __name__ == "__main__":
  tf.test.main()
