"""Rebuilding a run's networks from its model_dir: what the eval job, `tfgan_mh.cli.sample` and the notebook share.

A run directory written by `tfgan_mh.training.loop.train` holds:
  operative_config.gin  the gin configuration of the run (architectures, heads, data, loss family)
  run_info.json         what the data decided at train time (image shape, number of classes, ...), so
                        the networks can be rebuilt without touching the dataset
  ckpt-N.*              checkpoints (generator, discriminator, optional ema_generator, optimizers, step)
  eval/best.json        written by the eval job: the checkpoint with the best chosen metric

`load_run(model_dir, checkpoint)` parses the operative config, builds G (and D, and the EMA G when the run
has one) with the recorded shapes and restores them from the chosen checkpoint.
"""

import dataclasses
import json
import os
import re
from typing import Optional, Union

import gin
import tensorflow as tf

from tfgan_mh import cli
from tfgan_mh.models import base as models_base
from tfgan_mh.run.names import OPERATIVE_CONFIG, RUN_INFO  # noqa: F401  (restore.RUN_INFO for readers)

BEST_FILE = os.path.join("eval", "best.json")
_CKPT_RE = re.compile(r"ckpt-(\d+)(?:\.index)?$")


def checkpoint_step(path: str) -> Optional[int]:
  """N of a `.../ckpt-N` prefix or its `.index` file (None for another name)."""
  m = _CKPT_RE.search(path)
  return int(m.group(1)) if m else None


_OLD_TAKES_IMAGES = "translation"


def write_run_info(model_dir: str, info: dict) -> None:
  """Writes run_info.json (atomically: a reader never sees half a file)."""
  path = f"{model_dir}/{RUN_INFO}"
  tmp = path + ".tmp"
  with tf.io.gfile.GFile(tmp, "w") as f:
    json.dump(info, f, indent=1, sort_keys=True)
  tf.io.gfile.rename(tmp, path, overwrite=True)


def _read_run_file(model_dir: str, name: str) -> str:
  """The text of `model_dir/name`, a file the trainer writes once training has started; one-line ValueError."""
  path = f"{model_dir}/{name}"
  if not tf.io.gfile.exists(path):
    raise ValueError(f"model_dir {model_dir!r} has no {name}: not a tfgan_mh run, or training has not started yet")
  with tf.io.gfile.GFile(path) as f:
    return f.read()


def read_run_info(model_dir: str) -> dict:
  """The run_info.json of a run; ValueError if model_dir is not a started run."""
  path = f"{model_dir}/{RUN_INFO}"
  text = _read_run_file(model_dir, RUN_INFO)
  try:
    info = json.loads(text)
  except ValueError as e:
    raise ValueError(f"{path} is not valid JSON ({cli.first_line(e)}): the file is truncated or damaged; "
                     "restore it from a copy of the run") from None
  if _OLD_TAKES_IMAGES in info:  # the key of runs written before 2026-12
    info.setdefault("generator_takes_images", info.pop(_OLD_TAKES_IMAGES))
  return info


def list_checkpoints(model_dir: str) -> list:
  """[(step, prefix)] of every checkpoint in model_dir, by step."""
  found = []
  for path in tf.io.gfile.glob(f"{model_dir}/ckpt-*.index"):
    step = checkpoint_step(path)
    if step is not None:
      found.append((step, path[:-len(".index")]))
  return sorted(found)


