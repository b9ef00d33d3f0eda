"""`scalars.read_scalars`: the summaries a run wrote, back as (steps, values) in step order."""

import time

import tensorflow as tf

from tfgan_mh.evaluation import scalars


class ReadScalarsTest(tf.test.TestCase):

  def _write(self, log_dir, points):
    writer = tf.summary.create_file_writer(log_dir)
    with writer.as_default():
      for tag, step, value in points:
        tf.summary.scalar(tag, value, step=step)
      tf.summary.histogram("d/weights", [1.0, 2.0, 3.0], step=0)  # not a scalar: left out
    writer.close()

  def test_every_scalar_tag_in_step_order_the_last_write_of_a_step_wins(self):
    d = self.create_tempdir().full_path
    self._write(d, [("d/loss", 20, 0.5), ("d/loss", 10, 0.75), ("g/loss", 10, 2.0)])
    # A resumed run writes a second event file, seconds later: its name (events.out.tfevents.<second>.<host>.<pid>.<n>)
    # sorts after the first. Within one second the order is the writer counter's as text ("10" < "9"), which is not
    # what a resumed run meets: wait for the next second.
    time.sleep(1.01 - time.time() % 1.0)
    self._write(d, [("d/loss", 20, 0.25), ("d/loss", 30, 0.125)])
    curves = scalars.read_scalars(d)
    self.assertEqual(sorted(curves), ["d/loss", "g/loss"])
    self.assertAllEqual(curves["d/loss"][0], [10, 20, 30])
    self.assertAllClose(curves["d/loss"][1], [0.75, 0.25, 0.125])
    self.assertAllClose(scalars.read_scalars(d, ["g/loss"])["g/loss"][1], [2.0])

  def test_unknown_tag_and_missing_folder_are_one_line_errors(self):
    d = self.create_tempdir().full_path
    self._write(d, [("d/loss", 1, 1.0)])
    with self.assertRaisesRegex(ValueError, r"^tag 'g/loss' is not among the scalars of .*: d/loss$"):
      scalars.read_scalars(d, ["g/loss"])
    with self.assertRaisesRegex(ValueError, r"^log_dir='.*/nope' is not a folder"):
      scalars.read_scalars(d + "/nope")


if __name__ == "__main__":
  tf.test.main()
