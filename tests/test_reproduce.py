"""`python -m tfgan_mh.reproduce CLAIM --smoke` for every claim (so the reproductions cannot rot), reuse on
restart, the report's verdict rules, and one-line errors.

The smoke runs read MNIST / Fashion-MNIST with `--data_dir` = the workspace's shared data folder (idx files;
no network here) and are skipped where it is absent."""

import json
import os
import subprocess
import sys

import tensorflow as tf

from tfgan_mh.reproduce import claims
from tfgan_mh.reproduce import report

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))  # holds mnist/ and fashion_mnist/
_OUT = {}


def _reproduce(*args, cwd=REPO):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([sys.executable, "-m", "tfgan_mh.reproduce", *args], cwd=cwd, env=env,
                        capture_output=True, text=True, timeout=900)


def _smoke_all():
  """Every claim's --smoke, once per process, into one folder (the dataset classifiers are shared)."""
  if not _OUT:
    out = os.path.join(tf.compat.v1.test.get_temp_dir(), "reproduce_smoke")
    proc = _reproduce("all", "--smoke", f"--out={out}", f"--data_dir={SHARED}")
    _OUT.update(out=out, proc=proc)
  return _OUT["out"], _OUT["proc"]


class SmokeTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    if not os.path.isdir(os.path.join(SHARED, "mnist")) or not os.path.isdir(os.path.join(SHARED, "fashion_mnist")):
      self.skipTest(f"MNIST / Fashion-MNIST idx folders not found under {SHARED} (the workspace's shared data, "
                    "passed as --data_dir; without it the claims would download TFDS data)")

  def test_every_claim_writes_its_table_and_verdict(self):
    out, proc = _smoke_all()
    self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
    for name, claim in claims.CLAIMS.items():
      with open(os.path.join(out, f"{name}.json")) as f:
        result = json.load(f)
      self.assertTrue(result["smoke"])
      self.assertEqual(len(result["runs"]), len(claim.datasets) * len(claim.arms), name)
      for run in result["runs"]:
        self.assertEqual(run["errors"], {}, f"{name}: {run['errors']}")
        self.assertTrue(os.path.exists(os.path.join(run["model_dir"], "eval", "metrics.jsonl")))
        self.assertIsNotNone(run["protocol"], name)
      self.assertEqual(sorted(result["table"]), sorted(f"{d.name}/{a.name}" for d in claim.datasets
                                                       for a in claim.arms))
      self.assertIn(result["verdict"], ("reproduced", "not reproduced", "inconclusive"))
      with open(os.path.join(out, f"{name}.md")) as f:
        text = f.read()
      self.assertIn("SMOKE", text)
      self.assertIn(f"**Verdict: {result['verdict']}**", text)
      self.assertIn(f"{name}: {result['verdict']}", proc.stdout)
    # Values that must exist even after a few steps.
    with open(os.path.join(out, "magan.json")) as f:
      magan = json.load(f)
    self.assertGreater(magan["table"]["mnist/magan"]["margin_first"]["mean"], 0.0)
    with open(os.path.join(out, "mode_gan.json")) as f:
      ring = json.load(f)
    self.assertEqual(ring["reference"]["real data"]["ring_modes_covered"], 10)

  def test_restart_reuses_finished_runs(self):
    out, _ = _smoke_all()
    with open(os.path.join(out, "mode_gan.json")) as f:
      before = json.load(f)
    proc = _reproduce("mode_gan", "--smoke", f"--out={out}", f"--data_dir={SHARED}")
    self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
    with open(os.path.join(out, "mode_gan.json")) as f:
      after = json.load(f)
    self.assertEqual([r["train_seconds"] for r in after["runs"]], [0.0] * 3)  # nothing trained again
    self.assertEqual(after["table"], before["table"])


class ErrorsTest(tf.test.TestCase):

  def test_bad_claim_seeds_steps_and_data_dir_are_one_line_errors_from_any_folder(self):
    out = self.create_tempdir().full_path
    empty = self.create_tempdir().full_path
    for args, cwd, message in [
        (["magan2", f"--out={out}/a"], REPO, "error: unknown claim 'magan2': expected one of mhgan, mode_gan, "
                                            "magan, aam, amgan, mhshared_switch, toolkit, aam_translation or all"),
        (["magan", "--seeds=a,b", f"--out={out}/b"], REPO, "error: --seeds='a,b': expected non-negative ints "
                                                          "such as 0,1,2"),
        (["magan", "--steps=0", f"--out={out}/c"], out, "error: --steps=0: expected a positive int"),
        (["magan", "--smoke", f"--out={out}/d", f"--data_dir={out}/nope"], out,
         f"error: --data_dir='{out}/nope' is not a directory: expected a folder with mnist/ and fashion_mnist/ "
         "idx folders, or no --data_dir to read TFDS"),
        (["mode_gan", "--smoke", f"--out={out}/e", f"--data_dir={empty}"], REPO,
         f"error: --data_dir='{empty}' has no mnist/ folder: expected mnist/ with the mnist idx files "
         "(train-images-idx3-ubyte, "),
    ]:
      proc = _reproduce(*args, cwd=cwd)
      self.assertEqual(proc.returncode, 1)
      lines = proc.stderr.strip().splitlines()
      self.assertTrue(lines[-1].startswith(message), lines[-1])
    self.assertEqual(sorted(os.listdir(out)), [])  # nothing written
    self.assertEqual(sorted(os.listdir(empty)), [])


