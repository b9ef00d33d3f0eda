"""Test-session set-up: split the CPU into 2 logical devices before TensorFlow initialises.

Multi-replica code is tested under `tf.distribute.MirroredStrategy` over these two devices
(`/cpu:0`, `/cpu:1`); the default strategy keeps using one device.
"""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# XLA-compiled test steps (test_families' XLA arm, test_xla, ...) without LLVM's optimisation passes: the same
# HLO and fusions, 2.8 s less compile time per tiny train step on a 2-core AVX2 EPYC (6.5-7.0 s instead of
# 9.0-10.1 s); the steps' numbers stay within the tests' tolerances. A user's XLA_FLAGS are kept.
if "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
  os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()

# tfgan_mh before TensorFlow, as the CLIs import them: the tests and the CLI processes they start run the same
# kernels (oneDNN on AVX2 x86 CPUs, tfgan_mh.cpu).
import tfgan_mh  # noqa: E402,F401  pylint: disable=unused-import
import tensorflow as tf  # noqa: E402
from absl import flags  # noqa: E402

# absl's test helpers (create_tempdir, ...) read flags; plain pytest never parses them.
if not flags.FLAGS.is_parsed():
  flags.FLAGS.mark_as_parsed()

_cpus = tf.config.list_physical_devices("CPU")
if _cpus:
  try:  # Must run before anything initialises the runtime (list_logical_devices would).
    tf.config.set_logical_device_configuration(
        _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
  except RuntimeError:  # TF already initialised by an earlier import: tests needing 2 devices skip.
    pass


# pytest-xdist (pyproject.toml: `-n auto --dist loadgroup`): a test file's tests go to one worker (the runs a file
# trains once and shares: setUpClass, module caches), except in the files below, whose tests share nothing and are
# long, so they are spread over the workers one by one.
_INDEPENDENT = ("tests/test_reproduce.py", "tests/training/test_families.py", "tests/training/test_gin_experiments.py",
                "tests/models/test_networks.py", "tests/training/test_loop.py", "tests/training/test_translation.py",
                "tests/training/test_accumulate.py", "tests/training/test_onednn.py", "tests/test_sampling_options.py")
# The longest first, so that no worker is left with one of them at the end.
_LONGEST_FIRST = ("tests/test_reproduce.py", "tests/training/test_multi_worker.py", "tests/training/test_families.py",
                  "tests/test_sweep.py", "tests/evaluation/test_job.py", "tests/models/test_networks.py",
                  "tests/training/test_gin_experiments.py", "tests/evaluation/test_train_classifier.py")


@pytest.hookimpl(tryfirst=True)  # the groups must exist before xdist's own hook reads them
def pytest_collection_modifyitems(config, items):
  del config
  rank = {path: i for i, path in enumerate(_LONGEST_FIRST)}
  items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
  for item in items:
    path = item.nodeid.split("::")[0]
    if path not in _INDEPENDENT:
      item.add_marker(pytest.mark.xdist_group(path))
