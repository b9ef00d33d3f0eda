"""is: the Inception Score over the run's splits and its decomposition (AM-GAN Eq. (21)-(22)), --inception.

Paper: Zhou et al. 2018 (AM-GAN).
"""

from tfgan_mh import metrics
from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation import streaming


class InceptionScoreMetric(streaming.StreamingMetric):
  """IS with `num_splits` splits (mean, std) and its decomposition H(C_G), E[H(C(x))] (AM-GAN Eq. (21)-(22)).

  `role` "inception" gives the ImageNet-style IS (keys is_*), "classifier" the dataset-classifier IS of MAGAN §5
  (keys classifier_is_*).
  """

  def __init__(self, role: str, num_logits: int, num_splits: int, num_samples: int):
    self.role = role
    self.needs = (role,)
    self.prefix = "is" if role == "inception" else "classifier_is"
    self.acc = metrics.InceptionScoreAccumulator(num_logits, num_splits, num_samples=num_samples)

  def update_fake(self, batch):
    logits, _ = getattr(batch, self.role)
    self.acc.update(logits=logits)

  def result(self):
    r = self.acc.result()
    p = self.prefix
    return {f"{p}_mean": r.mean, f"{p}_std": r.std, f"{p}_marginal_entropy": r.marginal_entropy,
            f"{p}_mean_sample_entropy": r.mean_sample_entropy}


def build_is(ctx, role: str):
  """The IS metric of `role`'s extractor over the run's splits (a ValueError if samples < splits)."""
  extractor = ctx.need_extractor(role)
  if not extractor.num_logits:
    ctx.absent(f"the --{role} extractor {extractor.name} gives features only, no class logits")
  if ctx.num_samples < ctx.is_splits:
    raise ValueError(f"num_samples={ctx.num_samples} is smaller than num_splits={ctx.is_splits}: each IS split "
                     "needs samples")
  return InceptionScoreMetric(role, extractor.num_logits, ctx.is_splits, ctx.num_samples)


@registry.register
class InceptionScore(registry.MetricGroup):
  name = "is"
  doc = ("IS over the run's splits (mean, std; MHGAN: 1, AM-GAN / MAGAN: 10), H(C_G), E[H(C(x))] "
         "(AM-GAN Eq. (21)-(22)), --inception")
  keys = ("is_mean", "is_std", "is_marginal_entropy", "is_mean_sample_entropy")
  best = {"is_mean": "max"}
  extractors = ("inception",)

  @classmethod
  def build(cls, ctx):
    return build_is(ctx, "inception")
