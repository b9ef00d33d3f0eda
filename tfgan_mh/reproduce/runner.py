"""Runs a claim: trains every arm x dataset x seed, evaluates every checkpoint of each run once, writes
CLAIM.md, CLAIM.json and the learning curves CLAIM_curves.png.

Layout under OUT: `runs/CLAIM/DATASET/ARM/seedS` (ordinary run directories: the eval job's metrics.jsonl is in
their eval/, the training seconds in `curves.TIMING_FILE`), `classifiers/DATASET` (the dataset classifier,
trained once), `CLAIM.md`, `CLAIM.json`, `CLAIM_curves.png`. Each run saves `claim.checkpoints` checkpoints
evenly over its steps and the eval job scores all of them (the learning curve). A run with TRAIN_DONE at the
requested step count is not trained again, a run asked for more steps resumes from its last checkpoint, and an
evaluated checkpoint is not evaluated again (the eval job skips recorded steps), so a restarted command
resumes where it stopped, and a longer `--steps` extends the curves. Each run records its recipe's fingerprint
(`identity`): a run whose arm has been re-tuned since is trained again in a clean folder, and an arm two claims
share (the tutorials' cGAN) is trained once and copied.

Data: MNIST and Fashion-MNIST come from TFDS (downloaded once), or with `data_dir` from its idx folders
`data_dir/mnist` and `data_dir/fashion_mnist` (`check_data_dir`).
"""

import dataclasses
import json
import os
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import gin

from tfgan_mh import cli
from tfgan_mh.evaluation import records
from tfgan_mh.reproduce import claims as claims_lib
from tfgan_mh.reproduce import curves
from tfgan_mh.reproduce import identity
from tfgan_mh.reproduce import report
from tfgan_mh.run import run_dir

SMOKE = dict(steps=4, checkpoints=2, num_samples=100, classifier_fraction=0.02,  # and each claim's first dataset
             classifier_eval_examples=1000)
_SMOKE_PARAMS = ("train.global_batch_size = 16", "cadence.steps_per_loop = 2", "cadence.summary_every = 2",
                 "cadence.log_every = 2", "train.steps_per_epoch = 2", "magan.pretrain_epochs = 1")


class DeadlineReached(Exception):
  """A run that would not finish before the caller's deadline was not started (`train_run`'s `deadline`)."""


MODE_FILE = "reproduce_mode.json"  # {"smoke": bool}: what kind of runs an output folder holds


def claim_out(out: str, *, smoke: bool) -> None:
  """Checks `out` before any work and marks it as a smoke or a full folder. ValueError (one line) when it is a
  training run's directory, or holds the other kind of runs (a full run must never resume a smoke run)."""
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  if os.path.exists(os.path.join(out, restore.RUN_INFO)):
    raise ValueError(f"--out={out!r} is a training run's directory (it has {restore.RUN_INFO}): pass a folder "
                     "of its own, e.g. runs/reproduce")
  if os.path.exists(out) and not os.path.isdir(out):
    raise ValueError(f"--out={out!r} is a file: pass a folder")
  path = os.path.join(out, MODE_FILE)
  kind = "smoke" if smoke else "full"
  if os.path.exists(path):
    with open(path) as f:
      held = "smoke" if json.load(f).get("smoke") else "full"
    if held != kind:
      raise ValueError(f"--out={out!r} holds {held} runs and this is a {kind} reproduction: pass another --out "
                       f"(default: runs/reproduce{'_smoke' if smoke else ''})")
    return
  os.makedirs(out, exist_ok=True)
  records.write_json_atomic(path, {"smoke": smoke})


def check_data_dir(data_dir: str, claims: Sequence[claims_lib.Claim]) -> None:
  """ValueError (one line) unless `data_dir` holds the idx folder of every dataset that `claims` train on."""
  from tfgan_mh.data import local  # pylint: disable=g-import-not-at-top
  if not os.path.isdir(data_dir):
    raise ValueError(f"--data_dir={data_dir!r} is not a directory: expected a folder with mnist/ and "
                     "fashion_mnist/ idx folders, or no --data_dir to read TFDS")
  sources = ["mnist"] + [d.source for c in claims for d in c.datasets if d.source]
  for source in dict.fromkeys(sources):
    folder = os.path.join(data_dir, source)
    if not os.path.isdir(folder):
      raise ValueError(f"--data_dir={data_dir!r} has no {source}/ folder: expected {source}/ with the "
                       f"{source} idx files ({', '.join(s for p in local.IDX_FILES.values() for s in p)}, "
                       "optionally .gz), or no --data_dir to read TFDS")
    local.check_idx_folder(folder)


