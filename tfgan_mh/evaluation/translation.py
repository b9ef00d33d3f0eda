"""Evaluating a translation run (G(x, c), the setting of Sapkota et al. 2022 (AAM)): what the generated samples
are, and the cycle error.

The eval job's metrics read generated images with labels; for a translation generator they are the
translations G(x, c) of real images x of the evaluation split (validation, else test, else train; in file
order, cycled when the split is smaller than num_samples) to target domains c, a balanced permutation of
i mod K drawn from the eval seed + 1 (as `evaluator.sample_inputs` draws class labels). So, with no metric
written for translation:
  * GAN-test accuracy (`gan_test` group, AAM Table 2): a dataset classifier's accuracy of G(x, c) w.r.t. c;
  * FID and intra-FID (FID per target domain) compare the translations with the real images;
and `translation_cycle_l1` is the reconstruction error mean |x - G(G(x, c), c_x)| (AAM Eq. (2), per pixel
in [-1, 1] units) over the same samples.
"""

from typing import Callable, Dict, Iterator, Tuple

import numpy as np
import tensorflow as tf


def source_split(real) -> str:
  """The split whose images are translated: validation, else test, else train."""
  return next((s for s in ("validation", "test") if real.has_split(s)), "train")


def _sources(real, split: str) -> Iterator[Tuple[np.ndarray, int]]:
  while True:  # cycled: num_samples may exceed the split
    seen = 0
    for x, y in real.batches(split, None):
      for i in range(len(y)):
        yield x[i], int(y[i])
        seen += 1
    if not seen:
      raise ValueError(f"split {split!r} has no images to translate")


def batches(real, split: str, generate: Callable, *, num_samples: int, batch_size: int, num_classes: int,
            seed: int, timer, cycle: Dict[str, float]):
  """(G(x, c) [bs, H, W, C], c [bs] int32, b) per batch, every batch full (the last padded; its first b count).

  Adds the summed cycle error of the counted rows to cycle["sum"] and their number to cycle["count"].
  """
  targets = np.random.default_rng(seed + 1).permutation(np.arange(num_samples) % num_classes).astype(np.int32)
  sources = _sources(real, split)
  cycle.setdefault("sum", 0.0)
  cycle.setdefault("count", 0)
  for begin in range(0, num_samples, batch_size):
    b = min(batch_size, num_samples - begin)
    pairs = [next(sources) for _ in range(b)]
    pairs += pairs[:1] * (batch_size - b)
    x = np.stack([p[0] for p in pairs]).astype(np.float32)
    source_y = np.array([p[1] for p in pairs], np.int32)
    c = np.zeros([batch_size], np.int32)
    c[:b] = targets[begin:begin + b]
    with timer.stage("generator"):
      fake = generate(tf.constant(x), tf.constant(c))
      back = generate(fake, tf.constant(source_y))
    error = tf.reduce_mean(tf.abs(tf.constant(x) - tf.cast(back, tf.float32)), axis=[1, 2, 3]).numpy()
    cycle["sum"] += float(np.sum(error[:b], dtype=np.float64))
    cycle["count"] += b
    yield fake, c, b