class DataDirTest(tf.test.TestCase):

  def _idx_folder(self, root, name, stems=("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")):
    os.makedirs(os.path.join(root, name))
    for stem in stems:
      open(os.path.join(root, name, stem + ".gz"), "w").close()

  def test_the_folders_each_claim_reads_are_checked_first(self):
    from tfgan_mh.reproduce import runner  # pylint: disable=g-import-not-at-top
    root = self.create_tempdir().full_path
    self._idx_folder(root, "mnist")
    runner.check_data_dir(root, [claims.CLAIMS["magan"], claims.CLAIMS["mode_gan"]])  # MNIST only: fine
    with self.assertRaisesRegex(ValueError, f"^--data_dir='{root}' has no fashion_mnist/ folder: expected "
                                            "fashion_mnist/ with the fashion_mnist idx files"):
      runner.check_data_dir(root, [claims.CLAIMS["mhgan"]])
    self._idx_folder(root, "fashion_mnist", stems=("train-images-idx3-ubyte", "train-labels-idx1-ubyte"))
    with self.assertRaisesRegex(ValueError, r"^no idx file t10k-images-idx3-ubyte\[\.gz\] in .*fashion_mnist"):
      runner.check_data_dir(root, [claims.CLAIMS["mhgan"]])

  def test_the_data_location_is_decided_at_run_time(self):
    self.assertEqual(claims.MNIST.params(None), ("build_source.name = 'mnist'",))  # TFDS
    self.assertEqual(claims.FASHION.params("/data"), ("build_source.name = 'fashion_mnist'",
                                                      "build_source.path = '/data/fashion_mnist'"))
    self.assertEqual(claims.MNIST.source_kwargs("/data"), dict(name="mnist", path="/data/mnist"))
    self.assertEqual(claims.RING.params("/data"), ())


class JudgeTest(tf.test.TestCase):

  def _table(self, a, b):
    return {"d/x": {"m": {"mean": a[0], "std": a[1], "n": 2}}, "d/y": {"m": {"mean": b[0], "std": b[1], "n": 2}}}

  def test_direction_and_seed_noise(self):
    up = claims.Expect("m", "x", ">", "y", "")
    self.assertTrue(report.judge(up, self._table((2.0, 0.1), (1.0, 0.2)), "d")["holds"])
    self.assertIsNone(report.judge(up, self._table((1.1, 0.1), (1.0, 0.2)), "d")["holds"])  # within noise
    self.assertFalse(report.judge(up, self._table((0.5, 0.1), (1.0, 0.2)), "d")["holds"])
    down = claims.Expect("m", "x", "<", "y", "")
    self.assertTrue(report.judge(down, self._table((0.5, 0.1), (1.0, 0.2)), "d")["holds"])
    about = claims.Expect("m", "x", "~", "y", "")  # at most twice the noise floor plus seed noise
    self.assertTrue(report.judge(about, self._table((0.21, 0.01), (0.1, 0.02)), "d")["holds"])
    self.assertFalse(report.judge(about, self._table((0.5, 0.01), (0.1, 0.02)), "d")["holds"])
    missing = report.judge(up, {"d/x": {"m": {"mean": None}}, "d/y": {"m": {"mean": 1.0}}}, "d")
    self.assertIsNone(missing["holds"])


class MarginHistoryTest(tf.test.TestCase):

  def test_reads_the_margin_summaries_in_step_order(self):
    from tfgan_mh.reproduce import runner  # pylint: disable=g-import-not-at-top
    d = self.create_tempdir().full_path
    self.assertEqual(runner.margin_history(d), [])  # no event file yet
    writer = tf.summary.create_file_writer(d)
    with writer.as_default():
      for step, margin in ((20, 0.5), (10, 0.75), (30, 0.25)):
        tf.summary.scalar("magan/margin", margin, step=step)
        tf.summary.scalar("d/loss", 9.0, step=step)
    writer.close()
    self.assertAllClose(runner.margin_history(d), [0.75, 0.5, 0.25])


if __name__ == "__main__":
  tf.test.main()
