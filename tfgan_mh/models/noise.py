"""Training-time noise in D: dropout and Gaussian input noise, drawn by one small XLA-compiled op per call.

The modified DCGAN discriminator of Zhou et al. 2018 (AM-GAN, "Activation Maximization Generative Adversarial
Nets", arXiv:1703.02000), App. F, adds Gaussian noise (std 0.1) to its input and drops 30 % of every conv's
activations. Same distributions as `tf.nn.dropout` and `tf.random.normal`: an element is kept when a uniform
draw u in [0, 1) has u >= rate and is then scaled by 1 / (1 - rate); the noise is N(0, std^2).

Why not `tf.nn.dropout`: on CPU its stateful Philox `RandomUniform` plus the compare and select were ~23 % of
the MNIST DCGAN train step (oneDNN, 2-core AVX2 EPYC). The mask here is drawn in one XLA-compiled function
with XLA's threefry generator (uniform draw, compare and scale fused in one pass; philox under XLA CPU is
slower) and applied by one multiply, whose gradient is the same multiply: the dropout's forward and backward
took 55 % less time (benchmarks/train_step.py --config mnist_mhinge_cpu; docs/benchmarks.md). The draws
differ from `tf.nn.dropout`'s, so a run's numbers differ from a run with it; the distributions do not.

Seeds: each call draws its stateless seed from TF's stateful generator (2 int32 draws), so the masks follow
the global seed (`keras.utils.set_random_seed`) as `tf.nn.dropout`'s did. Under TPUStrategy the step is XLA
already and the nested compilation is a no-op. A shape that is not fully known when tracing falls back to
TF's philox draw without XLA (XLA needs static shapes; TF's CPU kernels have no threefry).
"""

import tensorflow as tf

_SEED_MAX = 2**31 - 1


def _seed():
  """A [2] int32 stateless seed from TF's stateful generator (follows the global seed; int32: every XLA backend
  draws 32-bit integers)."""
  return tf.random.uniform([2], 0, _SEED_MAX, dtype=tf.int32)


def _keep_scale(shape, rate, dtype, seed, alg="threefry"):
  """[shape] of 1 / (1 - rate) where a uniform draw is >= rate, else 0 (in `dtype`)."""
  u = tf.random.stateless_uniform(shape, seed, alg=alg)
  return tf.cast(tf.where(u >= rate, tf.constant(1.0 / (1.0 - rate)), 0.0), dtype)


def _normal(shape, std, dtype, seed, alg="threefry"):
  return tf.cast(tf.random.stateless_normal(shape, seed, stddev=std, alg=alg), dtype)


_keep_scale_xla = tf.function(_keep_scale, jit_compile=True, reduce_retracing=False)
_normal_xla = tf.function(_normal, jit_compile=True, reduce_retracing=False)


def _draw(draw, draw_xla, x, param):
  """draw(shape, param, dtype, seed) of x's shape and dtype: XLA-compiled where the shape is static, else TF's
  philox without XLA."""
  if x.shape.is_fully_defined():
    return draw_xla(tuple(x.shape.as_list()), float(param), x.dtype, _seed())
  return draw(tf.shape(x), float(param), x.dtype, _seed(), alg="philox")


def dropout(x, rate: float):
  """x with each element zeroed with probability `rate` and the rest scaled by 1 / (1 - rate) (training only)."""
  if not 0.0 <= rate < 1.0:
    raise ValueError(f"dropout rate={rate!r}: must be in [0, 1)")
  if rate == 0.0:
    return x
  return x * _draw(_keep_scale, _keep_scale_xla, x, rate)


def gaussian_noise(x, std: float):
  """x + N(0, std^2) noise of x's shape (training only)."""
  if std < 0.0:
    raise ValueError(f"noise std={std!r}: must be >= 0")
  if std == 0.0:
    return x
  return x + _draw(_normal, _normal_xla, x, std)
