r"""`python -m tfgan_mh.reproduce CLAIM[,CLAIM...] [--seeds 0,1,2] [--steps N] [--arms A,B] [--datasets D] [--out DIR]
[--data_dir DIR] [--stop_within MINUTES] [--threads N] [--smoke]`.

Trains every arm of CLAIM with the project's gin experiments, runs the eval job on every checkpoint of each run
(10 per run), and writes DIR/CLAIM.md, DIR/CLAIM.json (mean ± std over seeds per arm, the paper's number beside
it, the learning curves, a verdict decided only where the curves have flattened) and DIR/CLAIM_curves.png.
`--arms` trains only some arms (the baseline, while a recipe is tuned on it): the report is then
DIR/CLAIM_ARM....md; `--datasets mnist` runs only some of the claim's datasets. Finished runs and evaluations
are reused on restart; a larger --steps extends them. Claims: mhgan, mode_gan, magan, aam, amgan, peers,
mhshared_switch, toolkit, aam_translation; several, comma-separated, or all run one after the other in one
process (sharing OUT's dataset classifiers). `--stop_within=M`: start no training run that would not end within M
minutes (at the claim's measured seconds per step): a machine lent for a while ends the command cleanly instead of
in the middle of a run whose checkpoints it would take with it. `--threads=1`: one intra-op and one inter-op
thread (two campaign processes sharing 2 cores). `--smoke` runs every arm for a few steps (a pipeline
check: CI runs it). MNIST and Fashion-MNIST come from TFDS (downloaded once), or with `--data_dir=DIR` from
the idx folders DIR/mnist and DIR/fashion_mnist (the four files of the MNIST site each). Runs from any folder.
Exit status 0; 1 with a one-line error on bad input (nothing written).
"""

import os
import sys
import time

from absl import app
from absl import flags

from tfgan_mh import cli

FLAGS = flags.FLAGS
flags.DEFINE_string("seeds", None, "Comma-separated seeds (default: the claim's, 3 for mhgan, else 2; smoke: 0).")
flags.DEFINE_integer("steps", None, "Train steps per run (default: the claim's CPU-sized count).")
flags.DEFINE_string("out", None, "Output folder: runs/, classifiers/, CLAIM.md, CLAIM.json, CLAIM_curves.png "
                    "(default: runs/reproduce, with --smoke runs/reproduce_smoke; smoke and full runs never "
                    "share a folder).")
flags.DEFINE_string("data_dir", None, "Folder with the idx folders mnist/ and fashion_mnist/ (train-images-idx3-"
                    "ubyte.gz, ...); default: TFDS mnist / fashion_mnist, downloaded once.")
flags.DEFINE_string("arms", None, "Comma-separated arms of the claim to run (default: all of them).")
flags.DEFINE_string("datasets", None, "Comma-separated datasets of the claim to run (default: all of them; a "
                    "campaign decides a claim on its first dataset before the next).")
flags.DEFINE_float("stop_within", 0, "Start no training run that would not end within this many minutes (estimated "
                   "from the claim's timed runs); 0: no limit.")
flags.DEFINE_integer("threads", 0, "TF intra-op and inter-op threads of this process (0: TF's default, one per core). "
                     "Two campaign processes on 2 cores: 1 each ran mnist_mhinge_cpu 1.09-1.13x faster in total "
                     "(docs/benchmarks.md).")
flags.DEFINE_bool("smoke", False, "A few steps per arm and a tiny eval: checks the pipeline, not the claim.")


def parse_seeds(text):
  try:
    seeds = [int(s) for s in text.split(",")]
  except ValueError:
    seeds = []
  if not seeds or min(seeds) < 0:
    raise ValueError(f"--seeds={text!r}: expected non-negative ints such as 0,1,2")
  repeated = sorted({s for s in seeds if seeds.count(s) > 1})
  if repeated:  # a repeated seed would count one run twice and fake a zero seed spread
    raise ValueError(f"--seeds={text!r}: seed {repeated[0]} is repeated; expected distinct seeds such as 0,1,2")
  return seeds


