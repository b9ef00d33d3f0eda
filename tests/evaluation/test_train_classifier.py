"""Dataset classifiers: a short real-MNIST run, an RGB run on generated npz data, bad input, the CLI."""

import json
import os
import shutil
import sys
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tests import forkserver
from tfgan_mh import data
from tfgan_mh.data import local
from tfgan_mh.evaluation import classifier
from tfgan_mh.evaluation import extractors

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST_DIR = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist")  # ../shared/data/mnist


def _tempdir(test):
  path = tempfile.mkdtemp(prefix="tfgan_mh_classifier_")
  test.addCleanup(shutil.rmtree, path, ignore_errors=True)
  return path


def _color_npz(path, n, seed):
  """16 x 16 RGB noise whose class k in {0, 1, 2} brightens channel k: separable by color."""
  rng = np.random.default_rng(seed)
  y = rng.integers(0, 3, size=n)
  x = rng.uniform(0, 120, size=(n, 16, 16, 3))
  x[np.arange(n), :, :, y] += 120
  np.savez(path, x=x.astype(np.uint8), y=y)


class TrainClassifierTest(tf.test.TestCase):

  def test_mnist_short_run_accuracy_is_the_exported_models(self):
    if not os.path.isdir(MNIST_DIR):
      self.skipTest(f"real MNIST data absent: {MNIST_DIR} (../shared/data/mnist of the workspace)")
    out = os.path.join(_tempdir(self), "mnist_classifier")
    lines = []
    # 10 % of every class (6000 images), one epoch: a few seconds on a CPU. --dataset=mnist --data_dir=<idx
    # folder>: the folder is read (never TFDS, nothing downloaded into it).
    with mock.patch.object(tfds.core.DatasetBuilder, "download_and_prepare", side_effect=AssertionError("TFDS")):
      info = classifier.train_and_export(dataset="mnist", data_dir=MNIST_DIR, out=out, epochs=1,
                                         batch_size=64, train_fraction=0.1, log=lines.append)
    self.assertEqual(info["path"], MNIST_DIR)
    self.assertEqual((info["split"], info["num_examples"], info["train_examples"]), ("test", 10000, 6000))
    self.assertGreater(info["accuracy"], 0.85)  # chance is 0.1
    self.assertRegex(lines[-1], r"^test accuracy 0\.\d{4} on 10000 'test' images of mnist .*saved to ")
    with open(os.path.join(out, "test_accuracy.json")) as f:
      self.assertEqual(json.load(f), info)
    self.assertFalse(os.path.exists(out + ".partial"))

    ext = extractors.load_extractor("classifier:" + out)
    self.assertEqual((ext.num_logits, ext.feature_dim, ext.image_shape), (10, 128, (28, 28, 1)))
    self.assertEqual(ext.info, info)
    # The saved accuracy is argmax of the loaded extractor's logits over the raw t10k files.
    images = local.read_idx(os.path.join(MNIST_DIR, "t10k-images-idx3-ubyte.gz"))[..., None]
    labels = local.read_idx(os.path.join(MNIST_DIR, "t10k-labels-idx1-ubyte.gz"))
    logits, features = ext(images.astype(np.float32) / 127.5 - 1.0)
    self.assertEqual((logits.shape, features.shape), ((10000, 10), (10000, 128)))
    accuracy = np.mean(np.argmax(logits.numpy(), 1) == labels)
    self.assertAllClose(accuracy, info["accuracy"], atol=1.5e-4)  # at most one near-tie may flip
    # features are the penultimate layer: logits are an affine function of them.
    f = np.concatenate([features.numpy()[:1000], np.ones([1000, 1])], 1).astype(np.float64)
    coef, *_ = np.linalg.lstsq(f, logits.numpy()[:1000].astype(np.float64), rcond=None)
    self.assertAllClose(f @ coef, logits.numpy()[:1000], atol=1e-3)

  def test_rgb_vgg_on_npz_measures_the_validation_split_and_overwrites(self):
    root = _tempdir(self)
    train, valid = os.path.join(root, "train.npz"), os.path.join(root, "valid.npz")
    _color_npz(train, 384, seed=0)
    _color_npz(valid, 150, seed=1)
    out = os.path.join(root, "out")
    os.makedirs(out)
    with open(os.path.join(out, "old.txt"), "w") as f:  # an earlier export: --overwrite replaces only those
      f.write("old model")
    with open(os.path.join(out, "test_accuracy.json"), "w") as f:
      f.write("{}")
    info = classifier.train_and_export(dataset="npz", path=train, validation_path=valid, out=out, epochs=2,
                                       batch_size=32, overwrite=True, log=lambda _: None)
    self.assertEqual((info["arch"], info["split"], info["num_examples"]), ("vgg", "validation", 150))
    self.assertGreater(info["accuracy"], 0.9)  # chance 1/3
    # The first 40 validation examples only (a smoke run's quick check), through the same exported model.
    ext = extractors.load_extractor("classifier:" + out)
    source = data.build_source(name="npz", path=train, validation_path=valid)
    whole, count = classifier.evaluate(ext, source, "validation")
    self.assertEqual((round(whole, 6), count), (round(info["accuracy"], 6), 150))
    first, count = classifier.evaluate(ext, source, "validation", max_examples=40)
    logits = np.concatenate([ext(x)[0].numpy() for x, _ in source.input_fn(
        global_batch_size=1, split="validation", training=False).take(40)])
    labels = np.load(valid)["y"][:40]
    self.assertEqual(count, 40)
    self.assertAlmostEqual(first, float(np.mean(np.argmax(logits, axis=1) == labels)))
    self.assertFalse(os.path.exists(os.path.join(out, "old.txt")))
    ext = extractors.load_extractor("classifier:" + out)
    self.assertEqual((ext.num_logits, ext.feature_dim, ext.image_shape), (3, 256, (16, 16, 3)))

  def test_bad_input_fails_early_in_one_line_and_keeps_what_exists(self):
    root = _tempdir(self)
    train = os.path.join(root, "train.npz")
    _color_npz(train, 32, seed=0)
    full = os.path.join(root, "full")
    os.makedirs(full)
    with open(os.path.join(full, "keep.txt"), "w") as f:
      f.write("keep")
    a_file = os.path.join(root, "a_file")
    with open(a_file, "w") as f:
      f.write("x")
    ok = dict(dataset="npz", path=train, out=os.path.join(root, "new"))
    cases = [
        (dict(ok, dataset="mnist_jpeg"), r"^unknown dataset 'mnist_jpeg': valid names are .*mnist_idx"),
        (dict(ok, dataset="ring"), r"^dataset 'ring' holds 2-D points, not images"),
        (dict(ok, out=full), r"^out='.*full' is not empty: pass overwrite \(--overwrite\)"),
        (dict(ok, out=a_file), r"^out='.*a_file' exists and is not a directory"),
        (dict(ok, out=os.path.join(a_file, "sub")),
         r"^out='.*a_file/sub' cannot be written: '.*a_file' is a file"),
        (dict(ok, epochs=0), r"^epochs=0: expected a positive int"),
        (dict(ok, batch_size=0), r"^batch_size=0: expected a positive int"),
        (dict(ok, train_fraction=1.5), r"^train_fraction=1.5: expected a fraction in \(0, 1\]"),
        (dict(ok, eval_examples=0), r"^eval_examples=0: expected a positive int, or None for the whole split"),
        (dict(ok, arch="resnet"), r"^arch='resnet': expected one of auto, mnist_cnn, vgg"),
        (ok, r"^source 'npz' has no 'test' or 'validation' split to measure test accuracy on"),
        (dict(ok, path=os.path.join(root, "missing.npz")), r"^path='.*missing.npz' is not a file"),
    ]
    for kwargs, pattern in cases:
      with self.subTest(pattern=pattern):
        with self.assertRaisesRegex(ValueError, pattern) as ctx:
          classifier.train_and_export(log=lambda _: None, **kwargs)
        first, *rest = str(ctx.exception).split("\n")
        self.assertTrue(all(line.startswith("  In call to configurable") or not line for line in rest),
                        rest)  # gin may append its context line; ours is the first
        self.assertNotIn("\n", first)
    self.assertEqual(sorted(os.listdir(root)), ["a_file", "full", "train.npz"])  # nothing new written
    self.assertEqual(os.listdir(full), ["keep.txt"])

  def test_cli_error_is_one_line_with_nonzero_exit(self):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = forkserver.run(
        [sys.executable, "-m", "tfgan_mh.cli.train_classifier", "--dataset=mnist_jpeg",
         "--out=" + os.path.join(_tempdir(self), "out")], cwd=REPO, env=env, timeout=120)
    self.assertEqual(result.returncode, 1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    self.assertEqual(len(errors), 1, result.stderr)
    self.assertRegex(errors[0], r"^error: unknown dataset 'mnist_jpeg': valid names are ")


class BuildClassifierTest(tf.test.TestCase):

  def test_architectures_and_bad_shapes(self):
    for shape, arch, want_arch, feature_dim in (((28, 28, 1), "auto", "mnist_cnn", 128),
                                                ((32, 32, 1), "auto", "mnist_cnn", 128),
                                                ((32, 32, 3), "auto", "vgg", 512),
                                                ((64, 64, 3), "auto", "vgg", 512),
                                                ((28, 28, 1), "vgg", "vgg", 512)):
      with self.subTest(shape=shape, arch=arch):
        self.assertEqual(classifier.resolve_arch(arch, shape), want_arch)
        model = classifier.build_classifier(shape, 7, arch=arch)
        logits, features = model(np.zeros((2,) + shape, np.float32), training=False)
        self.assertEqual((logits.shape, features.shape), ((2, 7), (2, feature_dim)))
    with self.assertRaisesRegex(ValueError, r"image_shape=\(2,\): expected images"):
      classifier.build_classifier((2,), 3)
    with self.assertRaisesRegex(ValueError, "num_classes=1: expected at least 2"):
      classifier.build_classifier((8, 8, 1), 1)
