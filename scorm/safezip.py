"""Safe reading and unpacking of uploaded zips: no path outside the target, no links, bounded size and count.

Each refusal is an `UnsafePackage` whose message names the member and the reason, for the person uploading.
"""
from __future__ import annotations

import re
import stat
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator


class UnsafePackage(ValueError):
    """The zip would write outside its folder, hides a link, or is (or pretends to be) too large."""


@dataclass(frozen=True)
class ZipLimits:
    max_files: int = 5000
    max_total_bytes: int = 500 * 1024 * 1024
    max_file_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200
    """Largest uncompressed/compressed ratio for members over `ratio_floor` bytes (zip bombs reach 1000+)."""
    ratio_floor: int = 1024 * 1024


_DRIVE = re.compile(r"^[A-Za-z]:")


def member_path(name: str) -> PurePosixPath:
    """The relative path a member name stands for, or UnsafePackage when it points outside the package."""
    if "\x00" in name:
        raise UnsafePackage(f"{name!r}: NUL character in the file name")
    normal = name.replace("\\", "/")
    if normal.startswith("/") or _DRIVE.match(normal):
        raise UnsafePackage(f"{name!r}: absolute path")
    parts = [p for p in normal.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePackage(f"{name!r}: '..' would write outside the package folder")
    if not parts:
        raise UnsafePackage(f"{name!r}: empty file name")
    return PurePosixPath(*parts)


def checked_members(archive: zipfile.ZipFile, limits: ZipLimits = ZipLimits()) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Every file member with its safe relative path, after checking names, types and declared sizes."""
    infos = archive.infolist()
    if len(infos) > limits.max_files:
        raise UnsafePackage(f"{len(infos)} entries: more than the limit of {limits.max_files}")
    seen: dict[str, str] = {}
    total = 0
    found = []
    for info in infos:
        path = member_path(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafePackage(f"{info.filename!r}: symbolic link")
        if info.flag_bits & 0x1:
            raise UnsafePackage(f"{info.filename!r}: encrypted entry")
        if info.is_dir():
            continue
        key = str(path).casefold()
        if key in seen:
            raise UnsafePackage(f"{info.filename!r}: duplicate of {seen[key]!r}")
        seen[key] = info.filename
        if info.file_size > limits.max_file_bytes:
            raise UnsafePackage(f"{info.filename!r}: {info.file_size} bytes, over the {limits.max_file_bytes} limit")
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafePackage(f"{info.filename!r}: compression ratio over {limits.max_ratio}:1 (zip bomb?)")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise UnsafePackage(f"unpacked size over the {limits.max_total_bytes} byte limit")
        found.append((info, path))
    return found


@contextmanager
def _damage_refused(info: zipfile.ZipInfo) -> Iterator[None]:
    """Corrupt deflate data, a bad CRC or an unknown compression method is a refusal, not a crash."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise UnsafePackage(f"{info.filename!r}: damaged or unreadable data ({exc})") from None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read at most `limit` bytes, whatever the header claims (headers can lie about sizes)."""
    with _damage_refused(info), archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UnsafePackage(f"{info.filename!r}: larger than declared or over {limit} bytes")
    return data


def extract(archive: zipfile.ZipFile, target: Path, limits: ZipLimits = ZipLimits()) -> list[PurePosixPath]:
    """Unpack into the empty folder `target`; counts real bytes so a lying header cannot exceed the limits."""
    written = 0
    paths = []
    root = target.resolve()
    for info, path in checked_members(archive, limits):
        destination = (root / path).resolve()
        if root not in destination.parents:
            raise UnsafePackage(f"{info.filename!r}: resolves outside the package folder")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with _damage_refused(info), archive.open(info) as source, open(destination, "xb") as sink:
            while chunk := source.read(1 << 16):
                written += len(chunk)
                if written > limits.max_total_bytes:
                    raise UnsafePackage(f"unpacked size over the {limits.max_total_bytes} byte limit")
                sink.write(chunk)
        paths.append(path)
    return paths
