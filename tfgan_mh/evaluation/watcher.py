r"""The sidecar eval job's watcher: follows a run directory, evaluates every new checkpoint once, keeps the best.

  from tfgan_mh.evaluation import job
  job.watch("/runs/mnist_mhgan", job.EvalConfig(inception="inception:/models/tfgan_inception"))

What `watch` does (compare_gan's continuous_eval, on `tf.train.checkpoints_iterator`):
  * rebuilds G, D and the EMA G of each checkpoint from MODEL_DIR/operative_config.gin + run_info.json
    (`tfgan_mh.run.restore.load_run`), and the run's data from the same gin config;
  * every time the iterator wakes up, lists all checkpoints and evaluates those not yet in
    MODEL_DIR/eval/metrics.jsonl in step order (the iterator itself only reports the latest one), with the
    `evaluator.Evaluator`;
  * appends one JSON object per checkpoint to metrics.jsonl (`records`) and writes TensorBoard summaries
    to MODEL_DIR/eval; a restarted job skips the steps already there;
  * skips (with a warning) a checkpoint deleted between the listing and the restore, and says when the
    trainer deletes them faster than the job evaluates (cadence.max_to_keep); a new checkpoint counts as
    activity for `timeout` even when it is deleted before it could be evaluated;
  * records a checkpoint whose files cannot be read (truncated) as {"step", "checkpoint", "unreadable"}
    in metrics.jsonl and goes on;
  * exports the generator of the best checkpoint so far (`EvalConfig.best_metric`, e.g. lowest FID) as a
    SavedModel to MODEL_DIR/eval/best (`tfgan_mh.run.export.export_generator`) and records it in
    MODEL_DIR/eval/best.json;
  * stops once MODEL_DIR/TRAIN_DONE exists and every checkpoint is evaluated, or after `timeout` seconds
    without a new checkpoint; `once=True` evaluates the latest checkpoint and returns.
"""

import math
import time
from typing import Any, Dict, Optional, Sequence

import numpy as np
import tensorflow as tf
from absl import logging

from tfgan_mh.evaluation import evaluator as evaluator_lib
from tfgan_mh.evaluation import records as records_lib
from tfgan_mh.evaluation import registry
from tfgan_mh.run import restore
from tfgan_mh.run import run_dir
from tfgan_mh.run.names import TRAIN_DONE



# --- summaries ------------------------------------------------------------------------------------

_NOT_SUMMARISED = ("step", "num_samples", "num_validation", "wall_time", "checkpoint_time", "truncation")


def write_summaries(writer, record: Dict[str, Any]) -> None:
  """TensorBoard: every float of the record as a scalar, per-class lists (K <= 100) as scalars under
  key/NNN, the confidence values as a histogram."""
  step = int(record["step"])
  with writer.as_default(step=step):
    for key, value in sorted(record.items()):
      if key in _NOT_SUMMARISED or isinstance(value, bool):
        continue
      if key.startswith("_"):
        tf.summary.histogram(key[1:], np.asarray(value), step=step)
      elif isinstance(value, (int, float)) and math.isfinite(value):
        tf.summary.scalar(key, float(value), step=step)
      elif (isinstance(value, list) and 0 < len(value) <= 100
            and all(v is None or isinstance(v, (int, float)) for v in value)):
        for i, v in enumerate(value):
          if v is not None and math.isfinite(v):
            tf.summary.scalar(f"{key}/{i:03d}", float(v), step=step)
    for stage, seconds in record.get("timing", {}).items():
      tf.summary.scalar(f"timing/{stage}_seconds", seconds, step=step)
  writer.flush()


# --- the best checkpoint -------------------------------------------------------------------------

def export_generator(run: restore.Run, path: str, use_ema: bool, **options) -> str:
  """`tfgan_mh.run.export.export_generator`: serving (z, labels) -> uint8 images, written atomically to `path`.

  `options`: its `truncation` and `standing_stats` (recorded in the export's metadata)."""
  from tfgan_mh.run import export as export_lib  # pylint: disable=g-import-not-at-top
  return export_lib.export_generator(run, path, use_ema=use_ema, overwrite=True, **options)


