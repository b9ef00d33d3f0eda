"""cmmd: CMMD (Jayasumana et al. 2024, `tfgan_mh.metrics.cmmd`), RBF-kernel MMD on unit-normalised embeddings of
the --inception extractor, kept features (the KID group's: the first `max_kept_features` of each side).

CMMD proper uses CLIP ViT-L/14 at 336 px embeddings: `--extractor=clip:clip_vit_large_patch14_336`
(`tfgan_mh.evaluation.backbones`); with another extractor the record's protocol names the feature space, as for FID
and KID.
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class CMMDMetric(streaming.StreamingMetric):
  """CMMD of the kept real features and the generated features of the pool."""

  def __init__(self, real, pool: streaming.FeaturePool):
    self.real, self.pool = real, pool

  def result(self):
    fake = self.pool.features()
    return {"cmmd": metrics.cmmd.cmmd(self.real, fake), "cmmd_num_samples": min(len(self.real), len(fake))}


@registry.register
class CMMD(registry.MetricGroup):
  name = "cmmd"
  doc = ("CMMD: 1000 x MMD^2 with a Gaussian RBF kernel (sigma 10) on unit embeddings (Jayasumana et al. "
         "2024), --inception, kept features")
  keys = ("cmmd", "cmmd_num_samples")
  best = {"cmmd": "min"}
  extractors = ("inception",)
  real_features = True

  @classmethod
  def build(cls, ctx):
    ctx.need_extractor("inception")
    return CMMDMetric(ctx.real_features("inception"), ctx.fake_pool("inception"))
