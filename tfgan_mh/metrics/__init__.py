"""Evaluation math of the papers (host-side numpy float64, except MS-SSIM which uses tf.image).

One metric per module; the eval job feeds batches of classifier outputs / features and reads results.
"""
