r"""Preemption drill: stop a ring run at seeded random moments, restart it each time, check it ends whole.

A fault drill, not a test (it starts ~8 trainer processes, a few minutes on 2 cores):

  python benchmarks/preemption.py [--stops 5] [--seed 0] [--steps 600] [--kill_after_checkpoint]

Each round starts `python -m tfgan_mh.train` on the embedded ring default (one model_dir for the whole drill,
`cadence.save_every=50`, `cadence.steps_per_loop=10`), waits a random time drawn from `--seed` (round 1 instead
waits until a new checkpoint file appears and signals at once: the moment a write is most likely cut), then
sends SIGTERM and records the exit code and the newest checkpoint. With --kill_after_checkpoint one more
round sends SIGKILL right after a checkpoint file appears (what a platform does when the grace period runs
out). A last run goes to the end. The drill passes when every SIGTERM round exits 143 (or 0 if it had
finished, or -15 when the signal came during start-up, before the trainer took the run, and nothing was
written), the final run writes TRAIN_DONE at --steps, and every checkpoint left in model_dir reads in full
(`tfgan_mh.run.run_dir.checkpoint_error`); unreadable ones moved to model_dir/bad/ are listed.
"""

import argparse
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

from tfgan_mh.run import run_dir


def _checkpoints(model_dir):
  return sorted(glob.glob(os.path.join(model_dir, "ckpt-*.index")), key=os.path.getmtime)


def _start(model_dir, steps):
  params = [f"train.num_steps = {steps}", "cadence.save_every = 50", "cadence.steps_per_loop = 10",
            "cadence.log_every = 50", "cadence.image_every = 1000000"]
  cmd = [sys.executable, "-m", "tfgan_mh.train", f"--model_dir={model_dir}"] + [f"--gin_param={p}" for p in params]
  return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for_new_checkpoint(proc, model_dir, timeout=300.0):
  seen = set(_checkpoints(model_dir))
  start = time.time()
  while time.time() - start < timeout and proc.poll() is None:
    if set(_checkpoints(model_dir)) - seen:
      return
    time.sleep(0.01)


def _round(model_dir, steps, how, delay, sig):
  """Starts the trainer, signals it (how: "after_checkpoint", "after_delay" or "never") and waits for it."""
  proc = _start(model_dir, steps)
  if how == "after_checkpoint":
    _wait_for_new_checkpoint(proc, model_dir)
  elif how == "after_delay":
    try:
      proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
      pass
  if how != "never" and proc.poll() is None:
    proc.send_signal(sig)
  _, err = proc.communicate(timeout=1800)
  last = [line for line in err.strip().splitlines() if line.startswith(("stopped:", "error:", "done:"))]
  newest = os.path.basename(_checkpoints(model_dir)[-1]) if _checkpoints(model_dir) else "none"
  return proc.returncode, newest, last[-1] if last else ""


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--stops", type=int, default=5)
  parser.add_argument("--seed", type=int, default=0)
  parser.add_argument("--steps", type=int, default=600)
  parser.add_argument("--kill_after_checkpoint", action="store_true")
  args = parser.parse_args()
  rng = np.random.default_rng(args.seed)
  model_dir = os.path.join(tempfile.mkdtemp(prefix="preemption_drill_"), "run")
  rounds = [("after_checkpoint" if i == 0 else "after_delay", float(rng.uniform(15.0, 45.0)), signal.SIGTERM)
            for i in range(args.stops)]
  if args.kill_after_checkpoint:
    rounds.append(("after_checkpoint", 0.0, signal.SIGKILL))
  ok = True
  print(f"model_dir {model_dir}\n| round | moment | signal | exit | newest checkpoint after | last line |")
  print("|---|---|---|---|---|---|")
  for i, (how, delay, sig) in enumerate(rounds, 1):
    before = _checkpoints(model_dir)
    code, newest, last = _round(model_dir, args.steps, how, delay, sig)
    moment = "right after a checkpoint file appeared" if how == "after_checkpoint" else f"after {delay:.1f} s"
    if code == -signal.SIGTERM and _checkpoints(model_dir) == before:
      last = "(signalled during start-up, before the trainer took the run: nothing written)"
    elif sig == signal.SIGTERM and code not in (0, 128 + signal.SIGTERM):
      ok = False
    print(f"| {i} | {moment} | {signal.Signals(sig).name} | {code} | {newest} | {last[:110]} |", flush=True)
  code, newest, last = _round(model_dir, args.steps, "never", 0.0, signal.SIGTERM)
  print(f"| final | to the end | — | {code} | {newest} | {last[:110]} |")
  done = os.path.join(model_dir, "TRAIN_DONE")
  finished = os.path.exists(done) and open(done).read().strip() == str(args.steps)
  bad = {os.path.basename(p): run_dir.checkpoint_error(p[:-len(".index")]) for p in _checkpoints(model_dir)}
  unreadable = {k: v for k, v in bad.items() if v}
  moved = sorted(os.listdir(os.path.join(model_dir, run_dir.BAD_DIR))) if os.path.isdir(
      os.path.join(model_dir, run_dir.BAD_DIR)) else []
  print(f"\nTRAIN_DONE at {args.steps}: {finished}; checkpoints {len(bad)}, unreadable {len(unreadable)} "
        f"{unreadable or ''}; moved to bad/: {moved or 'none'}")
  ok = ok and code == 0 and finished and not unreadable
  print("PASS" if ok else "FAIL")
  sys.exit(0 if ok else 1)


if __name__ == "__main__":
  main()
