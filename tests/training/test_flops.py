"""FLOP counting of tfgan_mh.training.flops: hand-computed counts, agreement with TF's profiler."""

import tensorflow as tf

from tfgan_mh.training import flops


def _graph(fn, *specs):
  return tf.function(fn).get_concrete_function(*specs).graph


class DenseFlopsTest(tf.test.TestCase):

  def test_conv_and_matmul_by_hand(self):
    x = tf.TensorSpec([2, 8, 8, 3], tf.float32)
    k = tf.TensorSpec([3, 3, 3, 5], tf.float32)
    conv = _graph(lambda x, k: tf.nn.conv2d(x, k, 1, "SAME"), x, k)
    self.assertEqual(flops.dense_flops(conv), 2 * (2 * 8 * 8 * 5) * (3 * 3 * 3))
    strided = _graph(lambda x, k: tf.nn.conv2d(x, k, 2, "VALID"), x, k)  # 3 x 3 outputs
    self.assertEqual(flops.dense_flops(strided), 2 * (2 * 3 * 3 * 5) * 27)
    a, b = tf.TensorSpec([4, 6], tf.float32), tf.TensorSpec([7, 6], tf.float32)
    self.assertEqual(flops.dense_flops(_graph(lambda a, b: tf.matmul(a, b, transpose_b=True), a, b)),
                     2 * 4 * 7 * 6)
    a3, b3 = tf.TensorSpec([3, 4, 6], tf.float32), tf.TensorSpec([3, 6, 2], tf.float32)
    self.assertEqual(flops.dense_flops(_graph(tf.matmul, a3, b3)), 2 * 3 * 4 * 2 * 6)

  def test_gradients_cost_a_forward_each_and_agree_with_the_profiler(self):
    x = tf.TensorSpec([2, 8, 8, 3], tf.float32)
    k = tf.TensorSpec([3, 3, 3, 5], tf.float32)

    def grads(x, k):
      with tf.GradientTape() as tape:
        tape.watch([x, k])
        y = tf.nn.conv2d(x, k, 1, "SAME")
      return tape.gradient(y, [x, k])

    forward = 2 * (2 * 8 * 8 * 5) * 27
    graph = _graph(grads, x, k)
    self.assertEqual(flops.dense_flops(graph), 3 * forward)  # conv + input gradient + filter gradient
    self.assertEqual(flops.graph_flops(_graph(lambda x, k: tf.nn.conv2d(x, k, 1, "SAME"), x, k)), forward)

  def test_transposed_conv_counts_its_own_multiply_adds(self):
    x = tf.TensorSpec([2, 4, 4, 3], tf.float32)
    k = tf.TensorSpec([4, 4, 5, 3], tf.float32)  # [kh, kw, out, in]
    graph = _graph(lambda x, k: tf.nn.conv2d_transpose(x, k, [2, 8, 8, 5], 2, "SAME"), x, k)
    self.assertEqual(flops.dense_flops(graph), 2 * (2 * 4 * 4 * 3) * 16 * 5)

  def test_dynamic_shapes_are_refused(self):
    a = tf.TensorSpec([None, 6], tf.float32)
    with self.assertRaisesRegex(ValueError, "dynamic shape"):
      flops.dense_flops(_graph(lambda a: tf.matmul(a, a, transpose_b=True), a))

  def test_iteration_passes(self):
    # 5 D steps: G forward + D trained on 2B (3 forwards); G step: G trained + D back-propagated (2x).
    self.assertEqual(flops.analytic_iteration_flops(10, 1, 2, d_steps=5), 5 * (10 + 6) + 30 + 2)
    self.assertEqual(flops.analytic_iteration_flops(10, 1, 2, d_steps=5, g_step_real=True), 5 * (10 + 6) + 30 + 3)


if __name__ == "__main__":
  tf.test.main()
