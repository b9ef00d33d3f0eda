"""Local sources: MNIST idx from the workspace's shared data (skipped when absent), npz and image folders
written here; bad files."""

import os

import gin
import numpy as np
import tensorflow as tf

from tests.data import helpers
from tfgan_mh import cli
from tfgan_mh import data
from tfgan_mh.data import local

# Official per-class counts of MNIST (LeCun et al.), train and t10k.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


class MnistIdxTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    if not os.path.isdir(helpers.MNIST_DIR):
      self.skipTest(f"shared MNIST data absent at {helpers.MNIST_DIR} (../shared/data/mnist from the repo root)")

  def test_train_batches_shapes_range_and_labels(self):
    src = data.build_source("mnist_idx", path=helpers.MNIST_DIR)
    self.assertEqual((src.num_classes, src.image_shape, src.num_examples), (10, (28, 28, 1), 60000))
    self.assertEqual(src.class_names, tuple("0123456789"))  # as TFDS's mnist ClassLabel names them
    np.testing.assert_array_equal(np.bincount(src.arrays("train")[1]), MNIST_TRAIN_COUNTS)
    x, y = next(iter(src.input_fn(global_batch_size=64)))
    self.assertEqual((x.shape, x.dtype, y.shape, y.dtype), ((64, 28, 28, 1), tf.float32, (64,), tf.int32))
    self.assertAllInRange(x, -1.0, 1.0)
    self.assertAllInRange(y, 0, 9)
    # Pixels are k / 127.5 - 1 for uint8 k: the background is exactly -1 and strokes reach +1.
    self.assertEqual(float(tf.reduce_min(x)), -1.0)
    self.assertEqual(float(tf.reduce_max(x)), 1.0)

  def test_fashion_mnist_idx_source(self):
    path = os.path.join(os.path.dirname(helpers.MNIST_DIR), "fashion_mnist")
    src = data.build_source("fashion_mnist_idx", path=path, resolution=32)
    self.assertEqual((src.name, src.num_classes, src.image_shape, src.num_examples),
                     ("fashion_mnist_idx", 10, (32, 32, 1), 60000))
    np.testing.assert_array_equal(src.class_counts(), [6000] * 10)  # Fashion-MNIST is balanced
    self.assertEqual((src.class_names[0], src.class_names[9]), ("T-shirt/top", "Ankle boot"))
    self.assertEqual(len(src.arrays("test")[1]), 10000)

  def test_mnist_with_path_reads_the_idx_folder_like_the_older_name(self):
    # mnist_idx / fashion_mnist_idx: the names in the operative configs of runs made before `path=` on mnist.
    new = data.build_source("mnist", path=helpers.MNIST_DIR)
    old = data.build_source("mnist_idx", path=helpers.MNIST_DIR)
    self.assertEqual((new.name, old.name), ("mnist", "mnist_idx"))
    for split in ("train", "test"):
      for a, b in zip(new.arrays(split), old.arrays(split)):
        np.testing.assert_array_equal(a, b)

  def test_gin_base_files_with_one_path_binding(self):
    for gin_file, folder, shape in (("data_mnist.gin", "mnist", (32, 32, 1)),
                                    ("data_mnist28.gin", "mnist", (28, 28, 1)),
                                    ("data_fashion_mnist.gin", "fashion_mnist", (32, 32, 1))):
      with self.subTest(gin_file=gin_file):
        gin.clear_config()
        try:
          gin.parse_config_file(os.path.join(cli.GIN_DIR, "base", gin_file))
          self.assertEqual(gin.query_parameter("build_source.name"), folder)  # TFDS unless path is bound
          gin.bind_parameter("build_source.path", os.path.join(os.path.dirname(helpers.MNIST_DIR), folder))
          src = data.build_source()
        finally:
          gin.clear_config()
        self.assertEqual((src.name, src.image_shape, src.num_examples), (folder, shape, 60000))

  def test_missing_test_files_fail_when_the_source_is_built(self):
    folder = helpers.make_tempdir(self)
    for stem in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
      os.symlink(os.path.join(helpers.MNIST_DIR, stem), os.path.join(folder, stem))
    with self.assertRaises(ValueError) as ctx:
      data.build_source("mnist", path=folder)
    message = helpers.our_message(ctx.exception)
    self.assertRegex(message, r"^source 'mnist': no idx file t10k-images-idx3-ubyte\[\.gz\] in ")
    self.assertNotIn("\n", message)

  def test_validation_is_t10k_in_file_order(self):
    src = data.build_source("mnist_idx", path=helpers.MNIST_DIR)
    x, y = helpers.all_batches(src.input_fn(global_batch_size=1000, split="validation", training=False))
    self.assertEqual(x.shape, (10000, 28, 28, 1))
    np.testing.assert_array_equal(np.bincount(y), MNIST_TEST_COUNTS)
    self.assertEqual(list(y[:5]), [7, 2, 1, 0, 4])  # the well-known first t10k digits

  def test_ten_percent_split_keeps_exact_per_class_counts(self):
    src = data.build_source("mnist_idx", path=helpers.MNIST_DIR, labeled_fraction=0.1)
    expected = [int(np.floor(0.1 * n + 0.5)) for n in MNIST_TRAIN_COUNTS]
    self.assertEqual(expected, [592, 674, 596, 613, 584, 542, 592, 627, 585, 595])
    self.assertEqual(src.num_examples, 6000)
    # One pass over the labeled stream sees exactly the labeled subset.
    _, y = helpers.all_batches(src.input_fn(global_batch_size=500, training=False))
    np.testing.assert_array_equal(np.bincount(y, minlength=10), expected)
    unlabeled = next(iter(src.unlabeled_input_fn(global_batch_size=32, seed=1)))
    self.assertEqual(unlabeled.shape, (32, 28, 28, 1))
    self.assertEqual(unlabeled.dtype, tf.float32)


