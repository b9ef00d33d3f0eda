"""The command-line entry points, one module each, and what they share (this module: one-line errors, gin files).

  train             tfgan-train             (python -m tfgan_mh.train)
  eval              tfgan-eval              (python -m tfgan_mh.eval; eval/run_eval.py)
  sample            tfgan-sample
  export            tfgan-export
  evaluate_samples  tfgan-evaluate-samples
  train_classifier  tfgan-train-classifier
  sweep             tfgan-sweep             (launch/batch.sh)

`tfgan-reproduce` is `tfgan_mh.reproduce` (a package of its own). The libraries import this module for
`first_line` / `disk_full` / `parse_gin` only; none imports an entry point.
"""

import errno
import os
import re
import sys
from typing import Optional, Tuple

# Gin parameters renamed since a run or a config may have been written: old binding -> new. An older run's
# operative config loads with them under the new names (`tfgan_mh.run.restore`); a config or --gin_param that
# still binds an old name fails with a one-line error naming the new one (`parse_gin`).
RENAMED_BINDINGS = {
    "build_discriminator.mlp_spectral_norm": "build_discriminator.spectral_norm",
    "train.pretrain_epochs": "magan.pretrain_epochs",  # MAGAN owns its pre-training (2026-12)
    # 2026-12-05: the train job's settings, split into the dataclasses of the code that uses them
    **{f"train.{name}": f"cadence.{name}" for name in (
        "steps_per_loop", "save_every", "max_to_keep", "summary_every", "image_every", "log_every",
        "checkpoint_input")},
    "train.images_per_class": "pictures.images_per_class", "train.picture_classes": "pictures.max_classes",
    "train.precision": "execution.precision", "train.mixed_bfloat16": "execution.mixed_bfloat16",
    "train.jit_compile": "execution.jit_compile",
    "train.optimizer": "optimization.optimizer", "train.accumulate_steps": "optimization.accumulate_steps",
    "train.ema_decay": "ema.decay", "train.ema_start": "ema.start",
    "train.diffaugment": "diffaugment.policy", "train.lecam_weight": "lecam.weight",
    "LeCam.decay": "lecam.decay", "LeCam.start_step": "lecam.start_step", "LeCam.one_sided": "lecam.one_sided",
}


def renamed_binding(text: str) -> Optional[Tuple[str, str]]:
  """(old, new) for the first binding of `text` (gin source: lines `name = value`, scopes allowed) whose
  parameter is an old name of `RENAMED_BINDINGS`; None when it binds none."""
  for match in re.finditer(r"^\s*(?:[\w./]*/)?([\w.]+)\s*=", text, flags=re.MULTILINE):
    if match.group(1) in RENAMED_BINDINGS:
      return match.group(1), RENAMED_BINDINGS[match.group(1)]
  return None


def _renamed_message(texts) -> Optional[str]:
  for text in texts:
    found = renamed_binding(text)
    if found:
      return f"{found[0]} was renamed {found[1]}: bind {found[1]} instead"
  return None


def _read(path: str) -> str:
  try:
    with open(path) as f:
      return f.read()
  except OSError:
    return ""


def first_line(error: BaseException) -> str:
  """The message of an error without the context lines gin appends ("In call to configurable ...")."""
  text = str(error).strip()
  return text.splitlines()[0] if text else type(error).__name__


def disk_full(error: BaseException, where: str) -> Optional[str]:
  """One line for an error that is a full disk (OSError ENOSPC, or a TF op's "No space left on device",
  e.g. SaveV2 or a summary writer), else None. `where`: the folder being written."""
  if isinstance(error, OSError) and error.errno == errno.ENOSPC:
    path = error.filename or where
  elif "No space left on device" in str(error):
    path = where
  else:
    return None
  return (f"no space left on device writing {path}: free space there (or pass another folder); what was "
          "written before is kept and the same command resumes")


def fail(message: str, code: int = 1):
  """Prints `error: message` on stderr and exits with `code`."""
  print(f"error: {message}", file=sys.stderr)
  sys.exit(code)


GIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gin")  # the packaged gin files


def resolve_gin_file(spec: str) -> str:
  """The gin file a `--gin_file` names: a path that exists, else a packaged name under `tfgan_mh/gin/`.

  A packaged name may drop `.gin` and a leading `gin/` (the checkout's link to the same folder):
  `experiments/mnist_mhinge_cpu`, `gin/experiments/mnist_mhinge_cpu.gin`. ValueError naming both ways.
  """
  if os.path.isfile(spec):
    return spec
  name = spec[len("gin/"):] if spec.startswith("gin/") else spec
  name = name if name.endswith(".gin") else name + ".gin"
  packaged = os.path.join(GIN_DIR, name)
  if os.path.isfile(packaged) and not os.path.isabs(spec):
    return packaged
  raise ValueError(f"gin file {spec!r} does not exist: give a path to a .gin file or a packaged name such as "
                   f"'experiments/mnist_mhinge_cpu' "
                   "(`tfgan-train --list_experiments` lists them)")


def packaged_gin_names(folder: str = "experiments"):
  """Sorted packaged names (`experiments/mnist_mhinge_cpu`) of the gin files in `tfgan_mh/gin/<folder>/`."""
  root = os.path.join(GIN_DIR, folder)
  return sorted(f"{folder}/{f[:-len('.gin')]}" for f in os.listdir(root) if f.endswith(".gin"))


