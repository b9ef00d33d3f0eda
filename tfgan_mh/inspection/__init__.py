"""Inspecting a trained run: the logic behind notebooks/inspect.ipynb (model_dir local or gs://).

  from tfgan_mh import inspection

  run = inspection.load(model_dir, "best")             # eval/best.json's step, else the latest checkpoint
  fig = inspection.plot_class_grid(run)                # one row of samples per class (2-D: real | generated)
  curves = inspection.metric_curves(model_dir)         # {"fid": (steps, values), ...} of eval/metrics.jsonl
  cmp = inspection.compare_intra_fid(baseline_dir, model_dir)  # per-class intra-FID, MHGAN Fig. 4c
  inspection.interpolate_z(run, label, n)              # slerp between two latents, one class
  inspection.interpolate_classes(run, z, a, b, n)      # one latent, class embedding from a to b
  inspection.projection_singular_values(run)           # spectrum of D's projection embedding, MHGAN §3.2
  inspection.radial_profile(run)                       # 2-D K+1 runs: D's posterior along rays out of the ring

Files are read through tf.io.gfile (gs:// works) and never written: metrics.jsonl is parsed read-only (an
eval job may be appending to it; a last line without its newline is being written and is left out).

Samples come from the EMA generator when the run has one (`use_ema`), in inference mode. Class
interpolation feeds the generator class weights (1 - t) e_a + t e_b in place of an integer label, which
mixes its class conditioning (the one-hot input of the MLP / DCGAN / MAGAN generators, the conditional-BN
gain and bias rows of SAGAN; see `tfgan_mh.models.base`): t = 0 and t = 1 are exactly the samples of
classes a and b.

MHGAN is Kavalerov et al. 2019, "cGANs with Multi-Hinge Loss" (arXiv:1912.04216; the `tfgan_mh` package docstring
lists the papers).

Modules: loading (load, resolve_step), samples, metrics (eval/metrics.jsonl), interpolation, projection, ring,
figures. The `plot_*` helpers import pyplot when called (importing this module picks no matplotlib backend); each
returns a pyplot Figure. `plot_class_grid` draws the picture of the train job and the sample CLI
(`tfgan_mh.plots`). Bad input raises a one-line ValueError naming the value and what is valid.
"""

from tfgan_mh.inspection.loading import Checkpoint, checked_model_dir, load, resolve_step  # noqa: F401
from tfgan_mh.inspection.samples import (GENERATE_BATCH, check_count, check_label, class_samples,
                                         evenly_spaced_classes, generate, latents)  # noqa: F401
from tfgan_mh.inspection.metrics import (Curve, DEFAULT_CURVES, IntraFID, IntraFIDComparison, NOT_METRICS,
                                         compare_intra_fid, intra_fid, intra_fid_per_class, metric_curves,
                                         read_metrics)  # noqa: F401
from tfgan_mh.inspection.interpolation import (INTERPOLATION_METHODS, Interpolation, class_weights,
                                               interpolate_classes, interpolate_z, slerp)  # noqa: F401
from tfgan_mh.inspection.projection import projection_embedding, projection_singular_values  # noqa: F401
from tfgan_mh.inspection.ring import RadialProfile, plot_radial_profile, radial_profile  # noqa: F401
from tfgan_mh.inspection.figures import (plot_class_grid, plot_interpolations, plot_intra_fid_comparison,
                                         plot_metric_curves, plot_singular_values)  # noqa: F401
