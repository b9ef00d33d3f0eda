"""tfgan_mh: class-conditional GAN research in TensorFlow 2 (Keras 3, tf.distribute, gin)."""

import setuptools

setuptools.setup(
    name="tfgan_mh",
    version="0.1.0",
    description="Class-conditional GANs (MHGAN, AM-GAN, K+1/Mode GAN, AAM, MAGAN) in TF2 + gin.",
    packages=setuptools.find_packages(include=["tfgan_mh", "tfgan_mh.*"]),
    package_data={"tfgan_mh": ["configs/*.gin"]},
    python_requires=">=3.10",
    install_requires=[
        # Keras 3 ships with TF >= 2.16; no TensorFlow before 2.16 supports Python 3.12 (Colab).
        "tensorflow>=2.16",
        "tensorflow-datasets",
        "tensorflow-probability",
        # tensorflow-probability 0.25 fails to import without tf_keras (measured here), even beside Keras 3.
        "tf-keras",
        "absl-py",
        "gin-config",
        "numpy",
        # tf.summary writes event files only when tensorboard is importable (TF 2.16+ no longer pulls it in).
        "tensorboard",
    ],
    extras_require={
        # nbclient + ipykernel execute notebooks/inspect.ipynb headless in tests/test_notebook.py.
        "test": ["pytest", "scipy", "matplotlib", "nbclient", "nbformat", "ipykernel"],
        # matplotlib only for the plot helpers of tfgan_mh.inspect_lib (imported inside them).
        "notebook": ["matplotlib"],
    },
)
