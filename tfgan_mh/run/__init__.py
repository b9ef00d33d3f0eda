"""A run directory, as training writes it and evaluation, sampling and tools read it.

  restore   run_info.json, checkpoint names and steps, rebuilding a run's networks (`load_run`)
  run_dir   one trainer / eval job per directory (locks), resuming from what is really there
  protocol  the evaluation protocol an experiment states, kept in run_info.json

Training and evaluation both import this package; neither imports the other. It imports only models (the
latent prior, `tfgan_mh.models.latents`, is the models' own).
"""
