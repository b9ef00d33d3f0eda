"""tfgan_mh.cpu: the oneDNN choice made from the CPU's flags before TensorFlow starts."""

import os
import subprocess
import sys
import unittest
from unittest import mock

from tfgan_mh import cpu

AVX2 = frozenset({"fpu", "avx", "avx2", "fma"})
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class OneDNNChoiceTest(unittest.TestCase):

  def test_decisions(self):
    self.assertEqual(cpu.onednn_choice({}, AVX2, False)[0], "1")
    value, reason = cpu.onednn_choice({"TF_ENABLE_ONEDNN_OPTS": "0"}, AVX2, False)
    self.assertIsNone(value)
    self.assertIn("TF_ENABLE_ONEDNN_OPTS=0 set by the user", reason)
    self.assertIsNone(cpu.onednn_choice({}, AVX2, True)[0])  # too late: TF reads the variable once
    self.assertIsNone(cpu.onednn_choice({}, frozenset({"fp", "asimd"}), False)[0])  # ARM: TF's default
    self.assertIsNone(cpu.onednn_choice({}, frozenset({"sse4_2", "avx"}), False)[0])  # no AVX2

  def test_prefer_onednn_sets_only_an_unset_variable(self):
    with mock.patch.dict(sys.modules):
      sys.modules.pop("tensorflow", None)  # as in a fresh process that imports tfgan_mh first
      environ = {}
      self.assertIn("auto", cpu.prefer_onednn(environ, AVX2))
      self.assertEqual(environ, {"TF_ENABLE_ONEDNN_OPTS": "1"})
      self.assertEqual(cpu.user_environment({"A": "1", **environ}), {"A": "1"})  # a child chooses by itself
    environ = {"TF_ENABLE_ONEDNN_OPTS": "0"}
    cpu.prefer_onednn(environ, AVX2)
    self.assertEqual(environ, {"TF_ENABLE_ONEDNN_OPTS": "0"})
    self.assertEqual(cpu.user_environment(environ), environ)  # the user's own setting is kept

  def test_import_tfgan_mh_then_tensorflow_in_a_fresh_process(self):
    code = "import tfgan_mh, tensorflow, json; from tfgan_mh import cpu; print(json.dumps(cpu.onednn_state()))"
    for setting, expected in ((None, "avx2" in cpu.cpu_flags() or None), ("0", False)):
      env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
      if setting is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = setting
      out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                           check=True, timeout=120).stdout.strip().splitlines()[-1]
      if expected is None:  # not AVX2 x86: TensorFlow's own default, whatever it is
        continue
      self.assertIn(f'"enabled": {str(expected).lower()}', out)


if __name__ == "__main__":
  unittest.main()
