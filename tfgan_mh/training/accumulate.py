"""Gradient accumulation (`optimization.accumulate_steps = n`): one update from n micro-batches of a step's batch.

Each replica splits its share of the global batch into n micro-batches, runs forward and backward on one at a
time (each micro-batch's computation depends on the previous one's gradients, so they do not overlap: peak
activation memory of one micro-batch), sums the gradients, then all-reduces and applies them once. The loop is
unrolled at trace time (n is small; a `tf.while_loop` cannot hold the replica-synchronised writes of the
spectral-norm state under MirroredStrategy). Loss terms are averaged over the *global* batch in every micro-
batch, so the sum is the full batch's gradient: the update equals the update on the n-times-larger batch for
per-example losses (tested on the ring). What is not per example stays per micro-batch: batch-norm statistics
in training mode, feature matching's batch means, LeCam's anchor updates, DiffAugment's draws (same
distribution, other draws). Spectral normalization's power iteration is exact: every micro-batch iterates from
the same stored u and only the last writes the new one (`spectral.commit_power_iteration`).
"""

from typing import Callable, Dict, List, Tuple

import tensorflow as tf

from tfgan_mh.models import spectral


def check(num_micro: int, per_replica_batch: int) -> None:
  """One-line ValueError unless num_micro >= 1 divides the per-replica batch."""
  if isinstance(num_micro, bool) or not isinstance(num_micro, int) or num_micro < 1:
    raise ValueError(f"optimization.accumulate_steps={num_micro!r}: expected an int >= 1 (1 = no accumulation)")
  if per_replica_batch % num_micro:
    raise ValueError(f"optimization.accumulate_steps={num_micro} does not divide the per-replica batch "
                     f"{per_replica_batch}: use a divisor of it")


def micro(x, i, num_micro: int):
  """Micro-batch i of x [b, ...] -> [b / n, ...] (None stays None)."""
  if x is None or num_micro == 1:
    return x
  b = x.shape[0]
  return tf.reshape(x, [num_micro, b // num_micro] + x.shape[1:].as_list())[i]


def gradients(tape: tf.GradientTape, loss, variables) -> List:
  """The tape's gradients with zeros for variables the loss does not reach (every micro-batch the same
  structure)."""
  grads = tape.gradient(loss, variables)
  return [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]


def _add(a, b):
  """Sum of two micro-batch gradients; sparse ones (embedding rows) stay sparse by concatenation, so the
  optimizer sees the same rows as from the whole batch (Keras applies IndexedSlices row by row)."""
  if isinstance(a, tf.IndexedSlices) and isinstance(b, tf.IndexedSlices):
    return tf.IndexedSlices(tf.concat([a.values, b.values], 0), tf.concat([a.indices, b.indices], 0),
                            a.dense_shape)
  return tf.convert_to_tensor(a) + tf.convert_to_tensor(b)


def accumulate(micro_fn: Callable, num_micro: int) -> Tuple[List[tf.Tensor], Dict[str, tf.Tensor]]:
  """Sums micro_fn(i) -> (gradients, measurements) over micro-batches i = 0 .. n-1 (inside a replica fn)."""
  if num_micro == 1:
    return micro_fn(0)
  grads, out = None, None
  for i in range(num_micro):
    deps = [g.values if isinstance(g, tf.IndexedSlices) else g for g in grads or []]
    with tf.control_dependencies(deps), spectral.commit_power_iteration(i == num_micro - 1):
      g_i, o_i = micro_fn(i)
    grads = g_i if grads is None else [_add(a, b) for a, b in zip(grads, g_i)]
    out = o_i if out is None else {k: out[k] + o_i[k] for k in out}
  return grads, out