def resolve_checkpoint(model_dir: str, which: Union[str, int, None] = "latest") -> str:
  """A checkpoint prefix of the run: "latest", "best" (eval/best.json), a step number, or a prefix.

  Raises:
    ValueError: naming `which` and the checkpoints that exist.
  """
  which = "latest" if which is None else which
  checkpoints = list_checkpoints(model_dir)
  available = ", ".join(str(s) for s, _ in checkpoints[-10:]) or "none"
  if which == "latest":
    if not checkpoints:
      raise ValueError(f"model_dir {model_dir!r} has no checkpoint yet (no ckpt-N.index)")
    return checkpoints[-1][1]
  if which == "best":
    path = f"{model_dir}/{BEST_FILE}"
    if not tf.io.gfile.exists(path):
      raise ValueError(f"checkpoint 'best': {path} does not exist; run the eval job first "
                       "(launch/eval.sh) or pass 'latest' or a step")
    with tf.io.gfile.GFile(path) as f:
      prefix = json.load(f)["checkpoint"]
    if not tf.io.gfile.exists(prefix + ".index"):
      raise ValueError(f"checkpoint 'best' ({prefix}) was deleted; pass 'latest' or one of the "
                       f"steps: {available}")
    return prefix
  if isinstance(which, int) or str(which).isdigit():
    step = int(which)
    for s, prefix in checkpoints:
      if s == step:
        return prefix
    raise ValueError(f"no checkpoint for step {step} in {model_dir!r}; available steps: {available}")
  if tf.io.gfile.exists(f"{which}.index"):
    return str(which)
  raise ValueError(f"checkpoint {which!r} is not 'latest', 'best', a step number or a checkpoint "
                   f"prefix; available steps: {available}")


@dataclasses.dataclass
class Run:
  """The restored networks of one checkpoint of a run."""
  model_dir: str
  checkpoint: str
  step: int
  info: dict
  generator: tf.keras.Model
  discriminator: Optional[tf.keras.Model]
  ema_generator: Optional[tf.keras.Model]

  @property
  def num_classes(self) -> int:
    return int(self.info["num_classes"])

  @property
  def conditional(self) -> bool:
    return bool(self.info["conditional"])

  def sampler(self, use_ema: bool = True):
    """The EMA generator when the run has one and `use_ema`, else the raw generator."""
    return self.ema_generator if (use_ema and self.ema_generator is not None) else self.generator

  def sample(self, z, labels, use_ema: bool = True):
    """Images float32 in [-1, 1] from (z [B, z_dim], labels [B]); labels are ignored if unconditional."""
    g = self.sampler(use_ema)
    return tf.cast(g(z, labels if self.conditional else None, training=False), tf.float32)


RENAMED_BINDINGS = cli.RENAMED_BINDINGS  # applied to operative configs: an older run still loads


def parse_operative_config(model_dir: str) -> None:
  """Clears gin and parses the run's operative_config.gin (ValueError if missing or unparsable), with the
  bindings of `RENAMED_BINDINGS` under their present names.

  What a reader of a run rebuilds comes from the data and models packages' configurables (`build_source`,
  `build_generator`, ...) and this package's `eval_protocol`; bindings of configurables this process has not
  imported (the trainer's `train.*`, a loss family's) are skipped, so reading a run needs no training code.
  """
  from tfgan_mh import data, models  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  from tfgan_mh.run import protocol  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  path = f"{model_dir}/{OPERATIVE_CONFIG}"
  text = _read_run_file(model_dir, OPERATIVE_CONFIG)
  for old, new in RENAMED_BINDINGS.items():
    text = re.sub(rf"^{re.escape(old)}(\s*=)", rf"{new}\1", text, flags=re.MULTILINE)
  gin.clear_config()
  try:
    gin.parse_config(text, skip_unknown=True)
  except Exception as e:  # pylint: disable=broad-except
    raise ValueError(f"cannot parse {path}: {cli.first_line(e)}") from None


def build_networks(info: dict, with_discriminator: bool = True, with_ema: bool = True):
  """(G, D or None, EMA G or None) as configured by the parsed gin config, built (variables exist)."""
  from tfgan_mh import models  # pylint: disable=g-import-not-at-top
  image_shape = tuple(info["image_shape"])
  k = int(info["num_classes"])

  def make_g():
    g = models.build_generator(image_shape=image_shape, num_classes=k, conditional=bool(info["conditional"]))
    models_base.build_by_calling(g)
    return g

  generator = make_g()
  ema = make_g() if (with_ema and info.get("ema")) else None
  discriminator = None
  if with_discriminator:
    discriminator = models.build_discriminator(image_shape=image_shape, num_classes=k)
    models_base.build_by_calling(generator, discriminator)
  return generator, discriminator, ema


