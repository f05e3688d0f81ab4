"""Which frames of a chopped burst pair up, from their headers (the rule is in ``_chop.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from astropy.io import fits

from ..bands import FrameSource

__all__ = ["Pair", "beam_pairs", "says_chopped", "segment_headers"]


@dataclass(frozen=True)
class Pair:
    on: int  # the inner frame holding the planet at its main position
    off: int
    nod: int  # 0: nod position A, 1: B


def segment_headers(source: FrameSource) -> list[fits.Header]:
    """Each segment's header: its image HDU's cards over the file's primary header (FITS only)."""
    files: dict[str, list[tuple[int | None, fits.Header]]] = {}
    result = []
    for segment in source.segments:
        if segment.kind not in ("raw", "fits") or segment.path.lower().endswith(".ser"):
            result.append(source.header if segment.kind == "array" else fits.Header())
            continue
        if segment.path not in files:
            files[segment.path] = _file_headers(segment.path)
        found = files[segment.path]
        key = segment.offset if segment.kind == "raw" else segment.hdu
        match = [h for location, h in found if location == key] or [found[0][1]]
        result.append(match[0])
    return result


def _file_headers(path: str) -> list[tuple[int | None, fits.Header]]:
    """``(data offset or HDU index, header)`` of each HDU of a FITS file, with the primary's cards."""
    out: list[tuple[int | None, fits.Header]] = []
    compressed = path.lower().endswith((".gz", ".fz"))
    with fits.open(path, memmap=False, lazy_load_hdus=True, ignore_missing_end=True) as hdul:
        primary = hdul[0].header
        for index, hdu in enumerate(hdul):
            header = primary.copy() if index else fits.Header()
            header.update(hdu.header)
            location = (
                index if compressed or isinstance(hdu, fits.CompImageHDU) else hdul.fileinfo(index)["datLoc"]
            )
            out.append((location, header))
    return out


def says_chopped(header: fits.Header) -> bool:
    """Whether a header says its frames are chopped."""
    flags = ("HIERARCH ESO DET CHOP ST", "HIERARCH ESO TEL CHOP ST")
    return any(header.get(key) is True for key in flags) or "CHOPBEAM" in header


def beam_pairs(source: FrameSource, headers: list[fits.Header]) -> tuple[list[Pair], list[int]]:
    """Pairs in order within each run of frames at one nod position; the frames left without a partner."""
    pairs: list[Pair] = []
    dropped: list[int] = []
    runs: list[tuple[int, bool, list[int]]] = []  # nod, B first, frames
    start = 0
    for segment, header in zip(source.segments, headers, strict=True):
        nod = 1 if str(header.get("HIERARCH ESO SEQ NODPOS", "A")).strip().upper() == "B" else 0
        frames = list(range(start, start + segment.count))
        start += segment.count
        if runs and runs[-1][0] == nod:
            runs[-1][2].extend(frames)
        else:
            b_first = str(header.get("CHOPBEAM", "AB")).strip().upper().startswith("B")
            runs.append((nod, b_first, frames))
    for nod, b_first, frames in runs:
        for first, second in zip(frames[0::2], frames[1::2], strict=False):
            a, b = (second, first) if b_first else (first, second)
            pairs.append(Pair(a, b, nod) if nod == 0 else Pair(b, a, nod))
        if len(frames) % 2:
            dropped.append(frames[-1])
    return pairs, dropped
