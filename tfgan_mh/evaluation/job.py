r"""The sidecar eval job, as one import: settings, the evaluator and the watcher.

  from tfgan_mh.evaluation import job
  cfg = job.EvalConfig(inception="inception:/models/tfgan_inception", classifier="classifier:/models/mnist32")
  job.watch("/runs/mnist_mhgan", cfg)                          # until TRAIN_DONE (or --timeout)
  record = job.evaluate_checkpoint(restore.load_run(d, "latest"), cfg)   # one checkpoint, a dict

Entry points: `tfgan-eval --model_dir=D [--once] ...` (flags in `tfgan_mh/cli/eval.py`; `launch/eval.sh`) and
`python -m tfgan_mh.cli.evaluate_samples --samples DIR|FILE.npz --reference ...` (images from anywhere). The
library reads no flags.

The pieces:
  config.py        `EvalConfig`: every setting once (`registry.Setting`), as fields, flags and gin bindings
  registry.py      the metric registry: each group's record keys, --best_metric direction, needs, settings
  metric_groups/   one module per metric group (the table below: `registry.table()`)
  context.py       what a group's `build(ctx)` sees of one evaluation
  references.py    the real-data passes (FID / KID reference, intra-FID per class, validation split)
  evaluator.py     `Evaluator`: samples a checkpoint and streams the batches through the groups
  watcher.py       `watch`: checkpoints, TRAIN_DONE, restarts, the best export, TensorBoard
  protocol.py      what every record states about how it was computed ("protocol")
  records.py       metrics.jsonl and best.json on disk

BigGAN's sampling options (Brock et al. 2019), off by default, recorded in every record as "truncation" (null or
the threshold) and "standing_stats" (null or what was done):
  truncation              z from the truncated normal, every |z_i| > threshold resampled (§3.1,
                          `tfgan_mh.models.latents`)
  standing_stats_batches  before sampling, G's batch-norm statistics become the average over this many prior
                          batches of `standing_stats_batch_size` (§3, `tfgan_mh.models.standing_stats`); only
                          the restored copy changes, never the checkpoint. The best export carries both.

Metric groups (a group the run cannot have is recorded under "absent" with the reason, it is not an error;
papers by the short names of the `tfgan_mh` package docstring: MHGAN = Kavalerov et al. 2019, AM-GAN = Zhou et
al. 2018, K+1 GANs = Kavalerov et al. 2020, AAM = Sapkota et al. 2022, MAGAN = Wang et al. 2017):
{table}
Feature statistics are streamed (`tfgan_mh.metrics.FeatureStats`): memory O(d^2), not O(samples x d); KID,
precision-recall and density-coverage keep the first `max_kept_features` real and generated features (float32,
N x d x 4 bytes per side: 82 MB for 10k Inception pool_3 features). Image metrics apply to image runs; the 2-D
ring gets the mixture metrics and the discriminator-side ones.

Every record has a "protocol" dict (`tfgan_mh.evaluation.protocol`): samples, seed, IS splits (the run's
`eval_protocol`, 1 for MHGAN and 10 for AM-GAN / MAGAN, unless --num_splits overrides) and their source, the FID
/ KID and intra-FID references (split, size, per-class counts, kept features), extractors and their resize, EMA or
raw generator, truncation, eval labels and the training fake-label distribution.
"""

from tfgan_mh.evaluation import registry
from tfgan_mh.evaluation.config import EvalConfig
from tfgan_mh.evaluation.config import check_extractor_spec
from tfgan_mh.evaluation.evaluator import Evaluator
from tfgan_mh.evaluation.evaluator import evaluate_checkpoint
from tfgan_mh.evaluation.evaluator import projection_matrix_fn
from tfgan_mh.evaluation.evaluator import sample_inputs
from tfgan_mh.evaluation.metric_groups.energy import checkpoint_margin
from tfgan_mh.evaluation.registry import parse_metrics
from tfgan_mh.run.names import TRAIN_DONE
from tfgan_mh.evaluation.watcher import BestTracker
from tfgan_mh.evaluation.watcher import check_model_dir
from tfgan_mh.evaluation.watcher import watch
from tfgan_mh.evaluation.watcher import write_summaries

METRIC_GROUPS = registry.names()
DEFAULT_GROUPS = registry.default_names()
BEST_METRICS = registry.best_metrics()  # record key -> (metric group, "min" | "max")
__doc__ = __doc__.format(table=registry.table())  # pylint: disable=redefined-builtin

__all__ = ["BEST_METRICS", "BestTracker", "DEFAULT_GROUPS", "EvalConfig", "Evaluator", "METRIC_GROUPS",
           "TRAIN_DONE", "check_extractor_spec", "check_model_dir", "checkpoint_margin",
           "evaluate_checkpoint", "parse_metrics", "projection_matrix_fn", "sample_inputs", "watch",
           "write_summaries"]
