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

from latentlab.training.evaluation.frechet import (
    frechet_distance,
    generate_uint8,
    generated_vs_real_fd,
)
from latentlab.training.evaluation.likelihood import (
    BoundTerms,
    importance_weighted_bound,
    iwae_chunking,
    posterior_noise,
)
from latentlab.training.evaluation.plan import (
    DEFAULT_BUDGET_SECONDS,
    IMAGE_FLOOR,
    K_FLOOR,
    PAPER_K,
    EvaluationPlan,
    plan_for_budget,
)
from latentlab.training.evaluation.progress import PHASE_NAMES, phase_name, progress_text
from latentlab.training.evaluation.reconstruction import MSE_BINS
from latentlab.training.evaluation.records import (
    ACTIVE_THRESHOLD,
    FORMAT_NAME,
    FORMAT_VERSION,
    JSON_KEYS,
    WORST_SHOWN,
    Evaluation,
    EvaluationError,
    EvaluationProgress,
    EvaluationStopped,
    Phase,
)
from latentlab.training.evaluation.runner import (
    BINARIZE_SEED,
    DEFAULT_FD_SAMPLES,
    DEFAULT_K,
    MAX_DECODER_FLOATS_CPU,
    MAX_DECODER_FLOATS_GPU,
    evaluate,
    has_posterior,
)

__all__ = [
    "ACTIVE_THRESHOLD",
    "BINARIZE_SEED",
    "DEFAULT_BUDGET_SECONDS",
    "DEFAULT_FD_SAMPLES",
    "DEFAULT_K",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "IMAGE_FLOOR",
    "JSON_KEYS",
    "K_FLOOR",
    "MAX_DECODER_FLOATS_CPU",
    "MAX_DECODER_FLOATS_GPU",
    "MSE_BINS",
    "PAPER_K",
    "PHASE_NAMES",
    "WORST_SHOWN",
    "BoundTerms",
    "Evaluation",
    "EvaluationError",
    "EvaluationPlan",
    "EvaluationProgress",
    "EvaluationStopped",
    "Phase",
    "evaluate",
    "frechet_distance",
    "generate_uint8",
    "generated_vs_real_fd",
    "has_posterior",
    "importance_weighted_bound",
    "iwae_chunking",
    "phase_name",
    "plan_for_budget",
    "posterior_noise",
    "progress_text",
]
