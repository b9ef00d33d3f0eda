"""The sidecar eval job of a checkout: the same as `tfgan-eval` / `python -m tfgan_mh.eval` (its --help)."""

from tfgan_mh.cli import eval as eval_job

if __name__ == "__main__":
  eval_job.console_main()
