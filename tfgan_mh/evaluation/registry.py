"""The metric registry of the eval job: one self-describing `MetricGroup` per module of `metric_groups/`.

A metric group declares what it writes, how its scalars rank checkpoints, what it needs and its settings;
the job (`evaluator`, `watcher`), the `--metrics` parser, `--best_metric`, the flags and gin bindings of
`EvalConfig` and the docstring table all read them from here. Adding a metric:

  1. the math in `tfgan_mh/metrics/<name>.py` (pure numpy / TF, cited, tested against a reference);
  2. `tfgan_mh/evaluation/metric_groups/<name>.py`: a `StreamingMetric` (update_fake / update_real / result)
     and a `@registry.register` subclass of `MetricGroup` whose `build(ctx)` returns it (or calls
     `ctx.absent(reason)`); list the module in `metric_groups/__init__.py` (its place = the record order);
  3. a test of the module (tests/evaluation/test_metric_groups.py shows the pattern).
"""

import dataclasses
import textwrap
from typing import Any, Callable, Dict, Optional, Tuple, Type


class Absent(Exception):
  """Raised by `MetricGroup.build` when the run cannot have the metric (recorded under "absent", not an error)."""


@dataclasses.dataclass(frozen=True)
class Setting:
  """One eval setting: a field of `EvalConfig`, a flag of the eval CLIs and a gin binding `EvalConfig.<name>`.

  Attributes:
    name: field / flag name.
    default: the one place its default is stated.
    help: flag help and documentation.
    type: int, float, bool, str or tuple (a list flag of ints); None = type(default).
    optional: None is allowed; on the command line the flag's zero value (0, 0.0, "" or "none") means None.
    positive: ints must be >= 1 (checked by `EvalConfig.validate`).
    choices: allowed str values.
    parse: flag text -> value, for settings whose flag is a string with its own syntax.
  """
  name: str
  default: Any
  help: str
  type: Optional[type] = None
  optional: bool = False
  positive: bool = False
  choices: Optional[Tuple[str, ...]] = None
  parse: Optional[Callable[[str], Any]] = None

  @property
  def kind(self) -> type:
    return self.type or type(self.default)


class MetricGroup:
  """Base of a registered metric group (class attributes describe it; `build` makes its streaming metric).

  Attributes:
    name: the group name in --metrics and in the record's "absent" / "errors".
    doc: one line for the docstring table and `--help`: what it is, the paper and equation.
    keys: record keys it writes (a "*" stands for per-setting keys such as pairwise_distance_<n>).
    best: record key -> "min" | "max": the scalars the best checkpoint can be chosen by (--best_metric).
    extractors: extractor roles it reads ("inception", "classifier"); `extractor_roles` may refine this.
    real_features: it needs the real features themselves (kept up to `max_kept_features`), not only their
      streamed statistics; the job keeps them in the same pass as the FID reference.
    shown: scalars in the job's one-line log of a checkpoint (None: the `best` keys).
    opt_in: left out of "default" (slow or memory-hungry).
    settings: its `Setting`s (fields of EvalConfig).
  """
  name: str = ""
  doc: str = ""
  keys: Tuple[str, ...] = ()
  best: Dict[str, str] = {}
  extractors: Tuple[str, ...] = ()
  real_features: bool = False
  shown: Optional[Tuple[str, ...]] = None
  opt_in: bool = False
  settings: Tuple[Setting, ...] = ()

  @classmethod
  def extractor_roles(cls, config) -> Tuple[str, ...]:
    """The extractors it would use under `config` (the job loads those configured, once)."""
    del config
    return cls.extractors

  @classmethod
  def validate(cls, config) -> None:
    """Checks and normalises its own settings on `config` (one-line ValueError)."""
    del config

  @classmethod
  def build(cls, ctx):
    """A `streaming.StreamingMetric` (or a list of them) for one evaluation; `ctx.absent(reason)` if it
    does not apply. `ctx` is an `evaluator.Context`."""
    raise NotImplementedError


_REGISTRY: Dict[str, Type[MetricGroup]] = {}


def register(group: Type[MetricGroup]) -> Type[MetricGroup]:
  """Class decorator: adds a MetricGroup (names and record keys must be unique)."""
  if not group.name or group.name in _REGISTRY or group.name in ("default", "all"):
    raise ValueError(f"metric group name {group.name!r} is empty, reserved or registered twice")
  for other in _REGISTRY.values():
    clash = set(other.best) & set(group.best)
    clash |= {s.name for s in other.settings} & {s.name for s in group.settings}
    if clash:
      raise ValueError(f"metric group {group.name!r} redefines {sorted(clash)} of {other.name!r}")
  _REGISTRY[group.name] = group
  return group


def groups() -> Dict[str, Type[MetricGroup]]:
  """name -> MetricGroup, in record order (importing `metric_groups` registers them all)."""
  from tfgan_mh.evaluation import metric_groups  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  return dict(_REGISTRY)


def names() -> Tuple[str, ...]:
  return tuple(groups())


def default_names() -> Tuple[str, ...]:
  return tuple(n for n, g in groups().items() if not g.opt_in)


def best_metrics() -> Dict[str, Tuple[str, str]]:
  """record key -> (group, "min" | "max") over all groups."""
  return {key: (name, mode) for name, g in groups().items() for key, mode in g.best.items()}


def shown_keys() -> Tuple[str, ...]:
  """The scalars of the job's log line, in group order."""
  return tuple(k for g in groups().values() for k in (g.best if g.shown is None else g.shown))


def settings() -> Tuple[Setting, ...]:
  return tuple(s for g in groups().values() for s in g.settings)


def parse_metrics(spec) -> Tuple[str, ...]:
  """Metric groups from "default", "all", or comma-separated group names (may include "default").

  Raises:
    ValueError: an unknown name (the message lists the valid ones).
  """
  all_names = names()
  names_in = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else [str(s) for s in spec]
  out = []
  for name in names_in:
    if not name:
      continue
    expanded = {"default": default_names(), "all": all_names}.get(name, (name,))
    for group in expanded:
      if group not in all_names:
        raise ValueError(f"unknown metric {name!r}: valid names are default, all, {', '.join(all_names)}")
      if group not in out:
        out.append(group)
  if not out:
    raise ValueError(f"metrics={spec!r} selects nothing: pass default, all or some of {', '.join(all_names)}")
  return tuple(g for g in all_names if g in out)


def table(width: int = 20, line: int = 110) -> str:
  """The metric groups as a text table (name, doc, best keys, opt-in) for docstrings and --help."""
  rows = []
  for name, g in groups().items():
    extra = []
    if g.best:
      extra.append("best: " + ", ".join(f"{k} ({m})" for k, m in g.best.items()))
    if g.opt_in:
      extra.append("opt-in")
    text = g.doc + (f" [{'; '.join(extra)}]" if extra else "")
    rows.append(textwrap.fill(text, line, initial_indent=f"  {name:<{width}} ",
                              subsequent_indent=" " * (width + 3)))
  return "\n".join(rows)
