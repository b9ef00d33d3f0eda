"""Optimizers for the train step.

The train step all-reduces gradients itself (one `all_reduce` per step) so it can report the norm of the
*global* gradient; the optimizer must then not sum them a second time. Keras 3's TensorFlow optimizer
all-reduces inside `apply_gradients` when called in a replica context, through the method
`_all_reduce_sum_gradients`; `PreReducedAdam` turns that into the identity. The test
`tests/training/test_step.py` checks that one step under MirroredStrategy on 2 replicas equals one step under
the default strategy on the same global batch, so a change in Keras that re-introduces a double sum fails there.
"""

import gin
import keras


class PreReducedAdam(keras.optimizers.Adam):
  """Adam whose gradients arrive already summed over replicas."""

  def _all_reduce_sum_gradients(self, grads_and_vars):
    return list(grads_and_vars)


if not hasattr(keras.optimizers.Adam, "_all_reduce_sum_gradients"):  # pragma: no cover
  raise ImportError(
      "keras.optimizers.Adam has no _all_reduce_sum_gradients (Keras %s): PreReducedAdam in "
      "tfgan_mh/training/optim.py must be adapted to this Keras version." % keras.__version__)


@gin.configurable(denylist=["name"])
def adam(name, *, learning_rate=gin.REQUIRED, beta_1=0.0, beta_2=0.999, epsilon=1e-8):
  """Adam for one network. Defaults: beta_1 = 0, beta_2 = 0.999 (SAGAN / MHGAN, 000 §3.1).

  Bind per network in gin: `g/adam.learning_rate = 1e-4`, `d/adam.learning_rate = 4e-4` (000 §3.1, TTUR).
  """
  return PreReducedAdam(
      learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, name=name)