def parse_names(flag, text, claims):
  """The names of --arms or --datasets (`flag`: "arms" / "datasets", the claims' attribute); ValueError (one
  line) for a name no claim in `claims` has."""
  names = [a.strip() for a in text.split(",") if a.strip()]
  known = list(dict.fromkeys(x.name for c in claims for x in getattr(c, flag)))
  unknown = [a for a in names if a not in known]
  if not names or unknown:
    raise ValueError(f"--{flag}={text!r}: expected {flag} of {', '.join(c.name for c in claims)} such as "
                     f"{','.join(known)}")
  return names


def parse_claims(argv, known):
  """The claim names of the one positional argument: a claim, comma-separated claims, or all; ValueError (one
  line) otherwise."""
  if len(argv) != 2:
    raise ValueError(f"expected one claim ({', '.join(known)} or all), got {len(argv) - 1}")
  names = list(known) if argv[1] == "all" else [n.strip() for n in argv[1].split(",")]
  unknown = [n for n in names if n not in known]
  if unknown or len(set(names)) != len(names):
    what = f"unknown claim {unknown[0]!r}" if unknown else f"claim repeated in {argv[1]!r}"
    raise ValueError(f"{what}: expected one of {', '.join(known)}, comma-separated claims, or all")
  return names


def set_threads(threads: int) -> None:
  """TF's intra-op and inter-op pools of this process, `threads` each (0: TF's default); before TF's runtime
  starts (nothing has run yet when `main` calls it). ValueError (one line) for a negative count."""
  if threads < 0:
    raise ValueError(f"--threads={threads}: expected a thread count >= 0 (0: TF's default)")
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.config.threading.set_intra_op_parallelism_threads(threads)
  tf.config.threading.set_inter_op_parallelism_threads(threads)


def main(argv):
  from tfgan_mh.reproduce import claims  # pylint: disable=g-import-not-at-top
  from tfgan_mh.reproduce import runner  # pylint: disable=g-import-not-at-top
  from tfgan_mh.training import preemption  # pylint: disable=g-import-not-at-top
  try:
    names = parse_claims(argv, claims.CLAIMS)
    if FLAGS.steps is not None and FLAGS.steps < 1:
      raise ValueError(f"--steps={FLAGS.steps}: expected a positive int")
    data_dir = os.path.abspath(os.path.expanduser(FLAGS.data_dir)) if FLAGS.data_dir else None
    if data_dir:
      runner.check_data_dir(data_dir, [claims.CLAIMS[n] for n in names])
    chosen = [claims.CLAIMS[n] for n in names]
    arms = parse_names("arms", FLAGS.arms, chosen) if FLAGS.arms else None
    datasets = parse_names("datasets", FLAGS.datasets, chosen) if FLAGS.datasets else None
    seeds = {n: parse_seeds(FLAGS.seeds) if FLAGS.seeds else ([0] if FLAGS.smoke else list(claims.CLAIMS[n].seeds))
             for n in names}
    out = FLAGS.out or ("runs/reproduce_smoke" if FLAGS.smoke else "runs/reproduce")
    if FLAGS.stop_within < 0:
      raise ValueError(f"--stop_within={FLAGS.stop_within}: expected minutes >= 0 (0: no limit)")
    deadline = time.time() + 60 * FLAGS.stop_within if FLAGS.stop_within else None
    set_threads(FLAGS.threads)
    for name in names:
      result = runner.run_claim(claims.CLAIMS[name], out=out, seeds=seeds[name], steps=FLAGS.steps,
                                smoke=FLAGS.smoke, data_dir=data_dir, arms=arms,
                                datasets=datasets, deadline=deadline)
      print(f"{name}: {result['verdict']} — {result['why']} ({out}/{result['name']}.md)")
  except ValueError as e:
    cli.fail(cli.first_line(e))
  except runner.DeadlineReached as e:  # nothing half-trained: rerun (or resume) later
    print(f"stopped before the deadline: {cli.first_line(e)}", file=sys.stderr)
  except preemption.Stopped as e:  # a run stopped on SIGTERM / SIGINT with a checkpoint: rerun to resume
    print(f"stopped: {cli.first_line(e)}", file=sys.stderr)
    sys.exit(e.exit_code)


def console_main():
  """Console script `tfgan-reproduce`."""
  app.run(main)


if __name__ == "__main__":
  console_main()
