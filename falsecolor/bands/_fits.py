"""Opening FITS files the way real archives need: damaged cards, swapped bytes, truncation."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from .._memory import require
from .._messages import option
from .._readable import regular_file
from ..exceptions import ByteOrderError, CubeError, FileFormatError, InputError

IMAGE_HDUS = (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)
_NON_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def check_readable(path: Path) -> None:
    regular_file(path, "file")  # not a device, FIFO or folder
    if path.stat().st_size == 0:
        raise FileFormatError(f"{path} is empty (0 bytes): not a FITS file")


def open_error(path: Path, err: Exception) -> str:
    text = str(err)
    if "SIMPLE" in text:
        return f"{path} is not a FITS file (it does not start with a SIMPLE card)"
    if "Empty or corrupt" in text:
        return f"{path} is not a readable FITS file: empty or corrupt header"
    return f"{path} is not a readable FITS file: {text.splitlines()[0]}"


#: The data types FITS defines, by BITPIX (big-endian on disk).
BITPIX_DTYPES = {8: "u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}


def bitpix_dtype(bitpix: Any, path: Path | str) -> np.dtype:
    """The on-disk dtype of a BITPIX value; a value FITS does not define is a FileFormatError."""
    if bitpix not in BITPIX_DTYPES or isinstance(bitpix, bool):
        raise FileFormatError(f"{path}: BITPIX {bitpix!r} is not a FITS data type (8, 16, 32, 64, -32, -64)")
    return np.dtype(BITPIX_DTYPES[bitpix])


def has_image(h: Any) -> bool:
    naxis = h.header.get("NAXIS", 0)
    return (
        isinstance(h, IMAGE_HDUS)
        and isinstance(naxis, int)
        and naxis >= 2
        and all(isinstance(n := h.header.get(f"NAXIS{i}", 0), int) and n > 0 for i in range(1, naxis + 1))
    )


#: More HDUs than this is not an image file (and a loop of bad offsets would never end).
MAX_HDUS = 1000


def scan(hdul: fits.HDUList, path: Path | str) -> int:
    """Read the HDU headers one by one, refusing a negative axis length before astropy follows it,
    and bytes that are no HDU at all; the number of HDUs.

    A negative NAXISn makes astropy's next-HDU offset go backwards, so it
    reads the same header again and again until memory runs out. Bytes left
    over when an HDU's BITPIX or NAXIS cards do not match its data parse as
    junk, and the data before them would be read wrongly.
    """
    index = 0
    while True:
        try:
            h = hdul[index]
        except IndexError:
            return index
        except (OSError, ValueError, TypeError, KeyError) as err:
            raise FileFormatError(f"{path} is a damaged FITS file after HDU {index - 1}: {err}") from err
        naxis = h.header.get("NAXIS", 0)
        lengths = (
            [h.header.get(f"NAXIS{i}", 0) for i in range(1, naxis + 1)] if isinstance(naxis, int) else []
        )
        if not isinstance(naxis, int) or naxis < 0 or any(not isinstance(n, int) or n < 0 for n in lengths):
            raise FileFormatError(f"{path}: HDU {index} declares an impossible NAXIS ({naxis}: {lengths})")
        if index and type(h).__name__ in ("_ValidHDU", "_CorruptedHDU", "_NonstandardHDU"):
            raise FileFormatError(
                f"{path}: the bytes after HDU {index - 1} are not a FITS HDU: its BITPIX or NAXIS "
                "cards do not match its data"
            )
        index += 1
        if index > MAX_HDUS:
            raise FileFormatError(f"{path} holds more than {MAX_HDUS} HDUs: not an image file")


def check_layout(hdul: fits.HDUList, index: int, path: Path) -> None:
    """The chosen HDU declares a real data type and no more data than the file holds.

    Checked before any data are read (after :func:`scan`), so a tiny file
    declaring a huge image allocates nothing.
    """
    h = hdul[index]
    header = h.header if not isinstance(h, fits.CompImageHDU) else h._header
    bitpix = header.get("BITPIX")
    bitpix_dtype(bitpix, path)
    if isinstance(h, fits.CompImageHDU) or path.suffix.lower() in (".gz", ".fz", ".bz2", ".zip"):
        return
    declared = abs(bitpix) // 8 * math.prod(int(header[f"NAXIS{i}"]) for i in range(1, header["NAXIS"] + 1))
    offset = getattr(h, "_data_offset", None)  # fileinfo() would re-verify damaged cards
    if not isinstance(offset, int):
        try:
            offset = int(hdul.fileinfo(index)["datLoc"])
        except Exception:  # a header astropy cannot even locate: not a file to read
            raise FileFormatError(f"{path} is a damaged FITS file: its data cannot be located") from None
    available = path.stat().st_size - offset
    if declared > available:
        raise FileFormatError(
            f"{path} is truncated: its header declares {declared} bytes of data, the file holds {available}"
        )


def choose_hdu(hdul: fits.HDUList, hdu: int | str | None, path: Path) -> int:
    try:
        count = len(hdul)
    except (OSError, ValueError) as err:
        raise FileFormatError(f"{path} is a damaged FITS file: {err}") from err
    if hdu is None:
        for index, h in enumerate(hdul):
            if has_image(h):
                return index
        raise FileFormatError(f"{path} has no image HDU (it holds {count} HDU(s) without a 2-D image)")
    if isinstance(hdu, str) and not hdu.lstrip("-").isdigit():
        try:
            index = hdul.index_of(hdu)
        except KeyError as err:
            names = [h.name for h in hdul]
            raise FileFormatError(f"{path} has no HDU named {hdu!r} (it has {names})") from err
    else:
        index = int(hdu)
        if not 0 <= index < count:
            raise FileFormatError(
                f"{path} has {count} HDU(s), numbered 0..{count - 1}: {option('hdu', index)} is out of range"
            )
    if not has_image(hdul[index]):
        raise FileFormatError(f"HDU {index} of {path} holds no image: choose another with {option('hdu')}")
    return index


def readable_header(header: fits.Header) -> fits.Header:
    """Copy of the cards that parse; unparsable ones are repaired or dropped."""
    clean = fits.Header()
    for card in header.cards:
        try:
            keyword, value, comment = card.keyword, card.value, card.comment
            if isinstance(value, str) and _NON_PRINTABLE.search(value):
                value = _NON_PRINTABLE.sub("", value).strip()
            clean.append(fits.Card(keyword, value, comment), end=True)
        except (ValueError, fits.VerifyError, UnicodeError):
            # The card as it stood in the file (astropy keeps it privately).
            image = getattr(card, "_image", None)
            if not isinstance(image, str):
                continue
            repaired = _NON_PRINTABLE.sub(" ", image)
            try:
                fixed = fits.Card.fromstring(repaired)
                with warnings.catch_warnings():  # astropy's own repair (a value in "double quotes")
                    warnings.simplefilter("ignore")
                    fixed.verify("silentfix")
                clean.append(
                    fits.Card(
                        fixed.keyword,
                        fixed.value.strip() if isinstance(fixed.value, str) else fixed.value,
                        fixed.comment,
                    ),
                    end=True,
                )
            except (ValueError, fits.VerifyError, UnicodeError):
                continue
    return clean


def planned_read(h: Any, plane: int | None) -> tuple[tuple[int, ...], bool]:
    """The shape that will be read from an HDU, and whether only ``plane`` of a cube is read."""
    header = h.header if not isinstance(h, fits.CompImageHDU) else h._header
    shape = tuple(int(header.get(f"NAXIS{i}", 0)) for i in range(int(header.get("NAXIS", 0)), 0, -1))
    one_plane = (
        plane is not None
        and len(shape) == 3
        and not isinstance(h, fits.CompImageHDU)
        and 0 <= plane < shape[0]
    )
    return (shape[1:] if one_plane else shape), one_plane


def check_memory(h: Any, plane: int | None, path: Path) -> None:
    """Refuse, before reading, an image that will not fit in memory (raw and as floats)."""
    shape, _ = planned_read(h, plane)
    header = h.header if not isinstance(h, fits.CompImageHDU) else h._header
    raw = abs(int(header.get("BITPIX", 8))) // 8
    cube = len(shape) >= 3
    fix = f"read one plane with {option('plane')}" if cube else "this machine cannot hold it"
    require(math.prod(shape) * (raw + 8) * 1.1, f"reading {path.name}", fix)


def read_data(h: Any, path: Path, caught: list, plane: int | None = None) -> np.ndarray:
    """The raw data of an HDU (only ``plane`` of a 3-D cube when it is given), detached from the file."""
    truncated = [str(w.message) for w in caught if "truncated" in str(w.message)]
    try:
        _, one_plane = planned_read(h, plane)
        data = h.section[plane] if one_plane else h.data
    except (ValueError, OSError, TypeError, IndexError, MemoryError) as err:
        if truncated:
            raise FileFormatError(f"{path} is truncated: {truncated[0].split(': ', 1)[-1]}") from err
        raise FileFormatError(f"cannot read the image data of {path}: {err}") from err
    if data is None:
        raise FileFormatError(f"{path} has no image data")
    return np.array(data)  # detach from the file


def to_float(raw: np.ndarray, header: fits.Header, byteswap: bool | None, name: str) -> np.ndarray:
    if raw.dtype.kind not in "iuf":
        raise FileFormatError(f"{name} holds {raw.dtype} data, not numbers")
    if byteswap is None and looks_byteswapped(raw):
        kind = "integer" if raw.dtype.kind in "iu" else "floating-point"
        raise ByteOrderError(
            f"the {kind} data of {name} look byte-swapped (little-endian despite BITPIX): "
            f"read them swapped with {option('byteswap', True)}"
        )
    if byteswap:
        raw = raw.byteswap()
        if looks_byteswapped(raw):  # it was right as it was: swapping it would make up a picture
            raise ByteOrderError(
                f"the data of {name} are not byte-swapped: "
                f"read them as they are ({option('byteswap', False)})"
            )
    blank = header.get("BLANK") if raw.dtype.kind in "iu" else None
    small = raw.dtype.itemsize <= 2 or (raw.dtype.kind == "f" and raw.dtype.itemsize == 4)
    dtype = np.float32 if small else np.float64
    data = raw.astype(dtype)
    if blank is not None:
        data[raw == blank] = np.nan
    try:
        bscale, bzero = float(header.get("BSCALE", 1.0)), float(header.get("BZERO", 0.0))
    except (TypeError, ValueError) as err:
        raise FileFormatError(f"{name} has a BSCALE or BZERO card that is not a number") from err
    if bscale != 1.0 or bzero != 0.0:
        finite = np.isfinite(data)
        with np.errstate(over="ignore", invalid="ignore"):
            data = data.astype(np.float64) * bscale + bzero
        if not (np.isfinite(bscale) and np.isfinite(bzero) and bscale != 0):
            raise FileFormatError(f"{name} has BSCALE={bscale:g}, BZERO={bzero:g}: not a usable scaling")
        if np.any(finite & ~np.isfinite(data)):
            raise FileFormatError(f"{name}: BSCALE={bscale:g} and BZERO={bzero:g} overflow the data")
    return np.ascontiguousarray(data.astype(data.dtype.newbyteorder("=")))


def looks_byteswapped(raw: np.ndarray) -> bool:
    """True when swapping the bytes makes the image far smoother (a real picture).

    Floating-point data read with the wrong byte order are mostly absurd
    numbers (NaN, infinities, 1e30 and beyond, tiny subnormals); swapped, a
    real picture is finite and smooth.
    """
    if raw.dtype.itemsize < 2 or raw.ndim < 2 or raw.shape[-1] < 8 or raw.size < 64:
        return False
    rows = raw.reshape(-1, raw.shape[-1])[:512]
    if raw.dtype.kind == "f":
        with np.errstate(all="ignore"):
            absurd = [_absurd_fraction(values) for values in (rows, rows.byteswap())]
        if absurd[0] > 0.05 and absurd[1] < 0.005:
            return True
        if absurd[0] > 0.005 or absurd[1] > 0.005:  # NaN (no data) as read, or nonsense swapped
            return False
    with np.errstate(all="ignore"):
        plane = rows.astype(np.float64)
        swapped = rows.byteswap().astype(np.float64)
    if not (np.isfinite(plane).all() and np.isfinite(swapped).all()):
        return False
    as_read = np.mean(np.abs(np.diff(plane, axis=-1)))
    if as_read == 0:
        return False
    return bool(float(np.mean(np.abs(np.diff(swapped, axis=-1)))) * 20 < as_read)


def _absurd_fraction(values: np.ndarray) -> float:
    """The share of floating-point values no picture holds (not finite, beyond 1e30, subnormal)."""
    magnitude = np.abs(values.astype(np.float64))
    tiny = np.finfo(values.dtype).tiny
    absurd = ~np.isfinite(magnitude) | (magnitude > 1e30) | ((magnitude > 0) & (magnitude < tiny))
    return float(np.mean(absurd))


def select_plane(data: np.ndarray, plane: int | None, name: str) -> np.ndarray:
    while data.ndim > 2 and data.shape[0] == 1:
        data = data[0]
    if data.ndim == 2:
        if plane not in (None, 0):
            raise InputError(f"{name} is a 2-D image: {option('plane', plane)} does not exist")
        return data
    cube = data.reshape(-1, *data.shape[-2:])
    if plane is None:
        raise CubeError(
            f"{name} is a cube of {cube.shape[0]} planes {data.shape}: choose one with {option('plane')}"
        )
    if not 0 <= plane < cube.shape[0]:
        raise InputError(f"{name} has planes 0..{cube.shape[0] - 1}: {option('plane', plane)} does not exist")
    return np.ascontiguousarray(cube[plane])
