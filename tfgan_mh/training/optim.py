"""Optimizers for the train step.

The train step all-reduces gradients itself (one `all_reduce` per step) so it can report the norm of the
*global* gradient; the optimizer must then not sum them a second time. Keras 3's TensorFlow optimizer
all-reduces inside `apply_gradients` when called in a replica context, through the method
`_all_reduce_sum_gradients`; the `PreReduced*` optimizers turn that into the identity. The test
`tests/training/test_step.py` checks that one step under MirroredStrategy on 2 replicas equals one step under
the default strategy on the same global batch, so a change in Keras that re-introduces a double sum fails there.

Per network in gin (the loop opens the scopes `g` and `d`; `optimization.optimizer` picks the configurable, adam by
default; `OptimizationSettings`):
  g/adam.learning_rate = 1e-4            d/adam.learning_rate = 4e-4      # MHGAN §3.1 (TTUR), beta_1 = 0
  optimization.optimizer = 'adamax'      g/adamax.learning_rate = 5e-4    # MAGAN §4
  g/adam.decay_every = 10000             g/adam.decay_factor = 0.5        # staircase decay (AM-GAN, AAM)
  optimization.anneal_from = 0.5         # both rates constant for half the run, then linearly to 0 (`Anneal`)
(MHGAN = Kavalerov et al. 2019, MAGAN = Wang et al. 2017, AM-GAN = Zhou et al. 2018, AAM = Sapkota et al. 2022;
references in the `tfgan_mh` package docstring.)
"""

import dataclasses
from typing import Callable, Optional

import gin
import keras
import tensorflow as tf

from tfgan_mh.training.settings import check_positive_int


def _handle(variable):
  """The resource handle of a Keras variable or of the per-device `tf.Variable` that `extended.update` passes."""
  return (variable.value if isinstance(variable, keras.Variable) else variable).handle


class _FusedUpdates:
  """Gradients arrive already summed over replicas (module docstring), and each variable is updated by one fused
  TF kernel (`_apply`) whose per-step coefficients (`_coefficients`: bias-correction powers, rate, betas,
  epsilon) are computed once per `apply_gradients` for all variables, not once per variable.

  Keras's update builds ~36 graph ops per variable, and a per-variable fused op with its own coefficients ~14:
  a third, then a seventh, of a small train step's graph (and of its trace time); with shared coefficients a
  variable costs the kernel alone.
  """

  def _all_reduce_sum_gradients(self, grads_and_vars):
    return list(grads_and_vars)

  def _fused(self) -> bool:
    return True

  def _distributed_tf_update_step(self, distribution, grads_and_vars, learning_rate):
    if not self._fused():
      return super()._distributed_tf_update_step(distribution, grads_and_vars, learning_rate)
    shared = {}  # (device, dtype) -> coefficients: under MirroredStrategy each device has its own rate tensor

    def update(variable, gradient, rate):
      key = (variable.device, variable.dtype)
      if key not in shared:
        shared[key] = self._coefficients(variable.dtype, rate)
      return self._apply(variable, gradient, shared[key])

    for grad, var in grads_and_vars:
      distribution.extended.update(var, update, args=(grad, learning_rate), group=False)
    return None


class PreReducedAdam(_FusedUpdates, keras.optimizers.Adam):
  """Adam whose gradients arrive already summed over replicas, each variable updated by TF's fused
  `ResourceApplyAdam`: the same update, in the same order of operations (m += (g - m)(1 - b1);
  v += (g^2 - v)(1 - b2); w -= m lr_t / (sqrt(v) + eps), lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)), in one op that XLA
  also compiles. AMSGrad keeps Keras's update.
  """

  def _fused(self) -> bool:
    return not self.amsgrad

  def _coefficients(self, dtype, learning_rate):
    step = tf.cast(self.iterations + 1, dtype)
    beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
    return (tf.pow(beta_1, step), tf.pow(beta_2, step), tf.cast(learning_rate, dtype), beta_1, beta_2,
            tf.cast(self.epsilon, dtype))

  def _apply(self, variable, gradient, coefficients):
    beta1_power, beta2_power, lr, beta_1, beta_2, epsilon = coefficients
    index = self._get_variable_index(variable)
    return tf.raw_ops.ResourceApplyAdam(
        var=_handle(variable), m=_handle(self._momentums[index]), v=_handle(self._velocities[index]),
        beta1_power=beta1_power, beta2_power=beta2_power, lr=lr, beta1=beta_1, beta2=beta_2, epsilon=epsilon,
        grad=tf.cast(gradient, variable.dtype))


