r"""Train-step speed of a packaged experiment as a run executes it (a benchmark, not a test).

  python benchmarks/train_step.py --config mnist_mhinge_cpu [--gin_param "build_source.path='DIR'"]
                                  [--iterations 3] [--loop_steps 100] [--compare_with CHECKOUT [--pairs 2]]

The experiment's gin file is parsed as `tfgan-train --gin_file=experiments/NAME` parses it; the trainer is the
one a run builds (`tfgan_mh.training.loop.build_trainer`: networks, loss family, optimizers, precision, d_steps,
batch), fed by the experiment's own input pipeline. Printed, with the CPU's flags and oneDNN's state beside every
figure: steps/s (median of `--iterations` host calls of `--loop_steps` steps after one warm-up call), images/s,
the step graphs' FLOPs (TF's profiler), GFLOP/s and MFU against the float32 matmul rate measured in the same
process, and the input pipeline's own rate (batches/s with no training; far above the step rate means the step
never waits on data).

`--compare_with CHECKOUT` measures another checkout of tfgan_mh (e.g. a `git worktree` of main) back to back with
this one: `--pairs` alternating runs of this script in fresh processes, each library on PYTHONPATH with its own
defaults, and prints the ratio of steps/s per pair.
"""

import json
import os
import statistics
import subprocess
import sys
import time

from tfgan_mh import cpu  # pylint: disable=g-import-not-at-top

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_summary() -> str:
  """The CPU's model name and its SIMD flags that decide oneDNN / bfloat16 speed."""
  model = "unknown CPU"
  try:
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
      model = next((l.partition(":")[2].strip() for l in f if l.startswith("model name")), model)
  except OSError:
    pass
  shown = sorted(f for f in cpu.cpu_flags() if f in ("avx2", "fma") or f.startswith(("avx512", "amx")))
  return f"{model}, {os.cpu_count()} CPUs, flags: {' '.join(shown) or 'none of avx2/fma/avx512/amx'}"


def train_settings() -> dict:
  """The `train.*` settings (`TrainSettings`) of the parsed gin configuration."""
  import dataclasses  # pylint: disable=g-import-not-at-top
  try:
    from tfgan_mh.training import settings as settings_lib  # pylint: disable=g-import-not-at-top
  except ImportError:  # a checkout before TrainSettings (b8b07f8 and older): train()'s defaults and gin's bindings
    import inspect  # pylint: disable=g-import-not-at-top
    import gin  # pylint: disable=g-import-not-at-top
    from tfgan_mh.training import loop  # pylint: disable=g-import-not-at-top
    signature = inspect.signature(getattr(loop.train, "__wrapped__", loop.train))
    settings = {k: p.default for k, p in signature.parameters.items() if p.default is not inspect.Parameter.empty}
    return {**settings, **gin.get_bindings("train")}
  return dataclasses.asdict(settings_lib.TrainSettings())


def _build(settings, source, family):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import labels as labels_lib  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import loop  # pylint: disable=g-import-not-at-top
  label_probs, _ = labels_lib.fake_label_distribution(source, settings["fake_labels"], family.conditional_generator)
  if hasattr(loop, "RunSettings"):  # the settings split by owner (2026-12-05 and later)
    return loop.build_trainer(tf.distribute.get_strategy(), source, family, loop.RunSettings(), label_probs=label_probs)
  keys = ("optimizer", "global_batch_size", "d_steps", "ema_decay", "ema_start", "jit_compile", "seed",
          "diffaugment", "lecam_weight", "accumulate_steps")
  kwargs = {k: settings[k] for k in keys}
  if hasattr(loop, "build_trainer"):
    return loop.build_trainer(tf.distribute.get_strategy(), source, family, label_probs=label_probs, **kwargs)
  return _build_before_build_trainer(source, family, label_probs, **kwargs)


def _build_before_build_trainer(source, family, label_probs, *, optimizer, diffaugment, **kwargs):
  """What `_train` built before `build_trainer` existed (c5f78a9 and older), to time such a checkout."""
  import functools  # pylint: disable=g-import-not-at-top
  import gin  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh import models  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import optim  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training.step import GANTrainer  # pylint: disable=g-import-not-at-top

  def make_optimizer(scope):
    with gin.config_scope(scope):
      return optim.build(optimizer, f"{scope}_{optimizer}")

  return GANTrainer(
      strategy=tf.distribute.get_strategy(),
      make_generator=functools.partial(models.build_generator, image_shape=source.image_shape,
                                       num_classes=source.num_classes, conditional=family.conditional_generator),
      make_discriminator=functools.partial(models.build_discriminator, image_shape=source.image_shape,
                                           num_classes=source.num_classes),
      family=family, make_g_optimizer=lambda: make_optimizer("g"), make_d_optimizer=lambda: make_optimizer("d"),
      num_classes=source.num_classes, image_shape=source.image_shape,
      label_probs=label_probs, augment=diffaugment,
      **kwargs)


