"""An exponential moving average of the generator's weights (BigGAN, Brock et al. 2019 §4; StudioGAN's G_ema).

  e <- decay * e + (1 - decay) * w     for G's trainable weights, from step `start` on (a copy e <- w before)
  e <- w                               for its buffers (batch-norm moving statistics, spectral-norm u)

The averaged generator is what sample / export / the eval job use when a run has one.
"""

import dataclasses
from typing import Optional

import gin
import keras
import numpy as np
import tensorflow as tf


@gin.configurable("ema")
@dataclasses.dataclass(frozen=True)
class EmaSettings:
  """The EMA generator of a run (gin `ema.*`); a bad value is a one-line ValueError when made.

  decay: e.g. 0.9999 (BigGAN), 0.999 (StudioGAN); None = no EMA generator.
  start: train steps before the average starts: until then the EMA generator is a copy (StudioGAN's g_ema_start,
    BigGAN-PyTorch's ema_start; StudioGAN's MHGAN: 1000).
  """

  decay: Optional[float] = None
  start: int = 0

  def __post_init__(self):
    decay, start = self.decay, self.start
    if decay is not None and (isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 < decay < 1):
      raise ValueError(f"ema.decay={decay!r}: expected a number in (0, 1) (e.g. 0.9999) or None")
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
      raise ValueError(f"ema.start={start!r}: expected an integer >= 0 (train steps before the EMA starts)")

  @property
  def active(self) -> bool:
    return self.decay is not None


def _tf_variable(v):
  """The tf.Variable (a distributed variable under a strategy) behind a Keras 3 variable."""
  return v.value if isinstance(v, keras.Variable) else v


def copy_weights(target, source) -> None:
  """target's variables <- source's (same architecture, already built)."""
  for t, s in zip(target.variables, source.variables):
    t.assign(s)


def update(strategy: tf.distribute.Strategy, ema_model, model, decay: float, step, start: int = 0) -> None:
  """One EMA update of `ema_model` towards `model` (module docstring); `step` < `start` copies instead.

  Runs in cross-replica context on the distributed variables behind the Keras 3 variables (a `keras.Variable` is
  not itself a `tf.distribute` variable), so every replica's copy is updated.
  """
  decay = tf.where(step >= start, decay, 0.0)

  def _ema(e, w):
    return e.assign(decay * e + (1.0 - decay) * w)

  def _copy(e, w):
    return e.assign(w)

  pairs = [(_ema, ema_model.trainable_variables, model.trainable_variables),
           (_copy, ema_model.non_trainable_variables, model.non_trainable_variables)]
  for fn, ema_vars, variables in pairs:
    for e, w in zip(ema_vars, variables):
      strategy.extended.update(_tf_variable(e), fn, args=(_tf_variable(w),))
