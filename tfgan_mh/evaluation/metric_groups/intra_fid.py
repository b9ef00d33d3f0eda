"""intra_fid: FID per class and its mean (Fig. 4c of Kavalerov et al. 2019, MHGAN), conditional G, --inception.

The reference is a held-out split per class (`intra_fid_split`; the MHGAN paper's code: the ImageNet validation
split, ~50 images per class), streamed once per job into per-class feature statistics (2 x classes x d^2 x 8 bytes,
capped by `max_stats_bytes`: evaluate a chunk of classes with `intra_fid_classes` at ImageNet size).
"""

from typing import Optional, Sequence

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming
from tfgan_mh.metrics import fid as fid_lib

Setting = registry.Setting


def parse_classes(text: str):
  """'0-99' / '1,5,9' / '0-4,7' -> sorted tuple of ints; '' -> None."""
  if not str(text).strip():
    return None
  out = set()
  for part in str(text).split(","):
    lo, sep, hi = part.strip().partition("-")
    try:
      out.update(range(int(lo), int(hi) + 1) if sep else [int(lo)])
    except ValueError:
      raise ValueError(f"--intra_fid_classes={text!r}: expected class ids like 0-99 or 1,5,9") from None
  return tuple(sorted(out))


class IntraClassFIDMetric(streaming.StreamingMetric):
  """Intra-class FID per class and its mean; samples routed by their conditioning label."""

  needs = ("inception",)

  def __init__(self, real: metrics.ClassFeatureStats, classes: Optional[Sequence[int]] = None):
    self.real = real
    self.fake = metrics.ClassFeatureStats(real.dim, real.num_classes, classes=classes)

  def update_fake(self, batch):
    self.fake.update(batch.inception[1], batch.labels)

  def result(self):
    real_n, fake_n = self.real.counts(), self.fake.counts()
    classes = [c for c in range(self.real.num_classes) if real_n[c] >= 2 and fake_n[c] >= 2]
    if not classes:
      raise ValueError("no class has 2 or more real and generated samples")
    r = fid_lib.intra_class_fid(self.real, self.fake, classes=classes)
    per_class = [r.per_class.get(c) for c in range(self.real.num_classes)]
    return {"intra_fid_mean": r.mean, "intra_fid_per_class": per_class,
            "intra_fid_num_classes": len(classes)}


@registry.register
class IntraFID(registry.MetricGroup):
  name = "intra_fid"
  doc = "FID per class and its mean (MHGAN Fig. 4c), conditional G, --inception"
  keys = ("intra_fid_mean", "intra_fid_per_class", "intra_fid_num_classes")
  best = {"intra_fid_mean": "min"}
  extractors = ("inception",)
  settings = (
      Setting("intra_fid_split", "auto", "Split of the intra-FID reference (auto: validation, else test, else "
              "train; MHGAN: validation). All of it is used (num_intra_fid_real caps).",
              choices=("auto", "train", "validation", "test")),
      Setting("num_intra_fid_real", None, "Cap on intra-FID reference examples (0/None: the whole split).",
              type=int, optional=True, positive=True),
      Setting("intra_fid_min_per_class", 50, "Refuse intra-FID when a class has fewer real reference samples "
              "(MHGAN: ~50 per ImageNet class); classes with fewer than d + 1 are flagged (rank-deficient).",
              positive=True),
      Setting("intra_fid_classes", None, "Classes for intra-FID, e.g. '0-99' or '1,5,9' (none/empty: all); "
              "needed for ImageNet-size K (memory: max_stats_bytes).", type=str, optional=True,
              parse=parse_classes),
      Setting("max_stats_bytes", 8 << 30, "Limit on the memory of the per-class feature statistics "
              "(2 x classes x d^2 x 8 bytes).", positive=True),
  )

  @classmethod
  def validate(cls, config):
    classes = config.intra_fid_classes
    if isinstance(classes, str):
      classes = parse_classes(classes)
    if classes is not None:
      classes = tuple(sorted({int(c) for c in classes}))
      if not classes or classes[0] < 0:
        raise ValueError(f"intra_fid_classes={classes!r}: expected class ids >= 0")
    config.intra_fid_classes = classes

  @classmethod
  def build(cls, ctx):
    inception = ctx.need_extractor("inception")
    cfg, k = ctx.config, ctx.num_classes
    per_class = tuple(c for c in (cfg.intra_fid_classes or range(k)) if c < k)
    need = 2 * len(per_class) * inception.feature_dim ** 2 * 8
    if ctx.conditional and need > cfg.max_stats_bytes:
      raise ValueError(f"intra-FID over {len(per_class)} classes of {inception.feature_dim}-d features needs "
                       f"{need / 2**30:.1f} GiB (> max_stats_bytes): pass intra_fid_classes "
                       "(--intra_fid_classes=0-99) to evaluate a chunk of classes")
    ctx.need_conditional("unconditional generator (samples have no class)")
    ref = ctx.class_reference(per_class)
    ctx.protocol["intra_fid_reference"] = ref.protocol(inception.feature_dim)
    return IntraClassFIDMetric(ref.stats, per_class)
