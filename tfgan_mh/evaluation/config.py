"""`EvalConfig`: the settings of the eval job, each stated once (a `registry.Setting`) and reachable three ways.

  cfg = config.EvalConfig(num_samples=5000, metrics="fid,kid")          # Python
  tfgan-eval --num_samples=5000 --metrics=fid,kid ...                   # a flag per setting (`define_flags`)
  tfgan-eval --gin_file=eval/studiogan ...                              # gin: EvalConfig.num_samples = 5000

The fields are the job's own settings below plus those each metric group declares (`registry.settings()`);
flags and gin bindings are generated from them, so a default lives in one place. Precedence: default < gin
file / --gin_param < a flag given on the command line.
"""

import dataclasses
from typing import Any, Dict, Sequence

import gin
import numpy as np
from absl import logging

from tfgan_mh.evaluation import registry
from tfgan_mh.models import standing_stats
from tfgan_mh.models import latents

Setting = registry.Setting
NO_EXTRACTOR = ("", "none")
BEST_MODES = ("auto", "min", "max")
SPLITS = ("train", "validation", "test")

CORE_SETTINGS = (
    Setting("metrics", "default", "Comma-separated metric groups, 'default' (all but the opt-in ones) or 'all'; "
            "e.g. 'default,gan_train'."),
    Setting("inception", "inception", "Extractor (the feature space) for IS / FID / intra-FID / KID / "
            "precision-recall / density-coverage / CMMD: inception (TF-Hub), inception:/local/dir, "
            "classifier:/savedmodel, dinov2[:PRESET] (FD_DINOv2), clip[:PRESET] (CLIP-FID; CMMD proper: "
            "clip:clip_vit_large_patch14_336), or none. Alias: --extractor.",
            optional=True),
    Setting("classifier", None, "Dataset classifier (classifier:/savedmodel from tfgan_mh.cli.train_classifier) for "
            "AM Score, classifier IS, GAN-test, confidence, class histogram; none = those are absent.",
            type=str, optional=True),
    Setting("num_samples", 10_000, "Generated samples per checkpoint (10k: TF-GAN / compare_gan's FID/IS size).",
            positive=True),
    Setting("batch_size", 100, "Samples per generator / extractor batch.", positive=True),
    Setting("num_splits", None, "Inception Score splits (0/None: the run's protocol, eval_protocol.inception_"
            "score_splits of its gin file: 1 for MHGAN's TF-GAN eval (Kavalerov et al. 2019), 10 for the "
            "Salimans script of AM-GAN / MAGAN (Zhou et al. 2018, Wang et al. 2017)).",
            type=int, optional=True, positive=True),
    Setting("num_real", None, "Real samples of real_split for the FID reference and C_train (0/None: "
            "num_samples).", type=int, optional=True, positive=True),
    Setting("real_split", "train", "Split of the FID / KID / precision-recall reference (train: as TF-GAN's "
            "SAGAN eval).", choices=SPLITS),
    Setting("max_kept_features", 10_000, "Real and generated features kept (each side, float32: N x d x 4 bytes, "
            "10k x 2048 = 82 MB) for KID, precision-recall, density-coverage; the first N of each stream.",
            positive=True),
    Setting("validation_split", "auto", "Split for the discriminator-side metrics and the GAN-train test set: auto "
            "(validation, else test), validation, test, train, or none (off).",
            choices=("auto", "none") + SPLITS),
    Setting("num_validation", None, "Cap on validation examples (0/None: the whole split, as in MHGAN §3.2).",
            type=int, optional=True, positive=True),
    Setting("use_ema", True, "Sample from the EMA generator when the run has one."),
    Setting("seed", 0, "Seed of the latents and labels (the same for every checkpoint), of the standing "
            "statistics and of the metrics' random draws."),
    Setting("truncation", None, "Truncation threshold of the latents: every |z_i| beyond it is resampled (BigGAN "
            "§3.1; 0/None: z ~ N(0, I)). Recorded as \"truncation\" in metrics.jsonl.", type=float, optional=True),
    Setting("standing_stats_batches", 0, "Give G's batch norms standing statistics over this many prior batches "
            "before sampling (BigGAN §3; 0: the checkpoint's moving statistics; BigGAN-PyTorch uses 16)."),
    Setting("standing_stats_batch_size", 256, "Samples per standing-statistics batch."),  # checked by standing_stats
    Setting("best_metric", "fid", "Record key choosing the exported best checkpoint (none: no export).",
            optional=True),
    Setting("best_mode", "auto", "auto: the metric's own direction (lower FID, higher accuracy).",
            choices=BEST_MODES),
)