class IdxReaderTest(tf.test.TestCase):

  def test_reads_plain_and_gzipped_and_rejects_bad_header(self):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    plain = helpers.write_idx(os.path.join(helpers.make_tempdir(self), "a-idx3-ubyte"), arr)
    helpers.write_idx(plain + ".gz", arr)
    np.testing.assert_array_equal(local.read_idx(plain), arr)
    np.testing.assert_array_equal(local.read_idx(plain + ".gz"), arr)
    with open(plain, "wb") as f:
      f.write(b"\x12\x34\x08\x03" + arr.tobytes())
    with self.assertRaisesRegex(ValueError, "not an idx file"):
      local.read_idx(plain)


def _write_idx_folder(folder, n, value):
  """An MNIST-format folder of n constant 28 x 28 images (pixel `value`), labels 0..9 cycling, train and t10k."""
  os.makedirs(folder, exist_ok=True)
  for prefix in ("train", "t10k"):
    helpers.write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), np.full((n, 28, 28), value))
    helpers.write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), np.arange(n) % 10)


class IdxCacheTest(tf.test.TestCase):

  def test_a_folder_is_prepared_once_per_process_until_its_files_change(self):
    folder = os.path.join(helpers.make_tempdir(self), "digits")
    _write_idx_folder(folder, 20, 255)
    first = local.idx_source(name="mnist", path=folder, resolution=32)
    again = local.idx_source(name="mnist", path=folder, resolution=32)
    self.assertIs(again.arrays("train")[0], first.arrays("train")[0])  # not read and resized again
    self.assertIs(again.arrays("test")[1], first.arrays("test")[1])
    images = first.arrays("train")[0]
    self.assertEqual(images.shape, (20, 32, 32, 1))
    self.assertFalse(images.flags.writeable)  # shared between sources: nobody may change it in place
    other = local.idx_source(name="mnist", path=folder, resolution=28)  # another resolution: its own entry
    self.assertEqual(other.arrays("train")[0].shape, (20, 28, 28, 1))
    _write_idx_folder(folder, 30, 0)  # the files change: read again
    changed = local.idx_source(name="mnist", path=folder, resolution=32)
    self.assertEqual(changed.num_examples, 30)
    self.assertLess(float(np.max(changed.arrays("train")[0])), float(np.min(images)))


