"""Runs a claim: trains every arm x dataset x seed, evaluates each run once, writes CLAIM.md and CLAIM.json.

Layout under OUT: `runs/CLAIM/DATASET/ARM/seedS` (ordinary run directories: the eval job's metrics.jsonl is in
their eval/), `classifiers/DATASET` (the dataset classifier, trained once), `CLAIM.md`, `CLAIM.json`. A run
with TRAIN_DONE at the requested step count is not trained again, and an evaluated checkpoint is not
evaluated again (the eval job skips recorded steps), so a restarted command resumes where it stopped.

Data: MNIST and Fashion-MNIST come from TFDS (downloaded once), or with `data_dir` from its idx folders
`data_dir/mnist` and `data_dir/fashion_mnist` (`check_data_dir`).
"""

import os
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import gin
import numpy as np

from tfgan_mh.reproduce import claims as claims_lib
from tfgan_mh.reproduce import report

SMOKE = dict(steps=4, num_samples=100, classifier_fraction=0.02)
_SMOKE_PARAMS = ("train.global_batch_size = 16", "train.steps_per_loop = 2", "train.summary_every = 2",
                 "train.log_every = 2", "train.steps_per_epoch = 2", "train.pretrain_epochs = 1")


def _done_steps(model_dir: str) -> Optional[int]:
  path = os.path.join(model_dir, "TRAIN_DONE")
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return int(f.read().strip() or -1)


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


def train_run(model_dir: str, arm: claims_lib.Arm, dataset: claims_lib.Dataset, *, seed: int, steps: int,
              smoke: bool, init_from: Optional[str], log: Callable, data_dir: Optional[str] = None) -> float:
  """Trains one run unless it is finished at `steps`; returns the seconds it took (0 when reused)."""
  if _done_steps(model_dir) == steps:
    return 0.0
  from tfgan_mh import train as train_main  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import loop  # pylint: disable=g-import-not-at-top
  params = list(dataset.params(data_dir)) + list(arm.params) + [
      f"train.seed = {seed}", f"train.num_steps = {steps}", f"train.save_every = {steps}",
      f"train.image_every = {steps}"]
  if smoke:
    params += list(_SMOKE_PARAMS)
  if init_from is not None:
    params.append(f"train.init_from = '{init_from}'")
  log(f"train {model_dir} ({steps} steps)")
  start = time.time()
  gin.clear_config()
  try:
    train_main.parse_gin(list(arm.gin_files), params)
    loop.train(model_dir)
  finally:
    gin.clear_config()
  return time.time() - start


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
                              log=lambda *a: None)
  return path


def evaluate_run(model_dir: str, claim: claims_lib.Claim, classifier: Optional[str], num_samples: int,
                 smoke: bool) -> Dict[str, Any]:
  """The eval record of the run's last checkpoint (computed once; the eval job skips recorded steps)."""
  from tfgan_mh.evaluation import job  # pylint: disable=g-import-not-at-top
  from tfgan_mh.evaluation import records  # pylint: disable=g-import-not-at-top
  spec = f"classifier:{classifier}" if classifier else "none"
  cfg = job.EvalConfig(metrics=claim.eval_groups, inception=spec, classifier=spec, num_samples=num_samples,
                       batch_size=min(100, num_samples), best_metric=None, pairwise_trials=1,
                       intra_fid_min_per_class=2 if smoke else 50,
                       num_intra_fid_real=500 if smoke else None, num_validation=200 if smoke else None)
  gin.clear_config()
  try:
    job.watch(model_dir, cfg, once=True)
  finally:
    gin.clear_config()
  lines = records.read_records(os.path.join(model_dir, "eval", "metrics.jsonl"))
  return max(lines, key=lambda r: r["step"])


def margin_history(model_dir: str) -> List[float]:
  """MAGAN's margin at every logged step (TensorBoard "magan/margin"), in step order."""
  from tfgan_mh.evaluation import scalars  # pylint: disable=g-import-not-at-top
  curves = scalars.read_scalars(model_dir)
  return curves["magan/margin"][1].tolist() if "magan/margin" in curves else []