def _first_step(model_dir: str, init_from: Optional[str]) -> int:
  """The step a training call starts from: the run's last checkpoint, else the run it continues, else 0."""
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  checkpoints = restore.list_checkpoints(model_dir) if os.path.isdir(model_dir) else []
  if checkpoints:
    return checkpoints[-1][0]
  return (run_dir.done_steps(init_from) or 0) if init_from else 0


def _has_checkpoint(model_dir: str) -> bool:
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  return bool(restore.list_checkpoints(model_dir))


def _set_aside(model_dir: str, suffix: str, why: str, log: Callable) -> str:
  """A run that cannot be continued trains again from step 0 in a clean folder: the old one moves to
  `<model_dir>.<suffix>` (`.2`, ... when taken), so no curve mixes the records of two trainings. Suffixes:
  "<N>-steps", a finished run asked for other steps with no checkpoint to continue from (a clone holds the
  campaign's records, not its checkpoints); "other-recipe", a run of another recipe (`identity`)."""
  aside, n = f"{model_dir}.{suffix}", 1
  while os.path.exists(aside):
    n += 1
    aside = f"{model_dir}.{suffix}.{n}"
  os.replace(model_dir, aside)
  log(f"{model_dir}: {why}: moved to {aside}, training again from step 0")
  return aside