def load_run(model_dir: str, checkpoint: Union[str, int, None] = "latest", *,
             with_discriminator: bool = True, strategy: Optional[tf.distribute.Strategy] = None) -> Run:
  """Rebuilds the run's networks and restores them from a checkpoint ("latest", "best", step, prefix).

  Leaves the run's operative config parsed in gin (so `tfgan_mh.data.build_source()` builds its data).
  """
  model_dir = str(model_dir).rstrip("/")
  info = read_run_info(model_dir)
  prefix = resolve_checkpoint(model_dir, checkpoint)
  parse_operative_config(model_dir)
  strategy = strategy or tf.distribute.get_strategy()
  with strategy.scope():
    step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
    generator, discriminator, ema = build_networks(info, with_discriminator)
  items = dict(step=step, generator=generator)
  if discriminator is not None:
    items["discriminator"] = discriminator
  if ema is not None:
    items["ema_generator"] = ema
  restore_checkpoint(tf.train.Checkpoint(**items), prefix, partial=True)
  return Run(model_dir=model_dir, checkpoint=prefix, step=int(step.numpy()), info=info,
             generator=generator, discriminator=discriminator, ema_generator=ema)


def _top_level_items(prefix: str) -> set:
  return {name.split("/")[0] for name, _ in tf.train.list_variables(prefix)}


def restore_checkpoint(checkpoint: tf.train.Checkpoint, prefix: str, *, partial: bool) -> None:
  """Restores `prefix` into `checkpoint`; one-line ValueError for an unreadable or mismatching checkpoint.

  partial: the checkpoint may hold more than `checkpoint` (e.g. optimizers when only G is rebuilt);
  otherwise every object of `checkpoint` must be in it. A failed restore marks itself partial, so no
  "unrestored values" warning follows the error at exit.
  """
  from tfgan_mh.run import run_dir  # pylint: disable=g-import-not-at-top
  status = None
  try:
    status = checkpoint.restore(prefix)
    if partial:
      status.expect_partial()
    status.assert_existing_objects_matched()
  except AssertionError:
    status.expect_partial()
    children = checkpoint._trackable_children()  # pylint: disable=protected-access
    missing = sorted(k for k in children if k not in _top_level_items(prefix))
    what = f"holds no {', '.join(missing)}" if missing else "does not match the networks of this configuration"
    hint = " (ema.decay is set, the run was trained without EMA)" if "ema_generator" in missing else ""
    raise ValueError(f"checkpoint {prefix} {what}{hint}: resume with the run's own configuration "
                     "(its operative_config.gin), or start a new model_dir with train.init_from") from None
  except Exception as e:  # pylint: disable=broad-except
    if status is not None:
      status.expect_partial()
    reason = run_dir.checkpoint_error(prefix) if tf.io.gfile.exists(prefix + ".index") else "it was deleted"
    if reason is None:  # readable: the networks differ (shapes, names)
      raise ValueError(f"checkpoint {prefix} does not match the networks of this configuration "
                       f"({cli.first_line(e)}): use the run's own configuration (its operative_config.gin)"
                       ) from None
    raise run_dir.UnreadableCheckpoint(prefix, reason) from None


def resume(checkpoint: tf.train.Checkpoint, prefix: str, model_dir: str) -> None:
  """The trainer's restore of everything it saves; an unreadable checkpoint names the last good one."""
  from tfgan_mh.run import run_dir  # pylint: disable=g-import-not-at-top
  try:
    restore_checkpoint(checkpoint, prefix, partial=False)
  except run_dir.UnreadableCheckpoint as e:
    step = checkpoint_step(prefix)
    step = 1 << 62 if step is None else step  # not a ckpt-N name: every complete checkpoint is a candidate
    raise ValueError(run_dir.unreadable_message(model_dir, prefix, step, e.reason)) from None


def real_data(run, count: int = 1000):
  """(points [count, 2], labels [count]) of the run's real 2-D data (train split, file order), or (None, None)
  when its data source cannot be rebuilt (the picture then shows the samples alone)."""
  try:
    from tfgan_mh import data  # pylint: disable=g-import-not-at-top
    parse_operative_config(run.model_dir)  # another run may have been loaded since this one
    ds = data.build_source().input_fn(None, global_batch_size=count, split="train", training=False)
    return tuple(t.numpy() for t in next(iter(ds)))
  except Exception:  # pylint: disable=broad-except  # only the real panel: the samples matter
    return None, None
