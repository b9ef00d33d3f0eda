"""Keeping a run directory whole: one trainer at a time, resuming from what is really there, no debris.

* `TrainerLock`: `model_dir/train.lock` (JSON: host, pid, start time) held while a trainer runs. A second
  trainer on the same directory refuses with one line naming the holder; the lock of a process of this host
  that no longer runs is taken over, and the log says so. Locally the lock file is created atomically
  (O_CREAT | O_EXCL). On gs:// (Cloud Storage has no atomic create-if-absent through tf.io.gfile) the lock is
  written and checked, which guards a second trainer started later, but not two trainers started within
  the same second; and a lock left by a process of another host is never taken over automatically (this
  host cannot tell whether it still runs): the message says which file to delete.
* `EvalLock`: the same for the eval job, `model_dir/eval/eval.lock`: two jobs on one run would record every
  checkpoint twice and race on the best export.
* `resume_checkpoint`: the checkpoint a restarted trainer continues from: the newest that reads in full. The
  small `checkpoint` state file is often missing after copying or syncing only `ckpt-*` files; the trainer
  then resumes from the highest *complete* `ckpt-N` (index and every data shard present) and rewrites the
  state file, instead of starting from step 0 over existing checkpoints. An unreadable newest checkpoint (a
  write cut short by SIGKILL or a full disk) is moved to `model_dir/bad/` with a warning, never a dead end.
* `checkpoint_error` / `last_readable`: which checkpoints can actually be read, to name the last good one
  when the latest is truncated.
* `remove_fresh_dir`: a configuration error must not leave a new, empty model_dir behind.
* `done_steps` / `check_resumable`: a finished run (TRAIN_DONE) asked for more steps with no checkpoint to
  resume from (its records were copied, not its checkpoints) is refused, not silently trained again from step 0
  over the records of the first training.
"""

import json
import os
import re
import socket
import time
from typing import List, Optional, Tuple

import tensorflow as tf
from absl import logging

from tfgan_mh.run.names import BAD_DIR, EVAL_LOCK_FILE, LOCK_FILE, TRAIN_DONE
_DATA_RE = re.compile(r"\.data-(\d+)-of-(\d+)$")
_HELD = set()  # lock paths held by this process (a lock naming this pid but not in here is stale)


def _process_alive(pid: int) -> bool:
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  except PermissionError:  # another user's live process
    return True
  return True


class DirLock:
  """`with DirLock(directory, lock_file, role, what):` one `role` process per directory (module docstring)."""

  def __init__(self, directory: str, lock_file: str, role: str, what: str):
    self.path = f"{directory.rstrip('/')}/{lock_file}"
    self.local = "://" not in directory
    self.role, self.what = role, what
    self.owner = dict(host=socket.gethostname(), pid=os.getpid(), started=time.strftime("%Y-%m-%d %H:%M:%S"))

  def __enter__(self):
    holder = self._read()
    if holder is not None:
      self._take_over_or_refuse(holder)
    self._create()
    _HELD.add(self.path)
    return self

  def __exit__(self, *exc):
    _HELD.discard(self.path)
    try:
      if self._read() == self.owner:
        tf.io.gfile.remove(self.path)
    except tf.errors.OpError:
      pass
    return False

  def _read(self) -> Optional[dict]:
    if not tf.io.gfile.exists(self.path):
      return None
    try:
      with tf.io.gfile.GFile(self.path) as f:
        return json.loads(f.read())
    except (ValueError, tf.errors.OpError):
      return {}  # half-written or unreadable: a lock of unknown origin

  def _take_over_or_refuse(self, holder: dict) -> None:
    host, pid = holder.get("host"), holder.get("pid")
    same_host = host == self.owner["host"] and isinstance(pid, int)
    stale = same_host and ((pid == os.getpid() and self.path not in _HELD) or
                           (pid != os.getpid() and not _process_alive(pid)))
    if not stale:
      who = f"pid {pid} on host {host} (since {holder.get('started')})" if holder else "an unknown process"
      raise ValueError(f"{self.what} is in use by another {self.role}, {who}: stop it first, or delete "
                       f"{self.path} if that {self.role} is gone")
    logging.warning("taking over the stale lock %s of pid %d (no longer running on this host)", self.path, pid)
    tf.io.gfile.remove(self.path)

  def _create(self) -> None:
    text = json.dumps(self.owner)
    if self.local:
      try:
        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
      except FileExistsError:
        raise ValueError(f"{self.what} is in use: {self.path} appeared while this {self.role} started; stop "
                         f"the other {self.role} first") from None
      with os.fdopen(fd, "w") as f:
        f.write(text)
      return
    with tf.io.gfile.GFile(self.path, "w") as f:
      f.write(text)