class PreReducedAdamax(_FusedUpdates, keras.optimizers.Adamax):
  """Adamax (Kingma & Ba §7.1; MAGAN Algorithm 1) whose gradients arrive already summed over replicas, each
  variable updated by TF's fused `ResourceApplyAdaMax` (m += (g - m)(1 - b1); u = max(b2 u, |g|);
  w -= lr / (1 - b1^t) * m / (u + eps)), as `PreReducedAdam` does for Adam."""

  def _coefficients(self, dtype, learning_rate):
    beta_1 = tf.cast(self.beta_1, dtype)
    return (tf.pow(beta_1, tf.cast(self.iterations + 1, dtype)), tf.cast(learning_rate, dtype), beta_1,
            tf.cast(self.beta_2, dtype), tf.cast(self.epsilon, dtype))

  def _apply(self, variable, gradient, coefficients):
    beta1_power, lr, beta_1, beta_2, epsilon = coefficients
    index = self._get_variable_index(variable)
    return tf.raw_ops.ResourceApplyAdaMax(
        var=_handle(variable), m=_handle(self._m[index]), v=_handle(self._u[index]), beta1_power=beta1_power,
        lr=lr, beta1=beta_1, beta2=beta_2, epsilon=epsilon, grad=tf.cast(gradient, variable.dtype))


for _cls in (keras.optimizers.Adam, keras.optimizers.Adamax):
  for _method in ("_all_reduce_sum_gradients", "_distributed_tf_update_step"):
    if not hasattr(_cls, _method):  # pragma: no cover
      raise ImportError(
          f"keras.optimizers.{_cls.__name__} has no {_method} (Keras {keras.__version__}): "
          "the PreReduced optimizers in tfgan_mh/training/optim.py must be adapted to this Keras version.")


@dataclasses.dataclass(frozen=True)
class Anneal:
  """The rate held until step `start`, then falling linearly to 0 at step `end` (and 0 after): CycleGAN's
  schedule (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks",
  arXiv:1703.10593: constant for the first half, linear decay to zero over the second).

  `step`: a callable giving the run's step counter (the loop passes the trainer's, so G and D follow one timeline
  whatever their updates per step: ACGAN's 2 D steps, MAGAN's D-only pre-training); None: the optimizer's own
  iterations.
  """
  start: int
  end: int
  step: Optional[Callable[[], tf.Tensor]] = None

  def __post_init__(self):
    if not 0 <= self.start < self.end:
      raise ValueError(f"anneal start={self.start!r}, end={self.end!r}: need 0 <= start < end")


class LinearAnneal(keras.optimizers.schedules.LearningRateSchedule):
  """`rate` * clip((end - step) / (end - start), 0, 1) (`Anneal`)."""

  def __init__(self, rate: float, anneal: Anneal):
    self.rate, self.anneal = float(rate), anneal

  def __call__(self, iterations):
    step = self.anneal.step() if self.anneal.step is not None else iterations
    left = (self.anneal.end - tf.cast(step, tf.float32)) / float(self.anneal.end - self.anneal.start)
    return self.rate * tf.clip_by_value(left, 0.0, 1.0)

  def get_config(self):
    return {"rate": self.rate, "start": self.anneal.start, "end": self.anneal.end}


def rate_schedule(rate: float, decay_every=None, decay_factor=None, anneal: Optional[Anneal] = None):
  """A constant rate, rate * decay_factor ** floor(iterations / decay_every) (staircase decay; iterations are
  the optimizer's own: G steps for G, D steps for D), or with `anneal` the linear fall to 0 of `Anneal`.
  """
  if anneal is not None:
    if decay_every is not None or decay_factor is not None:
      raise ValueError(f"decay_every={decay_every!r}, decay_factor={decay_factor!r} with optimization.anneal_from "
                       "set: choose the staircase decay or the linear anneal, not both")
    return LinearAnneal(rate, anneal)
  if decay_every is None and decay_factor is None:
    return rate
  if decay_every is None or decay_factor is None:
    raise ValueError(f"decay_every={decay_every!r}, decay_factor={decay_factor!r}: set both (a staircase "
                     "decay) or neither (a constant rate)")
  if int(decay_every) < 1 or not 0.0 < float(decay_factor) <= 1.0:
    raise ValueError(f"decay_every={decay_every!r}, decay_factor={decay_factor!r}: need decay_every >= 1 "
                     "and 0 < decay_factor <= 1")
  return keras.optimizers.schedules.ExponentialDecay(
      rate, decay_steps=int(decay_every), decay_rate=float(decay_factor), staircase=True)


