"""ms_ssim: mean MS-SSIM of random same-class pairs, per class / mean / max (Zhou et al. 2018 (AM-GAN) Table 2).

28-32 px images use 3 scales and a 7-px window (`tfgan_mh.metrics.ms_ssim`).
"""

import numpy as np

from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming
from tfgan_mh.metrics import ms_ssim as ms_ssim_lib


class MSSSIMMetric(streaming.StreamingMetric):
  """Mean MS-SSIM of random same-class pairs per class, their mean and max (AM-GAN §7, Table 2).

  Keeps the first `images_per_class` samples of each of the first `max_classes` classes as uint8 pixels
  (what a saved sample is; MS-SSIM is computed on them with value_range (0, 255)). Classes are the
  conditioning labels, or the dataset classifier's argmax for an unconditional G (`label_source`).
  28-32 px images use the reduced scales of `tfgan_mh.metrics.ms_ssim.ms_ssim_params` (3 scales, 7-px window).
  """

  def __init__(self, num_classes: int, *, images_per_class: int, pairs_per_class: int, max_classes: int,
               seed: int, label_source: str):
    self.num_classes = int(num_classes)
    self.cap = int(images_per_class)
    self.pairs = int(pairs_per_class)
    self.kept_classes = min(self.num_classes, int(max_classes))
    self.seed = seed
    self.label_source = label_source
    self.needs = ("classifier",) if label_source == "classifier" else ()
    self.images = {}  # class -> list of uint8 [H, W, C]

  def update_fake(self, batch):
    labels = batch.labels if self.label_source == "conditioning" else np.argmax(batch.classifier[0], 1)
    for c in np.unique(labels):
      c = int(c)
      if c >= self.kept_classes:
        continue
      pool = self.images.setdefault(c, [])
      room = self.cap - len(pool)
      if room > 0:
        x = batch.images[labels == c][:room]
        pool.extend(np.clip(np.round((x + 1.0) * 127.5), 0, 255).astype(np.uint8))

  def result(self):
    labels = np.concatenate([np.full(len(v), c) for c, v in self.images.items()] or [np.zeros([0])])
    images = np.stack([im for v in self.images.values() for im in v]) if labels.size else None
    if images is None:
      raise ValueError("no samples were kept")
    r = ms_ssim_lib.intra_class_ms_ssim(images, labels.astype(np.int64), num_classes=self.num_classes,
                                        pairs_per_class=self.pairs, seed=self.seed, value_range=(0.0, 255.0))
    per_class = [None if np.isnan(v) else float(v) for v in r.per_class[:self.kept_classes]]
    return {"ms_ssim_mean": r.mean, "ms_ssim_max": r.max, "ms_ssim_per_class": per_class,
            "ms_ssim_labels": self.label_source}


@registry.register
class MSSSIM(registry.MetricGroup):
  name = "ms_ssim"
  doc = "mean MS-SSIM of random same-class pairs, per class / mean / max (AM-GAN Table 2); 28-32 px: 3 scales"
  keys = ("ms_ssim_mean", "ms_ssim_max", "ms_ssim_per_class", "ms_ssim_labels")
  best = {"ms_ssim_max": "min"}
  extractors = ("classifier",)  # assigns classes to an unconditional G's samples
  settings = (
      registry.Setting("ms_ssim_images_per_class", 50, "Samples kept per class for MS-SSIM pairs.", positive=True),
      registry.Setting("ms_ssim_pairs_per_class", 100, "Random same-class pairs per class.", positive=True),
      registry.Setting("ms_ssim_max_classes", 100, "Classes in the MS-SSIM pool (the first ones).", positive=True),
  )

  @classmethod
  def build(cls, ctx):
    cfg = ctx.config
    ctx.need_images()
    if not ctx.conditional and ctx.classifier is None:
      ctx.absent("unconditional generator and no --classifier to assign classes")
    return MSSSIMMetric(
        ctx.num_classes if ctx.conditional else ctx.classifier.num_logits,
        images_per_class=cfg.ms_ssim_images_per_class, pairs_per_class=cfg.ms_ssim_pairs_per_class,
        max_classes=cfg.ms_ssim_max_classes, seed=cfg.seed,
        label_source="conditioning" if ctx.conditional else "classifier")