class BestTracker:
  """Keeps MODEL_DIR/eval/best.json and the SavedModel in MODEL_DIR/eval/best on the best checkpoint so far.

  The best is a function of the records: on start it is recomputed from metrics.jsonl (the first of ties among
  records whose checkpoint files still exist), and best.json is kept only when it names that record's step
  and value by the same metric and direction; otherwise that checkpoint is exported again (a job
  stopped between writing a record and exporting it, or a change of --best_metric). With an `evaluator`,
  the export is of the generator as it evaluates it: its standing statistics applied, its truncation in the
  export's `sample` signature.
  """

  def __init__(self, model_dir: str, metric: Optional[str], mode: str, use_ema: bool, records: Sequence[dict],
               evaluator: Optional[evaluator_lib.Evaluator] = None):
    self.model_dir = model_dir
    self.evaluator = evaluator
    self.eval_dir = f"{model_dir}/{records_lib.EVAL_DIR}"
    self.path = f"{self.eval_dir}/{records_lib.BEST_FILE}"
    self.saved_model = f"{self.eval_dir}/{records_lib.BEST_SAVED_MODEL}"
    self.metric, self.mode, self.use_ema = metric, mode, use_ema
    self.value = None
    self._warned = False
    if metric is None:
      return
    candidates = [r for r in records if isinstance(r.get(metric), (int, float)) and math.isfinite(r[metric])
                  and tf.io.gfile.exists(r.get("checkpoint", "") + ".index")]
    candidates.sort(key=lambda r: r[metric], reverse=(mode == "max"))  # stable: the first of ties
    current = records_lib.read_json(self.path)
    if current and candidates and _names(current, candidates[0], metric, mode):
      self.value = float(current["value"])
      return
    if current:
      held = f"step {current.get('step')} by {current.get('metric')} ({current.get('mode')})"
      top = f"step {candidates[0]['step']}" if candidates else "no record"
      logging.warning("%s holds %s; metrics.jsonl's best by %s (%s) is %s: exporting that", self.path, held,
                      metric, mode, top)
    for r in candidates:
      try:
        run = restore.load_run(model_dir, r["checkpoint"])
      except ValueError as e:
        logging.warning("cannot restore %s to export it as best: %s", r["checkpoint"], e)
        continue
      standing = self.evaluator.apply_standing_stats(run) if self.evaluator is not None else None
      self._save(run, float(r[metric]), r, standing)
      return

  def better(self, value) -> bool:
    if value is None or not math.isfinite(value):
      return False
    if self.value is None:
      return True
    return value < self.value if self.mode == "min" else value > self.value

  def consider(self, record: Dict[str, Any], run: restore.Run) -> bool:
    """Exports `run`'s generator and rewrites best.json if `record` beats the best so far."""
    if self.metric is None:
      return False
    value = record.get(self.metric)
    if value is None:
      if not self._warned:
        self._warned = True
        logging.warning("best metric %s was not computed for step %d (%s): no best export", self.metric,
                        record["step"], record.get("absent", {}).get(registry.best_metrics()[self.metric][0])
                        or record.get("errors", {}).get(registry.best_metrics()[self.metric][0]) or "absent")
      return False
    if not self.better(float(value)):
      return False
    self._save(run, float(value), record, record.get("standing_stats"))
    return True

  def _save(self, run, value, record, standing=None):
    saved = self.saved_model
    truncation = self.evaluator.config.truncation if self.evaluator is not None else None
    try:
      export_generator(run, saved, self.use_ema, truncation=truncation, standing_stats=standing)
    except Exception as e:  # the job must go on: best.json still names the checkpoint # pylint: disable=broad-except
      first = str(e).strip().splitlines()[0] if str(e).strip() else ""
      logging.warning("could not export the best generator to %s (%s: %s); best.json still names the "
                      "checkpoint", saved, type(e).__name__, first)
      saved = None
    records_lib.write_json_atomic(self.path, dict(
        checkpoint=run.checkpoint, step=int(run.step), metric=self.metric, value=value, mode=self.mode,
        generator=record.get("generator"), truncation=truncation, standing_stats=standing, saved_model=saved,
        wall_time=time.time()))
    self.value = value
    logging.info("best %s so far: %.6g at step %d -> %s", self.metric, value, run.step, saved or self.path)