def check_rate(name: str, learning_rate) -> None:
  """One-line ValueError unless the rate is a positive number (`name`: 'g_adam' -> g/adam.learning_rate)."""
  if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
    raise ValueError(f"{name.replace('_', '/', 1)}.learning_rate={learning_rate!r}: expected a number > 0")


@gin.configurable(denylist=["name", "anneal"])
def adam(name, *, learning_rate=gin.REQUIRED, beta_1=0.0, beta_2=0.999, epsilon=1e-8, decay_every=None,
         decay_factor=None, anneal: Optional[Anneal] = None):
  """Adam for one network. Defaults: beta_1 = 0, beta_2 = 0.999 (SAGAN / MHGAN, MHGAN §3.1).

  Bind per network in gin: `g/adam.learning_rate = 1e-4`, `d/adam.learning_rate = 4e-4` (MHGAN §3.1, TTUR).
  `decay_every` / `decay_factor`: optional staircase decay of the rate (`rate_schedule`); `anneal`: the linear
  fall to 0 that `optimization.anneal_from` asks for (passed by the loop, not bound in gin).
  """
  check_rate(name, learning_rate)
  rate = rate_schedule(learning_rate, decay_every, decay_factor, anneal)
  return PreReducedAdam(learning_rate=rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, name=name)


@gin.configurable(denylist=["name", "anneal"])
def adamax(name, *, learning_rate=gin.REQUIRED, beta_1=0.5, beta_2=0.999, epsilon=1e-8, decay_every=None,
           decay_factor=None, anneal: Optional[Anneal] = None):
  """Adamax for one network, as the MAGAN paper trains MAGAN and EBGAN (§4: rate 5e-4, beta_1 = 0.5)."""
  check_rate(name, learning_rate)
  rate = rate_schedule(learning_rate, decay_every, decay_factor, anneal)
  return PreReducedAdamax(learning_rate=rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, name=name)


OPTIMIZERS = {"adam": adam, "adamax": adamax}


def check_kind(kind: str) -> None:
  """ValueError (one line) unless `kind` names an optimizer of `OPTIMIZERS`."""
  if kind not in OPTIMIZERS:
    raise ValueError(f"optimization.optimizer={kind!r}: valid optimizers are {', '.join(OPTIMIZERS)}")


@gin.configurable("optimization")
@dataclasses.dataclass(frozen=True)
class OptimizationSettings:
  """How each network is updated (gin `optimization.*`; the rates and betas per network: `g/adam.*`, `d/adam.*`);
  a bad value is a one-line ValueError when made.

  optimizer: 'adam' or 'adamax' (MAGAN), configured per network.
  accumulate_steps: micro-batches per update: the batch-n update in n slices (`tfgan_mh.training.accumulate`;
    that it divides the per-replica batch is checked by the trainer, which knows the replicas).
  anneal_from: None (the configured rates, constant or staircase), or a fraction f in [0, 1): both networks'
    rates are held for the first f of `train.num_steps`, then fall linearly to 0 at the last step (`Anneal`).
  """

  optimizer: str = "adam"
  accumulate_steps: int = 1
  anneal_from: Optional[float] = None

  def __post_init__(self):
    check_kind(self.optimizer)
    check_positive_int("optimization.accumulate_steps", self.accumulate_steps)
    f = self.anneal_from
    if f is not None and (isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 <= f < 1):
      raise ValueError(f"optimization.anneal_from={f!r}: expected a fraction of train.num_steps in [0, 1) after "
                       "which the rates fall linearly to 0, or None (no anneal)")

  def anneal(self, num_steps: int, step: Callable[[], tf.Tensor]) -> Optional[Anneal]:
    """The `Anneal` of a run of `num_steps` whose step counter `step` reads; None without `anneal_from`."""
    if self.anneal_from is None:
      return None
    return Anneal(int(round(self.anneal_from * num_steps)), num_steps, step)


def build(kind: str, name: str, anneal: Optional[Anneal] = None):
  """The gin-configured optimizer `kind` ('adam' or 'adamax') named `name`, its rate annealed by `anneal`."""
  check_kind(kind)
  return OPTIMIZERS[kind](name, anneal=anneal)
