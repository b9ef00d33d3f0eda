"""`python -m tfgan_mh.eval`: the sidecar eval job (`tfgan-eval`; the code is `tfgan_mh.cli.eval`)."""

from tfgan_mh.cli import eval as eval_job

if __name__ == "__main__":
  eval_job.console_main()