def run_claim(claim: claims_lib.Claim, *, out: str, seeds, steps: Optional[int], smoke: bool,
              data_dir: Optional[str] = None, log: Callable = print) -> Dict[str, Any]:
  """Trains and evaluates every arm of `claim`; writes OUT/CLAIM.md and OUT/CLAIM.json; returns the JSON.

  `data_dir`: a folder with the idx folders mnist/ and fashion_mnist/ (see `check_data_dir`); None: TFDS.
  """
  start = time.time()
  steps = steps or (SMOKE["steps"] if smoke else claim.steps)
  num_samples = SMOKE["num_samples"] if smoke else claim.num_samples
  rows = []  # one per (dataset, arm, seed)
  seed_dirs = {}
  for dataset in claim.datasets:
    classifier = classifier_dir(out, dataset, smoke, log, data_dir)
    for seed in seeds:
      dirs = {}
      for arm in claim.arms:
        model_dir = os.path.join(out, "runs", claim.name, dataset.name, arm.name, f"seed{seed}")
        init_from = dirs[arm.init_from] if arm.init_from else None
        arm_steps = steps * 2 if arm.extra_steps else steps
        seconds = train_run(model_dir, arm, dataset, seed=seed, steps=arm_steps, smoke=smoke,
                            init_from=init_from, log=log, data_dir=data_dir)
        dirs[arm.name] = model_dir
        record = evaluate_run(model_dir, claim, classifier, num_samples, smoke)
        values = {key: record.get(key) for key, _ in claim.metrics}
        if claim.name == "magan":
          margins = [m for m in margin_history(model_dir) if m > 0]
          values.update(margin_first=margins[0] if margins else None,
                        margin_last=margins[-1] if margins else None,
                        margin_updates=len(set(margins)) - 1 if margins else None,
                        margin_per_epoch=margins)
        rows.append(dict(dataset=dataset.name, arm=arm.name, seed=seed, model_dir=model_dir, step=record["step"],
                         train_seconds=round(seconds, 1), values=values, protocol=record.get("protocol"),
                         absent=record.get("absent"), errors=record.get("errors")))
      seed_dirs[seed] = dirs
  if claim.name == "mode_gan":
    _add_distance_to_binary(rows, seed_dirs)
  extras = _real_reference(claim, out, smoke, log, data_dir)
  result = report.summarise(claim, rows, extras=extras, seeds=list(seeds), steps=steps, smoke=smoke,
                            seconds=time.time() - start)
  report.write(out, claim, result)
  return result


def _add_distance_to_binary(rows, seed_dirs, num_points: int = 2000):
  """The K+1 GANs paper's claim K+1 ~ binary: energy distance of each arm's samples to the binary GAN's (same seed).

  The binary arm's own value is its distance to the binary GAN of the next seed: the seed-to-seed noise
  floor the K+1 distance is compared with (None with one seed).
  """
  from tfgan_mh.metrics import mixture  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import restore  # pylint: disable=g-import-not-at-top
  samples = {}
  for seed, dirs in seed_dirs.items():
    for arm, model_dir in dirs.items():
      gin.clear_config()
      run = restore.load_run(model_dir, "latest")
      z = np.random.default_rng(1000).standard_normal((num_points, run.generator.z_dim)).astype(np.float32)
      samples[seed, arm] = run.sample(z, None, use_ema=True).numpy()
      gin.clear_config()
  seeds = sorted(seed_dirs)
  for row in rows:
    seed, arm = row["seed"], row["arm"]
    if arm != "binary":
      other = samples[seed, "binary"]
    elif len(seeds) > 1:
      other = samples[seeds[(seeds.index(seed) + 1) % len(seeds)], "binary"]
    else:
      continue
    row["values"]["energy_distance_to_binary"] = mixture.energy_distance(samples[seed, arm], other)


def _real_reference(claim, out, smoke, log, data_dir) -> Dict[str, Any]:
  """Reference values on real data: the ring's real shares, MNIST test's classifier IS (MAGAN: 9.09)."""
  if claim.name == "mode_gan":
    from tfgan_mh.data import ring  # pylint: disable=g-import-not-at-top
    from tfgan_mh.metrics import mixture  # pylint: disable=g-import-not-at-top
    src = ring.ring_source()
    q = mixture.mixture_quality(src.arrays("validation")[0], src.means, src.std)
    return {"real data": {k: q[k] for k in ("ring_high_quality_2std", "ring_high_quality_3std",
                                            "ring_modes_covered", "ring_mode_kl")}}
  if claim.name == "magan":
    from tfgan_mh.data import builder  # pylint: disable=g-import-not-at-top
    from tfgan_mh.evaluation import extractors  # pylint: disable=g-import-not-at-top
    from tfgan_mh.metrics import inception_score  # pylint: disable=g-import-not-at-top
    dataset = claim.datasets[0]
    path = classifier_dir(out, dataset, smoke, log, data_dir)
    ext = extractors.load_extractor(f"classifier:{path}")
    batch = SMOKE["num_samples"] if smoke else 500  # 500 divides the 10 000 test images
    test = builder.build_source(**dataset.source_kwargs(data_dir)).input_fn(
        global_batch_size=batch, split="test", training=False)  # [batch, 28, 28, 1] in [-1, 1]
    images = np.concatenate([x.numpy() for x, _ in (test.take(1) if smoke else test)])
    logits = ext(images)[0].numpy()
    score = inception_score.inception_score(logits=logits, num_splits=10)
    return {"real data": {"classifier_is_mean": score.mean, "classifier_is_std": score.std}}
  return {}

