"""Model FLOPs of a GAN train step, counted two independent ways, and the host's matmul rate.

* `graph_flops`: TF's profiler (`tf.compat.v1.profiler`, the FLOP statistics each op type registers) over
  the graph of a traced function: every op with a registered count (convolutions and their gradients,
  matmuls, element-wise ops, reductions, the optimizer update). This is the "model FLOPs" of MFU.
* `dense_flops`: this module's own count of the dense-algebra ops only (Conv2D and its two gradients,
  MatMul, BatchMatMul), 2 * multiply-adds from the ops' static shapes. `analytic_iteration_flops`
  applies it to the FORWARD graphs of G and D and multiplies by the passes of one iteration
  (d_steps D steps + 1 G step): a layer whose weights train costs forward + gradient of its input +
  gradient of its weights = 3 forwards; a network that is only back-propagated through (D in the G step)
  costs 2; G in a D step runs forward only.

`matmul_rate` measures what the CPU (or accelerator) sustains on a large dense matmul in this process:
the denominator of MFU = model FLOP/s / matmul FLOP/s.
"""

import time

import numpy as np
import tensorflow as tf

from tfgan_mh.models import base as models_base

DENSE_OPS = ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MatMul", "BatchMatMul",
             "BatchMatMulV2", "BatchMatMulV3")


def graph_flops(graph: tf.Graph) -> int:
  """Total FLOPs TF's profiler registers for the ops of `graph` (needs static shapes)."""
  opts = tf.compat.v1.profiler.ProfileOptionBuilder(
      tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()).with_empty_output().build()
  return int(tf.compat.v1.profiler.profile(graph=graph, options=opts).total_float_ops)


def _shape(tensor):
  dims = tensor.shape.as_list()
  if any(d is None for d in dims):
    raise ValueError(f"{tensor.name} has a dynamic shape {dims}: trace with static shapes to count FLOPs")
  return dims


def _op_flops(op) -> int:
  """2 * multiply-adds of one dense-algebra op from its static shapes (0 for other ops)."""
  t = op.type
  if t == "Conv2D":  # out [B, H, W, Co], filter [kh, kw, Ci, Co]
    kh, kw, ci, _ = _shape(op.inputs[1])
    return 2 * int(np.prod(_shape(op.outputs[0]))) * kh * kw * ci
  if t in ("Conv2DBackpropInput", "Conv2DBackpropFilter"):
    # Same multiply-adds as the forward conv: out_backprop [B, H', W', Co] x filter [kh, kw, Ci, Co].
    out_backprop = _shape(op.inputs[2])
    if t == "Conv2DBackpropInput":
      kh, kw, ci, _ = _shape(op.inputs[1])
    else:
      kh, kw, ci, _ = _shape(op.outputs[0])
    return 2 * int(np.prod(out_backprop)) * kh * kw * ci
  if t == "MatMul":
    a = _shape(op.inputs[0])
    k = a[0] if op.get_attr("transpose_a") else a[1]
    return 2 * int(np.prod(_shape(op.outputs[0]))) * k
  if t.startswith("BatchMatMul"):
    a = _shape(op.inputs[0])
    k = a[-2] if op.get_attr("adj_x") else a[-1]
    return 2 * int(np.prod(_shape(op.outputs[0]))) * k
  return 0


def dense_flops(graph: tf.Graph) -> int:
  """2 * multiply-adds of the convolutions and matmuls in `graph` (see module docstring)."""
  return sum(_op_flops(op) for op in graph.get_operations() if op.type in DENSE_OPS)


def forward_graphs(generator, discriminator, *, batch: int, conditional: bool, image_shape):
  """Graphs of G(z, y) (G(x, y) for an image-to-image generator: `source_shape`) at `batch` and of D(x, y) at
  `batch` and 2 * `batch`, training mode (traced only)."""

  def g_fn(z, y):
    return generator(z, y if conditional else None, training=True)

  def d_fn(x, y):
    return discriminator(x, y if models_base.reads_labels(discriminator) else None, training=True)

  g = tf.function(g_fn).get_concrete_function(
      tf.TensorSpec(generator.source_shape(batch), tf.float32), tf.TensorSpec([batch], tf.int32))
  d = {b: tf.function(d_fn).get_concrete_function(
      tf.TensorSpec([b, *image_shape], tf.float32), tf.TensorSpec([b], tf.int32))
       for b in (batch, 2 * batch)}
  return g.graph, d[batch].graph, d[2 * batch].graph


def analytic_iteration_flops(g_forward: int, d_forward_batch: int, d_forward_double: int,
                             d_steps: int, g_step_real: bool = False) -> int:
  """Dense FLOPs of d_steps D steps (real + fake in one D call) and one G step, from forward counts.

  D step: G forward (no gradient) + D on 2B trained (3x). G step: G trained (3x) + D on B back-propagated
  through to its input only (2x), plus, when the G loss reads D on a real batch (feature matching,
  `g_step_real`), one forward pass of D on B.
  """
  return (d_steps * (g_forward + 3 * d_forward_double) + 3 * g_forward + 2 * d_forward_batch
          + (d_forward_batch if g_step_real else 0))


def matmul_rate(dtype=tf.float32, n: int = 2048, repeats: int = 5) -> float:
  """Best-of-`repeats` GFLOP/s of an n x n x n matmul in `dtype` on the default device."""
  a = tf.cast(tf.random.stateless_normal([n, n], seed=[1, 2]), dtype)
  b = tf.cast(tf.random.stateless_normal([n, n], seed=[3, 4]), dtype)
  tf.matmul(a, b).numpy()  # warm-up: kernel selection, caches
  best = float("inf")
  for _ in range(repeats):
    t0 = time.perf_counter()
    tf.matmul(a, b).numpy()
    best = min(best, time.perf_counter() - t0)
  return 2 * n**3 / best / 1e9
