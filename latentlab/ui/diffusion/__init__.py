"""The Diffusion panel: a diffusion prior over the explored autoencoder's codes, its samples'
denoising paths on the map, and the noise paths of the Interpolation panel."""
