"""What the eval job writes under MODEL_DIR/eval: metrics.jsonl (one JSON object per checkpoint) and best.json.

  metrics.jsonl  one line per evaluated checkpoint: {"step", "checkpoint", "wall_time", "generator", ...,
                 every metric}. Appended with flush + fsync (local disks), so a crash loses at most the line
                 being written; a truncated last line is set aside (metrics.jsonl.truncated) with a warning
                 when the file is read again, and every complete line is kept. On gs:// (no append) the file
                 is rewritten through a temporary object and a rename.
  best.json      {"checkpoint", "step", "metric", "value", "mode", "generator", "saved_model", "wall_time"}:
                 the checkpoint with the best value of the chosen metric so far (read by
                 `tfgan_mh.run.restore.resolve_checkpoint(model_dir, "best")`), written atomically after
                 its generator was exported to `saved_model`; recomputed from metrics.jsonl when a job
                 starts (`tfgan_mh.evaluation.watcher.BestTracker`).
  eval.lock      held while an eval job runs: one job per run (`tfgan_mh.run.run_dir.EvalLock`).

Values that JSON cannot hold (NaN, inf) are written as null.
"""

import json
import math
import os
from typing import Any, Dict, List, Optional

import tensorflow as tf
from absl import logging

from tfgan_mh.run import restore

EVAL_DIR = "eval"
METRICS_FILE = "metrics.jsonl"
BEST_FILE = os.path.basename(restore.BEST_FILE)  # "best.json"
BEST_SAVED_MODEL = "best"


def _is_remote(path: str) -> bool:
  return "://" in path


def to_json_value(value: Any) -> Any:
  """numpy scalars / arrays -> Python numbers / lists; NaN and inf -> None (strict JSON)."""
  if isinstance(value, dict):
    return {str(k): to_json_value(v) for k, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [to_json_value(v) for v in value]
  if hasattr(value, "tolist"):  # numpy array or scalar
    return to_json_value(value.tolist())
  if isinstance(value, float) and not math.isfinite(value):
    return None
  return value


def write_json_atomic(path: str, obj: Any) -> None:
  """Writes `obj` to `path` through `path.tmp` and a rename: a reader never sees half a file."""
  tmp = path + ".tmp"
  with tf.io.gfile.GFile(tmp, "w") as f:
    f.write(json.dumps(to_json_value(obj), indent=1, sort_keys=True, allow_nan=False) + "\n")
  tf.io.gfile.rename(tmp, path, overwrite=True)


def read_json(path: str) -> Optional[dict]:
  """The JSON object in `path`, or None if it does not exist."""
  if not tf.io.gfile.exists(path):
    return None
  with tf.io.gfile.GFile(path) as f:
    return json.load(f)


def read_records(path: str) -> List[Dict[str, Any]]:
  """The records of a metrics.jsonl; a truncated last line is moved aside (with a warning).

  Complete lines that do not parse (not the last one) are skipped with a warning and left in the file.

  Args:
    path: the metrics.jsonl file (may not exist yet).

  Returns:
    list of dicts, in file order.
  """
  if not tf.io.gfile.exists(path):
    return []
  with tf.io.gfile.GFile(path) as f:
    text = f.read()
  lines = text.split("\n")
  records, bad_tail = [], None
  for i, line in enumerate(lines):
    if not line.strip():
      continue
    last = i == len(lines) - 1  # no newline after it: the write was cut short
    try:
      record = json.loads(line)
      if not isinstance(record, dict):
        raise ValueError("not an object")
    except ValueError:
      if last:
        bad_tail = line
        continue
      logging.warning("%s line %d is not a JSON object; ignored (left in the file)", path, i + 1)
      continue
    records.append(record)
  if bad_tail is not None:
    logging.warning("%s ends with a truncated line (%d characters, an interrupted write); it is moved to "
                    "%s.truncated and that checkpoint will be evaluated again", path, len(bad_tail), path)
    with tf.io.gfile.GFile(path + ".truncated", "w") as f:
      f.write(bad_tail + "\n")
    kept = text[:len(text) - len(bad_tail)]
    tmp = path + ".tmp"
    with tf.io.gfile.GFile(tmp, "w") as f:
      f.write(kept)
    tf.io.gfile.rename(tmp, path, overwrite=True)
  elif text and not text.endswith("\n"):  # a complete object without its newline: add it
    _append_text(path, "\n")
  return records


def _append_text(path: str, text: str) -> None:
  if _is_remote(path):  # object stores cannot append: rewrite through a temporary object
    old = ""
    if tf.io.gfile.exists(path):
      with tf.io.gfile.GFile(path) as f:
        old = f.read()
    tmp = path + ".tmp"
    with tf.io.gfile.GFile(tmp, "w") as f:
      f.write(old + text)
    tf.io.gfile.rename(tmp, path, overwrite=True)
    return
  with open(path, "a", encoding="utf-8") as f:
    f.write(text)
    f.flush()
    os.fsync(f.fileno())


def append_record(path: str, record: Dict[str, Any]) -> None:
  """Appends one record as one line (flush + fsync on local disks)."""
  line = json.dumps(to_json_value(record), sort_keys=True, allow_nan=False)
  folder = os.path.dirname(path)
  if folder and not tf.io.gfile.exists(folder):  # e.g. evaluate_samples --output=new_dir/scores.jsonl
    tf.io.gfile.makedirs(folder)
  _append_text(path, line + "\n")