def TrainerLock(model_dir: str) -> DirLock:  # pylint: disable=invalid-name
  """`with TrainerLock(model_dir):` one trainer per run directory."""
  return DirLock(model_dir, LOCK_FILE, "trainer", "model_dir")


def EvalLock(eval_dir: str) -> DirLock:  # pylint: disable=invalid-name
  """`with EvalLock(model_dir/eval):` one eval job per run directory (its records and best export)."""
  return DirLock(eval_dir, EVAL_LOCK_FILE, "eval job", eval_dir)


class UnreadableCheckpoint(ValueError):
  """A checkpoint whose files exist but cannot be read in full (truncated, damaged) or were deleted."""

  def __init__(self, prefix: str, reason: str):
    super().__init__(f"checkpoint {prefix} cannot be read ({reason})")
    self.prefix, self.reason = prefix, reason


# --- which checkpoint to resume from ----------------------------------------------------------------

def checkpoint_complete(prefix: str) -> bool:
  """The index and every data shard `prefix.data-i-of-n` of a checkpoint exist."""
  if not tf.io.gfile.exists(prefix + ".index"):
    return False
  shards = tf.io.gfile.glob(prefix + ".data-*")
  counts = {int(m.group(2)) for m in map(_DATA_RE.search, shards) if m}
  return len(counts) == 1 and len(shards) == counts.pop()


def list_complete(model_dir: str) -> List[Tuple[int, str]]:
  """[(step, prefix)] of the complete checkpoints of model_dir, by step."""
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  return [(s, p) for s, p in restore.list_checkpoints(model_dir) if checkpoint_complete(p)]


def _newest_checkpoint(model_dir: str, rewrite_state: bool) -> Optional[str]:
  """The state file's latest, else the highest complete ckpt-N (None: none); rewrites a missing state."""
  latest = tf.train.latest_checkpoint(model_dir)  # None when the state file or its checkpoint is missing
  if latest is not None:
    return latest
  complete = list_complete(model_dir)
  if not complete:
    return None
  step, prefix = complete[-1]
  logging.warning("%s/checkpoint does not name an existing checkpoint: resuming from the highest complete "
                  "one, %s (step %d)", model_dir, prefix, step)
  if rewrite_state:  # with timestamps, or CheckpointManager would forget them (it keeps only newer ones)
    stamps = [tf.io.gfile.stat(p + ".index").mtime_nsec / 1e9 for _, p in complete]
    tf.compat.v1.train.update_checkpoint_state(
        model_dir, prefix, [p for _, p in complete], all_model_checkpoint_timestamps=stamps,
        last_preserved_timestamp=min(stamps) - 1.0)
  return prefix


def resume_checkpoint(model_dir: str, rewrite_state: bool = True) -> Optional[str]:
  """The checkpoint to resume from: the newest one that reads in full (None: none).

  The newest is the state file's latest, else the highest complete ckpt-N; without a usable state file the
  state is rewritten (`rewrite_state`: the chief) to list the complete checkpoints, so the trainer's
  CheckpointManager keeps counting them for max_to_keep. A newest checkpoint that cannot be read (a write cut
  short by a kill or a full disk) is moved to model_dir/bad/ by the chief (`rewrite_state`), with a warning,
  and the one before it is tried; with none left the run starts from step 0. Every tensor of the candidate is
  read once here (`checkpoint_error`), so a restore never half-applies a damaged checkpoint.
  """
  while True:
    prefix = _newest_checkpoint(model_dir, rewrite_state)
    if prefix is None:
      return None
    reason = checkpoint_error(prefix)
    if reason is None:
      return prefix
    if not rewrite_state:  # not the chief: it moves nothing, and resumes where the chief will
      from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
      step = restore.checkpoint_step(prefix)
      return last_readable(model_dir, 1 << 62 if step is None else step)
    moved = move_aside(model_dir, prefix)
    logging.warning("checkpoint %s cannot be read (%s): moved to %s; resuming from the newest readable one "
                    "before it", prefix, reason, moved)


def move_aside(model_dir: str, prefix: str) -> str:
  """Moves the files of checkpoint `prefix` to model_dir/bad/ (kept for a post-mortem, never deleted) and drops
  the state file, so the next `_newest_checkpoint` lists what is left; returns the folder."""
  bad = f"{model_dir}/{BAD_DIR}"
  tf.io.gfile.makedirs(bad)
  for path in tf.io.gfile.glob(prefix + ".*"):
    target = f"{bad}/{os.path.basename(path)}"
    tf.io.gfile.rename(path, target, overwrite=True)
  state = f"{model_dir}/checkpoint"
  if tf.io.gfile.exists(state):
    tf.io.gfile.remove(state)
  return bad