def _write_npz(path, **arrays):
  np.savez(path, **arrays)
  return path


class NpzTest(tf.test.TestCase):

  def test_uint8_images_and_default_keys(self):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 8, 8, 3), dtype=np.uint8)
    labels = np.arange(40) % 4
    path = _write_npz(os.path.join(helpers.make_tempdir(self), "d.npz"), x=images, y=labels)
    src = data.build_source("npz", path=path)
    self.assertEqual((src.num_classes, src.image_shape, src.num_examples), (4, (8, 8, 3), 40))
    x, y = helpers.all_batches(src.input_fn(global_batch_size=8, training=False))
    np.testing.assert_allclose(x, images / 127.5 - 1.0, atol=1e-6)  # file order, exact scaling
    np.testing.assert_array_equal(y, labels)
    self.assertEqual(y.dtype, np.int32)

  def test_float_images_custom_keys_grayscale_and_validation_file(self):
    tmp = helpers.make_tempdir(self)
    images = np.linspace(0.0, 1.0, 10 * 4 * 4).reshape(10, 4, 4).astype(np.float32)  # [N, H, W] in [0, 1]
    train = _write_npz(os.path.join(tmp, "t.npz"), images=images, labels=np.arange(10) % 2)
    val = _write_npz(os.path.join(tmp, "v.npz"), images=images[:4], labels=np.array([1, 0, 1, 0]))
    src = data.build_source("npz", path=train, validation_path=val)
    self.assertEqual(src.image_shape, (4, 4, 1))
    x, _ = helpers.all_batches(src.input_fn(global_batch_size=5, training=False))
    np.testing.assert_allclose(x[..., 0], images * 2 - 1, atol=1e-6)  # [0, 1] -> [-1, 1]
    _, yv = helpers.all_batches(src.input_fn(global_batch_size=2, split="validation", training=False))
    np.testing.assert_array_equal(yv, [1, 0, 1, 0])
    other = _write_npz(os.path.join(tmp, "o.npz"), pics=images, cls=np.zeros(10, np.int64))
    src = data.build_source("npz", path=other, image_key="pics", label_key="cls", num_classes=3)
    self.assertEqual(src.num_classes, 3)

  def test_resolution_uses_area_averaging_to_shrink(self):
    block = np.kron(np.array([[0, 40], [80, 120]], np.uint8), np.ones((2, 2), np.uint8))  # 4x4 of 2x2 blocks
    images = np.stack([block, block])[..., None]
    images[1, 0, 0, 0] = 4  # one pixel of the top-left block: area mean (4 + 0 + 0 + 0) / 4 = 1
    path = _write_npz(os.path.join(helpers.make_tempdir(self), "d.npz"), x=images, y=[0, 1])
    src = data.build_source("npz", path=path, resolution=2)
    self.assertEqual(src.image_shape, (2, 2, 1))
    stored = src.arrays("train")[0]
    np.testing.assert_array_equal(stored[0, ..., 0], [[0, 40], [80, 120]])
    self.assertEqual(stored[1, 0, 0, 0], 1)

  def test_bad_labels_and_images(self):
    tmp = helpers.make_tempdir(self)
    good = np.zeros((4, 4, 4, 3), np.uint8)
    cases = [
        (dict(x=good, y=[0, 1, 2, 3]), dict(num_classes=3), r"label 3 at index 3 .* outside \[0, 3\)"),
        (dict(x=good, y=[0, -1, 0, 0]), {}, r"label -1 at index 1 .* outside \[0, 1\)"),
        (dict(x=good, y=[0, 1]), {}, "4 images but 2 labels"),
        (dict(x=np.zeros((4, 16), np.uint8), y=[0, 0, 0, 0]), {},
         r"shape \(4, 16\) \(rank 2\).*expected \[N, H, W, C\]"),
        (dict(x=np.zeros((4, 2, 2, 3, 1)), y=[0] * 4), {}, "rank 5"),
        (dict(x=np.zeros((4, 4, 4, 2), np.uint8), y=[0] * 4), {}, "2 channels .* expected 1 or 3"),
        (dict(x=good, y=[0] * 4), dict(channels=1), "3 channels .* expected 1 channels"),
        (dict(x=np.full(good.shape, 300.0), y=[0] * 4), {}, r"span \[300.0, 300.0\]"),
        (dict(pics=good, y=[0] * 4), {}, "no image array: found keys pics, y"),
        (dict(x=good, y=[0.5, 1, 0, 0]), {}, "expected integer class ids"),
    ]
    for i, (arrays, kwargs, pattern) in enumerate(cases):
      with self.subTest(pattern=pattern):
        path = _write_npz(os.path.join(tmp, f"{i}.npz"), **arrays)
        with self.assertRaises(ValueError) as ctx:
          data.build_source("npz", path=path, **kwargs)
        message = helpers.our_message(ctx.exception)
        self.assertRegex(message, pattern)
        self.assertNotIn("\n", message)
    with self.assertRaisesRegex(ValueError, "is not a file"):
      data.build_source("npz", path=os.path.join(tmp, "missing.npz"))


