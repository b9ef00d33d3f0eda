"""classifier_is: the Inception Score with the dataset classifier (MAGAN §5 for MNIST), --classifier.

Paper: Wang et al. 2017 (MAGAN).
"""

from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation.metric_groups import inception_score


@registry.register
class ClassifierIS(registry.MetricGroup):
  name = "classifier_is"
  doc = "IS with the dataset classifier (MAGAN §5 for MNIST), --classifier"
  keys = ("classifier_is_mean", "classifier_is_std", "classifier_is_marginal_entropy",
          "classifier_is_mean_sample_entropy")
  best = {"classifier_is_mean": "max"}
  extractors = ("classifier",)

  @classmethod
  def build(cls, ctx):
    return inception_score.build_is(ctx, "classifier")
