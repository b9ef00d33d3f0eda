"""DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training", §3).

The same random, differentiable transformation T is applied to every image D sees: real and fake in the D
step, fake in the G step (their Eq. (2)-(3): L_D = f(-D(T(x))) + f(D(T(G(z)))), L_G = f(-D(T(G(z))))), so
gradients reach G through T. Policies, on NHWC images in [-1, 1], one draw per example:

  color        brightness x + (u - 0.5); saturation (x - mean_c x) * 2u + mean_c x; contrast
               (x - mean_hwc x) * (u + 0.5) + mean_hwc x   (u ~ U[0, 1) each)
  translation  a shift by whole pixels in [-r, r] per axis, r = round(H / 8) (W / 8), zeros shifted in
  cutout       a zeroed square of side round(H / 2) x round(W / 2) centred anywhere in the image
               (clipped at the borders)

Randomness is stateless (`seed`, a [2] int tensor): the train step derives it from (seed, step), so a
resumed run augments exactly as an uninterrupted one.
"""

from typing import Sequence

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")


def parse_policy(policy) -> tuple:
  """'color,translation,cutout' (or a sequence) -> a validated tuple; '' / None / () -> ()."""
  if not policy:
    return ()
  names = tuple(p.strip() for p in (policy.split(",") if isinstance(policy, str) else policy))
  bad = [p for p in names if p not in POLICIES]
  if bad:
    raise ValueError(f"DiffAugment policy {', '.join(map(repr, bad))} is not valid; valid: {', '.join(POLICIES)}")
  return names


def _uniform(seed, batch, salt):
  return tf.random.stateless_uniform([batch, 1, 1, 1], seed=seed + [0, salt])  # [B, 1, 1, 1]


def color(x, seed):
  b = tf.shape(x)[0]
  x = x + (_uniform(seed, b, 1) - 0.5)
  mean = tf.reduce_mean(x, axis=3, keepdims=True)
  x = (x - mean) * (_uniform(seed, b, 2) * 2.0) + mean
  mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
  return (x - mean) * (_uniform(seed, b, 3) + 0.5) + mean


def _shift_mask(size, shift):
  """[B, size, size] float: entry (b, i, j) = 1 where output row i takes input row j = i - shift[b]."""
  i = tf.range(size)
  return tf.cast(i[None, None, :] == (i[None, :, None] - shift[:, None, None]), tf.float32)


def translation(x, seed, ratio: float = 0.125):
  """Shifts each image by whole pixels, zeros shifted in; a matmul with a 0/1 shift matrix (differentiable)."""
  b, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
  rh, rw = int(h * ratio + 0.5), int(w * ratio + 0.5)
  dy = tf.random.stateless_uniform([b], seed=seed + [0, 4], minval=-rh, maxval=rh + 1, dtype=tf.int32)
  dx = tf.random.stateless_uniform([b], seed=seed + [0, 5], minval=-rw, maxval=rw + 1, dtype=tf.int32)
  rows = tf.cast(_shift_mask(h, dy), x.dtype)  # [B, H, H]
  cols = tf.cast(_shift_mask(w, dx), x.dtype)  # [B, W, W]
  x = tf.einsum("bij,bjwc->biwc", rows, x)
  return tf.einsum("bkw,bhwc->bhkc", cols, x)


def cutout(x, seed, ratio: float = 0.5):
  b, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
  sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
  # Centre offsets as the authors' code draws them: in [0, H + (1 - sh % 2)), the square spans
  # [cy - sh // 2, cy - sh // 2 + sh).
  cy = tf.random.stateless_uniform([b], seed=seed + [0, 6], minval=0, maxval=h + (1 - sh % 2), dtype=tf.int32)
  cx = tf.random.stateless_uniform([b], seed=seed + [0, 7], minval=0, maxval=w + (1 - sw % 2), dtype=tf.int32)
  top, left = cy - sh // 2, cx - sw // 2
  i, j = tf.range(h)[None, :], tf.range(w)[None, :]
  in_rows = (i >= top[:, None]) & (i < top[:, None] + sh)  # [B, H]
  in_cols = (j >= left[:, None]) & (j < left[:, None] + sw)  # [B, W]
  keep = 1.0 - tf.cast(in_rows[:, :, None] & in_cols[:, None, :], x.dtype)  # [B, H, W]
  return x * keep[..., None]


_FNS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x, policy: Sequence[str], seed):
  """T(x) for the policies in order (see module docstring); x [B, H, W, C], seed [2] int32/int64."""
  for k, name in enumerate(policy):
    x = _FNS[name](x, seed + [k * 16, 0])
  return x