def _names(best: dict, record: dict, metric: str, mode: str) -> bool:
  """Whether best.json's content `best` names `record` as the best by `metric` / `mode`."""
  return (best.get("metric"), best.get("mode"), best.get("step")) == (metric, mode, record["step"]) and \
      best.get("value") == float(record[metric])


# --- the watcher ---------------------------------------------------------------------------------

def _checkpoint_present(prefix: str) -> bool:
  return tf.io.gfile.exists(prefix + ".index") and bool(tf.io.gfile.glob(prefix + ".data-*"))


def _has_run(model_dir: str) -> bool:
  return tf.io.gfile.exists(f"{model_dir}/{restore.RUN_INFO}")


def check_model_dir(model_dir: str, *, wait_for_run: bool) -> None:
  """ValueError (one line) if model_dir is not a run directory (unless `wait_for_run` and it may become one)."""
  if tf.io.gfile.exists(model_dir) and not tf.io.gfile.isdir(model_dir):
    raise ValueError(f"model_dir {model_dir!r} is a file: pass the run directory given to tfgan_mh.train")
  if _has_run(model_dir):
    return
  if tf.io.gfile.isdir(model_dir):
    runs = sorted(d.rstrip("/") for d in tf.io.gfile.listdir(model_dir)
                  if tf.io.gfile.exists(f"{model_dir}/{d.rstrip('/')}/{restore.RUN_INFO}"))
    if runs:
      raise ValueError(f"model_dir {model_dir!r} holds runs ({', '.join(runs[:5])}), it is not one: pass one "
                       "of them")
  if not wait_for_run:
    state = "does not exist" if not tf.io.gfile.exists(model_dir) else f"has no {restore.RUN_INFO}"
    raise ValueError(f"model_dir {model_dir!r} {state}: not a tfgan_mh run, or training has not started yet "
                     "(pass --wait_for_run to wait for it)")


def _summary(record):
  keys = registry.shown_keys()
  shown = " ".join(f"{k}={record[k]:.4g}" for k in keys if isinstance(record.get(k), (int, float)))
  return f"step {record['step']} ({record['generator']}): {shown or 'no scalar metric'} " \
         f"[{record['timing'].get('total', 0):.1f} s]"


