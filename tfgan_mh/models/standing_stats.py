"""Standing statistics: G's batch-norm inference statistics recomputed from the prior before sampling.

BigGAN (Brock et al. 2019, §3 and App. C; BigGAN-PyTorch's `utils.accumulate_standing_stats`, StudioGAN's
`apply_standing_statistics`): the moving averages a generator trained with (often an EMA generator that
copies the raw G's averages) do not match the statistics its own layers see. Instead run G in training
mode, without gradients, on many mixed-class batches from the prior — z ~ N(0, I) (or the truncated normal
of the samples, `tfgan_mh.models.latents`), labels uniform over the K classes — and set every
`BatchNorm`'s moving mean and variance to the plain average of its per-batch statistics.

  record = accumulate_standing_stats(run.sampler(), num_batches=16, batch_size=256, seed=0)
  images = run.sample(z, labels)       # inference mode now normalises with the standing statistics

It changes the given generator's batch-norm moving statistics in place and nothing else: every other
variable (spectral-norm `u` vectors updated by the training-mode passes, ...) is put back as it was. The eval
job, `tfgan_mh.cli.sample` and `tfgan_mh.run.export` apply it to the generator they restored from a checkpoint for
themselves; the checkpoint itself is never written.
"""

from typing import Any, Dict, List, Optional

import numpy as np
import tensorflow as tf
from absl import logging

from tfgan_mh.models.layers import BatchNorm
from tfgan_mh.models import latents


def batch_norm_layers(model) -> List[BatchNorm]:
  """Every built `BatchNorm` reachable through `model`'s Keras layers, each once, in layer order."""
  found, seen = [], set()
  for layer in model._flatten_layers(include_self=True, recursive=True):  # pylint: disable=protected-access
    if isinstance(layer, BatchNorm) and layer.built and id(layer) not in seen:
      seen.add(id(layer))
      found.append(layer)
  return found


def prior_batch(generator, index, batch_size: int, seed: int, truncation: Optional[float]):
  """Batch `index` of the standing-statistics draws: (z [bs, z_dim] float32, labels [bs] int32 or None).

  Stateless: z from seed (seed, 2 * index), labels uniform over [0, num_classes) from (seed, 2 * index + 1).
  """
  index = tf.cast(index, tf.int64)
  z = latents.truncated_normal([batch_size, int(generator.z_dim)], truncation,
                               tf.stack([tf.constant(seed, tf.int64), 2 * index]))
  if not generator.conditional:
    return z, None
  labels = tf.random.stateless_uniform([batch_size], tf.stack([tf.constant(seed, tf.int64), 2 * index + 1]),
                                       minval=0, maxval=int(generator.num_classes), dtype=tf.int32,
                                       alg=latents.RNG_ALG)
  return z, labels


def check_settings(num_batches, batch_size, prefix: str = "") -> None:
  """One-line ValueError unless num_batches >= 0 (0 = off) and batch_size >= 1 (ints)."""
  for name, value, low in (("standing_stats_batches", num_batches, 0),
                           ("standing_stats_batch_size", batch_size, 1)):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
      raise ValueError(f"{prefix}{name}={value!r} is not valid: expected an int >= {low}"
                       + (" (0: no standing statistics)" if low == 0 else ""))


def accumulate_standing_stats(generator, *, num_batches: int, batch_size: int, seed: int = 0,
                              truncation: Optional[float] = None) -> Dict[str, Any]:
  """Sets every BatchNorm's moving mean / variance to the average of its statistics over prior batches.

  Args:
    generator: a built `tfgan_mh.models` generator (z_dim, num_classes, conditional); called as
      G(z, labels, training=True) under the default strategy, never differentiated.
    num_batches: prior batches to average over (>= 1).
    batch_size: samples per batch (the batch the statistics of one pass are taken over).
    seed: seed of the draws (`prior_batch`): the same seed gives the same statistics.
    truncation: draw z from the truncated normal (`tfgan_mh.models.latents`); None / 0: N(0, I).

  Returns:
    What was done, for records: {"batches", "batch_size", "seed", "truncation", "layers"}.

  Raises:
    ValueError: num_batches < 1, batch_size < 1, or a bad truncation (one line).
  """
  check_settings(num_batches, batch_size)
  if num_batches < 1:
    raise ValueError(f"num_batches={num_batches!r} is not valid: expected an int >= 1")
  truncation = latents.check_truncation(truncation)
  bns = batch_norm_layers(generator)
  record = dict(batches=int(num_batches), batch_size=int(batch_size), seed=int(seed), truncation=truncation,
                layers=len(bns))
  if not bns:
    logging.warning("standing statistics: %s has no BatchNorm layer; nothing to recompute", generator.name)
    return record
  saved = [(v, tf.identity(v.value)) for v in generator.non_trainable_variables]
  momenta = [bn.momentum for bn in bns]

  @tf.function(autograph=False)
  def batch_statistics(index):
    z, labels = prior_batch(generator, index, batch_size, seed, truncation)
    generator(z, labels, training=True)  # momentum 0: each moving average becomes this batch's statistic
    return [(bn.moving_mean.value, bn.moving_variance.value) for bn in bns]

  sums = [(np.zeros(bn.moving_mean.shape), np.zeros(bn.moving_variance.shape)) for bn in bns]
  done = False
  try:
    for bn in bns:
      bn.momentum = 0.0
      bn.moving_mean.assign(tf.zeros_like(bn.moving_mean.value))  # 0 * NaN would stay NaN
      bn.moving_variance.assign(tf.ones_like(bn.moving_variance.value))
    for i in range(num_batches):
      for (mean_sum, var_sum), (mean, var) in zip(sums, batch_statistics(tf.constant(i, tf.int64))):
        mean_sum += mean.numpy()
        var_sum += var.numpy()
    done = True
  finally:
    for bn, momentum in zip(bns, momenta):
      bn.momentum = momentum
    for v, value in saved:  # spectral-norm u and the like; the BN statistics too when this failed
      v.assign(value)
  if done:
    for bn, (mean_sum, var_sum) in zip(bns, sums):
      bn.moving_mean.assign((mean_sum / num_batches).astype(np.float32))
      bn.moving_variance.assign((var_sum / num_batches).astype(np.float32))
  return record


def describe(record: Optional[Dict[str, Any]]) -> str:
  """A record of `accumulate_standing_stats` in words (None: the checkpoint's moving statistics)."""
  if not record:
    return "batch-norm moving statistics of the checkpoint"
  return (f"standing statistics: {record['batches']} batches x {record['batch_size']} prior samples, "
          f"seed {record['seed']}" + (f", truncation {record['truncation']:g}" if record["truncation"] else ""))
