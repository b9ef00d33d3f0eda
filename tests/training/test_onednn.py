"""oneDNN on or off (tfgan_mh.cpu turns it on for AVX2 x86 CPUs): the same training up to round-off.

Two fresh processes train the networks of `mnist_mhinge_cpu` 3 steps on the same synthetic batches
(`tests/training/three_steps.py`), with TF_ENABLE_ONEDNN_OPTS=0 and =1. Measured on a 2-core AVX2 EPYC: losses
agree within 3e-4 relative; weights within 8e-4 absolute, which is Adam's doing: its first updates are
lr * g / |g|, so a gradient entry near 0 whose round-off differs moves its weight by up to 2 lr either way (Eigen
alone, 1 against 2 threads, moves 4 % of the weights by more than rtol 1e-4).
"""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
D_RATE = 4e-4  # d/adam.learning_rate of mnist_mhinge_cpu (base/optimizer_000.gin); G's is 1e-4


def three_steps(onednn: str, out: str) -> dict:
  env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn, TF_CPP_MIN_LOG_LEVEL="2")
  subprocess.run([sys.executable, "-m", "tests.training.three_steps", "mnist_mhinge_cpu", out], env=env, cwd=ROOT,
                 check=True, capture_output=True, timeout=300)
  with np.load(out) as f:
    return {k: f[k] for k in f.files}


class OneDNNNumericsTest(unittest.TestCase):

  def test_three_steps_agree_up_to_round_off(self):
    with tempfile.TemporaryDirectory() as tmp:
      eigen = three_steps("0", os.path.join(tmp, "eigen.npz"))
      onednn = three_steps("1", os.path.join(tmp, "onednn.npz"))
    self.assertFalse(eigen.pop("onednn"))
    if not onednn.pop("onednn"):
      self.skipTest("this TensorFlow build has no oneDNN kernels (TF_ENABLE_ONEDNN_OPTS=1 changed nothing)")
    self.assertEqual(sorted(eigen), sorted(onednn))
    losses = [k for k in eigen if k.endswith(("d/loss", "g/loss"))]
    self.assertEqual(len(losses), 6)  # 3 steps x (D, G)
    for key in losses:
      np.testing.assert_allclose(onednn[key], eigen[key], rtol=1e-3, err_msg=key)
    weights = [k for k in eigen if k.startswith("w/")]
    self.assertGreater(len(weights), 20)
    for key in weights:
      np.testing.assert_allclose(onednn[key], eigen[key], rtol=0, atol=3 * 2 * D_RATE, err_msg=key)
    moved = [k for k in weights if not k.endswith(("moving_variance", "sn_u"))
             and np.max(np.abs(eigen[k] - onednn[k])) > 0]
    self.assertTrue(moved)  # the two runs did use different kernels: the comparison is not vacuous


if __name__ == "__main__":
  unittest.main()
