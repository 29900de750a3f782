"""libopenmpt (Debian `libopenmpt0`) through ctypes: render a tracker module and log its rows.

A tracker module is a score with exact timing: a row lasts `speed` ticks and a tick lasts
2.5 / `tempo` seconds (classic tempo mode). Rather than re-implement every format's effects
(pattern breaks, loops, delays, tempo slides), the module is played by libopenmpt itself in
small blocks, and after each block the player's current order/row tells where a new row
began. So the row log follows exactly what the audio does, to within one block.

Signatures are those of /usr/include/libopenmpt/libopenmpt.h (libopenmpt 0.6).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 44100
BLOCK_FRAMES = 64  # 1.45 ms at 44.1 kHz: every row is at least one tick (>= 9.8 ms) long


class OpenMPTMissing(RuntimeError):
    """libopenmpt is not installed (Debian: apt-get install libopenmpt0)."""


class ModuleError(RuntimeError):
    """libopenmpt could not load the file as a module."""


@dataclass(frozen=True)
class Row:
    """One played row: the first sample it sounds at (seconds) and where it is in the song."""

    time_s: float
    order: int
    pattern: int
    row: int
    speed: int  # ticks per row
    tempo: int  # tracker tempo units (classic mode: tick = 2.5 / tempo s)


@dataclass
class Rendered:
    """The mono render of one module and the start of every row it played."""

    audio: np.ndarray  # float32, mono, SAMPLE_RATE
    rows: list[Row]
    metadata: dict[str, str] = field(default_factory=dict)
    num_subsongs: int = 1
    reached_end: bool = True  # False when `max_seconds` cut the song

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


@functools.cache
def library() -> ctypes.CDLL:
    """The loaded libopenmpt with the argument and return types declared."""
    name = ctypes.util.find_library("openmpt") or "libopenmpt.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise OpenMPTMissing(
            "libopenmpt not found: install it with `apt-get install libopenmpt0`"
        ) from exc
    mod = ctypes.c_void_p
    lib.openmpt_module_create_from_memory2.restype = mod
    lib.openmpt_module_create_from_memory2.argtypes = [
        ctypes.c_void_p,  # filedata
        ctypes.c_size_t,  # filesize
        ctypes.c_void_p,  # logfunc (NULL: libopenmpt's default, which writes to stderr)
        ctypes.c_void_p,  # loguser
        ctypes.c_void_p,  # errfunc
        ctypes.c_void_p,  # erruser
        ctypes.POINTER(ctypes.c_int),  # error
        ctypes.POINTER(ctypes.c_char_p),  # error_message
        ctypes.c_void_p,  # initial ctls
    ]
    lib.openmpt_module_destroy.restype = None
    lib.openmpt_module_destroy.argtypes = [mod]
    lib.openmpt_module_set_repeat_count.restype = ctypes.c_int
    lib.openmpt_module_set_repeat_count.argtypes = [mod, ctypes.c_int32]
    lib.openmpt_module_select_subsong.restype = ctypes.c_int
    lib.openmpt_module_select_subsong.argtypes = [mod, ctypes.c_int32]
    lib.openmpt_module_read_float_mono.restype = ctypes.c_size_t
    lib.openmpt_module_read_float_mono.argtypes = [
        mod,
        ctypes.c_int32,
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_float),
    ]
    for getter in (
        "get_current_order",
        "get_current_pattern",
        "get_current_row",
        "get_current_speed",
        "get_current_tempo",
        "get_num_subsongs",
    ):
        fn = getattr(lib, f"openmpt_module_{getter}")
        fn.restype = ctypes.c_int32
        fn.argtypes = [mod]
    # Returned strings are owned by the caller and freed with openmpt_free_string, so they
    # come back as raw pointers (c_char_p would copy and lose the pointer).
    lib.openmpt_module_get_metadata.restype = ctypes.c_void_p
    lib.openmpt_module_get_metadata.argtypes = [mod, ctypes.c_char_p]
    lib.openmpt_free_string.restype = None
    lib.openmpt_free_string.argtypes = [ctypes.c_void_p]
    return lib


def available() -> bool:
    try:
        library()
    except OpenMPTMissing:
        return False
    return True


def _metadata(lib: ctypes.CDLL, handle: int, key: str) -> str:
    ptr = lib.openmpt_module_get_metadata(handle, key.encode())
    if not ptr:
        return ""
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib.openmpt_free_string(ptr)


def render(
    data: bytes, *, max_seconds: float = 150.0, block_frames: int = BLOCK_FRAMES
) -> Rendered:
    """Play `data` (a module file's bytes) once, from subsong 0, up to `max_seconds`.

    A row's time is the middle of the block after which the player first reported it
    (libopenmpt processes a row at the start of its first tick, then renders that tick).
    """
    lib = library()
    error = ctypes.c_int(0)
    message = ctypes.c_char_p()
    buf = ctypes.create_string_buffer(data, len(data))
    handle = lib.openmpt_module_create_from_memory2(
        buf, len(data), None, None, None, None, ctypes.byref(error), ctypes.byref(message), None
    )
    if not handle:
        why = message.value.decode("utf-8", "replace") if message.value else f"error {error.value}"
        raise ModuleError(f"libopenmpt cannot load this module: {why}")
    try:
        lib.openmpt_module_select_subsong(handle, 0)
        lib.openmpt_module_set_repeat_count(handle, 0)  # play once: stop where the song loops
        meta = {k: _metadata(lib, handle, k) for k in ("type", "title", "artist", "tracker")}
        n_sub = int(lib.openmpt_module_get_num_subsongs(handle))
        limit = int(max_seconds * SAMPLE_RATE)
        out = np.zeros(limit + block_frames, dtype=np.float32)
        ptr = out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        fsize = ctypes.sizeof(ctypes.c_float)
        get_order = lib.openmpt_module_get_current_order
        get_row = lib.openmpt_module_get_current_row
        rows: list[Row] = []
        last: tuple[int, int] | None = None
        pos = 0
        reached_end = False
        while pos < limit:
            dest = ctypes.cast(ctypes.addressof(ptr.contents) + pos * fsize, ptr.__class__)
            n = int(lib.openmpt_module_read_float_mono(handle, SAMPLE_RATE, block_frames, dest))
            if n == 0:
                reached_end = True
                break
            now = (int(get_order(handle)), int(get_row(handle)))
            if now != last:
                rows.append(
                    Row(
                        time_s=(pos + (n - 1) / 2) / SAMPLE_RATE,
                        order=now[0],
                        pattern=int(lib.openmpt_module_get_current_pattern(handle)),
                        row=now[1],
                        speed=int(lib.openmpt_module_get_current_speed(handle)),
                        tempo=int(lib.openmpt_module_get_current_tempo(handle)),
                    )
                )
                last = now
            pos += n
    finally:
        lib.openmpt_module_destroy(handle)
    if (
        reached_end
        and rows
        and (rows[-1].order, rows[-1].row) in {(x.order, x.row) for x in rows[:-1]}
    ):
        # At the end the player wraps to where the song would loop, reports that row and
        # renders one more silent row before it stops: that row never sounds (a song
        # played once revisits no row as its last), so it is not part of the song.
        rows.pop()
    return Rendered(
        audio=out[:pos].copy(),
        rows=rows,
        metadata=meta,
        num_subsongs=n_sub,
        reached_end=reached_end,
    )
