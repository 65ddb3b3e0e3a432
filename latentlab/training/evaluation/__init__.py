"""Model quality measured the way papers do: likelihood bounds for VAEs, a Fréchet distance for
samples. No Qt: ``latentlab eval``, the app and the tests share these functions.

``evaluate(model_or_checkpoint, dataset, k=...)`` is a generator. It yields
``EvaluationProgress`` records (``phase``, ``done``, ``total``, and the ``per_second`` rate and
``eta_seconds`` measured so far in the phase), for VAEs one ``EvaluationPlan`` (the k and test
images of the IWAE pass, and how they were chosen), checks ``should_stop`` between chunks
(raising ``EvaluationStopped``) and ends with a frozen ``Evaluation``. All numbers are on the
dataset's test split. With ``budget_seconds``, what is not given of k and the number of test
images is chosen to fit that time (``plan``: the rule, and why it cuts k before images);
``latentlab eval`` and the Metrics panel do this by default (DEFAULT_BUDGET_SECONDS), and
PAPER_K on all test images is the paper setting.

* VAEs: the ELBO split into its reconstruction and KL terms (Kingma & Welling 2014), the
  importance-weighted bound on −log p(x) with k samples (IWAE; Burda, Grosse & Salakhutdinov
  2016, eq. 8), active units and the KL per latent dimension (Burda et al. 2016, section 5.2),
  and each image's reconstruction error. The Bernoulli likelihood is a proper likelihood only
  for binary pixels, so when the checkpoint was trained with dynamic binarization (or when
  asked) the test images are binarized once with a fixed seed (Salakhutdinov & Murray 2008).
  On grey images the numbers are still reported, flagged as not comparable with papers.
* Samples of VAEs and GANs: the Fréchet distance (Heusel et al. 2017, the formula of Dowson &
  Landau 1982) between the domain classifier's penultimate features
  (``latentlab.training.classifier``) of N generated images and N real test images. It works
  offline, without Inception, so it is comparable between LatentLab models on the same data
  but not with published FIDs.

``Evaluation.to_json()`` keys (stable; nats are natural-log units per image; a key whose
measure does not apply to the model, e.g. ``nll_iwae`` of a GAN, is null):

==========================  =====================================================================
format, version             "latentlab-evaluation", 1
model_kind, latent_dim      "vae" / "ae" / "dcgan", int
dataset, image_shape        the dataset's name, [C, H, W]
n_images                    test images evaluated (``n_test_images`` in the split)
n_test_images               test images in the dataset's split
binarized                   the likelihood was computed on test images binarized once
binarize_seed               the seed of that binarization (BINARIZE_SEED; null when not binarized)
comparable_to_papers        binarized, on the whole test split and (VAEs) k >= 5000
note                        why the numbers are not comparable with papers ("" when they are)
seed                        the seed of the posterior samples and of the generated images
negative_elbo               −ELBO = reconstruction + kl (an upper bound on −log p(x))
reconstruction              E_q[−log p(x|z)], the mean over the k posterior samples
kl                          KL(q(z|x) ‖ N(0, I)), in closed form
nll_iwae                    −log (1/k Σ_i p(x|z_i) p(z_i) / q(z_i|x)), z_i ~ q(z|x): the IWAE bound
nll_iwae_stderr             standard error of nll_iwae's mean over the images
iwae_k                      k
settings_chosen_by          "given" (k and the images asked for) or "budget" (what was not asked
                            for chosen to fit budget_seconds); null without an IWAE pass
budget_seconds              the time budget of the IWAE pass (null unless chosen by budget)
samples_per_second          decoder samples per second measured on a first chunk (budget only)
settings                    the sentence saying what k and images were used, why, and what a
                            k below the papers' 5000 means ("k = 50 on 9,600 of 10,000 ...")
active_units                latent dimensions with Var_x(E_q[z_d]) > active_threshold
active_threshold            0.01 (Burda et al. 2016)
posterior_mean_variance     per dimension: Var_x(E_q[z_d]) over the test images
kl_per_dim                  per dimension: the mean KL over the test images
mse_mean                    mean over images of the per-pixel squared error of the
                            reconstruction through the posterior mean (grey images, in [0, 1])
mse_histogram_edges         bin edges of the per-image MSE histogram (bins + 1 numbers)
mse_histogram_counts        images per bin
mse_worst_indices           dataset indices of the worst-reconstructed test images, worst first
frechet_distance            FD between classifier features of generated and real test images
fd_samples                  N, the images on each side
fd_train_vs_test            FD between N training and N test images: the floor to compare with
classifier_test_accuracy    the domain classifier's own accuracy on its held-out images
seconds                     wall time of the evaluation
==========================  =====================================================================

The modules, one job each: ``runner`` (``evaluate``), ``records`` (``Evaluation``, its JSON,
the progress records and errors), ``plan`` (k and the images, given or fitted to a budget),
``timing`` (the timed first chunk a budget is fitted from), ``progress`` (rates, ETAs and the
progress line as text), ``likelihood`` (the VAE bounds), ``reconstruction``, ``frechet`` (the
Fréchet distance of samples) and ``images`` (the test images as the passes read them).
"""

from __future__ import annotations

from latentlab.lazy_exports import lazy_getattr

# Imported on first use (PEP 562): the app reads the light names (plan constants, progress
# text) at start-up, before torch has loaded.
_EXPORTS = {
    "frechet_distance": "frechet",
    "generate_uint8": "frechet",
    "generated_vs_real_fd": "frechet",
    "BoundTerms": "likelihood",
    "importance_weighted_bound": "likelihood",
    "iwae_chunking": "likelihood",
    "posterior_noise": "likelihood",
    "DEFAULT_BUDGET_SECONDS": "plan",
    "EvaluationPlan": "plan",
    "IMAGE_FLOOR": "plan",
    "K_FLOOR": "plan",
    "PAPER_K": "plan",
    "plan_for_budget": "plan",
    "PHASE_NAMES": "progress",
    "phase_name": "progress",
    "progress_text": "progress",
    "MSE_BINS": "reconstruction",
    "ACTIVE_THRESHOLD": "records",
    "Evaluation": "records",
    "EvaluationError": "records",
    "EvaluationProgress": "records",
    "EvaluationStopped": "records",
    "FORMAT_NAME": "records",
    "FORMAT_VERSION": "records",
    "JSON_KEYS": "records",
    "Phase": "records",
    "WORST_SHOWN": "records",
    "BINARIZE_SEED": "runner",
    "DEFAULT_FD_SAMPLES": "runner",
    "DEFAULT_K": "runner",
    "MAX_DECODER_FLOATS_CPU": "runner",
    "MAX_DECODER_FLOATS_GPU": "runner",
    "evaluate": "runner",
    "has_posterior": "runner",
}

__all__ = list(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
