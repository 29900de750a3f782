"""Frame-level features computed once per song and shared by every analysis step.

Two short-time Fourier transforms, each computed in blocks so memory stays flat for long songs:
- a rhythm STFT (2048-sample window, 256-sample hop = 11.6 ms at 22050 Hz) for onset envelopes
  per frequency band, log-mel timbre and loudness;
- a harmony STFT (8192-sample window, 1024-sample hop) whose fine frequency resolution gives
  usable chroma down to the bass register.
Only the reduced features are kept, never the full spectrogram.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.ndimage as ndi

N_FFT = 2048
HOP = 256
N_FFT_HARMONY = 8192
HOP_HARMONY = 1024
N_MELS = 96
FMIN_HZ = 25.0
LOG_GAIN = 1.0e4
_BLOCK_SAMPLES = 1 << 22


@dataclass(frozen=True)
class Features:
    sr: int
    hop: int
    duration_s: float
    logmel: np.ndarray  # (N_MELS, frames) log-compressed mel energies
    mel_hz: np.ndarray  # centre frequency of each mel band
    rms: np.ndarray  # linear RMS per rhythm frame
    centroid_hz: np.ndarray  # spectral centroid per rhythm frame
    hop_harmony: int
    chroma: np.ndarray  # (12, harmony frames), pitch classes C..B, 110-4000 Hz
    bass_chroma: np.ndarray  # (12, harmony frames), 40-220 Hz

    @property
    def fps(self) -> float:
        """Rhythm frames per second."""
        return self.sr / self.hop

    @property
    def fps_harmony(self) -> float:
        return self.sr / self.hop_harmony

    @property
    def n_frames(self) -> int:
        return self.logmel.shape[1]


def mel_filterbank(
    *, sr: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float
) -> np.ndarray:
    """Triangular filters on the mel scale, shape (n_mels, n_fft // 2 + 1), unit-area rows."""

    def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin_hz), hz_to_mel(fmax_hz), n_mels + 2))
    fb = np.zeros((n_mels, len(freqs)), dtype=np.float32)
    for i in range(n_mels):
        lo, mid, hi = edges[i : i + 3]
        rise = (freqs - lo) / max(mid - lo, 1e-9)
        fall = (hi - freqs) / max(hi - mid, 1e-9)
        fb[i] = np.maximum(0.0, np.minimum(rise, fall))
        # Narrow low filters may fall between bins: give them their nearest bin.
        if fb[i].sum() == 0:
            fb[i, np.argmin(np.abs(freqs - mid))] = 1.0
        fb[i] /= fb[i].sum()
    return fb


def mel_centers_hz(*, n_mels: int, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    lo, hi = (2595.0 * np.log10(1.0 + f / 700.0) for f in (fmin_hz, fmax_hz))
    mels = np.linspace(lo, hi, n_mels + 2)[1:-1]
    return (700.0 * (10.0 ** (mels / 2595.0) - 1.0)).astype(np.float32)


def chroma_filterbank(*, sr: int, n_fft: int, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    """Weights (12, bins) mapping spectrum bins to pitch classes (C=0), Gaussian in semitones."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    fb = np.zeros((12, len(freqs)), dtype=np.float32)
    ok = (freqs >= fmin_hz) & (freqs <= fmax_hz)
    midi = 69.0 + 12.0 * np.log2(freqs[ok] / 440.0)
    for pc in range(12):
        dist = (midi - pc + 6.0) % 12.0 - 6.0
        fb[pc, ok] = np.exp(-0.5 * (dist / 0.35) ** 2)
    return fb


def _frames(y: np.ndarray, *, n_fft: int, hop: int) -> tuple[np.ndarray, int]:
    """Centred framing: pad by half a window so frame k is centred on sample k * hop."""
    pad = n_fft // 2
    yp = np.pad(y, (pad, pad))
    n = 1 + max(len(yp) - n_fft, 0) // hop
    return yp, n


def _stft_blocks(y: np.ndarray, *, n_fft: int, hop: int):
    """Yield magnitude spectra (frames, bins) block by block (about 4M samples per block)."""
    yp, n = _frames(y, n_fft=n_fft, hop=hop)
    framed = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop][:n]
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    block = max(_BLOCK_SAMPLES // n_fft, 1)
    for start in range(0, n, block):
        spec = scipy.fft.rfft(framed[start : start + block] * window, axis=1)
        yield np.abs(spec)


def compute_features(y: np.ndarray, sr: int) -> Features:
    """All frame features of mono signal `y` at `sr` Hz (expects 22050 Hz, works at others)."""
    y = np.asarray(y, dtype=np.float32)
    if len(y) < N_FFT:
        y = np.pad(y, (0, N_FFT - len(y)))
    fmax = min(11000.0, sr / 2)
    melfb = mel_filterbank(sr=sr, n_fft=N_FFT, n_mels=N_MELS, fmin_hz=FMIN_HZ, fmax_hz=fmax)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / sr).astype(np.float32)

    logmel_parts, rms_parts, cent_parts = [], [], []
    for mag in _stft_blocks(y, n_fft=N_FFT, hop=HOP):
        power = mag * mag
        # Log compression with a large gain: quiet and loud onsets both register (fades).
        logmel_parts.append(np.log1p(LOG_GAIN * (power @ melfb.T)).T)
        total = power.sum(axis=1)
        rms_parts.append(np.sqrt(total * 2.0) / N_FFT)
        cent_parts.append((power @ freqs) / (total + 1e-12))

    chroma_parts, bass_parts = [], []
    cfb = chroma_filterbank(sr=sr, n_fft=N_FFT_HARMONY, fmin_hz=110.0, fmax_hz=4000.0)
    bfb = chroma_filterbank(sr=sr, n_fft=N_FFT_HARMONY, fmin_hz=40.0, fmax_hz=220.0)
    for mag in _stft_blocks(y, n_fft=N_FFT_HARMONY, hop=HOP_HARMONY):
        # sqrt magnitude tames loud bass notes so chords still register; subtracting the
        # local spectral mean keeps tonal peaks and drops broadband drum noise.
        m = np.sqrt(mag)
        m = np.maximum(m - ndi.uniform_filter1d(m, size=15, axis=1, mode="nearest"), 0.0)
        chroma_parts.append((m @ cfb.T).T)
        bass_parts.append((m @ bfb.T).T)

    return Features(
        sr=sr,
        hop=HOP,
        duration_s=len(y) / sr,
        logmel=np.concatenate(logmel_parts, axis=1).astype(np.float32),
        mel_hz=mel_centers_hz(n_mels=N_MELS, fmin_hz=FMIN_HZ, fmax_hz=fmax),
        rms=np.concatenate(rms_parts).astype(np.float32),
        centroid_hz=np.concatenate(cent_parts).astype(np.float32),
        hop_harmony=HOP_HARMONY,
        chroma=np.concatenate(chroma_parts, axis=1).astype(np.float32),
        bass_chroma=np.concatenate(bass_parts, axis=1).astype(np.float32),
    )
