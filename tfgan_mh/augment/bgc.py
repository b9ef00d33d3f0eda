"""ADA's 'bgc' augmentations: pixel blitting, general geometric and colour transforms, each example's each transform
applied with probability p (Karras, Aittala, Hellsten, Laine, Lehtinen & Aila 2020, "Training Generative
Adversarial Networks with Limited Data", arXiv:2006.06676, §2.3 and Appendix B; the ranges are those of the
authors' `AugmentPipe`, stylegan2-ada-pytorch `training/augment.py`):

  b (blit)   x-flip (i ~ U{0, 1}); rotation by i * 90 deg (i ~ U{0..3}); integer translation by round(t W),
             round(t H) pixels, t ~ U(-0.125, 0.125) per axis
  g (geom)   isotropic scale 2^N(0, 0.2^2); rotation U(-180, 180) deg, before and after an anisotropic scale
             (s, 1/s), s = 2^N(0, 0.2^2), each rotation with probability 1 - sqrt(1 - p) so that P(any) = p;
             fractional translation N(0, 0.125^2) of W and H
  c (colour) brightness + N(0, 0.2^2); contrast x 2^N(0, 0.5^2); luma flip (Householder reflection about the
             luma axis (1, 1, 1) / sqrt 3, i ~ U{0, 1}); hue rotation U(-180, 180) deg about that axis;
             saturation x 2^N(0, 1) off that axis (hue and saturation only for 3-channel images)

All b and g transforms compose into one inverse matrix per example (output pixel -> source pixel, pixel units
centred on the image), executed by one bilinear resampling with reflect padding; the colour transforms compose into
one 4 x 4 matrix on (r, g, b, 1). Everything is differentiable w.r.t. the images (gradients reach G through the
augmented fakes) and made of gathers and matmuls that XLA compiles (TPUs). With p = 0 the output equals the input
exactly.

One difference from the authors' code: their resampling upsamples 2x with a sym6 wavelet filter, samples, and
filters back down (less aliasing under rotation and scaling); here the bilinear sample is taken at the image's own
resolution. Blit transforms land on whole pixels, so they are exact either way.

Randomness is stateless (`seed`, a [2] int tensor), so a resumed run augments as an uninterrupted one.
"""

import math

import tensorflow as tf

PIPELINES = ("b", "g", "c", "bg", "bc", "gc", "bgc")
XINT_MAX, SCALE_STD, ROTATE_MAX, ANISO_STD, XFRAC_STD = 0.125, 0.2, 1.0, 0.2, 0.125
BRIGHTNESS_STD, CONTRAST_STD, HUE_MAX, SATURATION_STD = 0.2, 0.5, 1.0, 1.0
_LUMA = tuple(v / math.sqrt(3.0) for v in (1.0, 1.0, 1.0, 0.0))  # the luma axis in (r, g, b, 1); a tuple: no
# tensor at import (a MultiWorkerMirroredStrategy must be made before TensorFlow's context starts)


def check_pipeline(pipeline: str) -> str:
  """One-line ValueError unless `pipeline` is one of PIPELINES ('' = off is the caller's)."""
  if pipeline not in PIPELINES:
    raise ValueError(f"ada.pipeline={pipeline!r}: expected one of {', '.join(PIPELINES)} (b: blit, g: geometric, "
                     "c: colour), or '' for no ADA")
  return pipeline


class _Draws:
  """Per-example draws of one call: each a distinct stateless stream of `seed`."""

  def __init__(self, seed, batch):
    self.seed, self.batch, self.n = seed, batch, 0

  def _next_seed(self):
    self.n += 1
    return tf.random.experimental.stateless_fold_in(self.seed, self.n)  # a new stream per draw, no overlaps

  def uniform(self, shape=()):
    return tf.random.stateless_uniform([self.batch, *shape], seed=self._next_seed())

  def normal(self, shape=()):
    return tf.random.stateless_normal([self.batch, *shape], seed=self._next_seed())

  def enabled(self, probability, value, identity):
    """`value` where an example's U[0, 1) draw is below `probability`, `identity` elsewhere."""
    on = self.uniform() < probability
    on = tf.reshape(on, [self.batch] + [1] * (value.shape.rank - 1))
    return tf.where(on, value, identity)


