"""CMMD against a hand computation and a term-by-term numpy reference written from the definition
(Jayasumana et al. 2024; the authors' google-research/cmmd `distance.mmd`)."""

import math
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_mh.metrics import cmmd


def _loops(x, y, sigma=10.0, scale=1000.0):
  """scale * (mean k(x_i, x_j) + mean k(y_i, y_j) - 2 mean k(x_i, y_j)), every pair, unit rows."""
  x = x / np.linalg.norm(x, axis=1, keepdims=True)
  y = y / np.linalg.norm(y, axis=1, keepdims=True)
  k = lambda a, b: math.exp(-np.sum((a - b) ** 2) / (2 * sigma**2))
  mean = lambda a, b: sum(k(p, q) for p in a for q in b) / (len(a) * len(b))
  return scale * (mean(x, x) + mean(y, y) - 2 * mean(x, y))


class CMMDTest(tf.test.TestCase):

  def test_hand_computed(self):
    # Unnormalised 1-D points: k(0, 0) = k(1, 1) = 1, k(0, 1) = exp(-1 / 200).
    value = cmmd.cmmd(np.zeros((2, 1)), np.ones((2, 1)), normalize=False)
    self.assertAllClose(value, 1000.0 * 2.0 * (1.0 - math.exp(-1.0 / 200.0)), rtol=1e-12)
    self.assertAllClose(cmmd.cmmd(np.ones((3, 4)), np.ones((2, 4))), 0.0, atol=1e-12)  # same unit vectors

  def test_against_the_term_by_term_estimator_in_blocks(self):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.normal(size=(9, 5)) + 0.7
    expected = _loops(x, y)
    self.assertAllClose(cmmd.cmmd(x, y), expected, rtol=1e-10)
    with mock.patch.object(cmmd, "_BLOCK", 3):  # several row blocks per kernel sum
      self.assertAllClose(cmmd.cmmd(x, y), expected, rtol=1e-10)
    self.assertAllClose(cmmd.cmmd(x, y, sigma=0.5, scale=1.0), _loops(x, y, sigma=0.5, scale=1.0), rtol=1e-10)
    self.assertGreater(cmmd.cmmd(x, y), cmmd.cmmd(x, rng.normal(size=(9, 5))))  # a shifted set is farther

  def test_bad_input_is_one_line(self):
    with self.assertRaisesRegex(ValueError, r"same d; got \(3, 4\) and \(3, 5\)"):
      cmmd.cmmd(np.ones((3, 4)), np.ones((3, 5)))
    with self.assertRaisesRegex(ValueError, r">= 2 embeddings per side and sigma > 0; got 1, 3, sigma=10.0"):
      cmmd.cmmd(np.ones((1, 4)), np.ones((3, 4)))
    with self.assertRaisesRegex(ValueError, r"sigma=0.0"):
      cmmd.cmmd(np.ones((2, 4)), np.ones((3, 4)), sigma=0.0)


if __name__ == "__main__":
  tf.test.main()
