"""Latents z for sampling: the N(0, I) prior, or the truncation trick of BigGAN.

Truncation trick (Brock et al. 2019, "Large Scale GAN Training for High Fidelity Natural Image Synthesis",
§3.1): sample z from a truncated normal, "values which fall outside a range are resampled to fall inside
that range" — every |z_i| > threshold is drawn again, so z_i follows N(0, 1) conditioned on
|z_i| <= threshold (not clipped, not rescaled). Smaller thresholds trade variety for fidelity. A threshold
of None or 0 means no truncation: plain N(0, I).

  z = truncated_normal([64, 128], 0.5, seed=3)                      # TF, stateless: same seed, same z
  z = truncate_numpy(rng.standard_normal((64, 128)), 0.5, rng)     # numpy: what sample / the eval job draw

Both are the same distribution (the truncated normal); they are not the same numbers.
"""

import math
from typing import Optional, Sequence, Union

import numpy as np
import tensorflow as tf

# The stateless generator of the step's z and fake labels and of the standing statistics' draws, named rather
# than TF's "auto_select", which picks philox in TF's kernels but threefry under XLA on CPU. Philox is what
# auto_select gave every run without XLA, so those draws are unchanged; under XLA the integer draws (fake labels)
# are now the same as without it. XLA's float and normal transforms still differ from TF's kernels, so an
# XLA-compiled step (`execution.jit_compile`, every TPU step) draws other z from the same seed (tests/training/
# test_families.py gives the compiled run the plain run's draws). DiffAugment, a lower layer, keeps TF's default.
RNG_ALG = "philox"


def check_truncation(threshold, name: str = "truncation") -> Optional[float]:
  """The threshold as a float, None when off (None or 0); one-line ValueError for anything else.

  Args:
    threshold: None, 0, or a positive finite number.
    name: how the value is named in the error (e.g. "--truncation").
  """
  if threshold is None:
    return None
  if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) \
      or not math.isfinite(threshold) or threshold < 0:
    raise ValueError(f"{name}={threshold!r} is not valid: expected a threshold > 0 (e.g. 0.5; BigGAN §3.1), "
                     "or 0 / None for no truncation")
  return float(threshold) if threshold > 0 else None


def _seed_pair(seed: Union[int, Sequence[int], tf.Tensor]):
  if isinstance(seed, (int, np.integer)):
    return tf.constant([int(seed), 0], tf.int64)
  return seed


def truncated_normal(shape, threshold: Optional[float], seed) -> tf.Tensor:
  """float32 z of `shape`: N(0, 1) entries, each resampled while |z_i| > threshold (None / 0: no truncation).

  Stateless (`tf.random.stateless_parameterized_truncated_normal` draws the truncated normal exactly), so
  the same seed gives the same z; the shape may be a tensor (dynamic batch), the result keeps what is static.

  Args:
    shape: e.g. [B, z_dim].
    threshold: the truncation threshold (`check_truncation`).
    seed: an int, or a [2] int tensor / pair (`tf.random.stateless_*` seeds).
  """
  threshold = check_truncation(threshold)
  seed = _seed_pair(seed)
  if threshold is None:
    return tf.random.stateless_normal(shape, seed, alg=RNG_ALG)
  return tf.random.stateless_parameterized_truncated_normal(
      shape, seed, means=0.0, stddevs=1.0, minvals=-threshold, maxvals=threshold)


def truncate_numpy(z: np.ndarray, threshold: Optional[float], rng: np.random.Generator) -> np.ndarray:
  """`z` (standard normal draws of `rng`) with every |z_i| > threshold drawn again from `rng` until none is left.

  Rejection sampling: each redraw of an entry is N(0, 1), kept when inside, so the result is the truncated
  normal. Expected draws per entry: 1 / P(|z| <= threshold) (1.6 at 0.5, 31 at 0.04). With None / 0 `z` is
  returned unchanged (the same latents as without this call). The dtype is kept; the comparison is made in it.
  """
  threshold = check_truncation(threshold)
  if threshold is None:
    return z
  z = np.array(z, copy=True)
  outside = np.abs(z) > threshold
  while outside.any():
    z[outside] = rng.standard_normal(int(outside.sum())).astype(z.dtype)
    outside = np.abs(z) > threshold
  return z


def describe(threshold: Optional[float]) -> str:
  """The latent distribution in words, for records and logs."""
  threshold = check_truncation(threshold)
  if threshold is None:
    return "N(0, I)"
  return f"truncated N(0, I): every |z_i| > {threshold:g} resampled (BigGAN §3.1)"
