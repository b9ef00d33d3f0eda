"""Evaluation protocols: what a run's numbers are comparable to, fixed per experiment in its gin file.

The papers do not all score the same way, and the difference is not small:

  * Kavalerov et al. 2019 (MHGAN) takes its IS / FID from TF-GAN's SAGAN eval, which computes ONE Inception Score
    over all samples (its `num_batches` only batches the work). With 1000 classes, a mean over 10 splits of 10k
    samples is biased low by roughly 8-25 % at IS 13-160 (each split has 1k samples for 1k classes, so its
    marginal C_G is noisy and its entropy low).
  * Zhou et al. 2018 (AM-GAN) and Wang et al. 2017 (MAGAN) use the improved-GAN script of Salimans et al.
    (2016): IS mean +- std over 10 splits (AM-GAN §6 / Table 1, MAGAN §4.1).

An experiment states its protocol with `eval_protocol.inception_score_splits = 1` (MHGAN) or `= 10`
(AM-GAN / MAGAN / default). The train job stores the bindings in run_info.json; the eval job reads them back, so
a sidecar job scores every run as its paper does without a flag (`--num_splits` still overrides, and the
record says which won).

Every metrics.jsonl record carries a "protocol" dict (`record_protocol`): generated samples, generator (EMA
or raw), IS splits and where they came from, FID / intra-FID reference split and sizes (per class for
intra-FID), the extractors and how they resize, the eval labels and how training drew fake labels.
"""

from typing import Any, Dict, Optional

from tfgan_mh.models import latents


def extractor_protocol(extractor) -> Optional[Dict[str, Any]]:
  """Name, input size and resize method of an extractor (None when there is none)."""
  if extractor is None:
    return None
  resize = getattr(extractor, "resize_method", None)
  shape = getattr(extractor, "image_shape", None)
  return {"name": extractor.name, "input_shape": list(shape) if shape is not None else None,
          "resize": resize, "feature_dim": int(extractor.feature_dim), "num_logits": int(extractor.num_logits)}


def base_protocol(config, split_protocol: Dict[str, Any], run=None) -> Dict[str, Any]:
  """The part of a record's "protocol" known before sampling; the metric groups add the references they use
  (fid_reference, intra_fid_reference, kept_features, validation_reference) and the job the extractors.

  Args:
    config: the EvalConfig.
    split_protocol: `run_is_splits`'s dict.
    run: the restored run (None for samples from elsewhere).
  """
  p = {"num_samples": config.num_samples, "seed": config.seed, **split_protocol}
  if run is not None:
    k = run.num_classes
    p.update(truncation=config.truncation, latents=latents.describe(config.truncation),
             generator_mode="inference (batch-norm moving statistics)",
             eval_labels=(f"balanced: a seeded permutation of i mod {k}" if run.conditional
                          else "none (unconditional generator)"),
             train_fake_labels=run.info.get("fake_labels", "uniform"))
  return p