class ImageFolderTest(tf.test.TestCase):

  def _write(self, root, cls, name, image, fmt="png"):
    os.makedirs(os.path.join(root, cls), exist_ok=True)
    encoded = tf.io.encode_png(image) if fmt == "png" else tf.io.encode_jpeg(image, quality=100)
    tf.io.write_file(os.path.join(root, cls, name), encoded)

  def test_class_ids_from_sorted_subfolders(self):
    root = helpers.make_tempdir(self)
    # Written in non-sorted order; each image is constant = 10 * class id + index.
    for cls, k in (("zebra", 2), ("ant", 0), ("bee", 1)):
      for i in range(3):
        self._write(root, cls, f"{i}.png", np.full((6, 6, 3), 10 * k + i, np.uint8))
    os.makedirs(os.path.join(root, "bee", "notes"))  # nested folders and other files are ignored
    open(os.path.join(root, "bee", "readme.txt"), "w").close()
    src = data.build_source("image_folder", path=root)
    self.assertEqual((src.num_classes, src.image_shape, src.class_names), (3, (6, 6, 3), ("ant", "bee", "zebra")))
    x, y = helpers.all_batches(src.input_fn(global_batch_size=3, training=False))
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    np.testing.assert_allclose(x[:, 0, 0, 0], (10 * y + np.tile([0, 1, 2], 3)) / 127.5 - 1.0, atol=1e-6)

  def test_jpeg_grayscale_and_resize(self):
    root = helpers.make_tempdir(self)
    self._write(root, "a", "x.jpg", np.full((8, 8, 1), 200, np.uint8), fmt="jpeg")
    self._write(root, "b", "y.PNG", np.full((16, 16, 1), 100, np.uint8))
    src = data.build_source("image_folder", path=root, resolution=4)
    self.assertEqual(src.image_shape, (4, 4, 1))
    x, y = helpers.all_batches(src.input_fn(global_batch_size=2, training=False))
    np.testing.assert_allclose(x[:, 0, 0, 0], np.array([200, 100]) / 127.5 - 1, atol=1.5 / 127.5)
    np.testing.assert_array_equal(y, [0, 1])

  def test_grayscale_images_of_an_rgb_folder_become_rgb(self):
    root = helpers.make_tempdir(self)
    self._write(root, "a", "gray.png", np.full((4, 4, 1), 30, np.uint8))  # first: the folder is still RGB
    self._write(root, "b", "rgb.png", np.full((4, 4, 3), [10, 20, 40], np.uint8))
    src = data.build_source("image_folder", path=root)
    self.assertEqual(src.image_shape, (4, 4, 3))
    images = src.arrays("train")[0]
    np.testing.assert_array_equal(images[0, 0, 0], [30, 30, 30])
    np.testing.assert_array_equal(images[1, 0, 0], [10, 20, 40])
    with self.assertRaisesRegex(ValueError, r"rgb.png is RGB: expected grayscale \(channels=1\)"):
      data.build_source("image_folder", path=root, channels=1)
    val = helpers.make_tempdir(self)  # the validation folder follows the training folder's channels
    self._write(val, "a", "g.png", np.full((4, 4, 1), 7, np.uint8))
    self._write(val, "b", "g.png", np.full((4, 4, 1), 9, np.uint8))
    src = data.build_source("image_folder", path=root, validation_path=val)
    self.assertEqual(src.arrays("validation")[0].shape, (2, 4, 4, 3))

  def test_non_square_images_are_center_cropped_before_resizing(self):
    root = helpers.make_tempdir(self)
    wide = np.concatenate([np.full((4, 4, 1), v, np.uint8) for v in (0, 100, 250)], axis=1)  # [4, 12, 1]
    self._write(root, "a", "wide.png", wide)
    self._write(root, "b", "tall.png", np.transpose(wide, (1, 0, 2)))  # [12, 4, 1]
    src = data.build_source("image_folder", path=root, resolution=2)
    np.testing.assert_array_equal(src.arrays("train")[0], np.full((2, 2, 2, 1), 100))  # the middle squares

  def test_hidden_entries_are_ignored_and_empty_classes_are_errors(self):
    root = helpers.make_tempdir(self)
    self._write(root, "a", "x.png", np.zeros((4, 4, 3), np.uint8))
    self._write(root, ".ipynb_checkpoints", "x.png", np.zeros((4, 4, 3), np.uint8))
    with open(os.path.join(root, "a", "._x.png"), "wb") as f:  # a macOS resource fork, not an image
      f.write(b"\x00\x05\x16\x07")
    src = data.build_source("image_folder", path=root)
    self.assertEqual((src.num_classes, src.class_names, src.num_examples), (1, ("a",), 1))
    os.makedirs(os.path.join(root, "b"))
    open(os.path.join(root, "b", "notes.txt"), "w").close()
    with self.assertRaises(ValueError) as ctx:
      data.build_source("image_folder", path=root)
    self.assertRegex(helpers.our_message(ctx.exception),
                     r"^class subfolder\(s\) 'b' of .* hold no .png/.jpg/.jpeg images: every subfolder is a class")

  def test_bad_folders(self):
    root2 = helpers.make_tempdir(self)
    self._write(root2, "a", "small.png", np.zeros((4, 4, 3), np.uint8))
    self._write(root2, "b", "big.png", np.zeros((5, 4, 3), np.uint8))
    with self.assertRaisesRegex(ValueError, r"big.png has size \(5, 4\).*pass resolution="):
      data.build_source("image_folder", path=root2)
    root3 = helpers.make_tempdir(self)
    self._write(root3, "a", "rgba.png", np.zeros((4, 4, 4), np.uint8))
    with self.assertRaisesRegex(ValueError, r"rgba.png has 4 channels \(with alpha\): expected grayscale or RGB"):
      data.build_source("image_folder", path=root3)
    with self.assertRaisesRegex(ValueError, r"channels=2: expected 1 \(grayscale\) or 3 \(RGB\)"):
      data.build_source("image_folder", path=root3, channels=2)
    with self.assertRaisesRegex(ValueError, "has no .png/.jpg/.jpeg images"):
      data.build_source("image_folder", path=helpers.make_tempdir(self))
    with self.assertRaisesRegex(ValueError, "is not a directory"):
      data.build_source("image_folder", path=os.path.join(root3, "nope"))


if __name__ == "__main__":
  tf.test.main()