def _matrices(rows):
  """[[a, b, ...], ...] of [B] tensors or numbers -> [B, R, C]."""
  batch = tf.shape(next(e for row in rows for e in row if isinstance(e, tf.Tensor)))[0]
  return tf.stack([tf.stack([tf.broadcast_to(tf.cast(e, tf.float32), [batch]) for e in row], -1) for row in rows], 1)


def scale2d(sx, sy):
  return _matrices([[sx, 0.0, 0.0], [0.0, sy, 0.0], [0.0, 0.0, 1.0]])


def translate2d(tx, ty):
  return _matrices([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def rotate2d(theta):
  c, s = tf.cos(theta), tf.sin(theta)
  return _matrices([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def quarter_turns(i):
  """rotate2d(i * 90 deg) for integer i [B], with exact 0 / +-1 entries (so a blit lands on whole pixels)."""
  c, s = tf.gather([1.0, 0.0, -1.0, 0.0], i % 4), tf.gather([0.0, 1.0, 0.0, -1.0], i % 4)
  return _matrices([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def geometric_matrix(draws: _Draws, p, pipeline: str, height: int, width: int) -> tf.Tensor:
  """[B, 3, 3] G_inv: (x, y, 1) of an output pixel (centred pixel units) -> its source position."""
  b = draws.batch
  g_inv = tf.eye(3, batch_shape=[b])
  zero, one = tf.zeros([b]), tf.ones([b])
  if "b" in pipeline:
    flip = draws.enabled(p, tf.floor(draws.uniform() * 2), zero)
    g_inv = g_inv @ scale2d(1 - 2 * flip, one)
    quarter = tf.cast(draws.enabled(p, tf.floor(draws.uniform() * 4), zero), tf.int32)
    g_inv = g_inv @ quarter_turns(quarter)
    t = draws.enabled(p, (draws.uniform([2]) * 2 - 1) * XINT_MAX, tf.zeros([b, 2]))
    g_inv = g_inv @ translate2d(-tf.round(t[:, 0] * width), -tf.round(t[:, 1] * height))
  if "g" in pipeline:
    s = draws.enabled(p, _exp2(draws.normal() * SCALE_STD), one)
    g_inv = g_inv @ scale2d(1 / s, 1 / s)
    p_rot = 1 - tf.sqrt(tf.clip_by_value(1 - p, 0.0, 1.0))  # P(pre or post rotation) = p
    theta = draws.enabled(p_rot, (draws.uniform() * 2 - 1) * math.pi * ROTATE_MAX, zero)
    g_inv = g_inv @ rotate2d(theta)
    s = draws.enabled(p, _exp2(draws.normal() * ANISO_STD), one)
    g_inv = g_inv @ scale2d(1 / s, s)
    theta = draws.enabled(p_rot, (draws.uniform() * 2 - 1) * math.pi * ROTATE_MAX, zero)
    g_inv = g_inv @ rotate2d(theta)
    t = draws.enabled(p, draws.normal([2]) * XFRAC_STD, tf.zeros([b, 2]))
    g_inv = g_inv @ translate2d(-t[:, 0] * width, -t[:, 1] * height)
  return g_inv


def _reflect(coord, size: int):
  """Integer source coordinates folded into [0, size) by reflection without repeating the edge (np.pad 'reflect')."""
  if size == 1:
    return tf.zeros_like(coord)
  period = 2 * (size - 1)
  coord = tf.math.floormod(coord, period)
  return tf.where(coord > size - 1, period - coord, coord)


def resample(images, g_inv):
  """images [B, H, W, C] sampled bilinearly at G_inv @ (each output pixel), reflect padding; [B, H, W, C]."""
  _, h, w, c = images.shape
  b = images.shape[0] or tf.shape(images)[0]
  ys, xs = tf.meshgrid(tf.range(h, dtype=tf.float32) - (h - 1) / 2, tf.range(w, dtype=tf.float32) - (w - 1) / 2,
                       indexing="ij")
  grid = tf.stack([tf.reshape(xs, [-1]), tf.reshape(ys, [-1]), tf.ones([h * w])], 0)  # [3, HW]
  src = tf.einsum("bij,jn->bin", g_inv, grid)  # [B, 3, HW]
  x, y = src[:, 0] + (w - 1) / 2, src[:, 1] + (h - 1) / 2  # [B, HW] source pixel positions
  x0, y0 = tf.floor(x), tf.floor(y)
  fx, fy = (x - x0)[..., None], (y - y0)[..., None]  # [B, HW, 1]
  x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
  flat = tf.reshape(images, [b, h * w, c])

  def at(yy, xx):
    return tf.gather(flat, _reflect(yy, h) * w + _reflect(xx, w), batch_dims=1)  # [B, HW, C]

  top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
  bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
  return tf.reshape(top * (1 - fy) + bottom * fy, [b, h, w, c])


def _exp2(x):
  return tf.pow(2.0, x)


def _outer(v):
  return v[:, None] * v[None, :]


def colour_matrix(draws: _Draws, p, channels: int) -> tf.Tensor:
  """[B, 4, 4] C: (r, g, b, 1) of an input pixel -> its output colour (brightness, contrast, luma flip, hue,
  saturation in this order)."""
  b = draws.batch
  zero, one, eye = tf.zeros([b]), tf.ones([b]), tf.eye(4, batch_shape=[b])
  vv = _outer(tf.constant(_LUMA))
  bright = draws.enabled(p, draws.normal() * BRIGHTNESS_STD, zero)
  c = _matrices([[1.0, 0.0, 0.0, bright], [0.0, 1.0, 0.0, bright], [0.0, 0.0, 1.0, bright], [0.0, 0.0, 0.0, 1.0]])
  contrast = draws.enabled(p, _exp2(draws.normal() * CONTRAST_STD), one)
  c = _matrices([[contrast, 0.0, 0.0, 0.0], [0.0, contrast, 0.0, 0.0], [0.0, 0.0, contrast, 0.0],
                 [0.0, 0.0, 0.0, 1.0]]) @ c
  flip = draws.enabled(p, tf.floor(draws.uniform() * 2), zero)
  c = (eye - 2 * vv[None] * flip[:, None, None]) @ c  # Householder reflection
  if channels > 1:
    theta = draws.enabled(p, (draws.uniform() * 2 - 1) * math.pi * HUE_MAX, zero)
    c = rotation_about_luma(theta) @ c
    sat = draws.enabled(p, _exp2(draws.normal() * SATURATION_STD), one)
    c = (vv[None] + (tf.eye(4) - vv)[None] * sat[:, None, None]) @ c
  return c


def rotation_about_luma(theta):
  """[B, 4, 4] rotation by theta [B] about the luma axis (Rodrigues' formula) on (r, g, b, 1)."""
  v = tf.constant(_LUMA[:3])
  cross = tf.constant([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]) / math.sqrt(3.0)  # [v]_x
  c, s = tf.cos(theta)[:, None, None], tf.sin(theta)[:, None, None]
  rot = c * tf.eye(3) + s * cross + (1 - c) * _outer(v)  # [B, 3, 3]
  rot = tf.pad(rot, [[0, 0], [0, 1], [0, 1]])
  return rot + tf.pad(tf.ones_like(theta)[:, None, None], [[0, 0], [3, 0], [3, 0]])


def apply_colour(images, c):
  """images [B, H, W, 3 or 1] through C [B, 4, 4]; a 1-channel image takes the mean of C's colour rows."""
  if images.shape[-1] == 3:
    return tf.einsum("bij,bhwj->bhwi", c[:, :3, :3], images) + c[:, None, None, :3, 3]
  rows = tf.reduce_mean(c[:, :3, :], axis=1)  # [B, 4]
  return images * tf.reduce_sum(rows[:, :3], axis=1)[:, None, None, None] + rows[:, 3][:, None, None, None]


def augment(images, p, seed, pipeline: str = "bgc"):
  """The `pipeline` transforms of `images` [B, H, W, C] (C = 1 or 3, float) with probability p (a float scalar
  tensor; p >= 1 applies every transform), draws from `seed` ([2] int)."""
  _, h, w, c = images.shape
  b = images.shape[0] or tf.shape(images)[0]
  if c not in (1, 3):
    raise ValueError(f"ADA augments images with 1 or 3 channels; these have shape {images.shape}")
  dtype = images.dtype
  images = tf.cast(images, tf.float32)
  p = tf.cast(p, tf.float32)
  draws = _Draws(tf.cast(seed, tf.int64), b)
  if "b" in pipeline or "g" in pipeline:
    images = resample(images, geometric_matrix(draws, p, pipeline, h, w))
  if "c" in pipeline:
    images = apply_colour(images, colour_matrix(draws, p, c))
  return tf.cast(images, dtype)