class _Session:
  """One watch of a run directory: what is already evaluated, the writer and the best tracker."""

  def __init__(self, model_dir: str, evaluator: evaluator_lib.Evaluator):
    cfg = evaluator.config
    self.model_dir, self.evaluator = model_dir, evaluator
    evaluator.prepare(restore.read_run_info(model_dir))
    eval_dir = f"{model_dir}/{records_lib.EVAL_DIR}"
    tf.io.gfile.makedirs(eval_dir)
    self.metrics_path = f"{eval_dir}/{records_lib.METRICS_FILE}"
    existing = records_lib.read_records(self.metrics_path)
    self.done = {int(r["step"]) for r in existing if "step" in r}
    if self.done:
      logging.info("%s already holds steps %s: not evaluated again", self.metrics_path, _steps_text(self.done))
    _warn_if_settings_changed(existing, cfg, self.metrics_path)
    self.best = BestTracker(model_dir, cfg.best_metric, cfg.resolved_best_mode, cfg.use_ema, existing, evaluator)
    self.writer = tf.summary.create_file_writer(eval_dir)
    self.skipped = set()

  def evaluate(self, step: int, prefix: str) -> bool:
    """Evaluates one checkpoint and records it; False when it was deleted before the restore or cannot be
    read (truncated: recorded as unreadable, so a restarted job does not try it again)."""
    try:
      run = restore.load_run(self.model_dir, prefix)
    except ValueError as e:
      if not _checkpoint_present(prefix):
        self._deleted(step, prefix, e)
        return False
      if not isinstance(e, run_dir.UnreadableCheckpoint):
        raise
      logging.warning("checkpoint %s (step %d) cannot be read (%s): recorded as unreadable, going on", prefix,
                      step, e.reason)
      records_lib.append_record(self.metrics_path, dict(step=step, checkpoint=prefix, unreadable=e.reason,
                                                        wall_time=time.time()))
      self.done.add(step)
      return False
    record = self.evaluator.evaluate(run)
    record["wall_time"] = time.time()
    try:
      record["checkpoint_time"] = tf.io.gfile.stat(prefix + ".index").mtime_nsec / 1e9
    except tf.errors.OpError:  # deleted since the restore
      pass
    records_lib.append_record(self.metrics_path, {k: v for k, v in record.items() if not k.startswith("_")})
    self.done.add(step)
    write_summaries(self.writer, record)
    self.best.consider(record, run)
    logging.info("%s", _summary(record))
    return True

  def _deleted(self, step: int, prefix: str, error: Exception) -> None:
    self.skipped.add(prefix)
    logging.warning("checkpoint %s (step %d) was deleted before it could be evaluated: skipped (%s)", prefix,
                    step, str(error).splitlines()[0])
    if len(self.skipped) in (1, 10, 100, 1000):
      logging.warning("the trainer deletes checkpoints faster than this job evaluates them (%d skipped so far): "
                      "train with a larger cadence.max_to_keep (the default keeps all) or a larger "
                      "cadence.save_every, or give the eval job fewer samples", len(self.skipped))

  def newest_step(self) -> int:
    checkpoints = restore.list_checkpoints(self.model_dir)
    return checkpoints[-1][0] if checkpoints else -1

  def pending(self):
    return [(s, p) for s, p in restore.list_checkpoints(self.model_dir) if s not in self.done
            and p not in self.skipped]

  def sweep(self) -> int:
    return sum(self.evaluate(s, p) for s, p in self.pending())

  def train_done(self) -> bool:
    return tf.io.gfile.exists(f"{self.model_dir}/{TRAIN_DONE}")

  def once(self) -> str:
    checkpoints = restore.list_checkpoints(self.model_dir)
    if not checkpoints:
      raise ValueError(f"model_dir {self.model_dir!r} has no checkpoint yet (no ckpt-N.index)")
    step, prefix = checkpoints[-1]
    if step in self.done:
      logging.info("the latest checkpoint (step %d) is already in %s: nothing to do", step, self.metrics_path)
    else:
      self.evaluate(step, prefix)
    self.writer.close()
    return "once"

  def follow(self, timeout: Optional[float], poll_secs: float) -> str:
    """Evaluates checkpoints as they come until TRAIN_DONE (and nothing pending) or `timeout` idle seconds."""
    last_activity, next_check, timed_out = [time.time()], [0.0], []
    newest, skipped_before = [self.newest_step()], [0]

    def note_activity():
      # A new checkpoint is activity, evaluated or not (one the trainer deleted first still shows the run lives).
      step = self.newest_step()
      if step > newest[0] or len(self.skipped) > skipped_before[0]:
        last_activity[0] = time.time()
      newest[0], skipped_before[0] = max(newest[0], step), len(self.skipped)

    def stop():
      if self.train_done():
        return True
      note_activity()
      if timeout is not None and time.time() - last_activity[0] > timeout:
        timed_out.append(True)
        return True
      # checkpoints_iterator's wait sleeps in steps of 1 s and returns at once when its timeout is shorter than
      # that: pace the looks here so they happen every poll_secs.
      time.sleep(max(0.0, next_check[0] - time.time()))
      next_check[0] = time.time() + poll_secs
      return False

    for _ in tf.train.checkpoints_iterator(self.model_dir, timeout=poll_secs, timeout_fn=stop):
      if self.sweep():
        last_activity[0] = time.time()
      note_activity()
      if self.train_done() and not self.pending():
        break
    self.sweep()  # checkpoints written after the last wake-up (TRAIN_DONE follows the last save)
    self.writer.close()
    if timed_out and not self.train_done():
      logging.warning("no new checkpoint in %s for %.0f s and no %s: stopping", self.model_dir, timeout,
                      TRAIN_DONE)
      return "timeout"
    logging.info("%s exists and every checkpoint is evaluated: done", TRAIN_DONE)
    return "done"


