"""Which device to train and decode on."""

from __future__ import annotations

import torch


def pick_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA, then Apple's MPS, then the CPU; any other name is used as given."""
    if name != "auto":
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for, but PyTorch sees no CUDA GPU")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError("device 'mps' was asked for, but this machine has no MPS support")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device) -> str:
    """A short human name, e.g. 'CPU (8 threads)' or 'CUDA: NVIDIA H100'."""
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"


def fits_on_device(num_bytes: int, device: torch.device) -> bool:
    """Whether a dataset of ``num_bytes`` can live on ``device`` with room left to train."""
    if device.type != "cuda":
        return True  # CPU: already in memory; MPS: unified memory
    free, _total = torch.cuda.mem_get_info(device)
    return num_bytes < free // 4


def has_native_bf16(device: torch.device) -> bool:
    """Whether bf16 matrix products run in hardware on this CPU (AVX-512 BF16 or AMX)."""
    if device.type != "cpu":
        return False
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The dtype to autocast the forward pass to, or None for plain float32."""
    if precision == "bf16" or (precision == "auto" and has_native_bf16(device)):
        return torch.bfloat16
    return None
