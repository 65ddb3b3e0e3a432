"""The Style mixing panel, for models whose latent enters at every resolution."""
