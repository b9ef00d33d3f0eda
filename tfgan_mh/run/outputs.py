"""Where an output may be written: a folder that can be created, and a directory that may be replaced (never a run)."""

import os
from typing import Optional

from tfgan_mh.run.names import RUN_FILES


def unwritable_reason(path: str) -> Optional[str]:
  """Why `path` (a local file or folder to create) cannot be written, or None when it can.

  Walks up to the first folder that exists (the ones above `path` that are missing would be created):
  it must be a directory with write permission.
  """
  existing = os.path.dirname(os.path.abspath(path))
  while not os.path.exists(existing):  # the folders to create, up to the first one that exists
    existing = os.path.dirname(existing)
  if not os.path.isdir(existing):
    return f"{existing!r} is a file, not a directory"
  if not os.access(existing, os.W_OK | os.X_OK):
    return f"no write permission in {existing!r}"
  return None


_SAVED_MODEL_FILES = {"saved_model.pb", "fingerprint.pb", "variables", "assets"}


def _holds_run(names) -> bool:
  return any(n in RUN_FILES or (n.startswith("ckpt-") and n.endswith(".index")) for n in names)


def check_replaceable(path: str, *, marker: str, what: str, protected=(), flag: str = "--out") -> None:
  """ValueError (one line) unless the existing, non-empty directory `path` may be replaced by a new `what`.

  Only an earlier output of the same kind is replaced: a directory holding `marker` (the file every such
  output is written with) or, for SavedModels written before the marker existed, exactly a SavedModel.
  Refused: a directory in `protected` (e.g. the run being exported) or a folder above one, and anything
  holding a training run (run_info.json, checkpoints, ...) at any depth.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  local = "://" not in path
  norm = (lambda p: os.path.abspath(p)) if local else (lambda p: p.rstrip("/"))
  here = norm(path)
  for p in protected:
    p = norm(p)
    if p == here or p.startswith(here.rstrip("/") + "/"):
      where = "is the run directory" if p == here else f"is a folder above the run directory {p}"
      raise ValueError(f"{flag}={path!r} {where}: replacing it would delete the run; choose another {flag}")
  names = [n.rstrip("/") for n in tf.io.gfile.listdir(path)]
  legacy = "saved_model.pb" in names and set(names) <= _SAVED_MODEL_FILES
  if marker not in names and not legacy:
    kind = "holds a training run" if _holds_run(names) else f"is not an earlier {what} (no {marker})"
    raise ValueError(f"{flag}={path!r} {kind}: --overwrite only replaces an earlier {what}; choose a new or "
                     "empty directory")
  for folder, subdirs, files in tf.io.gfile.walk(path):
    if _holds_run(list(files) + [d.rstrip("/") for d in subdirs]):
      raise ValueError(f"{flag}={path!r} holds a training run in {folder}: --overwrite only replaces an "
                       f"earlier {what}; choose a new or empty directory")