def all_settings() -> Sequence[Setting]:
  return CORE_SETTINGS + registry.settings()


def check_extractor_spec(spec, role: str) -> None:
  """Checks the form of an extractor spec without loading it ("none" / "" / None allowed; objects too)."""
  if spec is None or not isinstance(spec, str) or spec in NO_EXTRACTOR:
    return
  kind, sep, path = spec.partition(":")
  if kind in ("inception", "dinov2", "clip") or (kind == "classifier" and sep and path):
    return
  raise ValueError(f"--{role}={spec!r} is not an extractor spec: expected inception, inception:/local/dir, "
                   "classifier:/path/to/savedmodel, dinov2[:PRESET], clip[:PRESET] or none")


def check_positive_int(name: str, value) -> None:
  if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
    raise ValueError(f"{name}={value!r}: expected a positive int")


def check_splits(num_samples: int, num_splits: int) -> None:
  if num_samples < num_splits:
    raise ValueError(f"num_samples={num_samples} is smaller than num_splits={num_splits}: each IS split needs "
                     "samples")


def _validate(self):
  """Normalises and checks every field; one-line ValueError naming the bad value."""
  self.metrics = registry.parse_metrics(self.metrics)
  check_extractor_spec(self.inception, "inception")
  check_extractor_spec(self.classifier, "classifier")
  for s in all_settings():
    value = getattr(self, s.name)
    if s.positive and not (s.optional and value is None):
      check_positive_int(s.name, value)
    if s.choices and value not in s.choices:
      raise ValueError(f"{s.name}={value!r}: expected one of {', '.join(s.choices)}")
  if self.num_splits is not None:
    check_splits(self.num_samples, self.num_splits)
  self.truncation = latents.check_truncation(self.truncation)
  standing_stats.check_settings(self.standing_stats_batches, self.standing_stats_batch_size)
  for group in registry.groups().values():
    group.validate(self)
  if self.best_metric in NO_EXTRACTOR:
    self.best_metric = None
  if self.best_metric is not None:
    best = registry.best_metrics()
    if self.best_metric not in best:
      raise ValueError(f"best_metric={self.best_metric!r}: expected one of {', '.join(best)} or none")
    group = best[self.best_metric][0]
    if group not in self.metrics:
      raise ValueError(f"best_metric={self.best_metric!r} needs the metric group {group!r}, which is not in "
                       f"metrics ({','.join(self.metrics)})")
    _check_best_extractors(self, group)
  return self


def _check_best_extractors(self, group: str) -> None:
  """A best_metric whose group's extractor is not given is known before any work: a chosen one is refused
  (one line); the default one (fid, with --inception=none) is dropped with a warning: no best export."""
  default = next(s.default for s in all_settings() if s.name == "best_metric")
  for role in registry.groups()[group].extractor_roles(self):
    spec = getattr(self, role)
    if spec is not None and spec not in NO_EXTRACTOR:
      continue
    if self.best_metric == default:
      logging.warning("best_metric=%r (the default) needs --%s, and %s=%r: no best checkpoint is exported (pass "
                      "--best_metric=KEY of a metric this job computes)", self.best_metric, role, role, spec)
      self.best_metric = None
      return
    raise ValueError(f"best_metric={self.best_metric!r} needs --{role} (its group {group!r} reads the {role} "
                     f"extractor, and {role}={spec!r}): pass --{role}=SPEC, or choose another best_metric")


def _resolved_best_mode(self) -> str:
  if self.best_metric is None:
    return "min"
  return registry.best_metrics()[self.best_metric][1] if self.best_mode == "auto" else self.best_mode


def _make_config_class():
  fields = [(s.name, Any, dataclasses.field(default=s.default, metadata={"setting": s})) for s in all_settings()]
  doc = ("Settings of the eval job; every field is a `registry.Setting` (its help: `describe()`, or --help of "
         "tfgan-eval). Call `validate()` before use.")
  cls = dataclasses.make_dataclass(
      "EvalConfig", fields, namespace={"validate": _validate, "resolved_best_mode": property(_resolved_best_mode),
                                       "__doc__": doc})
  cls.__module__ = __name__
  return cls


EvalConfig = _make_config_class()


