"""The k-NN computation that precision_recall and density_coverage share in one evaluation (not a group).

Both read the same kept real and generated features; `tfgan_mh.metrics.prdc` computes the four numbers in three
distance passes instead of seven, once, at the first `result()` of either group.
"""

from typing import Dict, Optional

from tfgan_mh import metrics
from tfgan_mh.evaluation import streaming


class KNNTable:
  """Lazily computed {"precision", "recall", "density", "coverage"} for the groups selected."""

  def __init__(self, real, pool, *, precision_recall_k: Optional[int], density_coverage_k: Optional[int]):
    self.real, self.pool = real, pool
    self.ks = dict(precision_recall_k=precision_recall_k, density_coverage_k=density_coverage_k)
    self._values: Optional[Dict[str, float]] = None

  def values(self) -> Dict[str, float]:
    if self._values is None:
      self._values = metrics.prdc(self.real, self.pool.features(), **self.ks)
    return self._values


def table(ctx) -> KNNTable:
  """This evaluation's KNNTable over the --inception features (k of each selected group)."""
  cfg = ctx.config
  return ctx.shared("knn", lambda: KNNTable(
      ctx.real_features("inception"), ctx.fake_pool("inception"),
      precision_recall_k=cfg.precision_recall_k if "precision_recall" in cfg.metrics else None,
      density_coverage_k=cfg.density_coverage_k if "density_coverage" in cfg.metrics else None))


class KNNMetric(streaming.StreamingMetric):
  """Writes `keys` of the shared table (the table holds the features: nothing to stream here)."""

  def __init__(self, table: KNNTable, keys):
    self.table, self.keys = table, tuple(keys)

  def result(self):
    values = self.table.values()
    return {k: values[k] for k in self.keys}
