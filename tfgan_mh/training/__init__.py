"""Strategy-agnostic train step (`GANTrainer`) and the gin-configured train loop (`train`)."""