def parse_gin(gin_files, gin_params) -> None:
  """Parses gin files + bindings (every configurable registered); ValueError naming the file and gin's message.

  Files are paths or packaged names (`resolve_gin_file`); `include 'base/x.gin'` lines resolve against the
  packaged gin folder first, then the current directory, so every experiment runs from any folder and from a
  non-editable install.
  """
  import gin  # pylint: disable=g-import-not-at-top
  import tfgan_mh.configurables  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  shown = list(gin_files)  # as the user named them, for messages
  gin_files = [os.path.abspath(resolve_gin_file(path)) for path in gin_files]  # absolute: no search-path misses
  prefixes = gin.config._LOCATION_PREFIXES  # pylint: disable=protected-access
  if GIN_DIR not in prefixes:  # first, before the current directory: gin logs an error for every miss
    prefixes.insert(0, GIN_DIR)  # (gin.add_config_file_search_path could only append it)
  try:
    gin.parse_config_files_and_bindings(gin_files, None, finalize_config=False)
  except Exception as e:  # gin raises ValueError, SyntaxError, KeyError, ... # pylint: disable=broad-except
    message = _renamed_message(_read(path) for path in gin_files) or first_line(e)
    raise ValueError(f"gin configuration error in {', '.join(shown) or 'bindings'}: {message}") from None
  for binding in gin_params or ():
    try:
      gin.parse_config(binding)
    except Exception as e:  # pylint: disable=broad-except
      message = _renamed_message([binding]) or first_line(e)
      raise ValueError(f"gin configuration error in --gin_param {binding!r}: {message}") from None


def check_bindings_used(gin_params) -> None:
  """ValueError naming the first binding of `gin_params` that binds nothing the operative config used.

  Call it once the program has called every configurable it will (the trainer: after its first steps). A
  binding `scope/name.arg = v` is used when `name` was called in `scope` or a scope nested in it; an
  unscoped one when `name` was called at all. Macros, imports and includes are not checked.
  """
  import gin  # pylint: disable=g-import-not-at-top
  operative = list(gin.config._OPERATIVE_CONFIG)  # [(scope, selector)] called so far # pylint: disable=protected-access
  for binding in gin_params or ():
    key = binding.split("=", 1)[0].strip()
    if "=" not in binding or "." not in key or key.startswith(("import", "include")):
      continue
    try:
      parsed = gin.config.ParsedBindingKey.parse(key)
    except Exception:  # pylint: disable=broad-except
      continue  # a macro or constant
    if parsed.complete_selector == "gin.macro":
      continue
    scopes = sorted({s for s, sel in operative if sel == parsed.complete_selector})
    used = [s for s in scopes if not parsed.scope or s == parsed.scope or s.startswith(parsed.scope + "/")]
    if used:
      continue
    name = parsed.given_selector
    where = (f"{name} is called under scope(s) {', '.join(repr(s) for s in scopes)}" if scopes else
             f"{name} is not called by this configuration")
    raise ValueError(f"--gin_param {binding!r} binds nothing this run uses: {where}")


def define_generator_flags(what: str) -> None:
  """The flags of the commands that restore a run's generator (tfgan-sample, tfgan-export); `what`: what the
  command makes, for the help texts."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  flags.DEFINE_string("model_dir", None, "Run directory written by tfgan_mh.train (local or gs://).")
  flags.DEFINE_string("checkpoint", "latest", "'latest', 'best' (the eval job's eval/best.json), a step "
                      "number, or a checkpoint prefix.")
  flags.DEFINE_bool("raw", False, f"{what} from the trained generator even when the run has an EMA generator.")
  flags.DEFINE_float("truncation", 0.0, "Truncation threshold of the latents: every |z_i| beyond it is resampled "
                     "(BigGAN §3.1; 0: N(0, I)).")
  flags.DEFINE_integer("standing_stats_batches", 0, "Give G's batch norms standing statistics over this many "
                       "prior batches first (BigGAN §3; 0: the checkpoint's moving statistics).")
  flags.DEFINE_integer("standing_stats_batch_size", 256, "Samples per standing-statistics batch.")


def restore_generator(flag_values, check=lambda: None):
  """(run, truncation, standing statistics or None) of the generator flags (`define_generator_flags`): the flags
  checked, then `check()` (the command's own checks, before anything is read), the checkpoint restored without D, and
  standing statistics accumulated when asked for. ValueError (one line) on bad input."""
  from tfgan_mh.models import latents  # pylint: disable=g-import-not-at-top
  from tfgan_mh.models import standing_stats  # pylint: disable=g-import-not-at-top
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  truncation = latents.check_truncation(flag_values.truncation, "--truncation")
  standing_stats.check_settings(flag_values.standing_stats_batches, flag_values.standing_stats_batch_size, "--")
  check()
  run = restore.load_run(flag_values.model_dir, flag_values.checkpoint, with_discriminator=False)
  standing = None
  if flag_values.standing_stats_batches:
    standing = standing_stats.accumulate_standing_stats(
        run.sampler(not flag_values.raw), num_batches=flag_values.standing_stats_batches,
        batch_size=flag_values.standing_stats_batch_size, seed=flag_values.seed, truncation=truncation)
  return run, truncation, standing


def generator_used(run, raw: bool, truncation, standing) -> tuple:
  """("EMA generator" or "generator", ", truncation T, <standing statistics>" or ""): what a command drew with."""
  from tfgan_mh.models import standing_stats  # pylint: disable=g-import-not-at-top
  which = "EMA generator" if (run.ema_generator is not None and not raw) else "generator"
  extra = "".join([f", truncation {truncation:g}" if truncation else "",
                   f", {standing_stats.describe(standing)}" if standing else ""])
  return which, extra


def parse_flags(argv):
  """absl parsing with a one-line error (absl's own adds a second line and a usage hint)."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  try:
    return flags.FLAGS(argv)
  except flags.Error as e:
    fail(first_line(e))