def train_run(model_dir: str, arm: claims_lib.Arm, dataset: claims_lib.Dataset, *, seed: int, steps: int,
              checkpoints: int, smoke: bool, init_from: Optional[str], log: Callable,
              data_dir: Optional[str] = None, out: Optional[str] = None, deadline: Optional[float] = None) -> float:
  """Trains one run unless it is finished at `steps`, saving `checkpoints` checkpoints evenly; returns the
  seconds it took (0 when reused) and adds them to the run's `curves.TIMING_FILE`. A run of another recipe is
  set aside and trained again; a finished run of the same recipe and steps elsewhere under `out` (another
  claim's arm) is copied instead of trained (`identity`). With `deadline` (a `time.time()`), a run whose steps
  left would not end by then at the claim's measured speed is not started: DeadlineReached (its checkpoints
  would be lost with a machine that ends first)."""
  recipe = _recipe(arm, seed=seed, smoke=smoke, init_from=init_from)
  digest = _fingerprint(arm, dataset, recipe, steps)
  if identity.recipe_changed(model_dir, digest):
    _set_aside(model_dir, "other-recipe", "trained with another recipe (its gin files have changed since)", log)
  done = run_dir.done_steps(model_dir)
  if done == steps:
    return 0.0
  if done is not None and not _has_checkpoint(model_dir):
    _set_aside(model_dir, f"{done}-steps", f"finished at {done} steps with no checkpoint to extend", log)
  if out is not None and not os.path.exists(model_dir):
    same = identity.find_same(out, model_dir, digest, steps, _has_checkpoint)
    if same is not None:
      identity.copy_run(same, model_dir)
      log(f"{model_dir}: the same recipe and steps as {same}: copied (checkpoints linked), not trained again")
      return 0.0
  from tfgan_mh.training import loop, preemption  # pylint: disable=g-import-not-at-top
  first = _first_step(model_dir, init_from)
  if deadline is not None:
    _check_deadline(model_dir, steps - first, deadline)
  base = (run_dir.done_steps(init_from) or 0) if init_from else 0  # a continued run counts on from its base's steps
  every = max(1, (steps - base) // checkpoints)
  params = list(dataset.params(data_dir)) + recipe + [
      f"train.num_steps = {steps}", f"cadence.save_every = {every}", f"cadence.image_every = {steps}"]
  identity.record(model_dir, digest)
  log(f"train {model_dir} ({steps} steps)")
  start = time.time()
  gin.clear_config()
  try:
    cli.parse_gin(list(arm.gin_files), params)
    loop.train(model_dir)
  except preemption.Stopped as e:  # its seconds count too: the next call resumes from e.step
    curves.add_timing(model_dir, first, e.step, time.time() - start)
    raise
  finally:
    gin.clear_config()
  seconds = time.time() - start
  curves.add_timing(model_dir, first, steps, seconds)
  return seconds


def _recipe(arm: claims_lib.Arm, *, seed: int, smoke: bool, init_from: Optional[str]) -> List[str]:
  """The bindings a run of `arm` trains with besides its gin files and dataset (steps and cadence aside)."""
  recipe = list(arm.params) + [f"train.seed = {seed}"] + (list(_SMOKE_PARAMS) if smoke else [])
  if init_from is not None:
    recipe.append(f"train.init_from = '{init_from}'")
  return recipe


def _fingerprint(arm: claims_lib.Arm, dataset: claims_lib.Dataset, recipe: Sequence[str], steps: int) -> str:
  """The `identity` fingerprint of a run of `arm` on `dataset` with the bindings `recipe` (data from anywhere)."""
  return identity.fingerprint(arm.gin_files, list(dataset.params(None)) + list(recipe), steps)


def _check_deadline(model_dir: str, steps_left: int, deadline: float) -> None:
  """DeadlineReached unless `steps_left` at the median speed of the claim's timed runs (none yet: of every timed run
  under OUT/runs) end before `deadline` (nothing timed at all: no estimate, the run starts)."""
  claim_dir = os.path.dirname(os.path.dirname(os.path.dirname(model_dir)))
  rate, whose = curves.seconds_per_step(claim_dir), "the claim's timed runs"
  if rate is None:
    rate, whose = curves.seconds_per_step(os.path.dirname(claim_dir), depth=4), "every timed run under OUT"
  left = deadline - time.time()
  if rate is not None and steps_left * rate > left:
    raise DeadlineReached(f"{model_dir} not started: {steps_left} steps at {rate:.3f} s / step ({whose}) need "
                          f"{steps_left * rate / 60:.0f} min, {max(left, 0) / 60:.0f} min left")


def classifier_dir(out: str, dataset: claims_lib.Dataset, smoke: bool, log: Callable,
                   data_dir: Optional[str] = None) -> Optional[str]:
  """The dataset classifier of `dataset` under OUT/classifiers (trained once), or None for point data."""
  if not dataset.classifier:
    return None
  path = os.path.join(out, "classifiers", dataset.name + ("_smoke" if smoke else ""))
  if os.path.exists(os.path.join(path, "test_accuracy.json")):
    return path
  from tfgan_mh.evaluation import classifier  # pylint: disable=g-import-not-at-top
  source = dataset.source_kwargs(data_dir)
  log(f"train the {dataset.name} classifier -> {path}")
  classifier.train_and_export(dataset=source["name"], path=source.get("path"), resolution=32, out=path,
                              overwrite=True, epochs=1 if smoke else 3,
                              train_fraction=SMOKE["classifier_fraction"] if smoke else None,
                              eval_examples=SMOKE["classifier_eval_examples"] if smoke else None,
                              log=lambda *a: None)
  return path


def evaluate_run(model_dir: str, claim: claims_lib.Claim, classifier: Optional[str], num_samples: int,
                 smoke: bool, evaluators: Optional[Dict[Any, Any]] = None) -> List[Dict[str, Any]]:
  """The eval records of every checkpoint of the finished run, in step order (each computed once: the eval job
  skips recorded steps).

  `evaluators`: a dict (one per claim) this call may keep its `Evaluator` in and take it from, keyed by the
  classifier and the run's dataset and image shape (`run_info.json`), so that the runs of one claim and dataset
  load the extractors and compute the real references once.
  """
  from tfgan_mh.evaluation import evaluator as evaluator_lib  # pylint: disable=g-import-not-at-top
  from tfgan_mh.evaluation import job  # pylint: disable=g-import-not-at-top
  from tfgan_mh.evaluation import records  # pylint: disable=g-import-not-at-top
  from tfgan_mh.run import restore  # pylint: disable=g-import-not-at-top
  spec = f"classifier:{classifier}" if classifier else "none"
  cfg = job.EvalConfig(metrics=claim.eval_groups, inception=spec, classifier=spec, num_samples=num_samples,
                       batch_size=min(100, num_samples), best_metric=None, pairwise_trials=1,
                       intra_fid_min_per_class=2 if smoke else 50,
                       num_intra_fid_real=500 if smoke else None, num_validation=200 if smoke else None)
  info = restore.read_run_info(model_dir)
  key = (spec, info["dataset"], tuple(info["image_shape"]))
  evaluators = {} if evaluators is None else evaluators
  if key not in evaluators:
    evaluators[key] = evaluator_lib.Evaluator(cfg)
  evaluator = evaluators[key]
  gin.clear_config()
  try:
    job.watch(model_dir, evaluator=evaluator, timeout=60.0, poll_secs=1.0)  # TRAIN_DONE: returns once all scored
  finally:
    gin.clear_config()
  lines = records.read_records(os.path.join(model_dir, "eval", "metrics.jsonl"))
  return sorted((r for r in lines if "unreadable" not in r), key=lambda r: r["step"])


def run_claim(claim: claims_lib.Claim, *, out: str, seeds, steps: Optional[int], smoke: bool,
              data_dir: Optional[str] = None, arms: Optional[Sequence[str]] = None,
              datasets: Optional[Sequence[str]] = None, log: Callable = print,
              deadline: Optional[float] = None) -> Dict[str, Any]:
  """Trains and evaluates every arm of `claim` (or only `arms`, e.g. the baseline while tuning a recipe);
  writes OUT/NAME.md, OUT/NAME.json and OUT/NAME_curves.png (NAME: the claim, `report.name`); returns the JSON.

  `data_dir`: a folder with the idx folders mnist/ and fashion_mnist/ (see `check_data_dir`); None: TFDS.
  `datasets`: names of the claim's datasets to run (None: all; the report then holds only those).
  `deadline`: a `time.time()` by which every started run must end (`train_run`); None: no limit.
  """
  start = time.time()
  if datasets is not None:
    claim = dataclasses.replace(claim, datasets=tuple(d for d in claim.datasets if d.name in datasets))
  if smoke:  # the pipeline on one dataset per claim: the others differ only in the source (CI's time)
    claim = dataclasses.replace(claim, datasets=claim.datasets[:1])
  steps = steps or (SMOKE["steps"] if smoke else claim.steps)
  checkpoints = SMOKE["checkpoints"] if smoke else claim.checkpoints
  num_samples = SMOKE["num_samples"] if smoke else claim.num_samples
  chosen = [dataclasses.replace(a, params=claim.recipe + a.params)  # the claim's recipe, then the arm's bindings
            for a in claim.arms if arms is None or a.name in arms]
  _check_bases(claim, chosen, out, seeds, steps)
  _check_not_longer(claim, chosen, out, seeds, steps, smoke)
  claim_out(out, smoke=smoke)
  rows = []  # one per (dataset, arm, seed)
  seed_dirs, evaluators = {}, {}
  for dataset in claim.datasets:
    classifier = classifier_dir(out, dataset, smoke, log, data_dir)
    for seed in seeds:
      dirs = {}
      for arm in chosen:
        model_dir = _run_dir(out, claim, dataset, arm.name, seed)
        init_from = _base_dir(out, claim, dataset, arm, seed)
        seconds = train_run(model_dir, arm, dataset, seed=seed, steps=_arm_steps(arm, steps),
                            checkpoints=checkpoints, smoke=smoke, init_from=init_from, log=log, data_dir=data_dir,
                            out=out, deadline=deadline)
        dirs[arm.name] = model_dir
        rows.append(_row(claim, dataset, arm, seed, model_dir, seconds,
                         evaluate_run(model_dir, claim, classifier, num_samples, smoke, evaluators), init_from))
      seed_dirs[seed] = dirs
  if claim.extras.across_runs:
    claim.extras.across_runs(rows, seed_dirs)
  extras = _real_reference(claim, out, smoke, log, data_dir)
  result = report.summarise(claim, rows, extras=extras, seeds=list(seeds), steps=steps, smoke=smoke,
                            seconds=time.time() - start, arms=[a.name for a in chosen])
  report.write(out, claim, result)
  return result


def _run_dir(out, claim, dataset, arm: str, seed: int) -> str:
  return os.path.join(out, "runs", claim.name, dataset.name, arm, f"seed{seed}")


def _base_dir(out, claim, dataset, arm, seed: int) -> Optional[str]:
  """The run directory of the arm that `arm` continues (`Arm.init_from`), None when it starts from scratch."""
  return _run_dir(out, claim, dataset, arm.init_from, seed) if arm.init_from else None


def _arm_steps(arm, steps: int) -> int:
  return steps * 2 if arm.extra_steps else steps


def _check_not_longer(claim, chosen, out, seeds, steps, smoke: bool = False) -> None:
  """ValueError (one line, before any work) when a chosen run under `out` of the arm's present recipe finished at
  more steps than asked: a run is not cut back, and a report of N steps must not hold one of more (a run of
  another recipe is set aside and trained again: `train_run`)."""
  for dataset in claim.datasets:
    for arm in chosen:
      for seed in seeds:
        model_dir = _run_dir(out, claim, dataset, arm.name, seed)
        done = run_dir.done_steps(model_dir)
        if done is None or done <= _arm_steps(arm, steps):
          continue
        init_from = _base_dir(out, claim, dataset, arm, seed)
        recipe = _recipe(arm, seed=seed, smoke=smoke, init_from=init_from)
        digest = _fingerprint(arm, dataset, recipe, _arm_steps(arm, steps))
        if not identity.recipe_changed(model_dir, digest):
          least = -(-done // _arm_steps(arm, 1))  # the --steps that trains this arm to `done`, rounded up
          raise ValueError(f"--steps={steps}: {model_dir} finished at {done} steps, more than asked (a run is not "
                           f"cut back): ask for --steps {least} or more, or give another --out")


def _check_bases(claim, chosen, out, seeds, steps) -> None:
  """ValueError (one line, before any work) when a chosen arm continues an arm that is neither chosen nor
  trained to `steps` under `out`."""
  names = [a.name for a in chosen]
  for arm in chosen:
    if arm.init_from and arm.init_from not in names:
      for dataset in claim.datasets:
        for seed in seeds:
          if run_dir.done_steps(_run_dir(out, claim, dataset, arm.init_from, seed)) != steps:
            raise ValueError(f"--arms: arm {arm.name!r} continues arm {arm.init_from!r}, which is not trained "
                             f"to {steps} steps under {out} ({dataset.name}, seed {seed}): add it to --arms")


def _row(claim, dataset, arm, seed, model_dir, seconds, records, init_from) -> Dict[str, Any]:
  """One run's row of CLAIM.json: its last checkpoint's values, its learning curve and its training calls' timing
  (`timing_start`: the step its training starts from, so that untimed steps are known as such; `base_timing`: the
  calls of the run it continues, so that its time is counted from step 0: `curves.run_seconds`)."""
  record = records[-1]
  keys = [k for k, _ in claim.metrics]
  values = {key: record.get(key) for key in keys}
  if claim.extras.run_values:
    values.update(claim.extras.run_values(model_dir))
  curve = [[r["step"], {k: r.get(k) for k in keys if k in r}] for r in records]
  return dict(dataset=dataset.name, arm=arm.name, seed=seed, model_dir=model_dir, step=record["step"],
              train_seconds=round(seconds, 1), values=values, curve=curve, timing=curves.read_timing(model_dir),
              timing_start=(run_dir.done_steps(init_from) or 0) if init_from else 0,
              base_timing=curves.read_timing(init_from) if init_from else [],
              protocol=record.get("protocol"), absent=record.get("absent"), errors=record.get("errors"))


def _real_reference(claim, out, smoke, log, data_dir) -> Dict[str, Any]:
  """The claim's reference row on real data (`Extras.real_data`), e.g. the ring's shares or MNIST's classifier
  IS; {} for a claim without one."""
  if not claim.extras.real_data:
    return {}
  dataset = claim.datasets[0]
  values = claim.extras.real_data(dataset, classifier_dir(out, dataset, smoke, log, data_dir), data_dir,
                                  SMOKE["num_samples"] if smoke else None)
  return {"real data": values}
