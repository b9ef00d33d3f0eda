r"""Steps/s of one process vs two MultiWorkerMirroredStrategy workers on localhost, same global batch.

A benchmark, not a test. Each configuration is a real `python -m tfgan_mh.train` run (two worker processes
with TF_CONFIG on loopback ports for the multi-worker one); the figure is the train loop's own steps/s over the
steps after the first log line (tracing excluded), read from its log.

  python benchmarks/multi_worker.py [--config ring|mnist] [--steps 200] [--batch 64]

On a machine with fewer cores than workers x threads the two workers compete for the same cores and pay a
gRPC all-reduce per step: expect them to be slower here; the point is the measured ratio.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from tfgan_mh.training import cluster as cluster_lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = {  # (gin files, bindings)
    "ring": ([], []),
    "mnist": (["experiments/mnist_mhinge_cpu"], []),
}


def _run(workers, gin_files, params, model_dir):
  cluster = cluster_lib.localhost_cluster(workers)
  procs = []
  for index in range(workers):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    strategy = "default"
    if workers > 1:
      env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
      strategy = "multi_worker"
    cmd = [sys.executable, "-m", "tfgan_mh.train", f"--model_dir={model_dir}", f"--strategy={strategy}"]
    cmd += [f"--gin_file={f}" for f in gin_files] + [f"--gin_param={p}" for p in params]
    procs.append(subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True))
  logs = [p.communicate(timeout=3600)[0] for p in procs]
  if any(p.returncode for p in procs):
    raise SystemExit(f"a run failed:\n{logs[0][-3000:]}")
  return logs[0]


def _steps_per_second(log):
  """Steps/s between the first and the last log line of the loop (tracing happens before the first)."""
  times = []
  for line in log.splitlines():
    m = re.search(r"(\d\d):(\d\d):(\d\d\.\d+) .*loop.py.*\] step (\d+)/", line)
    if m:
      h, mi, s, step = m.groups()
      times.append((int(step), int(h) * 3600 + int(mi) * 60 + float(s)))
  (s0, t0), (s1, t1) = times[0], times[-1]
  return (s1 - s0) / (t1 - t0)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--config", choices=sorted(CONFIGS), default="mnist")
  parser.add_argument("--steps", type=int, default=200)
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--mnist_dir", default=None, help="mnist: a folder of idx files (default: TFDS mnist)")
  args = parser.parse_args()
  log_every = max(args.steps // 10, 1)
  gin_files, params = CONFIGS[args.config]
  if args.config == "mnist" and args.mnist_dir:
    params = params + [f"build_source.path = '{args.mnist_dir}'"]
  params = params + [f"train.num_steps = {args.steps}", f"train.global_batch_size = {args.batch}",
                                   f"cadence.steps_per_loop = {log_every}", f"cadence.log_every = {log_every}",
                                   f"cadence.summary_every = {log_every}", f"cadence.save_every = {args.steps}",
                                   f"cadence.image_every = {args.steps}"]
  print(f"config {args.config}, global batch {args.batch}, {args.steps} steps, cpus {os.cpu_count()}")
  rates = {}
  for workers in (1, 2):
    with tempfile.TemporaryDirectory() as d:
      start = time.time()
      log = _run(workers, gin_files, params, os.path.join(d, "run"))
      rates[workers] = _steps_per_second(log)
      print(f"{workers} worker(s): {rates[workers]:.2f} steps/s after tracing, wall {time.time() - start:.1f} s",
            flush=True)
  print(f"2 workers / 1 process: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
  main()
