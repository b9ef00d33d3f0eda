"""Test-session set-up: split the CPU into 2 logical devices before TensorFlow initialises.

Multi-replica code is tested under `tf.distribute.MirroredStrategy` over these two devices
(`/cpu:0`, `/cpu:1`); the default strategy keeps using one device.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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


# The longest test modules first, so that with the workers of pytest-xdist (pyproject.toml: `-n auto`, one file
# per worker at a time) they start at once rather than leaving one worker busy at the end.
_LONGEST_FIRST = ("tests/test_reproduce.py", "tests/training/test_multi_worker.py", "tests/test_sweep.py",
                  "tests/evaluation/test_job.py", "tests/models/test_networks.py",
                  "tests/evaluation/test_train_classifier.py", "tests/training/test_families.py")


def pytest_collection_modifyitems(config, items):
  del config
  rank = {path: i for i, path in enumerate(_LONGEST_FIRST)}
  items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