def batch_history(model_dir: str, resume_from: Optional[str], global_batch_size: int, allow_change: bool) -> list:
  """run_info.json's `global_batch_history`, [{"from_step", "global_batch_size"}], for a run (re)starting from
  `resume_from` with `global_batch_size`. ValueError (one line) when a resumed run's batch differs from the one
  it was trained with and `allow_change` (train.allow_batch_change) is not set: its record would otherwise no
  longer say what its first steps used."""
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  fresh = [{"from_step": 0, "global_batch_size": global_batch_size}]
  if resume_from is None or not tf.io.gfile.exists(f"{model_dir}/{restore.RUN_INFO}"):
    return fresh
  info = restore.read_run_info(model_dir)
  before = info.get("global_batch_size")
  history = info.get("global_batch_history") or ([{"from_step": 0, "global_batch_size": before}] if before
                                                 else [])
  if before is None or before == global_batch_size:
    return history or fresh
  step = restore.checkpoint_step(resume_from)
  if not allow_change:
    raise ValueError(f"train.global_batch_size={global_batch_size}: {model_dir} was trained with {before} up to "
                     f"step {step}; resume with {before}, or set train.allow_batch_change=True to change it on "
                     "purpose (run_info.json then keeps both)")
  logging.warning("global batch %d -> %d from step %s (train.allow_batch_change)", before, global_batch_size, step)
  return [h for h in history if h["from_step"] < (step or 0)] + [{"from_step": step,
                                                                   "global_batch_size": global_batch_size}]


def checkpoint_error(prefix: str) -> Optional[str]:
  """Why `prefix` cannot be read in full (every tensor), or None when it can.

  Variant tensors (a checkpointed input iterator, `cadence.checkpoint_input`) have no numpy form and are not read
  here; the restore reads them.
  """
  try:
    reader = tf.train.load_checkpoint(prefix)
    for name, dtype in reader.get_variable_to_dtype_map().items():
      if dtype != tf.variant:
        reader.get_tensor(name)
  except Exception as e:  # truncated shards raise IndexError, DataLossError, ... # pylint: disable=broad-except
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}".rstrip(": ")
  return None


def last_readable(model_dir: str, before: int) -> Optional[str]:
  """The newest complete checkpoint of model_dir older than step `before` that reads in full."""
  for step, prefix in reversed(list_complete(model_dir)):
    if step < before and checkpoint_error(prefix) is None:
      return prefix
  return None


def unreadable_message(model_dir: str, prefix: str, step: int, reason: str) -> str:
  """One line: the bad checkpoint, the last good one and how to resume from it."""
  good = last_readable(model_dir, step)
  base = os.path.basename(prefix)
  if good is None:
    return (f"checkpoint {prefix} cannot be read ({reason}) and no earlier checkpoint of {model_dir} can: "
            "start a new model_dir")
  return (f"checkpoint {prefix} cannot be read ({reason}); the last good one is {good}: run the same command "
          f"again (it moves {base} to {model_dir}/{BAD_DIR}/ and resumes from {os.path.basename(good)})")


def remove_fresh_dir(model_dir: str) -> None:
  """Removes a model_dir this trainer created when it failed before writing any checkpoint."""
  try:
    if tf.io.gfile.isdir(model_dir) and not tf.io.gfile.glob(f"{model_dir}/ckpt-*"):
      tf.io.gfile.rmtree(model_dir)
  except tf.errors.OpError:
    pass


def done_steps(model_dir: str) -> Optional[int]:
  """The step count in model_dir/TRAIN_DONE (None: the run has not finished; -1: the file is empty)."""
  path = os.path.join(model_dir, TRAIN_DONE)
  if not tf.io.gfile.exists(path):
    return None
  with tf.io.gfile.GFile(path) as f:
    text = f.read().strip()
  return int(text) if text.lstrip("-").isdigit() else -1


def check_resumable(model_dir: str, resume_from: Optional[str], continues_another_run: bool) -> None:
  """One-line ValueError when model_dir holds a finished run but no checkpoint to continue it from."""
  done = done_steps(model_dir)
  if done is None or resume_from is not None or continues_another_run:
    return
  raise ValueError(f"model_dir={model_dir!r} holds a finished run ({TRAIN_DONE}: {done} steps) but no readable "
                   "checkpoint to extend it from: restore its ckpt-* files, or train into a new --model_dir")
