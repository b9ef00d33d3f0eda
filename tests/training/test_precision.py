"""execution.precision: the bf16 decision per device and CPU flags (faked), the legacy switch, the warning."""

import os
from unittest import mock

import tensorflow as tf

from tfgan_mh.training import precision

AVX2 = frozenset("fpu sse2 avx fma avx2".split())
AVX512_BF16 = AVX2 | {"avx512f", "avx512_bf16"}
AMX = AVX2 | {"amx_tile", "amx_bf16"}


class DecideTest(tf.test.TestCase):

  def test_auto_picks_bf16_only_where_it_is_native(self):
    cases = [("TPU", frozenset(), "mixed_bfloat16"), ("CPU", AVX512_BF16, "mixed_bfloat16"),
             ("CPU", AMX, "mixed_bfloat16"), ("CPU", AVX2, "float32"), ("CPU", frozenset(), "float32"),
             ("GPU", AVX512_BF16, "float32")]
    for kind, flags, expected in cases:
      with self.subTest(kind=kind, flags=sorted(flags)):
        policy, _, warning = precision.decide("auto", None, kind, flags)
        self.assertEqual(policy, expected)
        self.assertIsNone(warning)

  def test_explicit_precision_wins_over_the_device(self):
    self.assertEqual(precision.decide("float32", None, "TPU", frozenset())[0], "float32")
    self.assertEqual(precision.decide("float32", None, "CPU", AMX)[0], "float32")
    self.assertEqual(precision.decide("mixed_bfloat16", None, "GPU", frozenset())[0], "mixed_bfloat16")

  def test_legacy_switch_wins_over_precision(self):
    self.assertEqual(precision.decide("auto", False, "TPU", frozenset())[0], "float32")
    policy, reason, _ = precision.decide("float32", True, "CPU", AMX)
    self.assertEqual(policy, "mixed_bfloat16")
    self.assertEqual(reason, "execution.mixed_bfloat16=True")

  def test_emulated_bf16_on_a_cpu_warns_with_the_cost_and_the_switch(self):
    for args in (("mixed_bfloat16", None), ("auto", True), ("float32", True)):
      with self.subTest(args=args):
        policy, _, warning = precision.decide(*args, "CPU", AVX2)
        self.assertEqual(policy, "mixed_bfloat16")
        self.assertIn("4x slower than float32", warning)
        self.assertIn("execution.precision='auto' or 'float32'", warning)
    self.assertIsNone(precision.decide("mixed_bfloat16", None, "CPU", AVX512_BF16)[2])
    self.assertIsNone(precision.decide("mixed_bfloat16", None, "TPU", frozenset())[2])

  def test_bad_precision_is_one_line(self):
    with self.assertRaisesRegex(ValueError, r"^execution.precision='bf16' is not valid; valid: 'auto', "
                                r"'float32', 'mixed_bfloat16'$"):
      precision.decide("bf16", None, "CPU", AVX2)


class HostTest(tf.test.TestCase):

  def _cpuinfo(self, text):
    path = os.path.join(self.create_tempdir().full_path, "cpuinfo")
    with open(path, "w") as f:
      f.write(text)
    return path

  def test_cpu_flags_read_x86_and_arm_cpuinfo(self):
    x86 = self._cpuinfo("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 avx512_bf16\n"
                        "processor\t: 1\nflags\t\t: fpu avx2 avx512_bf16\n")
    self.assertEqual(precision.cpu_flags(x86), {"fpu", "avx2", "avx512_bf16"})
    self.assertTrue(precision.cpu_has_native_bf16(precision.cpu_flags(x86)))
    arm = self._cpuinfo("processor\t: 0\nFeatures\t: fp asimd sve\n")
    self.assertEqual(precision.cpu_flags(arm), {"fp", "asimd", "sve"})
    self.assertFalse(precision.cpu_has_native_bf16(precision.cpu_flags(arm)))
    self.assertEqual(precision.cpu_flags("/nonexistent/cpuinfo"), frozenset())

  def test_an_isa_cap_below_bf16_means_float32_and_refuses_bf16(self):
    self.assertEqual(precision.onednn_isa_cap({"ONEDNN_MAX_CPU_ISA": " avx2"}), "AVX2")
    self.assertEqual(precision.onednn_isa_cap({"DNNL_MAX_CPU_ISA": "AVX512_CORE"}), "AVX512_CORE")
    self.assertEqual(precision.onednn_isa_cap({}), "")
    self.assertEqual(precision.decide("auto", None, "CPU", AVX512_BF16, "AVX2")[0], "float32")
    self.assertEqual(precision.decide("auto", None, "CPU", AVX512_BF16, "AVX512_CORE_BF16")[0], "mixed_bfloat16")
    self.assertEqual(precision.decide("auto", None, "CPU", AVX512_BF16, "")[0], "mixed_bfloat16")
    with self.assertRaisesRegex(ValueError, r"^execution.precision='mixed_bfloat16' with ONEDNN_MAX_CPU_ISA=AVX2: "
                                r"that caps oneDNN below its bfloat16 kernels .*set execution.precision='float32'"):
      precision.decide("mixed_bfloat16", None, "CPU", AVX512_BF16, "AVX2")
    self.assertEqual(precision.decide("mixed_bfloat16", None, "TPU", frozenset(), "AVX2")[0], "mixed_bfloat16")

  def test_default_strategy_here_is_a_cpu(self):
    self.assertEqual(precision.device_kind(tf.distribute.get_strategy()), "CPU")

  def test_policy_for_logs_one_warning_on_emulated_bf16(self):
    strategy = tf.distribute.get_strategy()
    with mock.patch.object(precision, "cpu_flags", return_value=AVX2):
      with self.assertLogs("absl", "WARNING") as logs:
        self.assertEqual(precision.policy_for("mixed_bfloat16", None, strategy), "mixed_bfloat16")
      self.assertEqual([r.getMessage() for r in logs.records if r.levelname == "WARNING"],
                       [precision.SLOW_BF16_WARNING])
      self.assertEqual(precision.policy_for("auto", None, strategy), "float32")
    with mock.patch.object(precision, "cpu_flags", return_value=AVX512_BF16):
      self.assertEqual(precision.policy_for("auto", None, strategy), "mixed_bfloat16")


if __name__ == "__main__":
  tf.test.main()
