"""Helpers shared by the tests."""

import tensorflow as tf


def mirrored_strategy(test):
  """MirroredStrategy over the 2 logical CPUs of tests/conftest.py (skips the test without them).

  Uses `ReductionToOneDevice` rather than the default collective all-reduce: TF keys collective ops
  by (device group, instance counter), and every new MirroredStrategy over the same devices restarts
  the counter, so a second strategy in the same pytest process whose first all-reduce has a different
  shape aborts with "Shape mismatch in the collective instance 100". The aggregation semantics tested
  here (ONLY_FIRST_REPLICA for `u`, MEAN for BN moving statistics) do not depend on the reduction
  implementation.
  """
  if len(tf.config.list_logical_devices("CPU")) < 2:
    test.skipTest("needs 2 logical CPUs (tests/conftest.py sets them up before TF initialises)")
  return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"],
                                        cross_device_ops=tf.distribute.ReductionToOneDevice())
