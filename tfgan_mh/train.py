"""`python -m tfgan_mh.train`: the training job (`tfgan-train`; the code is `tfgan_mh.cli.train`)."""

from tfgan_mh.cli import train

if __name__ == "__main__":
  train.console_main()
