"""`training.host_loop.repeat`: n steps in one host call, the last step's measurements, the step traced once."""

import tensorflow as tf

from tfgan_mh.training import host_loop


class HostLoopTest(tf.test.TestCase):

  def _counting_step(self, strategy):
    """A step that adds its batch's sum to a variable; counts its Python traces."""
    self.traces = 0
    with strategy.scope():
      total = tf.Variable(0.0)

    def step(iterator):
      self.traces += 1
      x = next(iterator)
      batch_sum = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(tf.reduce_sum, (x,)), axis=None)
      total.assign_add(batch_sum)
      return {"total": total.read_value(), "batch_sum": batch_sum, "pair": tf.stack([batch_sum, -batch_sum])}

    return step

  def _check(self, strategy):
    dataset = tf.data.Dataset.range(40).map(lambda i: tf.cast(i, tf.float32)).batch(2)  # [0,1], [2,3], ...
    iterator = iter(strategy.experimental_distribute_dataset(dataset))
    run = host_loop.repeat(self._counting_step(strategy), 3)
    first = run(iterator)  # batches 0+1, 2+3, 4+5
    self.assertAllClose(first["total"], 15.0)
    self.assertAllClose(first["batch_sum"], 9.0)
    self.assertAllClose(first["pair"], [9.0, -9.0])
    second = run(iterator)  # 6+7, 8+9, 10+11
    self.assertAllClose(second["total"], 15.0 + 13 + 17 + 21)
    self.assertAllClose(second["batch_sum"], 21.0)
    self.assertEqual(self.traces, 1)  # one trace for both calls (not one per call, not two for the first)
    self.assertEqual(run.step.experimental_get_tracing_count(), 1)  # what benchmarks/train_step.py reports

  def test_default_strategy(self):
    self._check(tf.distribute.get_strategy())

  def test_mirrored_on_two_logical_cpus(self):
    self._check(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))

  def test_one_step(self):
    strategy = tf.distribute.get_strategy()
    iterator = iter(tf.data.Dataset.range(10).map(lambda i: tf.cast(i, tf.float32)).batch(2))
    self.assertAllClose(host_loop.repeat(self._counting_step(strategy), 1)(iterator)["batch_sum"], 1.0)

  def test_zero_steps_is_refused(self):
    with self.assertRaisesRegex(ValueError, "num_steps=0: the host loop runs at least 1 step"):
      host_loop.repeat(lambda it: {}, 0)


if __name__ == "__main__":
  tf.test.main()
