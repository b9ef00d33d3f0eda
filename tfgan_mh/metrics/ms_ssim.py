"""Mean MS-SSIM of random same-class pairs: intra-class mode-collapse detector (Table 2 of Zhou et al. 2018,
AM-GAN).

AM-GAN §7 follows Odena et al. (AC-GAN) and reports the mean MS-SSIM (Wang et al., 2003) of randomly
chosen pairs of generated images within a class, and in Table 2 the maximum of that mean over the
classes (high = the class collapsed). MS-SSIM is `tf.image.ssim_multiscale`.

Small images. The default MS-SSIM uses 5 scales (each halves the image) and an 11-px Gaussian window
(sigma 1.5), and `tf.image.ssim_multiscale` requires every scale to be at least as large as the
window: 11 * 2^4 = 176 px. For 28 px (MNIST) and 32 px (CIFAR) the scales are 28/14/7/4/2 and
32/16/8/4/2, so the defaults fail. `ms_ssim_params` reduces them as follows:
  * if the coarsest of the 5 scales is >= the window (>= 176 px), the defaults are kept;
  * otherwise only the first L scales are kept, L the largest number whose coarsest scale is
    >= `min_coarsest` = 7 px, and their standard power factors (0.0448, 0.2856, 0.3001, 0.2363,
    0.1333)[:L] are renormalised to sum to 1 (so identical images still score exactly 1);
  * the window shrinks to the largest odd size <= min(11, coarsest scale), with sigma scaled by the
    same ratio (1.5 * size / 11), as Wang's reference implementation shrinks its window at coarse
    scales.
For 28 and 32 px this gives L = 3 scales (28/14/7, 32/16/8), a 7-px window and sigma 0.955,
power factors (0.0711, 0.4530, 0.4760). Numbers are comparable between runs at one resolution, not
to 5-scale MS-SSIM at 128 px.

Images are mapped from `value_range` to [0, 1] (max_val = 1); SSIM's luminance term depends on the
offset, so the range must be stated (generator outputs: (-1, 1)).
"""

from typing import NamedTuple, Optional, Tuple

import numpy as np
import tensorflow as tf

STANDARD_POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


class MSSSIMParams(NamedTuple):
  power_factors: Tuple[float, ...]
  filter_size: int
  filter_sigma: float