def watch(model_dir: str, config=None, *, once: bool = False,
          timeout: Optional[float] = 3 * 3600.0, poll_secs: float = 60.0, wait_for_run: bool = False,
          evaluator: Optional[evaluator_lib.Evaluator] = None) -> str:
  """Follows `model_dir` and evaluates its checkpoints (module docstring).

  Args:
    model_dir: the run directory (local or gs://).
    config: EvalConfig (ignored when `evaluator` is given).
    once: evaluate the latest checkpoint (unless it is already in metrics.jsonl) and return.
    timeout: stop after this many seconds without a new checkpoint (None: wait forever).
    poll_secs: how often to look for new checkpoints and TRAIN_DONE (>= 1).
    wait_for_run: wait for a run to appear in model_dir instead of failing.
    evaluator: an `Evaluator` to reuse (its extractors and real statistics).

  Returns:
    "done" (TRAIN_DONE and every checkpoint evaluated), "timeout", or "once".

  Raises:
    ValueError: bad model_dir or config (one line; metrics.jsonl is never truncated).
  """
  model_dir = str(model_dir).rstrip("/")
  evaluator = evaluator or evaluator_lib.Evaluator(config)
  if not poll_secs >= 1:
    raise ValueError(f"poll_secs={poll_secs!r}: expected >= 1 second")
  if timeout is not None and not timeout > 0:
    raise ValueError(f"timeout={timeout!r}: expected a positive number of seconds (or None to wait forever)")
  check_model_dir(model_dir, wait_for_run=wait_for_run and not once)
  started = time.time()
  while not _has_run(model_dir):
    if timeout is not None and time.time() - started > timeout:
      logging.warning("no run appeared in %s within %.0f s: stopping", model_dir, timeout)
      return "timeout"
    logging.info("waiting for training to start in %s", model_dir)
    time.sleep(poll_secs)
  eval_dir = f"{model_dir}/{records_lib.EVAL_DIR}"
  tf.io.gfile.makedirs(eval_dir)
  with run_dir.EvalLock(eval_dir):
    session = _Session(model_dir, evaluator)
    return session.once() if once else session.follow(timeout, poll_secs)


def _warn_if_settings_changed(existing: Sequence[dict], cfg, metrics_path: str) -> None:
  """Warns when the records already there were sampled with another truncation / standing statistics."""
  want = (cfg.truncation, cfg.standing_stats_batches or None, cfg.standing_stats_batch_size)
  for r in existing:
    if "unreadable" in r:
      continue
    s = r.get("standing_stats") or {}
    if (r.get("truncation"), s.get("batches"), s.get("batch_size", cfg.standing_stats_batch_size)) != want:
      logging.warning("%s: step %s was sampled with truncation=%s, standing_stats=%s; this job uses "
                      "truncation=%s, standing_stats_batches=%d: the curve mixes the two", metrics_path,
                      r.get("step"), r.get("truncation"), r.get("standing_stats"), cfg.truncation,
                      cfg.standing_stats_batches)
      return


def _steps_text(steps):
  steps = sorted(steps)
  return ", ".join(map(str, steps)) if len(steps) <= 10 else f"{steps[0]} ... {steps[-1]} ({len(steps)})"
