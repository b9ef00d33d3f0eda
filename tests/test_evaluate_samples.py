"""`python -m tfgan_mh.cli.evaluate_samples`: a folder of PNGs and an npz of the same images score the same, the
numbers equal an in-memory recomputation, unreadable input fails with one line and keeps --output intact.

Samples: 60 real MNIST test digits (padded to 32 px) standing in for another library's samples; reference:
200 MNIST training images (`mnist_idx:../shared/data/mnist`, resized to 32 px); extractor: an untrained
classifier SavedModel through the real `classifier:` spec (no network).
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf
from absl import flags

from tests import forkserver
from tfgan_mh import data
from tfgan_mh.cli import evaluate_samples
from tfgan_mh import metrics
from tfgan_mh.data import local
from tfgan_mh.evaluation import samples

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "mnist"))
METRICS = "is,fid,kid,precision_recall,density_coverage,classifier_is,gan_test,d_accuracy"


def _flags(argv):
  fv = flags.FlagValues()
  evaluate_samples.define_flags(fv)
  fv(["prog"] + list(argv))
  return fv


class EvaluateSamplesTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    if not os.path.isdir(MNIST):
      raise __import__("unittest").SkipTest(f"MNIST idx files not found at {MNIST} (../shared/data/mnist)")
    root = tf.compat.v1.test.get_temp_dir()
    x = local.read_idx(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"))[:60]
    y = local.read_idx(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"))[:60].astype(np.int64)
    order = np.argsort(y, kind="stable")  # the folder's order: class subfolders, then file names
    cls.x = np.pad(x, ((0, 0), (2, 2), (2, 2)))[order, ..., None]  # [60, 32, 32, 1] uint8
    cls.y = y = y[order]
    cls.npz = os.path.join(root, "samples.npz")
    np.savez(cls.npz, x=cls.x, y=y)
    cls.folder = os.path.join(root, "samples_png")
    for i, (image, label) in enumerate(zip(cls.x, y)):
      os.makedirs(os.path.join(cls.folder, str(label)), exist_ok=True)
      tf.io.write_file(os.path.join(cls.folder, str(label), f"{i:03d}.png"), tf.io.encode_png(image))
    # The same 60 images in the same order; a sample order changes KID's subsets and IS's splits only.
    from tfgan_mh.evaluation import classifier  # pylint: disable=g-import-not-at-top
    cls.classifier_dir = os.path.join(root, "classifier")
    tf.keras.utils.set_random_seed(0)
    classifier.export(classifier.build_classifier((32, 32, 1), 10), cls.classifier_dir)
    spec = f"classifier:{cls.classifier_dir}"
    cls.common = [f"--reference=mnist_idx:{MNIST}", "--reference_resolution=32", "--num_real=200",
                  f"--inception={spec}", f"--classifier={spec}", f"--metrics={METRICS}", "--batch_size=25",
                  "--kid_subsets=10", "--kid_subset_size=40"]
    cls.record_npz = evaluate_samples.run(_flags([f"--samples={cls.npz}"] + cls.common))
    cls.record_png = evaluate_samples.run(_flags([f"--samples={cls.folder}"] + cls.common))

  def test_the_record_states_the_folder_labels_and_warns_of_too_few_samples(self):
    self.assertEqual(self.record_png["protocol"]["samples"]["class_folders"], {str(c): c for c in set(self.y)})
    self.assertIsNone(self.record_png["protocol"]["samples"]["class_folders_rule"])  # integer names
    self.assertIsNone(self.record_npz["protocol"]["samples"]["class_folders"])
    for record in (self.record_npz, self.record_png):  # 60 samples vs the classifier's feature width
      self.assertLen(record["warnings"], 2)
      self.assertRegex(record["warnings"][0], r"^60 samples are fewer than the \d+-d features of the inception "
                                              "extractor: FID's covariance is singular")

  def test_word_named_class_folders_map_by_class_name_or_say_they_are_sorted(self):
    folder = self.create_tempdir().full_path
    for name, image in (("three", self.x[self.y == 3][0]), ("seven", self.x[self.y == 7][0])):
      os.makedirs(os.path.join(folder, name))
      tf.io.write_file(os.path.join(folder, name, "a.png"), tf.io.encode_png(image))
    loaded = samples.load_samples(folder)
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    matched, rule = samples.match_class_folders(loaded, [w.upper() for w in words])
    self.assertEqual((matched.class_folders, rule), ({"seven": 7, "three": 3}, "the reference's class names"))
    self.assertEqual(matched.labels.tolist(), [7, 3])  # sorted folders: seven/, then three/
    with self.assertLogs("absl", "WARNING") as logs:
      kept, rule = samples.match_class_folders(loaded, [str(c) for c in range(10)])
    self.assertEqual(kept.class_folders, {"seven": 0, "three": 1})
    self.assertTrue(rule.startswith("sorted order"))
    self.assertIn("{'seven': 0, 'three': 1}", logs.output[0])

  def test_output_in_a_missing_folder_is_created(self):
    from tfgan_mh.evaluation import records  # pylint: disable=g-import-not-at-top
    path = os.path.join(self.create_tempdir().full_path, "new", "deeper", "scores.jsonl")
    records.append_record(path, {"fid": 1.5})
    self.assertEqual(records.read_records(path), [{"fid": 1.5}])

  def test_png_folder_and_npz_score_the_same(self):
    a, b = self.record_npz, self.record_png
    self.assertEqual((a["errors"], b["errors"]), ({}, {}))
    self.assertEqual(a["absent"], {"d_accuracy": "samples from elsewhere have no discriminator"})
    for key in ("fid", "kid_mean", "kid_std", "precision", "recall", "density", "coverage", "is_mean",
                "classifier_is_mean", "gan_test"):
      self.assertIsInstance(a[key], float, key)
      self.assertAllClose(a[key], b[key], rtol=1e-6, atol=1e-9)
    self.assertEqual(a["num_samples"], 60)
    p = a["protocol"]
    self.assertEqual(p["samples"]["num"], 60)
    self.assertEqual(p["fid_reference"], {"split": "train", "size": 200})
    self.assertEqual(p["kept_features"]["real"], 200)
    self.assertEqual((p["is_splits"], p["is_splits_from"]), (10, "default"))
    self.assertEqual(p["reference"]["name"], "mnist_idx")
    self.assertEqual(p["inception"]["name"], f"classifier:{self.classifier_dir}")
    self.assertNotIn("truncation", p)  # not generated here

  def test_numbers_equal_an_in_memory_recomputation(self):
    from tfgan_mh.evaluation import extractors  # pylint: disable=g-import-not-at-top
    ext = extractors.load_extractor(f"classifier:{self.classifier_dir}")
    real_x = data.build_source("mnist_idx", path=MNIST, resolution=32).arrays("train")[0][:200]
    real_f = ext(real_x.astype(np.float32) / 127.5 - 1.0)[1].numpy()
    logits, fake_f = (t.numpy() for t in ext(self.x.astype(np.float32) / 127.5 - 1.0))
    r = self.record_npz
    self.assertAllClose(r["fid"], metrics.fid_from_features(real_f, fake_f), rtol=1e-4)
    kid = metrics.kernel_inception_distance(real_f, fake_f, num_subsets=10, subset_size=40, seed=0)
    self.assertAllClose((r["kid_mean"], r["kid_std"]), kid, rtol=1e-4, atol=1e-7)
    one = 1.0 / 60 + 1e-9
    for key, value in zip(("precision", "recall"), metrics.precision_recall(real_f, fake_f, k=3)):
      self.assertAlmostEqual(r[key], value, delta=one)
    for key, value in zip(("density", "coverage"), metrics.density_coverage(real_f, fake_f, k=5)):
      self.assertAlmostEqual(r[key], value, delta=one)
    self.assertAlmostEqual(r["gan_test"], np.mean(np.argmax(logits, 1) == self.y))
    self.assertAllClose(r["is_mean"], metrics.inception_score.inception_score(logits=logits, num_splits=10).mean,
                        rtol=1e-5)

  def test_unreadable_input_is_one_line(self):
    tmp = self.create_tempdir().full_path
    bad_png = os.path.join(tmp, "bad")
    os.makedirs(bad_png)
    with open(os.path.join(bad_png, "x.png"), "wb") as f:
      f.write(b"not a png")
    not_npz = os.path.join(tmp, "x.npz")
    with open(not_npz, "wb") as f:
      f.write(b"garbage")
    no_images = os.path.join(tmp, "keys.npz")
    np.savez(no_images, weights=np.zeros(3))
    for path, message in [
        (os.path.join(tmp, "missing"), "does not exist: expected a folder of PNG/JPEG images or an .npz"),
        (tmp + "/..", "has no .png/.jpg/.jpeg images|holds images"),
        (bad_png, r"cannot decode .*x\.png"),
        (not_npz, "is not a readable .npz"),
        (no_images, "has no image array: found keys weights")]:
      with self.assertRaisesRegex(ValueError, message) as ctx:
        samples.load_samples(path)
      self.assertNotIn("\n", str(ctx.exception))
    with self.assertRaisesRegex(ValueError, r"^--reference='mnist:/nowhere': source 'mnist': path='/nowhere' is "
                                "not a directory: expected a folder of the four MNIST-format idx files"):
      evaluate_samples.build_reference("mnist:/nowhere")  # mnist:PATH reads a local idx folder
    with self.assertRaisesRegex(ValueError, r"^--reference='cifar10:/nowhere': path='/nowhere' is only used by "
                                "the local sources .*not 'cifar10'$"):
      evaluate_samples.build_reference("cifar10:/nowhere")
    with self.assertRaisesRegex(ValueError, r"^--reference='npz:/nowhere.npz': path='/nowhere.npz' is not a file"):
      evaluate_samples.build_reference("npz:/nowhere.npz")
    with self.assertRaisesRegex(ValueError, r"--reference='imagenet9'.*NAME one of"):
      evaluate_samples.build_reference("imagenet9")
    rgb = os.path.join(tmp, "rgb.npz")  # the MNIST reference is grayscale: RGB samples are refused up front
    np.savez(rgb, x=np.repeat(self.x[:20], 3, axis=-1))
    with self.assertRaisesRegex(ValueError, rf"^--samples='{rgb}' are RGB images 32x32x3 and the reference "
                                rf"'mnist_idx:{MNIST}' is grayscale 32x32x1: expected samples with the reference's 1 "
                                r"channel\(s\) \(convert the samples, or pass the matching --reference\)$"):
      evaluate_samples.run(_flags([f"--samples={rgb}", f"--output={tmp}/r.jsonl"] + self.common))
    self.assertFalse(os.path.exists(f"{tmp}/r.jsonl"))

  def test_cli_appends_and_a_failure_keeps_the_output(self):
    out = os.path.join(self.create_tempdir().full_path, "scores.jsonl")
    with open(out, "w") as f:
      f.write('{"earlier": 1}\n')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [sys.executable, "-m", "tfgan_mh.cli.evaluate_samples", f"--output={out}"] + self.common
    ok = forkserver.run(cmd + [f"--samples={self.npz}", "--metrics=fid,kid"], env=env, cwd=REPO)
    self.assertEqual(ok.returncode, 0, ok.stderr[-2000:])
    printed = json.loads(ok.stdout.strip().splitlines()[-1])
    self.assertAllClose(printed["kid_mean"], self.record_npz["kid_mean"], rtol=1e-6)
    with open(out) as f:
      lines = f.read().splitlines()
    self.assertEqual(lines[0], '{"earlier": 1}')
    self.assertEqual(json.loads(lines[1])["fid"], printed["fid"])
    bad = forkserver.run(cmd + ["--samples=/nonexistent/samples.npz"], env=env, cwd=REPO)
    self.assertEqual(bad.returncode, 1)
    self.assertEqual(bad.stderr.strip().splitlines()[-1], "error: --samples='/nonexistent/samples.npz' does not "
                     "exist: expected a folder of PNG/JPEG images or an .npz file")
    with open(out) as f:
      self.assertEqual(f.read().splitlines(), lines)