def ms_ssim_params(height: int, width: int, *, filter_size: int = 11, filter_sigma: float = 1.5,
                   min_coarsest: int = 7) -> MSSSIMParams:
  """Scales and window for `tf.image.ssim_multiscale` at this image size (module docstring).

  Args:
    height: image height in px.
    width: image width in px.
    filter_size: default window (11).
    filter_sigma: default Gaussian sigma (1.5).
    min_coarsest: smallest coarsest-scale size kept when scales must be dropped.

  Returns:
    MSSSIMParams.
  """
  side = min(int(height), int(width))
  if side < 3:
    raise ValueError(f"images must be at least 3 px on each side, got {height}x{width}.")
  sizes = [side]
  for _ in range(len(STANDARD_POWER_FACTORS) - 1):
    sizes.append(-(-sizes[-1] // 2))  # ceil: tf pads odd sizes before the 2x2 average pool.
  if sizes[-1] >= filter_size:
    return MSSSIMParams(STANDARD_POWER_FACTORS, int(filter_size), float(filter_sigma))
  levels = max([1] + [k + 1 for k, s in enumerate(sizes) if s >= min_coarsest])
  coarsest = sizes[levels - 1]
  size = min(int(filter_size), coarsest if coarsest % 2 else coarsest - 1)
  factors = np.asarray(STANDARD_POWER_FACTORS[:levels])
  return MSSSIMParams(tuple(float(f) for f in factors / factors.sum()), size,
                      float(filter_sigma) * size / float(filter_size))


def _check_images(images, name):
  x = np.asarray(images, np.float32)
  if x.ndim != 4:
    raise ValueError(f"{name} must be [B, H, W, C], got shape {x.shape}.")
  return x


def ms_ssim(images1, images2, *, value_range=(-1.0, 1.0), params: Optional[MSSSIMParams] = None,
            batch_size: int = 256) -> np.ndarray:
  """Per-pair MS-SSIM of two aligned image batches with reduced scales for small images.

  Args:
    images1: [B, H, W, C] images in `value_range`.
    images2: [B, H, W, C] images in `value_range`.
    value_range: (low, high) of the pixel values.
    params: override of `ms_ssim_params(H, W)`.
    batch_size: pairs per `tf.image.ssim_multiscale` call.

  Returns:
    [B] float32 MS-SSIM in [0, 1] (1 for identical images).
  """
  a, b = _check_images(images1, "images1"), _check_images(images2, "images2")
  if a.shape != b.shape:
    raise ValueError(f"image batches differ in shape: {a.shape} vs {b.shape}.")
  lo, hi = float(value_range[0]), float(value_range[1])
  if not hi > lo:
    raise ValueError(f"value_range must be (low, high) with high > low, got {value_range}.")
  params = params or ms_ssim_params(a.shape[1], a.shape[2])
  out = []
  for start in range(0, a.shape[0], batch_size):
    x = (tf.constant(a[start:start + batch_size]) - lo) / (hi - lo)  # [b, H, W, C] in [0, 1]
    y = (tf.constant(b[start:start + batch_size]) - lo) / (hi - lo)
    out.append(tf.image.ssim_multiscale(
        x, y, max_val=1.0, power_factors=params.power_factors, filter_size=params.filter_size,
        filter_sigma=params.filter_sigma).numpy())  # [b]
  return np.concatenate(out) if out else np.zeros([0], np.float32)


def same_class_pairs(labels, *, num_classes: int, pairs_per_class: int,
                     seed: int = 0) -> np.ndarray:
  """Random pairs (i, j), i != j, of indices with the same label, `pairs_per_class` per class.

  Pairs are drawn with replacement (a pair may repeat); classes with fewer than 2 samples get none.

  Args:
    labels: [N] int labels in [0, K).
    num_classes: K.
    pairs_per_class: pairs drawn per class.
    seed: numpy seed.

  Returns:
    [P, 3] int64 rows (i, j, class).
  """
  y = np.asarray(labels).reshape(-1)
  if y.size and (y.min() < 0 or y.max() >= num_classes):
    raise ValueError(f"labels must lie in [0, {num_classes}), got range [{y.min()}, {y.max()}].")
  if int(pairs_per_class) <= 0:
    raise ValueError(f"pairs_per_class must be a positive int, got {pairs_per_class!r}.")
  rng = np.random.default_rng(seed)
  rows = []
  for c in range(num_classes):
    members = np.flatnonzero(y == c)  # [n_c]
    n = members.size
    if n < 2:
      continue
    first = rng.integers(0, n, size=pairs_per_class)
    second = (first + rng.integers(1, n, size=pairs_per_class)) % n  # != first
    rows.append(np.stack([members[first], members[second], np.full(pairs_per_class, c)], axis=1))
  return np.concatenate(rows).astype(np.int64) if rows else np.zeros([0, 3], np.int64)


class IntraClassMSSSIM(NamedTuple):
  per_class: np.ndarray  # [K] mean MS-SSIM of the class's pairs; NaN for classes with < 2 samples
  mean: float  # mean over classes with pairs
  max: float  # max over classes with pairs (the figure of Table 2 of the AM-GAN paper)
  num_pairs: int


def intra_class_ms_ssim(images, labels, *, num_classes: int, pairs_per_class: int = 100,
                        seed: int = 0, value_range=(-1.0, 1.0),
                        batch_size: int = 256) -> IntraClassMSSSIM:
  """Mean MS-SSIM of random same-class pairs, per class, mean and max (AM-GAN §7, Table 2).

  Args:
    images: [N, H, W, C] generated images in `value_range`.
    labels: [N] their classes (conditioning labels, or a classifier's argmax for unconditional G).
    num_classes: K.
    pairs_per_class: random pairs per class.
    seed: seed of the pair draw.
    value_range: pixel range of `images`.
    batch_size: pairs per MS-SSIM call.

  Returns:
    IntraClassMSSSIM.
  """
  x = _check_images(images, "images")
  if np.asarray(labels).reshape(-1).shape[0] != x.shape[0]:
    raise ValueError(f"labels have {np.size(labels)} entries for {x.shape[0]} images.")
  pairs = same_class_pairs(labels, num_classes=num_classes, pairs_per_class=pairs_per_class,
                           seed=seed)
  if pairs.shape[0] == 0:
    raise ValueError("no class has 2 or more images.")
  params = ms_ssim_params(x.shape[1], x.shape[2])
  scores = np.concatenate([  # [P]; pairs are gathered batch by batch to bound memory.
      ms_ssim(x[chunk[:, 0]], x[chunk[:, 1]], value_range=value_range, params=params,
              batch_size=batch_size)
      for chunk in np.array_split(pairs, -(-pairs.shape[0] // batch_size))])
  per_class = np.full([num_classes], np.nan)
  for c in np.unique(pairs[:, 2]):
    per_class[c] = float(np.mean(scores[pairs[:, 2] == c]))
  return IntraClassMSSSIM(per_class, float(np.nanmean(per_class)), float(np.nanmax(per_class)),
                          int(pairs.shape[0]))