def describe() -> str:
  """Every setting with its default and help (for documentation)."""
  return "\n".join(f"  {s.name} = {s.default!r}: {s.help}" for s in all_settings())


# --- gin --------------------------------------------------------------------------------------------

@gin.configurable("EvalConfig")
def _gin_bindings(**bindings) -> Dict[str, Any]:
  return bindings


def from_gin(**overrides) -> "EvalConfig":
  """An EvalConfig from the parsed gin bindings `EvalConfig.<setting> = value`, then `overrides` on top.

  Raises:
    ValueError: a bound name that is not a setting (one line, with the valid names).
  """
  bound = _gin_bindings()
  known = {s.name for s in all_settings()}
  unknown = sorted(set(bound) - known)
  if unknown:
    raise ValueError(f"gin binds EvalConfig.{unknown[0]}, which is not an eval setting: valid names are "
                     f"{', '.join(sorted(known))}")
  return EvalConfig(**{**bound, **overrides})


# --- flags ------------------------------------------------------------------------------------------

def _flag_default(s: Setting):
  if s.default is not None:
    return ",".join(map(str, s.default)) if s.kind is tuple else s.default
  return {int: 0, float: 0.0, bool: False}.get(s.kind, "none" if s.optional else "")


def define_flags(flag_values, skip: Sequence[str] = ()) -> None:
  """Defines one absl flag per setting on `flag_values` (e.g. absl.flags.FLAGS), named like the field, and
  --gin_file / --gin_param for `EvalConfig.<setting>` bindings."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  flags.DEFINE_multi_string("gin_file", [], "Gin file(s) of eval settings (EvalConfig.<setting> = value), e.g. "
                            "gin/eval/studiogan.gin; flags given on the command line win",
                            flag_values=flag_values)
  flags.DEFINE_multi_string("gin_param", [], "Gin binding(s), e.g. 'EvalConfig.num_samples = 5000'.",
                            flag_values=flag_values)
  extra = {"metrics": " Groups: " + ", ".join(registry.names()) + ".",
           "best_metric": " Keys: " + ", ".join(f"{k} ({m})" for k, (_, m) in registry.best_metrics().items()) + "."}
  for s in all_settings():
    if s.name in skip:
      continue
    default, kw = _flag_default(s), dict(flag_values=flag_values)
    s = dataclasses.replace(s, help=s.help + extra.get(s.name, ""))
    if s.kind is bool:
      flags.DEFINE_bool(s.name, default, s.help, **kw)
    elif s.kind is int and s.parse is None:
      flags.DEFINE_integer(s.name, default, s.help, **kw)
    elif s.kind is float:
      flags.DEFINE_float(s.name, default, s.help, **kw)
    elif s.choices:
      flags.DEFINE_enum(s.name, default, list(s.choices), s.help, **kw)
    else:
      flags.DEFINE_string(s.name, default if isinstance(default, str) else str(default), s.help, **kw)
  if "inception" not in skip:
    flags.DEFINE_alias("extractor", "inception", flag_values=flag_values)  # the feature space, by its general name


def _from_flag(s: Setting, value):
  if s.optional and value in (0, 0.0, "", "none"):
    return None
  if s.parse is not None:
    return s.parse(value)
  if s.kind is tuple:
    try:
      return tuple(int(v) for v in str(value).split(",") if v.strip())
    except ValueError:
      raise ValueError(f"--{s.name}={value!r}: expected comma-separated ints such as 1,2,4,8") from None
  return value


def parse_gin(files: Sequence[str], params: Sequence[str]) -> None:
  """Parses eval gin files / bindings into a fresh gin config (`tfgan_mh.cli.parse_gin`: includes resolve
  against the checkout); one-line ValueError for a missing file or a bad binding."""
  from tfgan_mh import cli  # pylint: disable=g-import-not-at-top
  gin.clear_config()
  cli.parse_gin(list(files), list(params))


def config_from_flags(flag_values, skip: Sequence[str] = (), **overrides) -> "EvalConfig":
  """The validated EvalConfig: defaults, then --gin_file / --gin_param, then `overrides`, then the flags given
  explicitly on the command line."""
  if flag_values.gin_file or flag_values.gin_param:
    parse_gin(flag_values.gin_file, flag_values.gin_param)
  given = {s.name: _from_flag(s, flag_values[s.name].value) for s in all_settings()
           if s.name not in skip and flag_values[s.name].present}
  return from_gin(**{**overrides, **given}).validate()
