"""The Preview's class controls for conditional models: which class (or mix of two) every
latent is decoded as, and the preview's style decoded as every class."""
