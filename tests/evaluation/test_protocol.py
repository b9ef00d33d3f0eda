"""Evaluation protocols: IS splits per paper (000: one score; 001 / 004: 10 splits), from gin to the eval job."""

import glob
import os
import re

import gin
import tensorflow as tf

from tfgan_mh.run import protocol as run_protocol

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPECTED_SPLITS = {"000": 1, "001": 10, "004": 10}  # TF-GAN's SAGAN eval; the Salimans script
# Experiments compared with PyTorch-StudioGAN's table say so ("IS protocol: StudioGAN") and use its one score over
# all samples (its README: "we do not split a dataset into ten folds"; src/worker.py: num_splits = 1).
STUDIOGAN_SPLITS = 1


class ProtocolTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_every_experiment_states_its_is_splits_as_its_paper(self):
    seen = {}
    for path in sorted(glob.glob(os.path.join(REPO, "gin", "experiments", "*.gin"))):
      with open(path) as f:
        text = f.read()
      paper = re.search(r"Paper: (00\d)?", text).group(1)  # None: a paper outside 000-004 (named by arXiv id)
      found = re.findall(r"^eval_protocol\.inception_score_splits = (\d+)", text, re.M)
      self.assertLen(found, 1, f"{path}: states its IS splits once")
      if re.search(r"^# IS protocol: StudioGAN", text, re.M):
        self.assertEqual(int(found[0]), STUDIOGAN_SPLITS, path)
      elif paper in EXPECTED_SPLITS:
        self.assertEqual(int(found[0]), EXPECTED_SPLITS[paper], path)
        seen[paper] = seen.get(paper, 0) + 1
    self.assertEqual(sorted(seen), ["000", "001", "004"])

  def test_gin_binding_reaches_the_protocol(self):
    gin.parse_config("eval_protocol.inception_score_splits = 1")
    self.assertEqual(run_protocol.eval_protocol()["inception_score_splits"], 1)
    self.assertIn("TF-GAN", run_protocol.eval_protocol()["inception_score_source"])

  def test_flag_beats_run_beats_default(self):
    info = {"eval_protocol": {"inception_score_splits": 1}}
    self.assertEqual(run_protocol.run_is_splits(info, None)["is_splits_from"], "run")
    self.assertEqual(run_protocol.run_is_splits(info, None)["is_splits"], 1)
    self.assertEqual(run_protocol.run_is_splits(info, 10)["is_splits"], 10)
    self.assertEqual(run_protocol.run_is_splits(info, 10)["is_splits_from"], "flag")
    self.assertEqual(run_protocol.run_is_splits({}, None), {
        "is_splits": 10, "is_splits_from": "default", "is_splits_source": run_protocol.IS_SPLITS_SOURCES[10]})

  def test_bad_splits(self):
    for bad in (0, -1, 2.5, True, "1"):
      with self.assertRaisesRegex(ValueError, r"^eval_protocol.inception_score_splits=.*: expected a positive int"):
        run_protocol.eval_protocol(inception_score_splits=bad)


if __name__ == "__main__":
  tf.test.main()