def measure(config: str, gin_params, iterations: int, loop_steps: int) -> dict:
  """Steps/s, FLOPs and the pipeline's rate of one experiment in this process (figures as a dict)."""
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfgan_mh import cli, data, losses  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import flops, precision  # pylint: disable=g-import-not-at-top

  packaged = f"experiments/{config}"
  if not hasattr(cli, "packaged_gin_names"):  # a checkout before packaged gin names (1de011b): a path in it
    packaged = os.path.join("gin", "experiments", f"{config}.gin")
  cli.parse_gin([packaged], list(gin_params))
  settings = train_settings()
  execution = precision.ExecutionSettings() if hasattr(precision, "ExecutionSettings") else None
  policy = precision.policy_for(execution.precision if execution else settings["precision"],
                                execution.mixed_bfloat16 if execution else settings.get("mixed_bfloat16"),
                                tf.distribute.get_strategy())
  keras.mixed_precision.set_global_policy(policy)
  keras.utils.set_random_seed(settings["seed"])
  source = data.build_source()
  family = losses.get_family(settings["loss_family"], num_classes=source.num_classes)
  trainer = _build(settings, source, family)
  batch = settings["global_batch_size"]

  def batches():
    return iter(source.input_fn(None, global_batch_size=batch, split="train", training=True, seed=0))

  it = batches()
  t0 = time.perf_counter()
  trainer.train_steps(it, loop_steps)["d/loss"].numpy()
  warmup = time.perf_counter() - t0
  times = []
  for _ in range(iterations):
    t0 = time.perf_counter()
    trainer.train_steps(it, loop_steps)["d/loss"].numpy()
    times.append(time.perf_counter() - t0)
  pipe = batches()
  next(pipe)
  t0 = time.perf_counter()
  for _ in range(loop_steps * settings["d_steps"]):
    next(pipe)
  pipeline_rate = loop_steps * settings["d_steps"] / (time.perf_counter() - t0)
  x = tf.TensorSpec((batch,) + tuple(source.image_shape), tf.float32)
  y = tf.TensorSpec((batch,), tf.int32)
  graphs = [trainer._d_replica.get_concrete_function(x, y).graph,  # pylint: disable=protected-access
            trainer._g_replica.get_concrete_function(x, y).graph]  # pylint: disable=protected-access
  step_flops = settings["d_steps"] * flops.graph_flops(graphs[0]) + flops.graph_flops(graphs[1])
  rate = flops.matmul_rate(tf.float32)
  steps_per_s = loop_steps / statistics.median(times)
  return dict(config=config, library=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(data.__file__)))),
              onednn=bool(cpu.onednn_state()["enabled"]), tf=tf.__version__, policy=policy,
              steps_per_s=steps_per_s, calls_s=times, warmup_s=warmup,
              images_per_s=steps_per_s * batch * settings["d_steps"], gflop_per_step=step_flops / 1e9,
              gflop_per_s=steps_per_s * step_flops / 1e9, matmul_gflop_per_s=rate,
              mfu=steps_per_s * step_flops / 1e9 / rate, pipeline_batches_per_s=pipeline_rate)


def print_figures(r: dict) -> None:
  print(f"{r['config']} ({r['library']}; TF {r['tf']}, {r['policy']}, oneDNN {'on' if r['onednn'] else 'off'}): "
        f"{r['steps_per_s']:.2f} steps/s (calls of {', '.join(f'{t:.1f}' for t in r['calls_s'])} s; warm-up "
        f"{r['warmup_s']:.1f} s), {r['images_per_s']:.0f} images/s, {r['gflop_per_step']:.2f} GFLOP/step, "
        f"{r['gflop_per_s']:.1f} GFLOP/s, MFU {r['mfu']:.3f} of {r['matmul_gflop_per_s']:.1f} GFLOP/s; input "
        f"pipeline alone {r['pipeline_batches_per_s']:.0f} batches/s", flush=True)


def compare(args, checkout: str) -> None:
  """Alternating fresh-process runs of this checkout and `checkout`; the steps/s ratio of each pair."""
  here = [sys.executable, os.path.abspath(sys.argv[0]), "--config", args.config, "--json",
          "--iterations", str(args.iterations), "--loop_steps", str(args.loop_steps)]
  here += [a for p in args.gin_param for a in ("--gin_param", p)]
  ratios = []
  for pair in range(args.pairs):
    figures = {}
    for name, lib in (("other", os.path.abspath(checkout)), ("this", ROOT)):
      env = dict(cpu.user_environment(), PYTHONPATH=lib)  # each library makes its own CPU choices
      out = subprocess.run(here, env=env, capture_output=True, text=True, cwd=lib, check=False)
      lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
      if out.returncode or not lines:
        sys.exit(f"the {name} checkout's run failed ({lib}):\n{out.stderr[-3000:]}")
      figures[name] = json.loads(lines[-1])
      print_figures(figures[name])
    ratios.append(figures["this"]["steps_per_s"] / figures["other"]["steps_per_s"])
    print(f"pair {pair + 1}: this / other = {ratios[-1]:.2f}x steps/s", flush=True)
  print(f"{cpu_summary()}\nsteps/s ratio this / other over {len(ratios)} pairs: "
        f"{', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}x)")


def main(args) -> None:
  print(cpu_summary(), flush=True)
  if args.compare_with:
    compare(args, args.compare_with)
    return
  figures = measure(args.config, args.gin_param, args.iterations, args.loop_steps)
  print_figures(figures)
  if args.json:
    print(json.dumps(figures))
